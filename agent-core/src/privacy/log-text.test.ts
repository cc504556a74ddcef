/**
 * Log redaction with the real redactor: contracts' logger with `redactText: redactLogText`, as the appliance
 * creates it (src/cli/main.ts). PII in free text is redacted, ids, timestamps and addresses stay intact, and the
 * pre-check that skips the redactor loses nothing on the PII corpus. Prints the cost per log line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createLogger } from '@callgate/contracts';
import { mayContainPii, redactLogText } from './log-text.js';
import { redact } from './redact.js';
import type { CorpusUtterance } from './corpus-score.js';

// compiled to agent-core/dist/src/privacy/: four levels up is the repository root
const corpus = JSON.parse(readFileSync(new URL('../../../../test/fixtures/pii/utterances.json', import.meta.url), 'utf8')) as CorpusUtterance[];

function capture() {
  const lines: string[] = [];
  const log = createLogger('agent-core', { level: 'debug', redactText: redactLogText, write: (l) => lines.push(l) });
  return { log, lines, last: () => JSON.parse(lines[lines.length - 1]!) as Record<string, unknown> };
}

test('PII said or written in free text is redacted in log lines', () => {
  const { log, last } = capture();
  log.warn('caller said my card number is four one one one one one one one one one one one one one one one', {
    reason: 'callback to two one two five five five zero one nine eight failed',
    detail: { note: 'email john dot smith at example dot com, or jane.doe@example.org' },
    err: new Error('rejected 4111 1111 1111 1111 for Dana Whitfield speaking'),
  });
  const rec = last();
  assert.equal(rec.msg, 'caller said my card number is [CARD_NUMBER]');
  assert.equal(rec.reason, 'callback to [PHONE_NUMBER] failed');
  assert.deepEqual(rec.detail, { note: 'email [EMAIL], or [EMAIL]' });
  assert.equal((rec.err as { message: string }).message, 'rejected [CARD_NUMBER] for [NAME] speaking');
  assert.ok(!(rec.err as { stack: string }).stack.includes('4111'), 'the stack repeats the message: redacted too');
});

test('ids, timestamps, IP addresses, ports and durations in free text stay intact', () => {
  const { log, last } = capture();
  const keep = [
    'session 6f1e2a3b-65a1-4b35-86fd-8fed32d96634',
    'at 2025-01-02T03:04:05.678Z',
    'trace 4bf92f3577b34da6a3ce929d0e0e4736',
    'from 192.168.100.200:5060',
    'to [::1]:6379',
    'via localhost:16379',
    'took 2125550198 ms',
    'job pc-6f1e2a3b-redact',
    'port 41234',
    'rtp ports 40000-40999',
  ];
  log.info(keep.join(', '), {
    session_id: '6f1e2a3b-65a1-4b35-86fd-8fed32d96634',
    call_id: '3848276298220188511@atlanta.example.com',
    ssrc_note: 'ssrc 3735928559 took 2125550198 ms',
    started_at: '2025-01-02T03:04:05.678Z',
    remote: '10.0.0.12:40000',
    rtp_ports: '40000-40999',
  });
  const rec = last();
  assert.equal(rec.msg, keep.join(', '));
  assert.equal(rec.session_id, '6f1e2a3b-65a1-4b35-86fd-8fed32d96634');
  assert.equal(rec.call_id, '3848276298220188511@atlanta.example.com', 'a SIP Call-ID is an id, not an email');
  assert.equal(rec.started_at, '2025-01-02T03:04:05.678Z');
  assert.equal(rec.remote, '10.0.0.12:40000');
  assert.equal(rec.rtp_ports, '40000-40999', 'a port range is not a phone number');
  // a bare ten-digit number in free text reads as a phone number: only a unit keeps it
  assert.equal(rec.ssrc_note, 'ssrc [PHONE_NUMBER] took 2125550198 ms');
});

test('the pre-check lets every PII utterance of the corpus through (recall of the skip = 1)', () => {
  const withPii = corpus.filter((u) => u.pii.length > 0);
  assert.ok(withPii.length >= 50);
  const missed = withPii.filter((u) => !mayContainPii(u.text) || !mayContainPii(u.text.toLowerCase()));
  assert.deepEqual(missed.map((u) => u.text), []);
});

test('whatever the pre-check stops, the redactor would have left unchanged', () => {
  // the corpus, its utterances cut into words, and typical log messages
  const samples = [
    ...corpus.map((u) => u.text),
    ...corpus.flatMap((u) => {
      const ws = u.text.split(' ');
      return ws.map((_, i) => ws.slice(i, i + 6).join(' '));
    }),
    'agent: tool', 'sip: INVITE received', 'media: stream started', 'callgate ready', 'session ended', 'redis connected',
    'store: SQLite opened', 'post-call flow queued', 'batch workers paused', 'transfer failed: no answer',
  ];
  let skipped = 0;
  for (const s of samples) {
    if (mayContainPii(s)) continue;
    skipped++;
    assert.equal(redact(s).text, s, `skipped but the redactor changes: ${s}`);
  }
  assert.ok(skipped > 50, `the pre-check skips something (${skipped} of ${samples.length})`);
  for (const s of ['agent: tool', 'sip: INVITE received', 'callgate ready', 'store: SQLite opened']) assert.equal(mayContainPii(s), false, s);
});

test('cost per log line (printed, not asserted)', () => {
  const lines: Array<[string, Record<string, unknown>]> = [
    ['agent: tool', { session_id: '6f1e2a3b-65a1-4b35-86fd-8fed32d96634', turn_id: 't3', tool: 'book_appointment', status: 'ok', ms: 85 }],
    ['sip: call answered', { call_id: 'a84b4c76e66710@pc33.example.com', agent: 'front-desk', remote: '127.0.0.1:5062' }],
    ['media: endpoint closed after 12034 ms', { endpoint_id: 'ep-7', rtp_port: 40002, reason: 'bye' }],
    ['store: turn written', { session_id: 's1', seq: 4 }],
    ['transfer failed: no answer from the front desk', { reason: 'timeout', attempts: 2 }],
  ];
  const measure = (redactText?: (t: string) => string): number => {
    const log = createLogger('bench', { level: 'info', write: () => {}, ...(redactText ? { redactText } : {}) });
    const n = 2000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) for (const [m, f] of lines) log.info(m, f);
    return Number(process.hrtime.bigint() - t0) / 1000 / (n * lines.length);
  };
  // three rounds in turn (the first warms up the JIT); the best of each
  const variants: Array<[string, ((t: string) => string) | undefined]> = [
    ['no free-text redaction', undefined],
    ['redactLogText (pre-check)', redactLogText],
    ['the redactor on every string', (t) => redact(t).text],
  ];
  const best = variants.map(() => Infinity);
  for (let round = 0; round < 3; round++) variants.forEach(([, fn], i) => (best[i] = Math.min(best[i]!, measure(fn))));
  const withCheck = best[1]!;
  console.log(`log line cost (µs, best of 3, mean over ${lines.length} typical lines): ${variants.map(([name], i) => `${name} ${best[i]!.toFixed(1)}`).join(', ')}`);
  assert.ok(Number.isFinite(withCheck));
});
