/**
 * The whole appliance on the embedded providers, called the way `npm run call` calls it: a multi-turn conversation
 * with the front-desk agent over SIPp + real-time RTP — the caller's speech recognised by PocketSphinx, answered
 * by the flow engine, spoken by flite —, a barge-in, a booking through the demo calendar's webhook on the realtime
 * queue, key 3 for a callback, a phone number and an email address said aloud, a card number said by mistake,
 * goodbye and the agent's BYE. Then what is kept: redacted transcripts live and in the SQLite store, the summary
 * and analytics of the post-call flow, and none of the three values — in any form a recogniser or a read-back
 * writes them — in the store's files, in Redis (every key, and its persistence files), in the live events or in
 * the appliance's log lines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { LiveEvent } from '@callgate/contracts';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { repoRoot } from './harness/paths.js';
import { runConversation, type ConversationResult } from './caller/conversation.js';
import { loadScript } from './caller/script.js';

const ports = portPlan(11);
/** what the script says (test/sipp/scripts/front-desk.json) */
const PHONE_DIGITS = '2125550198';
const EMAIL = 'john.smith@example.com';

/** words in sequence, whatever separates them ("two one two", "two, one-two") */
const spoken = (text: string): RegExp => new RegExp(`\\b${text.split(' ').join('\\W+')}\\b`, 'i');

/**
 * The three values the caller says, in every form they could be kept in: digits (grouped or not: another
 * recogniser writes digits), digit words (what PocketSphinx writes, and what the agent reads back), the email
 * as said and as written, and its parts. `alone`: words that betray the value on their own in a kept text, but
 * not in a partial transcript, where the first word of an address ("john") shows before the rest is heard.
 */
const SECRETS: ReadonlyArray<{ what: string; forms: RegExp[]; alone?: RegExp[] }> = [
  {
    what: 'phone number',
    forms: [
      /212\D{0,3}555\D{0,3}0198/,
      /555\D?0198/,
      spoken('two one two five five five'),
      spoken('five five five zero one nine eight'),
      spoken('five five five oh one nine eight'),
    ],
  },
  {
    what: 'card number',
    forms: [/4111\D?1111\D?1111\D?1111/, /1111\D?1111\D?1111/, spoken('four one one one one'), spoken('one one one one one one')],
  },
  {
    what: 'email address',
    forms: [new RegExp(EMAIL.replace(/\./g, '\\.'), 'i'), /john\W*\.\W*smith/i, /smith\s*@/i, spoken('john dot smith'), spoken('smith at example')],
    alone: [/\bjohn\b/i, /\bsmith\b/i],
  },
];

/** where any secret shows in `text`, as "what (form): …context…" lines; undefined when nowhere */
function leak(text: string, o: { partial?: boolean } = {}): string | undefined {
  const found: string[] = [];
  for (const s of SECRETS) {
    for (const f of [...s.forms, ...(o.partial ? [] : (s.alone ?? []))]) {
      const m = f.exec(text);
      if (m) found.push(`${s.what} (${f.source}): …${text.slice(Math.max(0, m.index - 60), m.index + m[0].length + 60)}…`);
    }
  }
  return found.length ? found.slice(0, 6).join('\n') : undefined;
}

const isPartial = (e: LiveEvent): boolean => e.type === 'transcript' && !e.final;

/** every file under `dir`, recursively */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** every Redis key with its value, whatever its type */
async function dumpRedis(redis: Redis): Promise<{ text: string; keys: number; types: Set<string> }> {
  let text = '';
  const types = new Set<string>();
  const keys = await redis.keys('*');
  for (const key of keys) {
    const type = await redis.type(key);
    types.add(type);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'set') value = await redis.smembers(key);
    else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
    else if (type === 'stream') value = await redis.xrange(key, '-', '+');
    else value = `(${type})`;
    text += `${key} ${JSON.stringify(value)}\n`;
  }
  return { text, keys: keys.length, types };
}

