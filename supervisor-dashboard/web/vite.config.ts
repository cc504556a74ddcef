// Builds the supervisor page into ../dist/web (served by the dashboard server). `npx vite --config
// supervisor-dashboard/web/vite.config.ts` serves it for development and proxies /api (HTTP and the live
// WebSocket) to a running appliance, or to dev/mock-server.mjs: CALLGATE_DASHBOARD_URL, default http://127.0.0.1:8080.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.CALLGATE_DASHBOARD_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: './',
  clearScreen: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // Host stays the dev server's, so the dashboard's same-origin checks (Origin host = Host) pass
    proxy: { '/api': { target: api, ws: true, changeOrigin: false } },
  },
});
