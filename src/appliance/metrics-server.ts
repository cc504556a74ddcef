/**
 * One HTTP listener for the whole process: Prometheus text at /metrics, liveness at /healthz, and the admin
 * endpoints a rolling upgrade uses (answered only to loopback clients):
 *   GET  /admin/health   → {"activeCalls": n, "draining": bool}
 *   POST /admin/drain    → stop admitting new calls (new INVITEs get 503 + Retry-After); calls in progress go on
 *   POST /admin/undrain  → admit again
 */
import http from 'node:http';
import type { Registry } from 'prom-client';

/** what the admin endpoints act on: the process's SIP gateway, when it runs one */
export interface AdminTarget {
  activeCalls(): number;
  drain(on: boolean): void;
  readonly draining: boolean;
}

export interface MetricsServer {
  port: number;
  /** attach the gateway once it runs (the listener starts before it) */
  setAdminTarget(target: AdminTarget): void;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export async function startMetricsServer(registry: Registry, address: string, port: number): Promise<MetricsServer> {
  let admin: AdminTarget | undefined;
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body) + '\n');
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        })
        .catch((err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        });
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if (path?.startsWith('/admin/')) {
      if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) return json(res, 403, { error: 'admin endpoints answer loopback clients only' });
      const health = () => ({ activeCalls: admin?.activeCalls() ?? 0, draining: admin?.draining ?? false, gateway: Boolean(admin) });
      if (path === '/admin/health' && req.method === 'GET') return json(res, 200, health());
      if ((path === '/admin/drain' || path === '/admin/undrain') && req.method === 'POST') {
        if (!admin) return json(res, 409, { error: 'this process runs no sip-gateway' });
        admin.drain(path === '/admin/drain');
        return json(res, 200, health());
      }
      return json(res, 404, { error: 'unknown admin endpoint or method' });
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    setAdminTarget: (target) => (admin = target),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
