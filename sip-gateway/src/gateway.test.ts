/**
 * The gateway over the real drachtio-srf client and the embedded SIP edge: connection failures, a call with
 * hold, INFO DTMF and caller BYE, a gateway BYE on a media hangup request, CANCEL during media allocation,
 * and refusals (404, 488). The same wire protocol a drachtio-server speaks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { gatewaySchema, silentLogger, type GatewayConfig } from '@callgate/contracts';
import { SipEdge } from '../edge/src/index.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { DrachtioConnectError } from './drachtio-connection.js';
import { FakeMedia } from './testing/fakes.js';
import { SipPhone } from './testing/sip-phone.js';

const SECRET = 'gw-test';
const offer = (v: number, dir = 'sendrecv', pts = '0 8 101') =>
  ['v=0', `o=caller 1 ${v} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio 40000 RTP/AVP ${pts}`, 'a=rtpmap:101 telephone-event/8000', `a=${dir}`, ''].join('\n');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gateway with the embedded edge and drachtio-srf', () => {
  let edge: SipEdge;
  let config: GatewayConfig;
  let gw: RunningGateway;
  let phone: SipPhone;
  const media = new FakeMedia();
  const registry = new Registry();

  before(async () => {
    edge = new SipEdge({
      config: {
        listen: [{ transport: 'udp', address: '127.0.0.1', port: 0 }],
        timers: { t1: 50, t2: 400, t4: 500 },
        control: { address: '127.0.0.1', port: 0, secret: SECRET },
        maxMessageBytes: 65536,
        tcpIdleTimeoutMs: 60000, overloadDelayMs: 0,
      },
      logger: silentLogger,
      registry: new Registry(),
    });
    const started = await edge.start();
    config = gatewaySchema.parse({
      drachtio: { host: '127.0.0.1', port: started.control.port, secret: SECRET },
      trunks: [{ name: 'local', allow: ['127.0.0.0/8'] }],
      numbers: [{ number: '1000', agent: 'reception' }],
    });
    gw = await startGateway({ config, media, registry, logger: silentLogger });
    phone = new SipPhone(started.sip[0]?.port as number);
    await phone.open();
  });

  after(async () => {
    await gw?.stop();
    phone?.close();
    await edge?.stop();
  });

  it('rejects a wrong secret and an unreachable edge with clear errors', async () => {
    const bad = startGateway({ config: { ...config, drachtio: { ...config.drachtio, secret: 'wrong' } }, media: new FakeMedia(), registry: new Registry(), logger: silentLogger });
    await assert.rejects(bad, (e: unknown) => e instanceof DrachtioConnectError && e.code === 'auth' && /secret/.test(e.message));
    const none = startGateway({ config: { ...config, drachtio: { ...config.drachtio, port: 1 } }, media: new FakeMedia(), registry: new Registry(), logger: silentLogger });
    await assert.rejects(none, (e: unknown) => e instanceof DrachtioConnectError && e.code === 'network');
  });

  it('answers, holds, takes INFO DTMF, and ends on the caller BYE', async () => {
    phone.request('INVITE', 'gw-1', 1, { body: offer(1) });
    const ok = await phone.final('gw-1', 'INVITE');
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^m=audio 20\d+ RTP\/AVP 0 101\r$/m);
    const to = ok.get('to') as string;
    phone.request('ACK', 'gw-1', 1, { to });
    assert.equal(gw.activeCalls(), 1);

    phone.request('INVITE', 'gw-1', 2, { to, body: offer(2, 'sendonly') });
    const held = await phone.final('gw-1', 'INVITE');
    assert.equal(held.status, 200);
    assert.match(held.body, /a=recvonly/);
    phone.request('ACK', 'gw-1', 2, { to });
    assert.equal(media.updates.at(-1)?.remote.direction, 'recvonly');

    phone.request('INFO', 'gw-1', 3, { to, body: 'Signal=7\nDuration=100\n', type: 'application/dtmf-relay' });
    assert.equal((await phone.final('gw-1', 'INFO')).status, 200);
    assert.deepEqual(media.dtmf.at(-1), { endpointId: 'ep-1', digit: '7', durationMs: 100 });

    phone.request('BYE', 'gw-1', 4, { to });
    assert.equal((await phone.final('gw-1', 'BYE')).status, 200);
    await pause(50);
    assert.equal(gw.activeCalls(), 0);
    assert.deepEqual(media.releases.at(-1), { endpointId: 'ep-1', reason: 'caller hangup' });
  });

  it('sends BYE when the media side asks to hang up', async () => {
    phone.request('INVITE', 'gw-2', 1, { body: offer(1) });
    const ok = await phone.final('gw-2', 'INVITE');
    phone.request('ACK', 'gw-2', 1, { to: ok.get('to') as string });
    const endpointId = `ep-${media.allocations.length}`;
    media.emit({ v: 1, type: 'hangup_request', endpointId, reason: 'goodbye' });
    const bye = await phone.wait((m) => m.method === 'BYE' && m.get('call-id') === 'gw-2');
    phone.respond(bye, 200, 'OK');
    await pause(50);
    assert.equal(gw.activeCalls(), 0);
    assert.equal(media.releases.at(-1)?.endpointId, endpointId);
  });

  it('CANCEL during media allocation: 487 to the INVITE, endpoint released', async () => {
    let open!: () => void;
    media.gate = new Promise((r) => (open = r));
    const branch = phone.request('INVITE', 'gw-3', 1, { body: offer(1) });
    await pause(50);
    phone.request('CANCEL', 'gw-3', 1, { branch });
    assert.equal((await phone.final('gw-3', 'CANCEL')).status, 200);
    assert.equal((await phone.final('gw-3', 'INVITE')).status, 487);
    open();
    media.gate = undefined;
    await pause(50);
    assert.equal(gw.activeCalls(), 0);
    assert.equal(media.releases.at(-1)?.reason, 'cancelled');
  });

  it('refuses unknown numbers (404) and offers without a common codec (488)', async () => {
    phone.request('INVITE', 'gw-4', 1, { uri: 'sip:9999@127.0.0.1', body: offer(1) });
    assert.equal((await phone.final('gw-4', 'INVITE')).status, 404);
    phone.request('INVITE', 'gw-5', 1, { body: offer(1, 'sendrecv', '18') });
    const r = await phone.final('gw-5', 'INVITE');
    assert.equal(r.status, 488);
    assert.match(r.get('warning') ?? '', /^305 /);
    const text = await registry.metrics();
    assert.match(text, /callgate_sip_responses_total\{code="404"\} 1/);
    assert.match(text, /callgate_calls_total\{outcome="rejected"\} 2/);
  });
});
