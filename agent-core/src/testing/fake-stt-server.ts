/**
 * A loopback WebSocket server that speaks the Deepgram-style live-transcription protocol for adapter tests.
 *
 * It is told what to "recognise": a queue of transcripts, one per utterance. The first audio after a
 * connection opens (or after the previous utterance was finalised) takes the next transcript; as audio bytes
 * arrive it reveals one more word per `bytesPerWord` as an interim result (`is_final: false`) of the growing
 * prefix. With `segmentWords` it also finalises a segment (`is_final: true, speech_final: false`) every that
 * many words, as the real service does at pauses. `{"type":"Finalize"}` answers with the rest of the utterance
 * (`is_final: true, speech_final: true, from_finalize: true`; empty transcript when no utterance was open);
 * `{"type":"CloseStream"}` sends what is left, a Metadata message, and closes with 1000.
 *
 * Per-connection modes (queue, default `ok`): `refuse` (answer the upgrade with a status), `drop_after_bytes`
 * (destroy the socket once that many audio bytes arrived), `ignore_finalize` (never answer Finalize).
 * Every connection is recorded: path, query parameters, headers, audio bytes, control messages.
 */
import { STATUS_CODES, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { waitFor } from './wait.js';

export type FakeSttMode =
  | { kind: 'ok' }
  | { kind: 'refuse'; status: number; retryAfter?: number }
  | { kind: 'drop_after_bytes'; bytes: number }
  | { kind: 'ignore_finalize' };

export const fakeSttMode = {
  ok: (): FakeSttMode => ({ kind: 'ok' }),
  refuse: (status: number, retryAfter?: number): FakeSttMode => ({ kind: 'refuse', status, retryAfter }),
  dropAfterBytes: (bytes: number): FakeSttMode => ({ kind: 'drop_after_bytes', bytes }),
  ignoreFinalize: (): FakeSttMode => ({ kind: 'ignore_finalize' }),
};

export interface FakeSttConnection {
  path: string;
  /** query parameters, each with all its values in order */
  query: Record<string, string[]>;
  headers: IncomingHttpHeaders;
  mode: FakeSttMode['kind'] | 'unauthorized';
  /** status the upgrade was refused with, if it was */
  refusedWith?: number;
  bytesReceived: number;
  /** JSON text messages from the client (Finalize, KeepAlive, CloseStream …) */
  controlMessages: Array<Record<string, unknown>>;
  /** results sent to the client */
  resultsSent: number;
  /** the server dropped the connection (drop_after_bytes) */
  dropped: boolean;
  /** the connection is gone (either side) */
  closed: boolean;
  /** close code as the server saw it */
  closeCode?: number;
}

export interface FakeSttServerOptions {
  /** when set, the upgrade needs `Authorization: Token <apiKey>` (401 otherwise) */
  apiKey?: string;
  /** audio bytes per revealed word; default 1600 (100 ms of 8 kHz PCM16) */
  bytesPerWord?: number;
  /** finalise a segment every this many words (0 = never before Finalize); default 0 */
  segmentWords?: number;
  /** confidence reported on results; default 0.9 */
  confidence?: number;
}

interface Utterance {
  words: string[];
  revealed: number;
  finalized: number;
  bytes: number;
}

export class FakeSttServer {
  readonly connections: FakeSttConnection[] = [];
  private readonly transcripts: string[] = [];
  private readonly modes: FakeSttMode[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  private readonly server: Server;
  private boundPort = 0;

  private constructor(private readonly opts: FakeSttServerOptions) {
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('websocket only');
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  static async start(opts: FakeSttServerOptions = {}): Promise<FakeSttServer> {
    const self = new FakeSttServer(opts);
    await new Promise<void>((resolve, reject) => {
      self.server.once('error', reject);
      self.server.listen(0, '127.0.0.1', () => resolve());
    });
    self.boundPort = (self.server.address() as AddressInfo).port;
    return self;
  }

  get port(): number {
    return this.boundPort;
  }

  /** `ws://127.0.0.1:<port>/v1/listen` */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/v1/listen`;
  }

  /** transcripts for the next utterances, in order ('' = nothing recognised) */
  enqueueTranscripts(...transcripts: string[]): void {
    this.transcripts.push(...transcripts);
  }

  /** modes for the next connections, in order (then `ok`) */
  enqueueModes(...modes: FakeSttMode[]): void {
    this.modes.push(...modes);
  }

  /** resolves once `predicate(connection)` holds for connection `index` */
  async waitForConnection(
    index: number,
    predicate: (c: FakeSttConnection) => boolean = () => true,
    timeoutMs = 2000,
  ): Promise<FakeSttConnection> {
    await waitFor(() => {
      const c = this.connections[index];
      return c !== undefined && predicate(c);
    }, timeoutMs, `fake STT connection ${index}`);
    return this.connections[index] as FakeSttConnection;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const conn: FakeSttConnection = {
      path: url.pathname,
      query,
      headers: req.headers,
      mode: 'ok',
      bytesReceived: 0,
      controlMessages: [],
      resultsSent: 0,
      dropped: false,
      closed: false,
    };
    this.connections.push(conn);
    if (this.opts.apiKey !== undefined && req.headers.authorization !== `Token ${this.opts.apiKey}`) {
      conn.mode = 'unauthorized';
      conn.refusedWith = 401;
      refuse(socket, 401);
      conn.closed = true;
      return;
    }
    const mode = this.modes.shift() ?? { kind: 'ok' };
    conn.mode = mode.kind;
    if (mode.kind === 'refuse') {
      conn.refusedWith = mode.status;
      refuse(socket, mode.status, mode.retryAfter);
      conn.closed = true;
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, conn, mode));
  }

  private serve(ws: WebSocket, conn: FakeSttConnection, mode: FakeSttMode): void {
    this.sockets.add(ws);
    let utt: Utterance | undefined;
    const bytesPerWord = Math.max(1, this.opts.bytesPerWord ?? 1600);
    const segmentWords = this.opts.segmentWords ?? 0;

    const send = (msg: Record<string, unknown>): void => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(msg));
      if (msg.type === 'Results') conn.resultsSent++;
    };
    const results = (words: string[], isFinal: boolean, speechFinal: boolean, fromFinalize: boolean): void => {
      const msg: Record<string, unknown> = {
        type: 'Results',
        channel_index: [0, 1],
        duration: 0,
        start: 0,
        is_final: isFinal,
        speech_final: speechFinal,
        channel: {
          alternatives: [
            {
              transcript: words.join(' '),
              confidence: words.length ? (this.opts.confidence ?? 0.9) : 0,
              words: words.map((w) => ({ word: w })),
            },
          ],
        },
      };
      if (fromFinalize) msg.from_finalize = true;
      send(msg);
    };

    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const len = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
        conn.bytesReceived += len;
        if (mode.kind === 'drop_after_bytes' && conn.bytesReceived >= mode.bytes) {
          conn.dropped = true;
          ws.terminate();
          return;
        }
        if (!utt) utt = { words: splitWords(this.transcripts.shift() ?? ''), revealed: 0, finalized: 0, bytes: 0 };
        utt.bytes += len;
        const target = Math.min(utt.words.length, Math.floor(utt.bytes / bytesPerWord));
        while (utt.revealed < target) {
          utt.revealed++;
          if (segmentWords > 0 && utt.revealed - utt.finalized >= segmentWords) {
            results(utt.words.slice(utt.finalized, utt.revealed), true, false, false);
            utt.finalized = utt.revealed;
          } else {
            results(utt.words.slice(utt.finalized, utt.revealed), false, false, false);
          }
        }
        return;
      }
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        return;
      }
      conn.controlMessages.push(msg);
      if (msg.type === 'Finalize') {
        if (mode.kind === 'ignore_finalize') return;
        results(utt ? utt.words.slice(utt.finalized) : [], true, true, true);
        utt = undefined;
      } else if (msg.type === 'CloseStream') {
        if (utt && utt.finalized < utt.words.length) results(utt.words.slice(utt.finalized), true, true, false);
        utt = undefined;
        send({ type: 'Metadata', request_id: 'fake', channels: 1, duration: conn.bytesReceived / 16000 });
        ws.close(1000);
      }
    });
    ws.on('close', (code) => {
      conn.closed = true;
      conn.closeCode = code;
      this.sockets.delete(ws);
    });
    ws.on('error', () => undefined);
  }
}

function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

function refuse(socket: Duplex, status: number, retryAfter?: number): void {
  const body = JSON.stringify({ err_code: 'FAKE', err_msg: `refused with ${status}` });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (retryAfter !== undefined) lines.push(`Retry-After: ${retryAfter}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** Starts a fake STT server on an ephemeral loopback port. */
export function startFakeSttServer(opts: FakeSttServerOptions = {}): Promise<FakeSttServer> {
  return FakeSttServer.start(opts);
}
