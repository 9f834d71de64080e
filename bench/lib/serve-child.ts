/**
 * A server in its own process, so that the load generator and the server do not share an
 * event loop. Started by bench/lib/server.ts with an IPC channel:
 *
 *   node --import tsx bench/lib/serve-child.ts app   (env BENCH_DATABASE = JSON DatabaseTarget)
 *   node --import tsx bench/lib/serve-child.ts raw   (a bare node:http server: the load generator's ceiling)
 *
 * Prints one line `SERVER_MARKER {"url": ...}` on stdout once it listens on 127.0.0.1:<random>.
 * Stops when the parent sends "close" or goes away (IPC disconnect).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseTarget } from '../../src/server/config.ts';
import { SERVER_MARKER } from './types.ts';

const mode = process.argv[2];

async function startApp(): Promise<{ url: string; close(): Promise<void> }> {
  const raw = process.env.BENCH_DATABASE;
  if (!raw) throw new Error('BENCH_DATABASE is not set');
  const target = JSON.parse(raw) as DatabaseTarget;
  const { loadConfig } = await import('../../src/server/config.ts');
  const { startServer } = await import('../../src/server/main.ts');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-bench-data-'));
  const config = loadConfig(
    { ...process.env, SMOOTH_DATA_DIR: dataDir, DATABASE_URL: '', SMOOTH_ADMIN_EMAIL: '', SMOOTH_ADMIN_PASSWORD: '' },
    { port: 0, host: '127.0.0.1' },
  );
  config.database = target;
  config.logLevel = 'silent';
  const running = await startServer(config, { logger: false });
  return {
    url: running.url,
    async close() {
      await running.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startRaw(): Promise<{ url: string; close(): Promise<void> }> {
  const payload = JSON.stringify({ status: 'ok', version: '0.0.0', database: { dialect: 'none', reachable: true } });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  });
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main() {
  if (mode !== 'app' && mode !== 'raw') throw new Error(`usage: serve-child.ts app|raw (got ${mode})`);
  const srv = mode === 'app' ? await startApp() : await startRaw();
  let closing = false;
  const stop = async (code: number) => {
    if (closing) return;
    closing = true;
    try {
      await srv.close();
    } catch (e) {
      console.error('serve-child: close failed', e);
      code = code || 1;
    }
    process.exit(code);
  };
  process.on('message', (m) => {
    if (m === 'close') void stop(0);
  });
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  process.stdout.write(`${SERVER_MARKER}${JSON.stringify({ url: srv.url, pid: process.pid })}\n`);
}

main().catch((e: unknown) => {
  console.error('serve-child failed:', e);
  process.exit(1);
});
