import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { buildApp, type Built } from '../app.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';

describe('slow request bodies time out', () => {
  let built: Built;
  let database: Database;
  let dir: string;
  let port: number;
  const LIMIT_MS = 600;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-timeout-'));
    const config = loadConfig({ ...process.env, SMOOTH_DATA_DIR: dir, DATABASE_URL: '', SMOOTH_REQUEST_TIMEOUT_MS: String(LIMIT_MS) });
    config.logLevel = 'silent';
    database = openDatabase(config.database);
    await migrateToLatest(database);
    built = await buildApp({ config, database, logger: false });
    await built.app.listen({ port: 0, host: '127.0.0.1' });
    port = (built.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await built.app.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a body trickled one byte at a time is cut off within the request timeout', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const started = Date.now();
    socket.write('POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(' ');
    }, 50);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closedAfter = await new Promise<number>((resolve) => {
      socket.once('close', () => resolve(Date.now() - started));
      socket.once('error', () => {});
      setTimeout(() => resolve(Number.POSITIVE_INFINITY), 10_000);
    });
    clearInterval(timer);
    socket.destroy();
    expect(closedAfter).toBeLessThan(LIMIT_MS * 3);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('an ordinary request on the same server is answered', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(res.status).toBeLessThan(500);
  });
});
