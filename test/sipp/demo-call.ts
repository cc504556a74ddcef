/**
 * `npm run demo-call`: places one call to a running appliance with SIPp, the way a carrier would (INVITE with
 * PCMU/PCMA/telephone-event, ACK, BYE after 6 s). The caller says one sentence (espeak-ng) over RTP from the
 * harness socket the SDP names; everything the appliance sends back is counted and saved as a WAV file (the
 * demo agent's chime, cut when the caller talks over it, then its answer). Prints what happened; exit code 0
 * when the call was answered, RTP came back and the BYE was accepted.
 *
 *   npm run demo-call                         # sip:1000@127.0.0.1:5060 over UDP
 *   npm run demo-call -- --target 127.0.0.1:5060 --number 1000 --tcp
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpPeer } from './harness/rtp.js';
import { startSipp } from './harness/sipp.js';
import { answerMedia, statuses } from './harness/fixture.js';
import { speechUlaw } from './harness/speech.js';
import { encodeWav, g711 } from '@callgate/media-bridge';

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

async function main(): Promise<number> {
  const [host = '127.0.0.1', port = '5060'] = argValue('--target', '127.0.0.1:5060').split(':');
  const number = argValue('--number', '1000');
  const transport = process.argv.includes('--tcp') ? 'tcp' : 'udp';
  const rtp = await RtpPeer.open();
  try {
    console.log(`calling sip:${number}@${host}:${port} over ${transport.toUpperCase()} (RTP back to 127.0.0.1:${rtp.port})`);
    const run = startSipp({
      scenario: 'hold-call-6s.xml',
      target: { host, port: Number(port) },
      transport,
      service: number,
      mediaPort: rtp.port + 2,
      keys: { rtp_ip: '127.0.0.1', rtp_port: rtp.port },
    });
    const speech = speechUlaw('hello, I would like to book an appointment', 0, 0);
    try {
      await rtp.waitForPackets(25, 5000);
      const [address = '127.0.0.1', rtpPort = '0'] = rtp.packets[0]!.from.split(':');
      console.log(`caller speaks for ${(speech.ulaw.length / 8).toFixed(0)} ms over the prompt`);
      await rtp.sendUlaw({ address, port: Number(rtpPort) }, speech.ulaw);
    } catch {
      console.log('no RTP from the appliance within 5 s; the caller stays silent');
    }
    const r = await run.done;
    const invite = statuses(r, 'INVITE');
    const bye = statuses(r, 'BYE');
    console.log(`INVITE answered: ${invite.join(', ') || 'nothing'}`);
    if (!invite.includes(200)) {
      console.log(`the call was not answered (SIPp exit ${r.code}); SIPp's files are in ${r.dir}`);
      return 1;
    }
    const answer = answerMedia(r);
    const codec = answer.pts[0] === 0 ? 'PCMU' : answer.pts[0] === 8 ? 'PCMA' : `payload type ${answer.pts[0]}`;
    console.log(`SDP answer: ${codec} from ${answer.ip}:${answer.port}${/telephone-event/.test(answer.body) ? ' + telephone-event' : ''}`);
    const s = rtp.summary((p) => p.pt === answer.pts[0]);
    console.log(`RTP from the appliance: ${s.count} packets, payload ${s.payloadSizes.join('/')} bytes, ${s.seqDiscontinuities} sequence gaps, from ${s.sources.join(', ') || 'nowhere'}`);
    const audible = rtp.packets.filter((p) => p.pt === 0 && p.payload.some((b) => b !== 0xff && b !== 0x7f));
    const wav = join(tmpdir(), 'callgate-demo-call.wav');
    writeFileSync(wav, encodeWav(g711('PCMU').decode(Buffer.concat(rtp.packets.filter((p) => p.pt === 0).map((p) => p.payload)))));
    console.log(`audible audio from the appliance: ${audible.length * 20} ms (saved what came back to ${wav})`);
    console.log(`BYE answered: ${bye.join(', ') || 'nothing'}`);
    const ok = r.code === 0 && s.count > 0 && bye.includes(200);
    console.log(ok ? 'call OK' : `call FAILED (SIPp exit ${r.code}); SIPp's files are in ${r.dir}`);
    return ok ? 0 : 1;
  } finally {
    rtp.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`demo-call: ${err.message}`);
    process.exit(1);
  },
);
