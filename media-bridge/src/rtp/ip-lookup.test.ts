import { strict as assert } from 'node:assert';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ipLiteralLookup } from './ip-lookup.js';

describe('ipLiteralLookup', () => {
  it('answers an IP literal inside the call, with its family', () => {
    const seen: Array<[string, number]> = [];
    ipLiteralLookup('127.0.0.1', 4, (err, address, family) => {
      assert.equal(err, null);
      seen.push([address, family]);
    });
    ipLiteralLookup('::1', 6, (_err, address, family) => seen.push([address, family]));
    // synchronous: both answers are there before this line
    assert.deepEqual(seen, [
      ['127.0.0.1', 4],
      ['::1', 6],
    ]);
  });

  it('hands a host name to dns.lookup (answered later, not in the call)', async () => {
    let answered = false;
    const done = new Promise<[string, number]>((resolve, reject) =>
      ipLiteralLookup('localhost', { family: 4 }, (err, address, family) => {
        answered = true;
        if (err) reject(err);
        else resolve([address, family]);
      }),
    );
    assert.equal(answered, false);
    const [address, family] = await done;
    assert.equal(family, 4);
    assert.match(address, /^127\./);
  });

  it('a socket with it sends inside send(): a close right after the call does not lose the packet', async () => {
    const received = async (lookup?: typeof ipLiteralLookup): Promise<boolean> => {
      const rx = dgram.createSocket('udp4');
      rx.bind(0, '127.0.0.1');
      await once(rx, 'listening');
      const tx = dgram.createSocket({ type: 'udp4', ...(lookup ? { lookup } : {}) });
      await new Promise<void>((resolve) => tx.bind(0, '127.0.0.1', resolve));
      const got = new Promise<boolean>((resolve) => {
        rx.once('message', (msg: Buffer) => resolve(msg.toString() === 'rtp'));
        setTimeout(() => resolve(false), 300);
      });
      tx.send(Buffer.from('rtp'), rx.address().port, '127.0.0.1');
      tx.close(); // a send still waiting for its lookup's tick finds the socket closed
      const ok = await got;
      rx.close();
      return ok;
    };
    assert.equal(await received(ipLiteralLookup), true);
    // the control: Node's own lookup defers the send, and the close wins
    assert.equal(await received(), false);
  });
});
