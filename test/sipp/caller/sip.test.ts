/** SIPp's log lines from conversation.xml, the hang-up request, config targets, and the report text. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '@callgate/contracts';
import { parseHostPort, targetFromConfig } from './config.js';
import { formatSummary, formatTurn } from './report.js';
import { hangupRequest, newCallId, parseSipLogLine } from './sip.js';
import type { ConversationResult, TurnResult } from './conversation.js';

describe('caller: SIPp log lines', () => {
  it('reads the media answer', () => {
    const e = parseSipLogLine('answered media=127.0.0.1:36004 pt=0 te=a=rtpmap:101 telephone-event (c=IN IP4 127.0.0.1 m=audio 36004 RTP/AVP 0)');
    assert.deepEqual(e, { type: 'answered', media: { address: '127.0.0.1', port: 36004, pt: 0, dtmfPt: 101 } });
    const noTe = parseSipLogLine('answered media=10.0.0.1:4000 pt=8 te= (c=IN IP4 10.0.0.1 m=audio 4000 RTP/AVP 8)');
    assert.deepEqual(noTe, { type: 'answered', media: { address: '10.0.0.1', port: 4000, pt: 8, dtmfPt: undefined } });
  });
  it('reads the other events', () => {
    assert.deepEqual(parseSipLogLine('rejected 404'), { type: 'rejected', code: 404 });
    assert.deepEqual(parseSipLogLine('refer received <sip:operator@127.0.0.1:5070>'), { type: 'refer', referTo: '<sip:operator@127.0.0.1:5070>' });
    assert.equal(parseSipLogLine('bye received').type, 'bye-received');
    assert.equal(parseSipLogLine('caller hangs up').type, 'caller-hangup');
    assert.equal(parseSipLogLine('bye answered').type, 'bye-answered');
    assert.equal(parseSipLogLine('call over').type, 'over');
    assert.equal(parseSipLogLine('something else').type, 'other');
  });
  it('makes a fresh Call-ID that SIPp can reproduce from -cid_str (call number 1)', () => {
    const a = newCallId();
    assert.match(a, /^callgate-call-[0-9a-f]{12}-1$/);
    assert.notEqual(a, newCallId());
  });
  it('builds the in-dialog hang-up request with our Call-ID', () => {
    const m = hangupRequest('callgate-call-x-1', 'udp', 40000);
    assert.match(m, /^CGHANGUP sip:caller@127\.0\.0\.1:40000 SIP\/2\.0\r\n/);
    assert.match(m, /\r\nCall-ID: callgate-call-x-1\r\n/);
    assert.match(m, /\r\nCSeq: 1 CGHANGUP\r\n/);
    assert.ok(m.endsWith('\r\n\r\n'));
  });
});

describe('caller: where to call', () => {
  const config = validateConfig({
    version: 1,
    edge: { listen: [{ transport: 'tcp', address: '0.0.0.0', port: 5080 }, { transport: 'udp', address: '127.0.0.1', port: 5170 }] },
    gateway: { trunks: [{ name: 'lo', allow: ['127.0.0.0/8'] }], numbers: [{ number: '2000', agent: 'demo' }, { number: '3000', agent: 'demo' }] },
    redis: { port: 6391 },
  });
  it('takes the first listener of the transport, the first number and Redis', () => {
    const t = targetFromConfig(config);
    assert.deepEqual(t.sip, { host: '127.0.0.1', port: 5170 });
    assert.equal(t.number, '2000');
    assert.equal(t.agent, 'demo');
    assert.deepEqual(t.redis, { host: '127.0.0.1', port: 6391 });
    assert.deepEqual(targetFromConfig(config, { transport: 'tcp', number: '3000' }).sip, { host: '127.0.0.1', port: 5080 });
  });
  it('parses HOST:PORT', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:5060', 'x'), { host: '127.0.0.1', port: 5060 });
    assert.deepEqual(parseHostPort('[::1]:5060', 'x'), { host: '::1', port: 5060 });
    assert.throws(() => parseHostPort('localhost', '--target'), /--target: expected HOST:PORT/);
  });
});

describe('caller: report', () => {
  const turn: TurnResult = {
    index: 2,
    kind: 'say',
    script: 'i would like to book an appointment',
    interrupt: true,
    caller: { heard: 'i would like to book an appointment', startMs: 9000, endMs: 10800 },
    agent: { replied: true, outcome: 'done', text: 'Sure. What day would you like?', cut: false, speechMs: 2100, wav: 'agent-03.wav' },
    wire: { v2vMs: 812, overlap: false, bargeInStopMs: 90 },
    live: { turnIds: ['t2'], timing: { turnId: 't2', sttFirstPartialMs: 100, sttFinalMs: 240, firstTokenMs: 250, firstAudioMs: 520, firstRtpOutMs: 590, bargeInMs: null, playbackStoppedMs: null, filler: false }, bargeIns: [], tools: [] },
  };
  it('prints a turn with transcripts, latencies and the barge-in', () => {
    const text = formatTurn(turn).join('\n');
    assert.match(text, /turn 2 \(barge-in\)/);
    assert.match(text, /caller: i would like to book an appointment/);
    assert.match(text, /agent: {2}Sure\. What day would you like\?/);
    assert.match(text, /v2v on the wire 812 ms \| live: stt final 240 ms · first token 250 ms · first audio 520 ms · first RTP out 590 ms/);
    assert.match(text, /the agent stopped 90 ms after the caller started talking/);
  });
  it('marks what did not come from live events, and a turn the agent never answered', () => {
    const t: TurnResult = { ...turn, interrupt: false, caller: { heard: null, startMs: 0, endMs: 1 }, agent: { replied: false, outcome: 'no-answer', text: null, cut: false, speechMs: 0 }, wire: { v2vMs: null, overlap: false }, live: { turnIds: [], timing: null, bargeIns: [], tools: [] } };
    const text = formatTurn(t).join('\n');
    assert.match(text, /caller: \(said\) i would like to book an appointment/);
    assert.match(text, /!! the agent never answered/);
  });
  it('sums the call up', () => {
    const r = {
      answered: true,
      out: 'data/calls/x',
      endedBy: 'appliance',
      live: { channel: 'callgate:live:v1', connected: true, sessionId: 's1', events: 40, otherCalls: 0, invalid: 0 },
      stats: { callerTurns: 3, answeredTurns: 3, v2vMs: [700, 800, 900], v2vP50: 800, v2vP95: 900, bargeIns: 1, bargeInStopMs: [90], liveFirstRtpOutMs: [500, 600] },
      wavs: { call: 'call.wav', turns: ['agent-01.wav', 'agent-02.wav'] },
    } as unknown as ConversationResult;
    const text = formatSummary(r).join('\n');
    assert.match(text, /v2v on the wire: p50 800 ms, p95 900 ms \(3 turns/);
    assert.match(text, /barge-ins: 1, agent stopped after 90 ms/);
    assert.match(text, /call ended by: the appliance \(BYE\)/);
    assert.match(text, /data\/calls\/x\/call\.wav/);
  });
});
