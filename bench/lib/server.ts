/**
 * Starts our real server in a child process (bench/lib/serve-child.ts) on 127.0.0.1:<random port>
 * against a scratch database of the dialect, and gives the benchmark an AppContext on the same
 * database (built in this process, not listening) for seeding through the services.
 *
 * Set BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=bench/results/prof") to pass
 * node flags to the server process.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase, type ScratchDatabase } from '../../test/helpers/db.ts';
import { loadConfig } from '../../src/server/config.ts';
import { buildApp, type Built } from '../../src/server/app.ts';
import { openDatabase, type Database } from '../../src/server/db/database.ts';
import type { AppContext } from '../../src/server/context.ts';
import { SYSTEM_ACTOR } from '../../src/server/context.ts';
import { createUser } from '../../src/server/platform/users.service.ts';
import type { Role } from '../../src/contract/roles.ts';
import { request } from './load.ts';
import { datasetDatabase, type Dataset } from './dataset.ts';
import { SERVER_MARKER, type BenchDialect } from './types.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVE_CHILD = path.join(REPO_ROOT, 'bench/lib/serve-child.ts');

export interface ChildServer {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/** Spawns bench/lib/serve-child.ts and waits until it listens. */
export function spawnServer(mode: 'app' | 'raw', env: NodeJS.ProcessEnv = process.env, startupTimeoutMs = 120_000): Promise<ChildServer> {
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', SERVE_CHILD, mode], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send('close');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    let buf = '';
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${mode} server did not start within ${startupTimeoutMs} ms`));
    }, startupTimeoutMs);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (found) {
        process.stderr.write(chunk);
        return;
      }
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith(SERVER_MARKER)) {
          found = true;
          clearTimeout(timer);
          const info = JSON.parse(line.slice(SERVER_MARKER.length)) as { url: string; pid: number };
          resolve({ url: info.url, pid: info.pid, close });
          if (buf) process.stderr.write(buf);
          return;
        }
        process.stderr.write(line + '\n');
      }
    });
    void exited.then((code) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`the ${mode} server exited with code ${code} before it listened`));
      }
    });
  });
}

/** A bare node:http server answering a small JSON: the ceiling of the load generator itself. */
export function startRawServer(): Promise<ChildServer> {
  return spawnServer('raw');
}

export interface BenchUser {
  id: string;
  email: string;
  password: string;
  roles: Role[];
}

export interface BenchServer<T = undefined> {
  dialect: BenchDialect;
  /** What the data set's seed returned (undefined without a data set). */
  seeded: T;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Server process id (for profiling or ps). */
  pid: number;
  /** Context on the same database, in this process, for seeding through the services. */
  ctx: AppContext;
  /** Creates a user through the service (scrypt cost from `scryptCost`). */
  createUser(roles?: Role[], fullName?: string): Promise<BenchUser>;
  /** Logs in through POST /api/auth/login; returns the Cookie header value. */
  login(user: { email: string; password: string }): Promise<string>;
  /** Stops the server, closes this process's connection and drops the scratch database. */
  close(): Promise<void>;
}

export interface BenchServerOptions<T = undefined> {
  log?: (msg: string) => void;
  /**
   * Start on a copy of this data set (bench/lib/dataset.ts: seeded once per run and dialect,
   * shared by every benchmark with the same key and seed) instead of an empty database.
   */
  dataset?: Dataset<T>;
  /**
   * log2 of the scrypt cost for users created here and for the server. Default
   * SMOOTH_SCRYPT_COST or 10 (cheap seeding). A benchmark of login itself must pass the
   * production default (16).
   */
  scryptCost?: number;
  /** Extra environment for the server process. */
  env?: Record<string, string>;
}

let userSeq = 0;

export async function startBenchServer<T = undefined>(dialect: BenchDialect, opts: BenchServerOptions<T> = {}): Promise<BenchServer<T>> {
  const log = opts.log ?? (() => {});
  const scryptCost = String(opts.scryptCost ?? process.env.SMOOTH_SCRYPT_COST ?? 10);
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error('bench cleanup failed:', e);
      }
    }
    cleanups.length = 0;
  };

  try {
    let scratch: ScratchDatabase;
    let seeded = undefined as T;
    if (opts.dataset) {
      ({ scratch, seeded } = await datasetDatabase(dialect, opts.dataset, log));
    } else {
      scratch = await createScratchDatabase(dialect);
    }
    cleanups.push(() => scratch.drop());
    log(`scratch ${dialect} database ready`);

    // Benchmarks measure throughput: the general request budget is off unless a bench sets it.
    const env = {
      ...process.env,
      SMOOTH_RATE_LIMIT_PER_MINUTE: '0',
      SMOOTH_RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
      ...opts.env,
      BENCH_DATABASE: JSON.stringify(scratch.target),
      SMOOTH_SCRYPT_COST: scryptCost,
    };
    const child = await spawnServer('app', env);
    cleanups.push(() => child.close());
    log(`server listening at ${child.url} (pid ${child.pid})`);

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-bench-seed-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig(
      { ...process.env, SMOOTH_DATA_DIR: dataDir, DATABASE_URL: '', SMOOTH_ADMIN_EMAIL: '', SMOOTH_ADMIN_PASSWORD: '', SMOOTH_SCRYPT_COST: scryptCost },
      { port: 0, host: '127.0.0.1' },
    );
    config.database = scratch.target;
    config.logLevel = 'silent';
    const database: Database = openDatabase(scratch.target, { poolSize: 4 });
    cleanups.push(() => database.close());
    const built: Built = await buildApp({ config, database, logger: false });
    cleanups.push(() => built.app.close());
    const ctx = built.ctx;

    return {
      dialect,
      seeded,
      url: child.url,
      pid: child.pid,
      ctx,
      async createUser(roles: Role[] = ['LMS Student'], fullName?: string) {
        const n = ++userSeq;
        const email = `bench-${n}-${randomBytes(3).toString('hex')}@example.test`;
        const password = `bench-password-${n}`;
        const u = await createUser(ctx, SYSTEM_ACTOR, { email, password, fullName: fullName ?? `Bench User ${n}`, roles });
        return { id: u.id, email: u.email, password, roles };
      },
      async login(user) {
        const res = await request(`${child.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: user.email, password: user.password }),
        });
        if (res.status !== 200) throw new Error(`login failed: HTTP ${res.status} ${res.body}`);
        const setCookie = res.headers['set-cookie'] ?? [];
        const c = setCookie.map((s) => s.split(';')[0]!).find((s) => s.startsWith('smooth_session='));
        if (!c) throw new Error(`login answered 200 without a smooth_session cookie: ${JSON.stringify(setCookie)}`);
        return c;
      },
      close: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
