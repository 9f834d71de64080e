import { spawn, type ChildProcess } from 'node:child_process';
import Sqlite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import type { TestUser } from './harness.ts';

interface ProcessEnv {
  config: { database: { kind: string; file?: string; url?: string } };
  dataDir: string;
}

/** Starts `smooth serve` on the test's database and data directory (and `extraEnv`); resolves with its URL. */
export async function startServerProcess(env: ProcessEnv, extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const db = env.config.database;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: db.kind === 'sqlite' ? `sqlite:${db.file}` : db.url,
      SMOOTH_DATA_DIR: env.dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 60_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /is running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  });
  return { child, url };
}

/** Resolves once the process has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** Kills the process without warning (SIGKILL, as `kill -9`) unless it has ended, and waits for it to end. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited(child);
}

/** Stops the process the way an operator does (SIGTERM), and without warning if it has not ended within 20 s. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited(child);
  clearTimeout(timer);
}

/** A request to the server process as `as` (its session cookie, a same-origin Origin). */
export function fetchAs(url: string, as: TestUser | null, method: string, route: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { origin: url };
  if (as) headers.cookie = as.cookie;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${url}${route}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

/**
 * Polls `committed` (read on the test process's own connection) until it is true: the moment to
 * kill is when work is known to be committed, however slow the machine is today.
 */
export async function waitUntil(what: string, committed: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await committed())) {
    expect(Date.now() < deadline, `${what} did not happen within ${timeoutMs / 1000} s`).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A probe that answers whether another connection holds an open write transaction on the test's
 * database: on SQLite, whether the write lock is taken (BEGIN IMMEDIATE fails at once); on
 * PostgreSQL, whether another backend's transaction has written (it holds a transaction id). For
 * killing a process inside one long transaction, whose rows nobody sees before it commits.
 */
export function writeTransactionProbe(env: ProcessEnv & { dialect: string; ctx: { db: unknown } }): {
  open(): Promise<boolean>;
  close(): void;
} {
  if (env.dialect === 'sqlite') {
    const conn = new Sqlite(env.config.database.file, { timeout: 0 });
    return {
      async open() {
        try {
          conn.exec('BEGIN IMMEDIATE');
          conn.exec('ROLLBACK');
          return false;
        } catch (e) {
          if ((e as { code?: string }).code === 'SQLITE_BUSY') return true;
          throw e;
        }
      },
      close: () => conn.close(),
    };
  }
  const db = env.ctx.db as Kysely<unknown>;
  return {
    async open() {
      const r = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and backend_xid is not null`.execute(db);
      return Number(r.rows[0]?.n ?? 0) > 0;
    },
    close: () => {},
  };
}

/** The server at `url` answers GET /api/health with 200. */
export async function assertServes(url: string): Promise<void> {
  const health = await fetch(`${url}/api/health`);
  expect(health.status, await health.clone().text()).toBe(200);
}

/** On SQLite: the database file passes `PRAGMA integrity_check` and no foreign key is left dangling. */
export function assertDatabaseIntact(env: ProcessEnv & { dialect: string }): void {
  if (env.dialect !== 'sqlite') return;
  const file = new Sqlite(env.config.database.file, { readonly: true });
  try {
    expect(file.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(file.pragma('foreign_key_check')).toEqual([]);
  } finally {
    file.close();
  }
}

/**
 * After a restart on the same database: the new process answers GET /api/health with 200 and, on
 * SQLite, the database file passes `PRAGMA integrity_check` with no foreign key left dangling.
 */
export async function assertHealthyAfterRestart(env: ProcessEnv & { dialect: string }): Promise<void> {
  const { child, url } = await startServerProcess(env);
  try {
    await assertServes(url);
  } finally {
    await stopServer(child);
  }
  assertDatabaseIntact(env);
}
