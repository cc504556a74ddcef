/**
 * Serves the built page (Vite output) from one folder: GET/HEAD only, no directory listing, no path escaping
 * the folder, hashed assets cached for a year, index.html never cached. Unknown paths fall back to index.html
 * (the page routes by hash, but a reload of /anything still works).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function staticFiles(root: string) {
  const base = normalize(root + sep);
  return async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    let rel = decodeURIComponent(pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    let file = normalize(join(base, rel));
    if (!file.startsWith(base)) {
      res.writeHead(400).end();
      return;
    }
    let info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      if (extname(rel) && rel.startsWith('/assets/')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      file = join(base, 'index.html');
      info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('the dashboard page is not built (run npm run setup)');
        return;
      }
    }
    const body = await readFile(file);
    const hashed = file.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
