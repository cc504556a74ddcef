/**
 * One call's RTP endpoint: its socket, the negotiated G.711 codec, where to send, what it has heard.
 * Inbound: parse, latch the remote (symmetric RTP), count (ReceiveStatsTracker), decode into the adaptive
 * jitter buffer, turn RFC 4733 events into digits. The caller's audio reaches the recorder and the media tap (the
 * call session: VAD, agent link) as 20 ms frames, in order, losses concealed: by default as each packet arrives
 * (`delivery: 'arrival'`: the jitter buffer's `take`; the pacer's receive side only conceals overdue slots and
 * fills silence while nothing is received), or one per tick at the jitter buffer's target delay ('paced').
 * Each frame carries the media time at which it was complete (its fastest-path arrival), so its timing does not
 * depend on when it was delivered. On the send side: DTMF events if any are pending, else the next frame of the
 * playout, else (once the stream has started) a silence frame, so the far end never has to guess about gaps;
 * the marker bit flags each talkspurt. Every few seconds it publishes its quality (E-model MOS from the jitter
 * buffer's view).
 */
import { randomInt } from 'node:crypto';
import type dgram from 'node:dgram';
import type { Codec, Logger, MediaDirection, MediaEvent, RemoteMedia } from '@callgate/contracts';
import { g711, type G711Codec } from '../audio/g711.js';
import { PcmRing } from '../audio/pcm-ring.js';
import { DtmfReceiver, type ReceivedDigit } from '../dtmf/receiver.js';
import { isDtmfDigits } from '../dtmf/rfc4733.js';
import { DtmfSendQueue } from '../dtmf/send-queue.js';
import { Playout, type PlayedItem, type PlayFrame } from '../playout/playout.js';
import type { Prompt } from '../prompt/prompt.js';
import { estimateMos } from '../quality/e-model.js';
import { JitterBuffer, effectiveLossPct, type JitterFrame } from './jitter-buffer.js';
import { RtcpReporter } from '../rtcp/reporter.js';
import { parseRtp, RTP_HEADER_BYTES, writeRtpHeader } from './packet.js';
import type { PacedEndpoint, PacerTick } from './pacer.js';
import { ReceiveStatsTracker } from './receive-stats.js';
import type { Destination, EndpointStats, RtpEndpointOptions } from './endpoint-types.js';

export type { Destination, EndpointStats, RtpEndpointOptions } from './endpoint-types.js';

