/**
 * One call's RTP endpoint: its socket, the negotiated G.711 codec, where to send, what it has heard.
 * Inbound: parse, latch the remote (symmetric RTP), count (ReceiveStatsTracker), record decoded PCM, turn
 * RFC 4733 events into digits. Outbound, on each pacer tick: DTMF events if any are pending, else the next
 * 20 ms frame of the prompt queue, else nothing (the marker bit then flags the next talkspurt).
 */
import { randomInt } from 'node:crypto';
import type dgram from 'node:dgram';
import type { Codec, Logger, MediaDirection, MediaEvent, RemoteMedia } from '@callgate/contracts';
import { g711, type G711Codec } from '../audio/g711.js';
import { PcmRing } from '../audio/pcm-ring.js';
import { DtmfReceiver, type ReceivedDigit } from '../dtmf/receiver.js';
import { isDtmfDigits } from '../dtmf/rfc4733.js';
import { DtmfSendQueue } from '../dtmf/send-queue.js';
import { PromptQueue, type Prompt } from '../prompt/prompt-queue.js';
import { serializeRtp, parseRtp } from './packet.js';
import type { PacedEndpoint, PacerTick } from './pacer.js';
import { ReceiveStatsTracker } from './receive-stats.js';
import type { Destination, EndpointStats, RtpEndpointOptions } from './endpoint-types.js';

export type { Destination, EndpointStats, RtpEndpointOptions } from './endpoint-types.js';

const CN_PAYLOAD_TYPE = 13;
const monotonicMs = (ns = process.hrtime.bigint()): number => Number(ns / 1000n) / 1000;
const sends = (d: MediaDirection): boolean => d === 'sendrecv' || d === 'sendonly';

/** An RTP endpoint driven by the shared pacer. Create one per call; `close()` frees its port. */
export class RtpEndpoint implements PacedEndpoint {
  readonly id: string;
  readonly codec: Codec;
  private readonly opts: RtpEndpointOptions;
  private readonly socket: dgram.Socket;
  private readonly log: Logger;
  private readonly g711: G711Codec;
  private readonly samplesPerTick: number;
  private readonly queue: PromptQueue;
  private readonly rx = new ReceiveStatsTracker();
  private readonly dtmfIn = new DtmfReceiver();
  private readonly dtmfOut: DtmfSendQueue;
  private readonly recorder: PcmRing;
  private remote: RemoteMedia;
  private latched: Destination | undefined;
  private readonly ssrc = randomInt(0, 2 ** 32);
  private seq = randomInt(0, 2 ** 16);
  private clock = randomInt(0, 2 ** 32);
  private talking = false;
  private lastPacketMs = monotonicMs();
  private timeoutReported = false;
  private closed = false;
  private readonly counters = { sent: 0, sentBytes: 0, sendErrors: 0, invalid: 0, foreign: 0, unknownPt: 0, dtmf: 0 };

  constructor(opts: RtpEndpointOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.codec = opts.codec;
    this.remote = opts.remote;
    this.socket = opts.lease.rtp;
    this.log = opts.logger.child({ endpoint_id: opts.id, rtp_port: opts.lease.port });
    this.g711 = g711(opts.codec.name);
    this.samplesPerTick = (opts.codec.clockRate * opts.pacer.periodMs) / 1000;
    this.queue = new PromptQueue(this.g711.silenceByte, this.samplesPerTick, (promptId) =>
      this.emit({ v: 1, type: 'playback_done', endpointId: this.id, promptId }),
    );
    this.dtmfOut = new DtmfSendQueue({ packetMs: opts.pacer.periodMs });
    this.recorder = new PcmRing(Math.round((opts.recordSeconds ?? 60) * opts.codec.clockRate));
    this.socket.on('message', this.onMessage);
    this.socket.on('error', this.onSocketError);
    opts.pacer.register(this);
  }

  /** local RTP port (RTCP is port + 1) */
  get port(): number {
    return this.opts.lease.port;
  }

  /** Queues a prompt (encoded for this endpoint's codec) behind whatever is playing. */
  play(prompt: Prompt): void {
    if (!this.closed) this.queue.enqueue(prompt);
  }

  /** Drops all queued audio at once (barge-in); returns the prompt ids dropped. */
  stopPlayback(): string[] {
    return this.queue.clear();
  }

  /** re-INVITE: new remote address/port/direction. A new address or port re-arms symmetric latching. */
  update(remote: RemoteMedia): void {
    if (remote.address !== this.remote.address || remote.port !== this.remote.port) this.latched = undefined;
    this.remote = remote;
    this.lastPacketMs = monotonicMs();
    this.timeoutReported = false;
    if (!sends(remote.direction)) {
      this.talking = false;
      this.dtmfOut.abort(new Error(`endpoint ${this.id} stopped sending (direction ${remote.direction})`));
    }
  }

  /** Sends digits as RFC 4733 events; resolves when the last end packet is sent. */
  sendDtmf(digits: string): Promise<void> {
    const reason =
      this.closed ? 'the endpoint is released'
      : this.opts.telephoneEventPayloadType === undefined ? 'no telephone-event payload type was negotiated'
      : !isDtmfDigits(digits) ? `invalid DTMF digits ${JSON.stringify(digits)}`
      : !sends(this.remote.direction) ? `the endpoint does not send (direction ${this.remote.direction})`
      : undefined;
    if (reason) return Promise.reject(new Error(`sendDtmf on ${this.id}: ${reason}`));
    return this.dtmfOut.add(digits.toUpperCase());
  }

