/**
 * CDR events as drachtio-server sends them: an application that routes cdr:attempt/start/stop gets an attempt
 * for each new INVITE, a start (uas) when it is answered, and a stop with the termination reason.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import { APP_SDP, connectApp, startTestEdge, type EdgeFixture } from './testing/edge-fixture.js';
import { Phone, waitFor } from './testing/phone.js';

interface CdrRecord {
  type: string;
  source: string;
  extra: string | undefined;
  callId: string;
}

describe('edge: CDR events', () => {
  let fx: EdgeFixture;
  let srf: Srf;
  let phone: Phone;
  const records: CdrRecord[] = [];

  before(async () => {
    fx = await startTestEdge();
    srf = await connectApp(fx.controlPort, (app) => {
      app.invite((req, res) => {
        if (req.get('X-Reject')) res.send(486);
        else app.createUAS(req, res, { localSdp: APP_SDP }).catch(() => undefined);
      });
      // drachtio-srf calls a CDR handler with (source, time, [role or reason,] message)
      const on = (type: string) => (...args: unknown[]) => {
        const msg = args[args.length - 1] as { get(h: string): string };
        records.push({ type, source: String(args[0]), extra: args.length === 4 ? String(args[2]) : undefined, callId: msg.get('Call-ID') });
      };
      app.on('cdr:attempt', on('attempt'));
      app.on('cdr:start', on('start'));
      app.on('cdr:stop', on('stop'));
    });
    phone = await Phone.udp(fx.ports.udp ?? 0);
  });

  after(async () => {
    srf.disconnect();
    await phone.close();
    await fx.stop();
  });

  it('records attempt, start (uas) and a normal release for an answered call', async () => {
    phone.invite({ callId: 'cdr-1' });
    const ok = await phone.waitResponse('cdr-1', 'INVITE');
    phone.ack(ok);
    phone.request('BYE', { callId: 'cdr-1', cseq: 2, to: ok.get('to') });
    await phone.waitResponse('cdr-1', 'BYE');
    const mine = await waitFor(() => {
      const r = records.filter((x) => x.callId === 'cdr-1');
      return r.length === 3 ? r : undefined;
    });
    assert.deepEqual(
      mine.map((r) => [r.type, r.source, r.extra]),
      [
        ['attempt', 'network', undefined],
        ['start', 'application', 'uas'],
        ['stop', 'network', 'normal-release'],
      ],
    );
  });

  it('records a rejected call', async () => {
    phone.invite({ callId: 'cdr-2', headers: ['X-Reject: yes'] });
    const busy = await phone.waitResponse('cdr-2', 'INVITE');
    assert.equal(busy.status, 486);
    const stop = await waitFor(() => records.find((x) => x.callId === 'cdr-2' && x.type === 'stop'));
    assert.deepEqual([stop.source, stop.extra], ['application', 'call-rejected']);
  });
});
