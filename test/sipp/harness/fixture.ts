/** Glue for the test files: SIPp options aimed at an appliance, and assertion helpers with useful messages. */
import assert from 'node:assert/strict';
import type { Appliance } from './appliance.js';
import { runSipp, startSipp, describeRun, type SippOptions, type SippResult, type SippRun } from './sipp.js';
import { cseqMethod, header, type TracedMessage } from './sip-trace.js';
import { fetchMetrics, metricSum, type Sample } from './metrics.js';

export type CallOptions = Omit<SippOptions, 'target' | 'mediaPort'> & { mediaPort?: number; rtpPort?: number };

export function sippOptions(app: Appliance, o: CallOptions): SippOptions {
  const mediaPort = o.mediaPort ?? app.ports.nextMediaPort();
  return {
    ...o,
    target: app.sipTarget,
    mediaPort,
    localPort: o.localPort ?? app.ports.nextSippPort(),
    keys: { rtp_ip: '127.0.0.1', rtp_port: o.rtpPort ?? mediaPort, ...o.keys },
  };
}

export function call(app: Appliance, o: CallOptions): Promise<SippResult> {
  return runSipp(sippOptions(app, o));
}

export function startCall(app: Appliance, o: CallOptions): SippRun {
  return startSipp(sippOptions(app, o));
}

export function assertSippOk(r: SippResult, app?: Appliance): void {
  assert.equal(r.code, 0, `SIPp reported failed calls\n${describeRun(r, app?.logTail(30))}`);
}

export function receivedResponses(r: SippResult, method?: string): TracedMessage[] {
  return r.messages.filter((m) => m.direction === 'received' && m.status !== undefined && (!method || cseqMethod(m) === method));
}

export function receivedRequests(r: SippResult, method?: string): TracedMessage[] {
  return r.messages.filter((m) => m.direction === 'received' && m.method !== undefined && (!method || m.method === method));
}

export function statuses(r: SippResult, method?: string): number[] {
  return receivedResponses(r, method).map((m) => m.status!);
}

/** the `m=audio PORT` of the first 200 to the INVITE */
export function answerMedia(r: SippResult): { ip: string; port: number; pts: number[]; body: string } {
  const ok = receivedResponses(r, 'INVITE').find((m) => m.status === 200);
  assert.ok(ok, `no 200 to the INVITE\n${describeRun(r)}`);
  const c = /^c=IN IP4 (\S+)/m.exec(ok.body);
  const m = /^m=audio (\d+) RTP\/AVP ([\d ]+)/m.exec(ok.body);
  assert.ok(c && m, `200 without a usable SDP answer:\n${ok.raw}`);
  return { ip: c[1]!, port: Number(m[1]), pts: m[2]!.trim().split(/\s+/).map(Number), body: ok.body };
}

export { header, describeRun };

/** metrics, or undefined (with a diagnostic) when the endpoint is not there yet */
export async function tryMetrics(app: Appliance, diag: (msg: string) => void): Promise<Sample[] | undefined> {
  try {
    return await fetchMetrics(app.metricsUrl);
  } catch (err) {
    diag(`metrics not available: ${(err as Error).message}`);
    return undefined;
  }
}

export function metricOrDiag(samples: Sample[] | undefined, name: string, labels: Record<string, string>, diag: (msg: string) => void): number | undefined {
  if (!samples) return undefined;
  const v = metricSum(samples, name, labels);
  if (v === undefined) diag(`metric ${name}${JSON.stringify(labels)} not exported (yet)`);
  return v;
}

/** polls until `fn` returns true or `timeoutMs` passes */
export async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