  /** A copy of the received audio held (PCM16, 8 kHz, oldest first; the last `recordSeconds`). */
  recording(): Int16Array {
    return this.recorder.read();
  }

  stats(): EndpointStats {
    const c = this.counters;
    return {
      endpointId: this.id,
      localPort: this.port,
      codec: this.codec.name,
      direction: this.remote.direction,
      sdpRemote: { address: this.remote.address, port: this.remote.port },
      latchedRemote: this.latched && { ...this.latched },
      received: this.rx.snapshot(),
      sent: { packets: c.sent, bytes: c.sentBytes, sendErrors: c.sendErrors },
      invalidPackets: c.invalid,
      foreignPackets: c.foreign,
      unknownPayloadType: c.unknownPt,
      dtmfReceived: c.dtmf,
      recordedMs: (this.recorder.length / this.codec.clockRate) * 1000,
      playing: this.queue.current,
    };
  }

  /** Stops sending and receiving and frees the port pair. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.pacer.unregister(this);
    this.socket.off('message', this.onMessage);
    this.queue.clear();
    this.dtmfOut.abort(new Error(`endpoint ${this.id} released`));
    this.opts.lease.release();
  }

  /** Pacer tick: advance the media clock, check inbound timers, send at most one packet. */
  onTick(tick: PacerTick): void {
    if (this.closed) return;
    this.clock = (this.clock + this.samplesPerTick * tick.periods) >>> 0;
    this.checkInbound(monotonicMs(tick.now));
    const to = this.destination();
    if (!to || !sends(this.remote.direction)) {
      this.talking = false;
      return;
    }
    const dtmf = this.dtmfOut.next(this.clock);
    if (dtmf) {
      if (dtmf.kind === 'packet') this.send(to, this.opts.telephoneEventPayloadType!, dtmf.payload, dtmf.timestamp, dtmf.marker);
      this.talking = false; // audio after the digits starts a new talkspurt
      return;
    }
    const frame = this.queue.nextFrame();
    if (!frame) {
      this.talking = false;
      return;
    }
    this.send(to, this.codec.payloadType, frame, this.clock, !this.talking);
    this.talking = true;
  }

  /** the latched source, else the SDP address unless it is a hold/disabled placeholder (0.0.0.0, port 0) */
  private destination(): Destination | undefined {
    if (this.latched) return this.latched;
    const { address, port } = this.remote;
    if (port === 0 || address === '0.0.0.0' || address === '::') return undefined;
    return { address, port };
  }

  private send(to: Destination, payloadType: number, payload: Buffer, timestamp: number, marker: boolean): void {
    const packet = serializeRtp({ marker, payloadType, sequenceNumber: this.seq, timestamp, ssrc: this.ssrc, payload });
    this.seq = (this.seq + 1) & 0xffff;
    this.counters.sent++;
    this.counters.sentBytes += payload.length;
    this.socket.send(packet, to.port, to.address, (err) => {
      if (!err) return;
      this.counters.sendErrors++;
      this.log.debug('rtp: send failed', { err, to });
    });
  }

  private checkInbound(nowMs: number): void {
    const late = this.dtmfIn.poll(nowMs);
    if (late) this.emitDigit(late);
    const timeoutMs = this.opts.rtpTimeoutMs ?? 30_000;
    if (timeoutMs <= 0 || this.timeoutReported || this.remote.direction !== 'sendrecv') return;
    const silentMs = nowMs - this.lastPacketMs;
    if (silentMs < timeoutMs) return;
    this.timeoutReported = true;
    this.log.warn('rtp: no packets received', { silent_ms: Math.round(silentMs) });
    this.emit({ v: 1, type: 'rtp_timeout', endpointId: this.id, silentMs: Math.round(silentMs) });
  }

  private readonly onMessage = (msg: Buffer, from: dgram.RemoteInfo): void => {
    const pkt = parseRtp(msg);
    if (!pkt) return void this.counters.invalid++;
    const pt = pkt.payloadType;
    const isAudio = pt === this.codec.payloadType;
    const isEvent = pt === this.opts.telephoneEventPayloadType;
    if (!isAudio && !isEvent && pt !== CN_PAYLOAD_TYPE) return void this.counters.unknownPt++;
    if (!this.latched) {
      this.latched = { address: from.address, port: from.port };
      this.log.info('rtp: latched remote', { sdp: `${this.remote.address}:${this.remote.port}`, source: `${from.address}:${from.port}` });
    } else if (from.address !== this.latched.address || from.port !== this.latched.port) {
      return void this.counters.foreign++;
    }
    const nowMs = monotonicMs();
    this.lastPacketMs = nowMs;
    this.timeoutReported = false;
    const fate = this.rx.record(pkt.ssrc, pkt.sequenceNumber, pkt.timestamp, pkt.payload.length, nowMs, isAudio);
    if (fate === 'duplicate' || fate === 'held') return;
    if (isAudio) this.recorder.write(this.g711.decode(pkt.payload));
    else if (isEvent) for (const d of this.dtmfIn.onPacket(pkt.timestamp, pkt.payload, nowMs)) this.emitDigit(d);
  };

  private readonly onSocketError = (err: Error): void => {
    this.log.warn('rtp: socket error', { err });
  };

  private emitDigit(d: ReceivedDigit): void {
    this.counters.dtmf++;
    this.emit({ v: 1, type: 'dtmf', endpointId: this.id, digit: d.digit, durationMs: d.durationMs, source: 'rfc4733' });
  }

  private emit(event: MediaEvent): void {
    try {
      this.opts.emit(event);
    } catch (err) {
      this.log.error('media event handler failed', { err, type: event.type });
    }
  }
}
