/**
 * `npm run call`: a scripted caller for a running appliance. Dials the config's first number with SIPp, speaks
 * a conversation script (flite's rms voice, or espeak-ng, over real-time RTP) with turn-taking on the agent's audio, prints the
 * conversation as it happens (redacted transcripts from agent-core's live events on Redis) with latencies
 * (live turn timings and voice-to-voice measured on the wire), records the agent, and exits 0 when the call
 * was answered, every caller turn got an answer and the call ended with a BYE.
 *
 *   npm run call
 *   npm run call -- --config /etc/callgate/callgate.yaml --script my-script.json --out /tmp/call1 --json
 *   npm run call -- --help
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { repoRoot } from './harness/paths.js';
import type { CallerVoice } from './harness/speech.js';
import { parseHostPort, readCallTarget } from './caller/config.js';
import { runConversation, type ProgressEvent } from './caller/conversation.js';
import { formatSummary, formatTurn } from './caller/report.js';
import { loadScript, withoutInterrupts } from './caller/script.js';

const HELP = `npm run call -- [options]

Calls a running appliance and plays a conversation script, printing what was said (redacted live events from
agent-core) and the latencies, recording the agent into WAV files.

  --config FILE        appliance config (default: $CALLGATE_CONFIG, ./callgate.yaml, the shipped one)
  --target HOST:PORT   SIP target (default: the config's first edge.listen of the transport)
  --number N           number to dial (default: the config's first gateway.numbers entry)
  --tcp                SIP over TCP (default UDP)
  --redis HOST:PORT    Redis with the live events (default: the config's redis.address/port)
  --no-live            do not subscribe to live events
  --script FILE        conversation script (default: test/sipp/scripts/front-desk.json)
  --no-interrupt       play "interrupt" turns as ordinary turns (no barge-in)
  --voice V            the caller's voice: flite:rms (default), flite:slt, flite:awb or espeak
  --out DIR            where recordings go (default: data/calls/<timestamp>/)
  --json               also write DIR/summary.json
  --turn-timeout MS    how long the agent may take to start answering (default 15000)
  --quiet MS           agent quiet that ends its turn (default 900)
  --max-reply MS       a reply still going after this is talked over by the next turn (default 30000)
  --help               this text

Script: a JSON list of turns: {"say": "what are your opening hours"}, {"say": "...", "interrupt": true}
(start ~1 s into the agent's reply: barge-in), {"dtmf": "0"} (RFC 4733 keys).`;

class UsageError extends Error {}

function callerVoice(v: string | true | undefined): CallerVoice {
  if (v === undefined) return 'flite:rms';
  if (v === 'espeak' || (typeof v === 'string' && /^flite:(rms|slt|awb|kal|kal16)$/.test(v))) return v as CallerVoice;
  throw new UsageError(`--voice: one of flite:rms, flite:slt, flite:awb, espeak (got ${String(v)})`);
}

function args(argv: string[]): Map<string, string | true> {
  const flags = new Set(['--tcp', '--no-live', '--no-interrupt', '--json', '--help', '-h']);
  const valued = new Set(['--config', '--target', '--number', '--redis', '--script', '--out', '--turn-timeout', '--quiet', '--max-reply', '--voice']);
  const out = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (flags.has(a)) out.set(a, true);
    else if (valued.has(a)) {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      out.set(a, v);
      i++;
    } else throw new UsageError(`unknown option ${a} (see --help)`);
  }
  return out;
}

function positiveMs(v: string | true | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number of ms`);
  return n;
}

function defaultConfig(): string {
  if (process.env.CALLGATE_CONFIG) return process.env.CALLGATE_CONFIG;
  return existsSync('callgate.yaml') ? 'callgate.yaml' : join(repoRoot, 'callgate.yaml');
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

function print(e: ProgressEvent, o: { turnTimeoutMs: number; out: string }): void {
  switch (e.type) {
    case 'live':
      console.log(
        e.connected
          ? `live events: ${e.channel} on redis ${e.redis}`
          : `live events: not available (redis ${e.redis}: ${e.error ?? 'no connection'}); transcripts fall back to the script's text`,
      );
      break;
    case 'calling':
      console.log(`calling ${e.uri} over ${e.transport.toUpperCase()}, Call-ID ${e.callId}, caller RTP ${e.rtp}`);
      break;
    case 'answered':
      console.log(`answered: ${e.media.codec} from ${e.media.address}:${e.media.port}${e.media.dtmfPt !== undefined ? ` + telephone-event/${e.media.dtmfPt}` : ''}`);
      break;
    case 'not-answered':
      console.log(`not answered: ${e.detail}`);
      break;
    case 'session':
      console.log(`live session ${e.sessionId} (agent ${e.agent})`);
      break;
    case 'speaking':
      break;
    case 'turn':
      console.log('');
      for (const l of formatTurn(e.turn, { turnTimeoutMs: o.turnTimeoutMs })) console.log(l);
      break;
    case 'transfer':
      console.log(`\nthe agent transferred the call to ${e.referTo} (REFER accepted, NOTIFY 200 sent)`);
      break;
    case 'note':
      console.log(e.text);
      break;
    case 'ended':
      console.log(`\ncall ended: ${e.by === 'appliance' ? 'the appliance hung up (BYE)' : e.by === 'caller' ? 'the caller hung up (BYE)' : 'without a BYE'}`);
      break;
    case 'live-event':
      break;
  }
}

async function main(argv: string[]): Promise<number> {
  const a = args(argv);
  if (a.has('--help') || a.has('-h')) {
    console.log(HELP);
    return 0;
  }
  const transport = a.has('--tcp') ? 'tcp' : 'udp';
  const configPath = typeof a.get('--config') === 'string' ? (a.get('--config') as string) : defaultConfig();
  const number = a.get('--number');
  const target = readCallTarget(configPath, { transport, ...(typeof number === 'string' ? { number } : {}) });
  const sip = typeof a.get('--target') === 'string' ? parseHostPort(a.get('--target') as string, '--target') : target.sip;
  const redisArg = a.get('--redis');
  const redis = a.has('--no-live') ? null : typeof redisArg === 'string' ? parseHostPort(redisArg, '--redis') : target.redis;
  const scriptPath = typeof a.get('--script') === 'string' ? (a.get('--script') as string) : join(repoRoot, 'test', 'sipp', 'scripts', 'front-desk.json');
  let script = loadScript(scriptPath);
  if (a.has('--no-interrupt')) script = withoutInterrupts(script);
  const out = typeof a.get('--out') === 'string' ? (a.get('--out') as string) : join('data', 'calls', stamp());
  const turnTimeoutMs = positiveMs(a.get('--turn-timeout'), '--turn-timeout', 15_000);
  const quietMs = positiveMs(a.get('--quiet'), '--quiet', 900);
  const maxReplyMs = positiveMs(a.get('--max-reply'), '--max-reply', 30_000);
  const shownScript = isAbsolute(scriptPath) ? relative(process.cwd(), scriptPath) || scriptPath : scriptPath;

  console.log(`callgate call: ${script.turns.length} caller turn${script.turns.length === 1 ? '' : 's'} from ${shownScript}${target.agent && typeof number !== 'string' ? ` (number ${target.number} → agent ${target.agent})` : ''}`);
  const abort = new AbortController();
  let firstSigint = 0;
  const onSigint = (): void => {
    // one Ctrl-C can arrive twice (from the terminal and forwarded by npm): only a later one quits at once
    if (abort.signal.aborted) {
      if (Date.now() - firstSigint > 1000) process.exit(130);
      return;
    }
    firstSigint = Date.now();
    console.log('\ninterrupted: hanging up (Ctrl-C again to quit at once)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const result = await runConversation({
    target: sip,
    transport,
    number: target.number,
    redis,
    script,
    out,
    turnTimeoutMs,
    quietMs,
    maxReplyMs,
    writeSummary: a.has('--json'),
    voice: callerVoice(a.get('--voice')),
    signal: abort.signal,
    onProgress: (e) => print(e, { turnTimeoutMs, out }),
  });
  process.off('SIGINT', onSigint);
  console.log('');
  for (const l of formatSummary(result, out)) console.log(l);
  if (a.has('--json')) console.log(`  summary: ${join(out, 'summary.json')}`);
  if (result.ok) console.log('call OK');
  else {
    console.log(`call FAILED:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`);
    if (result.sipp.code !== 0 && result.sipp.dir) console.log(`  (SIPp's files: ${result.sipp.dir})`);
    if (existsSync(join(out, 'sip.log'))) console.log(`  (SIP trace: ${join(out, 'sip.log')})`);
  }
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`call: ${err.message}`);
    if (err instanceof UsageError) console.error('see npm run call -- --help');
    process.exit(2);
  },
);
