/**
 * One HTTP listener for the whole process: Prometheus text at /metrics, liveness at /healthz, and the admin
 * endpoints a rolling upgrade uses (answered only to loopback clients):
 *   GET  /admin/health   → {"activeCalls": n, "draining": bool, "services": {name: calls}}
 *   POST /admin/drain    → stop taking new calls: a sip-gateway answers new INVITEs 503 + Retry-After; the other
 *                          services have no admission of their own (their calls come from gateways), so for
 *                          them draining means waiting until their calls (`activeCalls`) have ended
 *   POST /admin/undrain  → take calls again
 * `activeCalls` sums what every service of the process carries (gateway calls, media endpoints, agent sessions).
 */
import http from 'node:http';
import type { Registry } from 'prom-client';

/** one service of the process, as the admin endpoints see it */
export interface AdminTarget {
  activeCalls(): number;
  /** stop (true) or resume (false) admitting new calls, for services that admit calls */
  drain?(on: boolean): void;
}

export interface MetricsServer {
  port: number;
  /** attach a service once it runs (the listener starts before them) */
  addAdminTarget(name: string, target: AdminTarget): void;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export async function startMetricsServer(registry: Registry, address: string, port: number): Promise<MetricsServer> {
  const targets = new Map<string, AdminTarget>();
  let draining = false;
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
      const health = () => {
        const services = Object.fromEntries([...targets].map(([name, t]) => [name, t.activeCalls()]));
        return { activeCalls: Object.values(services).reduce((a, b) => a + b, 0), draining, services };
      };
      if (path === '/admin/health' && req.method === 'GET') return json(res, 200, health());
      if ((path === '/admin/drain' || path === '/admin/undrain') && req.method === 'POST') {
        draining = path === '/admin/drain';
        for (const t of targets.values()) t.drain?.(draining);
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
    addAdminTarget: (name, target) => {
      targets.set(name, target);
      if (draining) target.drain?.(true);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
