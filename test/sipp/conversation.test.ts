/**
 * The whole appliance on the embedded providers, called the way `npm run call` calls it: a multi-turn conversation
 * with the front-desk agent over SIPp + real-time RTP — the caller's speech recognised by PocketSphinx, answered
 * by the flow engine, spoken by flite —, a barge-in, a booking through the demo calendar's webhook on the realtime
 * queue, a callback number keyed in, a card number said by mistake, goodbye and the agent's BYE. Then what is
 * kept: redacted transcripts live and in the SQLite store, the summary and analytics of the post-call flow, no
 * personal data in the store, in Redis or in the logs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { repoRoot } from './harness/paths.js';
import { runConversation, type ConversationResult } from './caller/conversation.js';
import { loadScript } from './caller/script.js';

const ports = portPlan(11);
const PHONE_DIGITS = '2125550198';

describe('a conversation with the front-desk agent on the embedded providers', () => {
  let app: Appliance;
  let dir: string;
  let result: ConversationResult;

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
    });
  });

  after(async () => {
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the call is answered, every caller turn gets a spoken answer, and the agent hangs up after goodbye', () => {
    if (process.env.DEBUG_CONVERSATION) console.log(JSON.stringify({ live: result.live, problems: result.problems, turns: result.turns.map((t) => [t.caller?.heard, t.agent.text, t.agent.outcome]) }, null, 1));
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

  it('books through the demo calendar (a webhook on the realtime queue) and takes the keyed callback number', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.demoCalendar}/bookings`);
    const body = (await res.json()) as { appointments: unknown[]; callbacks: unknown[] };
    assert.equal(body.appointments.length, 1, JSON.stringify(body));
    assert.equal(body.callbacks.length, 1, JSON.stringify(body));
    assert.ok(result.turns.some((t) => t.live.tools.some((x) => x.tool === 'book_appointment' && x.status === 'ok')));
  });

  it('transcripts are redacted live: the keyed number and the spoken card number show as placeholders', () => {
    const texts = result.turns.flatMap((t) => [t.caller?.heard ?? '', t.agent.text ?? '']).join('\n');
    assert.match(texts, /\[PHONE_NUMBER\]/);
    assert.match(texts, /\[CARD_NUMBER\]/);
    assert.ok(!texts.includes(PHONE_DIGITS) && !/four one one one/.test(texts), 'no number in clear');
  });

  it('stores each turn and, after the call, its summary and analytics; no personal data in the store, Redis or the logs', async () => {
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
    sqlite.close();
    assert.ok(session?.summary, 'summary stored');
    assert.ok(session.analytics && JSON.parse(session.analytics).call.interruptions >= 1, 'analytics stored, the barge-in counted');
    assert.equal(session.outcome, 'completed');
    assert.ok(turns.n >= result.stats.callerTurns, `turns stored: ${turns.n}`);

    // the store's files (database, WAL), every Redis key and value, every log line
    const files = readdirSync(dir).filter((f) => f.startsWith('callgate.db')).map((f) => readFileSync(join(dir, f)).toString('latin1'));
    const redis = new Redis({ host: '127.0.0.1', port: ports.redis });
    let redisDump = '';
    for (const key of await redis.keys('*')) {
      const type = await redis.type(key);
      if (type === 'hash') redisDump += JSON.stringify(await redis.hgetall(key));
      else if (type === 'string') redisDump += await redis.get(key);
      else if (type === 'stream') redisDump += JSON.stringify(await redis.xrange(key, '-', '+'));
      else if (type === 'list') redisDump += JSON.stringify(await redis.lrange(key, 0, -1));
    }
    redis.disconnect();
    const logs = app.lines.join('\n');
    for (const [where, text] of [['store', files.join('')], ['redis', redisDump], ['logs', logs]] as const) {
      assert.ok(!text.includes(PHONE_DIGITS), `no phone number in the ${where}`);
      assert.ok(!/four one one one one/.test(text), `no card number in the ${where}`);
    }
    assert.ok(!/opening hours/i.test(logs), 'no transcript text in the logs');
  });
});
