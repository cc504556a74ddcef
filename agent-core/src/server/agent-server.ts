/**
 * agent-core's WebSocket server for media bridges (agent-stream v1 at `/v1/stream`). One session per call,
 * keyed by `sessionId`: a bridge that reconnects mid-call (`start` with `resume: true`) gets its session back
 * with its history; a session whose link stays down past `resumeGraceMs` ends. `/healthz` answers 200.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import type { AgentStreamStart, Logger } from '@callgate/contracts';
import type { BridgeOut, CallSession } from '../session/call-session.js';
import { BridgeConnection } from './bridge-connection.js';

export const AGENT_STREAM_PATH = '/v1/stream';

export interface AgentServerOptions {
  address?: string;
  /** 0: ephemeral */
  port: number;
  log: Logger;
  /** builds the session for a new call; throws (with a message for the bridge) for an unknown agent */
  createSession(start: AgentStreamStart, bridge: BridgeOut): CallSession;
  /** how long a session waits for its bridge to reconnect (default 15 000 ms) */
  resumeGraceMs?: number;
}

interface Entry {
  session: CallSession;
  conn: BridgeConnection | undefined;
  /** forwards to the current connection (reconnects swap it) */
  out: BridgeOut;
  graceTimer?: NodeJS.Timeout;
}

export class AgentServer {
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, Entry>();

  private constructor(private readonly o: AgentServerOptions) {
    this.http = http.createServer((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, sessions: this.sessions.size }));
        return;
      }
      res.writeHead(404).end();
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
    this.http.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== AGENT_STREAM_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  static async listen(o: AgentServerOptions): Promise<AgentServer> {
    const server = new AgentServer(o);
    server.http.listen(o.port, o.address ?? '127.0.0.1');
    await once(server.http, 'listening');
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://${this.o.address ?? '127.0.0.1'}:${this.port}${AGENT_STREAM_PATH}`;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  session(sessionId: string): CallSession | undefined {
    return this.sessions.get(sessionId)?.session;
  }

  async close(): Promise<void> {
    for (const [, e] of this.sessions) {
      clearTimeout(e.graceTimer);
      e.session.close('agent-core shutting down');
      e.conn?.close(1001, 'shutdown');
    }
    this.sessions.clear();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  private accept(ws: import('ws').WebSocket): void {
    let entry: Entry | undefined;
    const conn: BridgeConnection = new BridgeConnection(
      ws,
      {
        start: (start) => {
          entry = this.attach(start, conn);
        },
        audio: (pcm, mediaMs) => entry?.session.callerAudio(pcm, mediaMs),
        control: (event) => entry?.session.control(event),
        closed: () => {
          if (entry && entry.conn === conn) this.detached(entry);
        },
      },
      this.o.log,
    );
  }

  private attach(start: AgentStreamStart, conn: BridgeConnection): Entry | undefined {
    const existing = this.sessions.get(start.sessionId);
    if (existing) {
      clearTimeout(existing.graceTimer);
      if (existing.conn && existing.conn !== conn) existing.conn.close(1000, 'replaced by a newer connection');
      existing.conn = conn;
      this.o.log.info('agent: bridge reconnected', { session_id: start.sessionId, resume: start.resume === true });
      return existing;
    }
    const entry: Entry = {
      session: undefined as unknown as CallSession,
      conn,
      out: {
        sendControl: (e) => entry.conn?.sendControl(e),
        sendAudio: (id, pcm) => entry.conn?.sendAudio(id, pcm),
      },
    };
    try {
      entry.session = this.o.createSession(start, entry.out);
    } catch (err) {
      conn.refuse('session_refused', (err as Error).message);
      return undefined;
    }
    this.sessions.set(start.sessionId, entry);
    const session = entry.session;
    void session.begin().catch((err: Error) => this.o.log.error('agent: session start failed', { session_id: start.sessionId, err }));
    // the session ends itself on the bridge's `end`; forget it then
    void session.whenClosed.then(() => {
      if (this.sessions.get(start.sessionId) !== entry) return;
      this.sessions.delete(start.sessionId);
      clearTimeout(entry.graceTimer);
      entry.conn?.close(1000, 'session ended');
    });
    return entry;
  }

  private detached(entry: Entry): void {
    entry.conn = undefined;
    if (entry.session.isClosed) {
      this.sessions.delete(entry.session.sessionId);
      return;
    }
    entry.graceTimer = setTimeout(() => {
      this.sessions.delete(entry.session.sessionId);
      entry.session.close('bridge link lost');
    }, this.o.resumeGraceMs ?? 15_000);
    entry.graceTimer.unref();
  }
}
