/** Small helpers for tests that talk to the fake servers. */
import { createServer } from 'node:net';

/** Resolves once `predicate()` is true (polled); rejects after `timeoutMs` naming `what`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A loopback port nothing listens on (bound and released), for "connection refused" tests. */
export async function unusedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Timers a fake server can cancel all at once when it closes. */
export class Sleeper {
  private readonly pending = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  private stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.pending.add(entry);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.pending) {
      clearTimeout(e.timer);
      e.resolve();
    }
    this.pending.clear();
  }
}
