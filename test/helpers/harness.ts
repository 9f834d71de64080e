import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Kysely } from 'kysely';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/server/config.ts';
import { buildApp, type Built } from '../../src/server/app.ts';
import { openDatabase, type Database } from '../../src/server/db/database.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';
import type { AppContext } from '../../src/server/context.ts';
import { SYSTEM_ACTOR } from '../../src/server/context.ts';
import { createUser } from '../../src/server/platform/users.service.ts';
import type { Role } from '../../src/contract/roles.ts';
import { createScratchDatabase, postgresReachable, testDialects, type ScratchDatabase, type TestDialect } from './db.ts';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  fullName: string;
  roles: Role[];
  cookie: string;
}

export interface TestEnv {
  dialect: TestDialect;
  config: Config;
  database: Database;
  built: Built;
  app: Built['app'];
  ctx: AppContext;
  dataDir: string;
  /** Creates a user straight through the service and logs them in through the API. */
  user(roles?: Role[], fullName?: string): Promise<TestUser>;
  /** Sends a request through the real routes; `as` adds the user's session cookie and a same-origin Origin. */
  req(method: InjectOptions['method'], url: string, opts?: { as?: TestUser | null; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  /** Rows in a table (for "nothing was written" assertions). */
  count(table: string): Promise<number>;
}

let seq = 0;

export function sessionCookie(res: LightMyRequestResponse): string {
  const c = res.cookies.find((x) => x.name === 'smooth_session');
  if (!c) throw new Error(`no session cookie in response ${res.statusCode} ${res.body}`);
  return `smooth_session=${c.value}`;
}

/**
 * Runs the suite once per dialect in TEST_DIALECTS, each on its own fresh database with
 * migrations applied and the real app built around it.
 */
export function describeDb(name: string, fn: (env: TestEnv) => void, opts: { logStream?: NodeJS.WritableStream; logLevel?: string } = {}): void {
  for (const dialect of testDialects()) {
    describe(`${name} [${dialect}]`, () => {
      const env = { dialect } as TestEnv;
      let scratch: ScratchDatabase | null = null;
      beforeAll(async () => {
        if (dialect === 'postgres' && !(await postgresReachable())) {
          if (process.env.CI === 'true') throw new Error('PostgreSQL is required in CI but is not reachable');
          console.warn('\n!!! PostgreSQL is not reachable: the postgres runs of this file are skipped !!!\n');
          return;
        }
        scratch = await createScratchDatabase(dialect);
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-data-'));
        const config = loadConfig({ ...process.env, SMOOTH_DATA_DIR: dataDir, DATABASE_URL: '' });
        config.database = scratch.target;
        // Without a stream of its own, a suite's server errors (a 500's cause) go to stderr beside the test.
        config.logLevel = opts.logStream ? (opts.logLevel ?? 'trace') : 'error';
        const database = openDatabase(scratch.target);
        await migrateToLatest(database);
        const built = await buildApp({ config, database, logger: true, logStream: opts.logStream ?? process.stderr });
        Object.assign(env, {
          config,
          database,
          built,
          app: built.app,
          ctx: built.ctx,
          dataDir,
          async user(roles: Role[] = ['LMS Student'], fullName?: string) {
            const n = ++seq;
            const email = `user${n}.${Date.now().toString(36)}@example.com`;
            const password = `user-${n}-passphrase`;
            const u = await createUser(built.ctx, SYSTEM_ACTOR, { email, password, fullName: fullName ?? `Test User ${n}`, roles });
            const res = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
            return { id: u.id, email, password, fullName: u.fullName, roles, cookie: sessionCookie(res) };
          },
          async req(method, url, opts = {}) {
            const headers: Record<string, string> = { ...(opts.headers ?? {}) };
            if (opts.as) {
              headers.cookie = opts.as.cookie;
              headers.origin ??= 'http://localhost:80';
            }
            headers.host ??= 'localhost:80';
            return built.app.inject({ method, url, headers, ...(opts.body !== undefined ? { payload: opts.body as InjectOptions['payload'] } : {}) });
          },
          async count(table: string) {
            const r = await (database.db as unknown as Kysely<Record<string, Record<string, unknown>>>)
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow();
            return Number(r.n);
          },
        } satisfies Omit<TestEnv, 'dialect'>);
      });
      afterAll(async () => {
        if (!env.app) return;
        await env.app.close();
        await env.database.close();
        await scratch?.drop();
        fs.rmSync(env.dataDir, { recursive: true, force: true });
      });
      fn(env);
    });
  }
}

export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}
