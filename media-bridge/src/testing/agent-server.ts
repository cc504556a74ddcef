/**
 * Test support: a loopback agent-core stand-in speaking the agent-stream v1 contract. It records what each
 * connection received (start message, control events, caller audio), can stream a reply as 20 ms tts_audio
 * frames, send control events or raw frames, stop reading a connection (to back the client up), and drop a
 * connection abruptly (to exercise reconnects). `refuse` answers every upgrade with 503; `silent` accepts
 * the TCP connection and never answers the upgrade.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  decodeAudioFrame,
  encodeAudioFrame,
  parseBridgeMessage,
  replyTag,
  type AgentControlEvent,
  type AgentMessage,
  type AgentStreamStart,
  type BridgeControlEvent,
  type BridgeMessage,
} from '@callgate/contracts';

/** Options for `startTestAgentServer`. */
export interface TestAgentServerOptions {
  /** default 0: an ephemeral port on 127.0.0.1 */
  port?: number;
  /** accept the TCP connection but never answer the upgrade */
  silent?: boolean;
  /** answer every upgrade with 503 */
  refuse?: boolean;
}

/** What one WebSocket connection delivered to the server. */
export interface TestAgentConnection {
  index: number;
  /** the first valid `start` message */
  start?: AgentStreamStart;
  /** every valid text message, in arrival order */
  messages: BridgeMessage[];
  /** the control events among them, in order */
  controls: BridgeControlEvent[];
  audioFrames: number;
  audioSamples: number;
  /** seq of every caller_audio frame, in order */
  audioSeqs: number[];
  /** reasons for refused frames */
  invalid: string[];
  closed: boolean;
  ws: WebSocket;
}

/** Options for `sendReply`. */
export interface SendReplyOptions {
  /** wait 20 ms between frames (default: all at once) */
  paced?: boolean;
  /** send reply_start first (default true) */
  announce?: boolean;
  /** send reply_end last (default true) */
  end?: boolean;
}

/** A running test agent server. */
export interface TestAgentServer {
  url: string;
  port: number;
  connections: TestAgentConnection[];
  /** a connection by index, or the latest one whose start carried this sessionId */
  connection(target: number | string): TestAgentConnection;
  /** reply_start, `pcm` as 20 ms tts_audio frames (the last may be shorter), reply_end */
  sendReply(target: number | string, pcm: Int16Array, replyId: string, opts?: SendReplyOptions): Promise<void>;
  sendControl(target: number | string, event: AgentControlEvent): void;
  sendMessage(target: number | string, message: AgentMessage): void;
  /** sends bytes or text as they are (for invalid-frame tests) */
  sendRaw(target: number | string, data: string | Uint8Array): void;
  /** stops reading the connection's socket (the client's send buffer fills up) */
  pauseReading(target: number | string): void;
  resumeReading(target: number | string): void;
  /** abrupt close without a close frame */
  dropConnection(target: number | string): void;
  close(): Promise<void>;
}

const FRAME_SAMPLES = 160;

/** Starts the server on 127.0.0.1. */
export async function startTestAgentServer(opts: TestAgentServerOptions = {}): Promise<TestAgentServer> {
  const connections: TestAgentConnection[] = [];
  const sockets = new Set<Duplex>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    if (opts.silent) return;
    if (opts.refuse) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });

  function accept(ws: WebSocket): void {
    const conn: TestAgentConnection = { index: connections.length, messages: [], controls: [], audioFrames: 0, audioSamples: 0, audioSeqs: [], invalid: [], closed: false, ws };
    connections.push(conn);
    ws.on('close', () => (conn.closed = true));
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) {
        const frame = decodeAudioFrame(buf, 'caller_audio');
        if (!frame.ok) return void conn.invalid.push(frame.reason);
        conn.audioFrames++;
        conn.audioSamples += frame.value.pcm.length;
        conn.audioSeqs.push(frame.value.seq);
        return;
      }
      const msg = parseBridgeMessage(buf.toString('utf8'));
      if (!msg.ok) return void conn.invalid.push(msg.reason);
      conn.messages.push(msg.value);
      if (msg.value.type === 'start' && !conn.start) conn.start = msg.value;
      if (msg.value.type === 'control_event') conn.controls.push(msg.value.event);
      if (msg.value.type === 'ping') ws.send(JSON.stringify({ v: 1, type: 'pong', id: msg.value.id }));
    });
  }

  function connection(target: number | string): TestAgentConnection {
    const found = typeof target === 'number' ? connections[target] : [...connections].reverse().find((c) => c.start?.sessionId === target);
    if (!found) throw new Error(`test agent server: no connection ${JSON.stringify(target)}`);
    return found;
  }

  const sendMessage = (target: number | string, message: AgentMessage) => connection(target).ws.send(JSON.stringify(message));
  const sendControl = (target: number | string, event: AgentControlEvent) => sendMessage(target, { v: 1, type: 'control_event', event });

  async function sendReply(target: number | string, pcm: Int16Array, replyId: string, o: SendReplyOptions = {}): Promise<void> {
    const ws = connection(target).ws;
    if (o.announce ?? true) sendControl(target, { type: 'reply_start', replyId });
    const tag = replyTag(replyId);
    for (let seq = 0, at = 0; at < pcm.length; seq++, at += FRAME_SAMPLES) {
      if (o.paced && seq > 0) await new Promise((r) => setTimeout(r, 20));
      const chunk = pcm.subarray(at, at + FRAME_SAMPLES);
      ws.send(encodeAudioFrame({ kind: 'tts_audio', seq, timeMs: (at / 8) | 0, replyTag: tag, pcm: chunk }));
    }
    if (o.end ?? true) sendControl(target, { type: 'reply_end', replyId });
  }

  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    connections,
    connection,
    sendReply,
    sendControl,
    sendMessage,
    sendRaw: (target, data) => connection(target).ws.send(data),
    pauseReading: (target) => connection(target).ws.pause(),
    resumeReading: (target) => connection(target).ws.resume(),
    dropConnection: (target) => connection(target).ws.terminate(),
    async close() {
      for (const c of connections) c.ws.terminate();
      for (const s of sockets) s.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
