/**
 * `npm run demo-call`: places one call to a running appliance with SIPp, the way a carrier would (INVITE with
 * PCMU/PCMA/telephone-event, ACK, 1.5 s of caller audio, BYE), listens to the RTP the appliance sends back, and
 * prints what happened. Exit code 0 when the call was answered, RTP came back and the BYE was accepted.
 *
 *   npm run demo-call                         # sip:1000@127.0.0.1:5060 over UDP
 *   npm run demo-call -- --target 127.0.0.1:5060 --number 1000 --tcp
 */
import { RtpPeer } from './harness/rtp.js';
import { runSipp } from './harness/sipp.js';
import { answerMedia, statuses } from './harness/fixture.js';

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
    const r = await runSipp({
      scenario: 'basic-call.xml',
      target: { host, port: Number(port) },
      transport,
      service: number,
      mediaPort: rtp.port + 2,
      toneFile: true,
      keys: { rtp_ip: '127.0.0.1', rtp_port: rtp.port },
    });
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
