import { it } from 'node:test';
import assert from 'node:assert/strict';
import { SipMessage } from '../sip/message.js';
import { stampReceived } from './via-received.js';

const src = { transport: 'udp' as const, address: '192.0.2.7', port: 5062 };

function req(via: string): SipMessage {
  return SipMessage.request('OPTIONS', 'sip:x@192.0.2.1', [{ name: 'Via', value: via }]);
}

it('adds received when the sent-by host is not where the request came from', () => {
  const m = req('SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKa');
  stampReceived(m, src);
  assert.equal(m.get('via'), 'SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKa;received=192.0.2.7');
});

it('fills a requested rport and leaves the other Vias alone', () => {
  const m = req('SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bKb, SIP/2.0/UDP proxy.example;branch=z9hG4bKc');
  stampReceived(m, src);
  assert.equal(m.get('via'), 'SIP/2.0/UDP 192.0.2.7:5060;rport=5062;branch=z9hG4bKb;received=192.0.2.7, SIP/2.0/UDP proxy.example;branch=z9hG4bKc');
});

it('changes nothing when sent-by is the source and no rport was asked', () => {
  const m = req('SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bKd');
  stampReceived(m, src);
  assert.equal(m.get('via'), 'SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bKd');
});