describe('a conversation with the front-desk agent on the embedded providers', () => {
  let app: Appliance;
  let dir: string;
  let result: ConversationResult;
  const events: LiveEvent[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callgate-conversation-'));
    app = await Appliance.start({ ports, agentCore: { dataDir: dir }, readyTimeoutMs: 30_000 });
    result = await runConversation({
      target: { host: '127.0.0.1', port: ports.sip },
      number: '1000',
      redis: { host: '127.0.0.1', port: ports.redis },
      script: loadScript(join(repoRoot, 'test/sipp/scripts/front-desk.json')),
      out: join(dir, 'call'),
      ports: { sip: ports.nextSippPort(), sippMedia: ports.nextMediaPort(), rtp: ports.nextMediaPort() },
      onProgress: (e) => {
        if (e.type === 'live-event') events.push(e.event);
      },
    });
  });

  after(async () => {
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the call is answered, every caller turn gets a spoken answer, and the agent hangs up after goodbye', () => {
    if (process.env.DEBUG_CONVERSATION) {
      const placeholders = app.lines.filter((l) => /\[[A-Z_]+\]/.test(l));
      console.log(JSON.stringify({ live: result.live, problems: result.problems, durationMs: result.durationMs, bargeInStopMs: result.stats.bargeInStopMs, logLinesWithPlaceholders: placeholders, turns: result.turns.map((t) => [t.caller?.heard, t.agent.text, t.agent.outcome]) }, null, 1));
    }
    assert.ok(result.answered, `answered (${result.problems.join('; ')})`);
    assert.equal(result.stats.answeredTurns, result.stats.callerTurns, `answered turns: ${result.problems.join('; ')}`);
    assert.equal(result.endedBy, 'appliance', 'the agent ended the call with a BYE');
    assert.ok(result.live.connected && result.live.sessionId, 'live events came from agent-core');
    const greeting = result.turns[0]!;
    assert.match(greeting.agent.text ?? '', /Riverside Clinic/);
    assert.match(result.turns[1]!.agent.text ?? '', /open/i, 'the opening hours');
  });

  it('talking over the agent stops it on the wire, and the conversation goes on from what was heard', () => {
    assert.ok(result.stats.bargeIns >= 1, 'a barge-in');
    const cut = result.turns.find((t) => t.agent.cut);
    assert.ok(cut, 'a reply marked as cut in the live transcript');
    const stop = result.stats.bargeInStopMs[0];
    assert.ok(stop !== undefined && stop < 400, `agent audio stopped ${stop} ms after the caller started talking`);
  });

  it('books through the demo calendar (a webhook on the realtime queue) and takes the spoken callback number', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.demoCalendar}/bookings`);
    const body = (await res.json()) as { appointments: unknown[]; callbacks: Array<{ phone?: string }> };
    assert.equal(body.appointments.length, 1, JSON.stringify(body));
    assert.equal(body.callbacks.length, 1, JSON.stringify(body));
    assert.equal(body.callbacks[0]!.phone, PHONE_DIGITS, 'the number said digit by digit reached the tool as digits');
    assert.ok(result.turns.some((t) => t.live.tools.some((x) => x.tool === 'book_appointment' && x.status === 'ok')));
    assert.ok(result.turns.some((t) => t.live.tools.some((x) => x.tool === 'take_callback' && x.status === 'ok')));
    assert.ok(result.turns.some((t) => t.kind === 'dtmf' && /keypad 3/.test(t.caller?.heard ?? '')), 'key 3 chose the callback');
  });

  it('transcripts are redacted live: the spoken phone number, email and card number show as placeholders', () => {
    const finals = events.filter((e): e is Extract<LiveEvent, { type: 'transcript' }> => e.type === 'transcript' && e.final);
    const caller = finals.filter((e) => e.speaker === 'caller').map((e) => e.text).join('\n');
    const agent = finals.filter((e) => e.speaker === 'agent').map((e) => e.text).join('\n');
    for (const placeholder of ['[PHONE_NUMBER]', '[EMAIL]', '[CARD_NUMBER]']) assert.ok(caller.includes(placeholder), `${placeholder} in what the caller said:\n${caller}`);
    // the read-back and the confirmation name both, redacted: the email slot was confirmed and used
    assert.match(agent, /That's \[PHONE_NUMBER\], and \[EMAIL\]\. Is that right\?/);
    assert.match(agent, /email the details to \[EMAIL\]/);
    assert.match(agent, /please don't give card details/);
    const texts = result.turns.flatMap((t) => [t.caller?.heard ?? '', t.agent.text ?? '']).join('\n');
    assert.equal(leak(texts), undefined, 'no value in clear in the turns');
  });

  it('none of the values in the live events the dashboard gets (final transcripts, tools, timings…)', () => {
    assert.ok(events.length > 50, `live events: ${events.length}`);
    const found = leak(events.filter((e) => !isPartial(e)).map((e) => JSON.stringify(e)).join('\n'));
    assert.equal(found, undefined, `in the live events: ${found}`);
  });

  it("none of the values in the partial transcripts (the caller's words so far, the agent's words as spoken)", () => {
    const partials = events.filter(isPartial);
    assert.ok(partials.length > 0, 'partial transcripts were published');
    const found = leak(partials.map((e) => JSON.stringify(e)).join('\n'), { partial: true });
    assert.equal(found, undefined, `in a partial: ${found}`);
  });

  it('stores each turn and, after the call, its summary and analytics', async () => {
    const db = join(dir, 'callgate.db');
    const { default: Database } = await import('better-sqlite3');
    const sqlite = new Database(db, { readonly: true });
    let session: { summary: string | null; analytics: string | null; outcome: string | null } | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      session = sqlite.prepare('SELECT summary, analytics, outcome FROM sessions WHERE id = ?').get(result.live.sessionId) as typeof session;
      if (session?.summary && session.analytics) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const turns = sqlite.prepare('SELECT count(*) AS n FROM turns WHERE session_id = ?').get(result.live.sessionId) as { n: number };
    const stored = sqlite.prepare("SELECT caller_text AS t FROM turns WHERE session_id = ? AND caller_text IS NOT NULL").all(result.live.sessionId) as Array<{ t: string }>;
    sqlite.close();
    assert.ok(session?.summary, 'summary stored');
    assert.ok(session.analytics && JSON.parse(session.analytics).call.interruptions >= 1, 'analytics stored, the barge-in counted');
    assert.equal(session.outcome, 'completed');
    assert.ok(turns.n >= result.stats.callerTurns, `turns stored: ${turns.n}`);
    const callerTexts = stored.map((r) => r.t).join('\n');
    for (const placeholder of ['[PHONE_NUMBER]', '[EMAIL]', '[CARD_NUMBER]']) assert.ok(callerTexts.includes(placeholder), `${placeholder} stored:\n${callerTexts}`);
  });

  it('none of the values in the SQLite files (database, WAL), in Redis (every key, its files) or in any log line', async () => {
    // (the caller's own recordings and SIPp logs are under call/, outside the appliance's data)
    const dbFiles = readdirSync(dir).filter((f) => f.startsWith('callgate.db'));
    assert.ok(dbFiles.includes('callgate.db'), `store files: ${dbFiles.join(', ')}`);
    const store = dbFiles.map((f) => readFileSync(join(dir, f)).toString('latin1')).join('\n');
    assert.ok(store.includes('[PHONE_NUMBER]'), 'the store files hold the redacted turns (the scan reads them)');

    const redis = new Redis({ host: '127.0.0.1', port: ports.redis });
    const dump = await dumpRedis(redis).finally(() => redis.disconnect());
    assert.ok(dump.keys > 0 && dump.types.has('hash'), `Redis keys: ${dump.keys} (${[...dump.types].join(', ')})`);
    // what Redis wrote to disk also holds keys since deleted (finished jobs)
    const redisFiles = filesUnder(join(dir, 'redis')).map((f) => readFileSync(f).toString('latin1')).join('\n');

    const logs = app.lines.join('\n');
    assert.ok(app.lines.length > 20, `log lines: ${app.lines.length}`);
    for (const [where, text] of [['the SQLite files', store], ['the Redis keys', dump.text], ["Redis's files", redisFiles], ['the logs', logs]] as const) {
      const found = leak(text);
      assert.equal(found, undefined, `in ${where}: ${found}`);
    }
    assert.ok(!/opening hours/i.test(logs), 'no transcript text in the logs');
  });
});
