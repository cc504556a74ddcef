/**
 * A scriptable loopback webhook endpoint for the tool tests: records every request (path, headers, JSON body)
 * and answers with what the test's handler says (status, JSON body, delay).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface ScriptedReply {
  status?: number;
  /** sent as JSON unless a string */
  body?: unknown;
  delayMs?: number;
}

export type ReplyScript = (req: RecordedRequest) => ScriptedReply;

export interface TestWebhookServer {
  url: string;
  requests: RecordedRequest[];
  /** requests to one path */
  hits(path: string): RecordedRequest[];
  /** replaces the handler of `path` (default: 200 with `{echo: body.arguments}`) */
  on(path: string, script: ReplyScript): void;
  close(): Promise<void>;
}

export async function startTestWebhookServer(): Promise<TestWebhookServer> {
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, ReplyScript>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // keep the raw text
      }
      const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body };
      requests.push(rec);
      const script: ReplyScript =
        scripts.get(rec.path) ??
        ((r) => ({ body: { echo: (r.body as { arguments?: unknown } | null)?.arguments ?? null } }));
      const reply = script(rec);
      const send = (): void => {
        if (res.destroyed) return;
        const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? null);
        res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' });
        res.end(payload);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hits: (path) => requests.filter((r) => r.path === path),
    on: (path, script) => scripts.set(path, script),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