/** Who consumes the call's audio each tick (the call session). */
export interface MediaTap {
  /** one 20 ms frame of the caller, in order, losses concealed, starting at media time `mediaMs` */
  inbound(pcm: Int16Array, mediaMs: number): void;
  /** what this tick sent from the playout (undefined: silence, DTMF or nothing) */
  outbound(frame: PlayFrame | undefined, mediaMs: number): void;
  itemDone(item: PlayedItem): void;
  dtmf(digit: string, durationMs: number, source: 'rfc4733' | 'sip-info'): void;
}

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
  /** what this call plays (prompts, agent replies) */
  readonly playout: Playout;
  private readonly jitter: JitterBuffer;
  /** hand the caller's frames over as they arrive (else one per tick, paced) */
  private readonly onArrival: boolean;
  /** monotonic ms of the tick the media clock last moved on at, and the start of the last frame given to the tap */
  private tickMs = monotonicMs();
  private lastInboundMs = -Infinity;
  /** between talkspurts this call sends on the pacer tick's second half (see `sendsAtOffset`) */
  private secondHalf = true;
  private tap: MediaTap | undefined;
  /** set once the first frame was played: from then on pauses are filled with silence frames */
  private streaming = false;
  private silenceFrame: Buffer;
  /** the samples of each frame played out, reused: the frame is encoded and measured on its tick, then done */
  private readonly outFrame: Int16Array;
  private mediaMs = 0;
  private nextQualityMs: number;
  private readonly rtcp: RtcpReporter;
  private nextRtcpMs: number;
  /** where RTCP goes: the source of the remote's RTCP once seen (symmetric), else the RTP destination's port + 1 */
  private rtcpLatched: Destination | undefined;
  private readonly rx = new ReceiveStatsTracker();
  private readonly dtmfIn = new DtmfReceiver();
  private readonly dtmfOut: DtmfSendQueue;
  /** the received audio kept for diagnostics and tests; none when `recordSeconds` is 0 */
  private readonly recorder: PcmRing | undefined;
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
    this.outFrame = new Int16Array(this.samplesPerTick);
    this.playout = new Playout((item) => {
      this.emit({ v: 1, type: 'playback_done', endpointId: this.id, promptId: item.id });
      this.tap?.itemDone(item);
    });
    // room for the maximum delay plus a 1 s burst (a stalled network delivering its backlog at once)
    const maxDelayMs = opts.jitterBuffer?.maxDelayMs ?? 200;
    const jb = opts.jitterBuffer;
    this.jitter = new JitterBuffer({ minDelayMs: jb?.minDelayMs, maxDelayMs, lossWaitMs: jb?.lossWaitMs, capacityFrames: Math.ceil(maxDelayMs / 20) + 50 });
    this.onArrival = (jb?.delivery ?? 'arrival') === 'arrival';
    this.silenceFrame = Buffer.alloc(this.samplesPerTick, this.g711.silenceByte);
    this.nextQualityMs = opts.qualityIntervalMs ?? 5000;
    this.dtmfOut = new DtmfSendQueue({ packetMs: opts.pacer.periodMs });
    const recordSamples = Math.round((opts.recordSeconds ?? 60) * opts.codec.clockRate);
    this.recorder = recordSamples > 0 ? new PcmRing(recordSamples) : undefined;
    this.rtcp = new RtcpReporter({
      cname: `callgate-${opts.id}`,
      sender: () => ({ ssrc: this.ssrc, packets: this.counters.sent, octets: this.counters.sentBytes, rtpTimestamp: this.clock }),
      reception: () => this.rx.reportState(),
    });
    this.nextRtcpMs = this.rtcp.nextIntervalMs();
    this.socket.on('message', this.onMessage);
    this.socket.on('error', this.onSocketError);
    opts.lease.rtcp.on('message', this.onRtcp);
    opts.pacer.register(this);
  }

  /** local RTP port (RTCP is port + 1) */
  get port(): number {
    return this.opts.lease.port;
  }

  /** Queues a prompt already encoded for this endpoint's codec (decoded into the playout). */
  play(prompt: Prompt): void {
    if (!this.closed) this.playout.enqueuePrompt(prompt.id, this.g711.decode(prompt.payload), prompt.loop);
  }

  /** Connects the consumer of this call's audio (one per endpoint). */
  attach(tap: MediaTap): void {
    this.tap = tap;
  }

  /** media time of this endpoint: ms since it started (advances 20 ms per tick) */
  get mediaTimeMs(): number {
    return this.mediaMs;
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
    return this.recorder?.read() ?? new Int16Array(0);
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
      recordedMs: ((this.recorder?.length ?? 0) / this.codec.clockRate) * 1000,
      playing: this.playout.current?.id,
      jitterBuffer: this.jitter.stats(),
    };
  }

  /** Stops sending and receiving, says RTCP BYE, and frees the port pair; resolves once it is free. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return this.released;
    this.closed = true;
    this.opts.pacer.unregister(this);
    this.socket.off('message', this.onMessage);
    this.opts.lease.rtcp.off('message', this.onRtcp);
    this.playout.flush();
    this.dtmfOut.abort(new Error(`endpoint ${this.id} released`));
    // the RTCP BYE goes out before the port pair is freed
    this.released = new Promise((resolve) =>
      this.sendRtcp(this.rtcp.buildBye('call ended'), () => {
        this.opts.lease.release();
        resolve();
      }),
    );
    return this.released;
  }

  private released: Promise<void> = Promise.resolve();
  private lastTickDeadline = -1n;

  /**
   * Which half of each pacer tick this call sends on (read by the pacer at each tick's deadline). A call keeps
   * its half through talkspurts and silences, so its packets stay 20 ms apart; only the first packet of a
   * talkspurt may move it: an answer that is ready goes out on whichever half comes next, half a period early
   * (marked, after silence), and the call stays on that half. So no answer waits more than half a period for its
   * first packet, and a call moves at most once per talkspurt, by 10 ms, early, never late. (Moving back after
   * each talkspurt, as this did before, put two such intervals in every turn: about 1 % of them in a call with a
   * turn every 4 s.) The other half's chance is `onOffsetHalf`.
   */
  get sendsAtOffset(): boolean {
    if (this.secondHalf && !this.talking && this.playout.ready) this.secondHalf = false;
    return this.secondHalf;
  }

  /**
   * Pacer tick, second half, for a call that sent on this tick's deadline: an answer that became ready since goes
   * out now, as the next period's packet (half a period early), and the call moves to the second half.
   */
  onOffsetHalf(tick: PacerTick): void {
    if (this.closed || this.talking || !this.playout.ready || this.dtmfOut.active || tick.deadline !== this.lastTickDeadline) return;
    // only where audio goes out now (not on hold, not during digits): the move happens with a packet, once
    if (!this.destination() || !sends(this.remote.direction)) return;
    this.secondHalf = true;
    // the next period's packet, sent now: from here the RTP clock runs a period ahead of the tick count (ticks go
    // on adding one period each), so the timestamps stay one period apart
    this.clock = (this.clock + this.samplesPerTick) >>> 0;
    this.sendTick();
  }

  /**
   * Pacer tick, receive side (at the tick or the pacer's inbound offset after it): arrival delivery conceals the
   * overdue slots (or gives silence while no stream runs); paced delivery takes one frame.
   */
  onInbound(tick: PacerTick): void {
    if (this.closed) return;
    this.advance(tick);
    const nowMs = monotonicMs();
    this.checkInbound(nowMs);
    if (this.onArrival) {
      // overdue slots are concealed; while no stream runs, the tap hears one frame of silence per tick
      this.takeArrived(nowMs);
      if (!this.jitter.running) this.toTap(this.jitter.idleFrame(), undefined);
      return;
    }
    // paced: one frame per tick even after a stall: the packets of the skipped periods are most likely still unread
    // in the socket (timers run before I/O), so pulling them now would conceal frames and then discard them as
    // late; the jitter buffer lets its depth grow instead and shrinks it again in quiet frames
    this.toTap(this.jitter.pull(nowMs), undefined);
  }

  /** Pacer tick, send side: send at most one packet (and the RTCP and quality reports when due). */
  onTick(tick: PacerTick): void {
    if (this.closed) return;
    this.advance(tick);
    this.sendTick();
  }

  private sendTick(): void {
    this.maybePublishQuality();
    if (this.mediaMs >= this.nextRtcpMs) {
      this.nextRtcpMs = this.mediaMs + this.rtcp.nextIntervalMs();
      this.sendRtcp(this.rtcp.buildReport());
    }
    const to = this.destination();
    if (!to || !sends(this.remote.direction)) {
      this.talking = false;
      this.tap?.outbound(undefined, this.mediaMs);
      return;
    }
    const dtmf = this.dtmfOut.next(this.clock);
    if (dtmf) {
      if (dtmf.kind === 'packet') this.send(to, this.opts.telephoneEventPayloadType!, dtmf.payload, dtmf.timestamp, dtmf.marker);
      this.talking = false; // audio after the digits starts a new talkspurt
      this.tap?.outbound(undefined, this.mediaMs);
      return;
    }
    const frame = this.playout.nextFrame(this.samplesPerTick, this.outFrame);
    this.tap?.outbound(frame, this.mediaMs);
    if (frame) {
      this.streaming = true;
      this.sendAudio(to, frame.pcm, !this.talking);
      this.talking = true;
    } else {
      this.talking = false;
      if (this.streaming) this.send(to, this.codec.payloadType, this.silenceFrame, this.clock, false);
    }
  }

  /** the RTP and media clocks move on once per tick, on whichever side of it runs first */
  private advance(tick: PacerTick): void {
    if (tick.deadline === this.lastTickDeadline) return;
    this.lastTickDeadline = tick.deadline;
    this.clock = (this.clock + this.samplesPerTick * tick.periods) >>> 0;
    this.mediaMs += this.opts.pacer.periodMs * tick.periods;
    this.tickMs = Number(tick.deadline / 1000n) / 1000;
  }

  /** every frame the jitter buffer can hand over now (arrival delivery) */
  private takeArrived(nowMs: number): void {
    for (let f = this.jitter.take(nowMs); f; f = this.jitter.take(nowMs)) this.toTap(f, f.dueMs);
  }

  /**
   * One frame to the recorder (unless it is silence or an underrun's filler) and to the tap, with its media time.
   * Frames follow each other in audio time (a frame's start = the previous one's + 20 ms), so the VAD's windows
   * and the endpointing hang-over count audio, not arrival jitter or changes in the jitter buffer's timing.
   * That audio time is anchored on when the frame was complete on the media clock (`dueMs`, its fastest-path
   * arrival, else the current tick): re-anchored when it runs more than a frame behind (a restart, a stall) and
   * slewed back at most half a frame per frame when it runs more than a frame ahead (a sender's clock faster than
   * ours). Whole ms, never negative, never backwards.
   */
  private toTap(out: JitterFrame, dueMs: number | undefined): void {
    if (out.kind !== 'silence' && !out.waiting) this.recorder?.write(out.pcm);
    const period = this.opts.pacer.periodMs;
    const anchorMs = Math.round(dueMs === undefined ? this.mediaMs : this.mediaMs + (dueMs - this.tickMs)) - period;
    let startMs = this.lastInboundMs + period;
    if (!(anchorMs <= startMs + period)) startMs = anchorMs;
    else if (startMs - anchorMs > period) startMs = Math.max(anchorMs, this.lastInboundMs + period / 2);
    startMs = Math.max(0, startMs);
    this.lastInboundMs = startMs;
    this.tap?.inbound(out.pcm, startMs);
  }

  /** The call's quality now: G.107 E-model from the jitter buffer's delay and effective loss. */
  quality(): Extract<MediaEvent, { type: 'quality' }> {
    const rx = this.rx.snapshot();
    const jb = this.jitter.stats();
    const expected = Math.max(rx.expected, 1);
    const lossPct = Math.min(100, effectiveLossPct({ expected, lost: rx.lost }, jb));
    // mouth-to-ear: packetisation (20) + jitter buffer + a nominal network one-way delay on top of it
    const delayMs = 20 + jb.depthMs + (this.rttMs !== undefined ? this.rttMs / 2 : 20);
    const { mos, r } = estimateMos({ delayMs, lossPct, plc: true });
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      v: 1,
      type: 'quality',
      endpointId: this.id,
      mos: round(mos),
      rFactor: round(r, 1),
      jitterMs: round(rx.jitterMs),
      lossPct: round(lossPct),
      lateDiscards: jb.lateDiscards,
      jitterBufferMs: jb.depthMs,
      packetsReceived: rx.packets,
      packetsLost: rx.lost,
      packetsSent: this.counters.sent,
      ...(this.rttMs !== undefined ? { rttMs: round(this.rttMs, 1) } : {}),
    };
  }

  /** round-trip time from RTCP, when the far end reports on what we send */
  private get rttMs(): number | undefined {
    return this.rtcp.remoteView().rttMs;
  }

  private sendRtcp(packet: Buffer, then?: () => void): void {
    const rtp = this.destination();
    const to = this.rtcpLatched ?? (rtp && { address: rtp.address, port: rtp.port + 1 });
    if (!to || this.remote.direction === 'inactive') return then?.();
    this.opts.lease.rtcp.send(packet, to.port, to.address, (err) => {
      if (err) this.log.debug('rtcp: send failed', { err, to });
      then?.();
    });
  }

  private readonly onRtcp = (msg: Buffer, from: dgram.RemoteInfo): void => {
    if (!this.rtcp.receive(msg)) return void this.counters.invalid++;
    if (!this.rtcpLatched) this.rtcpLatched = { address: from.address, port: from.port };
  };

  private maybePublishQuality(): void {
    if (this.mediaMs < this.nextQualityMs) return;
    this.nextQualityMs = this.mediaMs + (this.opts.qualityIntervalMs ?? 5000);
    if (this.rx.snapshot().packets === 0) return; // nothing heard yet: nothing to rate
    this.emit(this.quality());
  }

  /** the latched source, else the SDP address unless it is a hold/disabled placeholder (0.0.0.0, port 0) */
  private destination(): Destination | undefined {
    if (this.latched) return this.latched;
    const { address, port } = this.remote;
    if (port === 0 || address === '0.0.0.0' || address === '::') return undefined;
    return { address, port };
  }

  /** A packet with a ready payload (silence, DTMF), built in a pooled buffer like the audio packets. */
  private send(to: Destination, payloadType: number, payload: Buffer, timestamp: number, marker: boolean): void {
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    writeRtpHeader(packet, marker, payloadType, this.seq, timestamp, this.ssrc);
    payload.copy(packet, RTP_HEADER_BYTES);
    this.seq = (this.seq + 1) & 0xffff;
    this.counters.sent++;
    this.counters.sentBytes += payload.length;
    this.socket.send(packet, to.port, to.address, this.onSent);
  }

  /**
   * An audio frame encoded straight into its packet: one pooled buffer per packet, no intermediate payload.
   */
  private sendAudio(to: Destination, pcm: Int16Array, marker: boolean): void {
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + pcm.length);
    writeRtpHeader(packet, marker, this.codec.payloadType, this.seq, this.clock, this.ssrc);
    this.g711.encodeInto(pcm, packet, RTP_HEADER_BYTES);
    this.seq = (this.seq + 1) & 0xffff;
    this.counters.sent++;
    this.counters.sentBytes += pcm.length;
    this.socket.send(packet, to.port, to.address, this.onSent);
  }

  /** one callback for every send (no closure per packet) */
  private readonly onSent = (err: Error | null): void => {
    if (!err) return;
    this.counters.sendErrors++;
    this.log.debug('rtp: send failed', { err, to: this.destination() });
  };

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
      this.log.info('rtp: latched remote', { sdp: `${this.remote.address}:${this.remote.port}`, source: `${from.address}:${from.port}`, media_ms: this.mediaMs });
    } else if (from.address !== this.latched.address || from.port !== this.latched.port) {
      return void this.counters.foreign++;
    }
    const nowMs = monotonicMs();
    this.lastPacketMs = nowMs;
    this.timeoutReported = false;
    const fate = this.rx.record(pkt.ssrc, pkt.sequenceNumber, pkt.timestamp, pkt.payload.length, nowMs, isAudio);
    if (fate === 'duplicate' || fate === 'held') return;
    if (isAudio) {
      // a whole frame (the jitter buffer's size) is decoded into a buffer it recycles; any other size into a new one
      const frame = this.jitter.frameBuffer();
      const pcm = pkt.payload.length === frame.length ? this.g711.decodeInto(pkt.payload, frame) : this.g711.decode(pkt.payload);
      this.jitter.put(pkt.sequenceNumber, pkt.timestamp, pcm, nowMs, pkt.marker);
      if (this.onArrival) this.takeArrived(nowMs);
    } else if (isEvent) for (const d of this.dtmfIn.onPacket(pkt.timestamp, pkt.payload, nowMs)) this.emitDigit(d);
  };

  private readonly onSocketError = (err: Error): void => {
    this.log.warn('rtp: socket error', { err });
  };

  private emitDigit(d: ReceivedDigit): void {
    this.counters.dtmf++;
    this.tap?.dtmf(d.digit, d.durationMs, 'rfc4733');
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
