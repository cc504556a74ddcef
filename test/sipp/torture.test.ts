/**
 * Torture: every message of the edge's parser corpus (sip-gateway/edge/test/corpus/{valid,invalid}, expected
 * outcomes in its README table) is sent to a running appliance over UDP and over TCP.
 * - valid requests: any answer must not be 400 (nor 500); over TCP an answer is required;
 * - valid responses: silently absorbed (no answer);
 * - invalid, expected 400/505: the answer, if any, is exactly that code (UDP answers may go to the Via port,
 *   so none is required there);
 * - invalid, expected drop: no answer.
 * Each send gets unique Via branches (files share them and would otherwise be absorbed as retransmissions).
 * Afterwards a normal call must still succeed and the appliance must still run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { corpusDir } from './harness/paths.js';
import { sendTcp, sendUdp, uniqueBranches, viaTransport } from './harness/raw-sip.js';
import { assertSippOk, call } from './harness/fixture.js';
import { fetchMetrics, metricSum } from './harness/metrics.js';

type Expected = 'ok' | 'drop' | number;

function readExpectations(): Map<string, Expected> {
  const out = new Map<string, Expected>();
  const readme = join(corpusDir, 'README.md');
  if (!existsSync(readme)) return out;
  for (const line of readFileSync(readme, 'utf8').split('\n')) {
    const m = /^\|\s*`((?:valid|invalid)\/[^`]+\.sip)`\s*\|.*\|\s*(ok|drop|\d{3})\s*\|\s*$/.exec(line);
    if (m) out.set(m[1]!, m[2] === 'ok' || m[2] === 'drop' ? m[2] : Number(m[2]));
  }
  return out;
}

function corpusFiles(kind: 'valid' | 'invalid'): string[] {
  const dir = join(corpusDir, kind);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sip')).sort().map((f) => `${kind}/${f}`) : [];
}

const expectations = readExpectations();
const files = [...corpusFiles('valid'), ...corpusFiles('invalid')];

function isResponse(data: Buffer): boolean {
  return /^\s*SIP\/2\.0\s/.test(data.subarray(0, 64).toString('latin1'));
}

describe('torture corpus over UDP and TCP', () => {
  let app: Appliance;
  before(async () => {
    // short timers so finished transactions are gone within seconds (the leak check below waits for that)
    app = await Appliance.start({ ports: portPlan(7), timers: { t1: 50, t2: 400, t4: 500 } });
  });
  after(async () => {
    assert.equal(await app?.stop(), 0, app?.logTail());
  });

  it('has a corpus to send, with an expected outcome for every file', () => {
    assert.ok(files.length > 0, `no corpus files under ${corpusDir}`);
    for (const f of files) assert.ok(expectations.has(f), `${f} has no row in the corpus README`);
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`answers every corpus message over ${transport.toUpperCase()} as the README expects`, async (t) => {
      const problems: string[] = [];
      let sent = 0;
      for (const file of files) {
        // stream framing needs Content-Length: the UDP-only datagram cases do not apply to TCP
        if (transport === 'tcp' && /\/udp-/.test(file)) continue;
        const expected = expectations.get(file);
        const raw = readFileSync(join(corpusDir, file));
        // corpus files share branches: make each send its own transaction (the rest stays byte-exact)
        const fresh = uniqueBranches(raw, `${transport}${++sent}`);
        const data = transport === 'tcp' ? viaTransport(fresh, 'TCP') : fresh;
        const send = transport === 'udp' ? sendUdp : sendTcp;
        const res = await send(app.sipTarget, data, expected === 'drop' || isResponse(raw) ? 600 : 1500);
        const codes = res.responses.map((m) => m.status!);
        const finals = codes.filter((c) => c >= 200);
        const desc = `${file} (${String(expected)}) -> ${codes.length ? codes.join(',') : 'no answer'}${res.closed ? ' [closed]' : ''}`;
        t.diagnostic(desc);
        if (expected === 'ok') {
          if (isResponse(raw)) {
            if (codes.length) problems.push(`${desc}: a response must not be answered`);
          } else {
            if (finals.some((c) => c === 400 || c === 500)) problems.push(`${desc}: a valid request was refused`);
            if (transport === 'tcp' && !/^\s*ACK /.test(raw.toString('latin1')) && finals.length === 0) problems.push(`${desc}: no final answer over TCP`);
          }
        } else if (expected === 'drop') {
          if (codes.length) problems.push(`${desc}: expected to be dropped`);
        } else if (typeof expected === 'number') {
          if (finals.some((c) => c !== expected)) problems.push(`${desc}: expected ${expected} or no answer`);
        }
        assert.ok(app.running, `appliance died after ${file} over ${transport}\n${app.logTail()}`);
      }
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  it('still completes a normal call afterwards and is still running', async () => {
    const r = await call(app, { scenario: 'pcma-only.xml' });
    assertSippOk(r, app);
    assert.ok(app.running);
  });

  it('keeps no transaction or dialog once the traffic is over', async () => {
    const deadline = Date.now() + 15_000;
    let live: Array<number | undefined> = [];
    while (Date.now() < deadline) {
      const samples = await fetchMetrics(app.metricsUrl);
      live = [metricSum(samples, 'callgate_edge_transactions'), metricSum(samples, 'callgate_edge_dialogs')];
      if (live[0] === 0 && live[1] === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(live, [0, 0], 'transactions and dialogs return to zero');
  });
});
