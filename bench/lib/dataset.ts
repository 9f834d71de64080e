/**
 * Seeded data sets, made once and copied for each benchmark that uses them.
 *
 * A data set is a key (its name and every parameter) and a seed function. The first benchmark
 * that asks for it migrates an empty database and seeds it; every benchmark (that one included)
 * then gets its own copy, so benchmarks that write still start from the same data:
 *
 * - SQLite: the seeded file (after a WAL checkpoint) is copied to a fresh scratch file;
 * - PostgreSQL: the seeded database becomes a template and each copy is
 *   `CREATE DATABASE x TEMPLATE tpl STRATEGY FILE_COPY` (a file-level copy, statistics included).
 *
 * An entry is found by a hash of the dialect, the key, the seed function's source, and the
 * contents of the migrations and of scripts/seed-scale.ts: changing any of them seeds anew.
 *
 * The cache lives where the runner says (bench/run.ts sets SEED_CACHE_DIR_ENV and
 * SEED_CACHE_PREFIX_ENV): by default a temporary directory and PostgreSQL databases named
 * smooth_bench_run<pid>_<hash>, dropped when the run ends; with `--keep-seed`, bench/.cache and
 * smooth_bench_tpl_<hash>, kept for later runs. Without the runner (no such environment) the data
 * set is seeded straight into the benchmark's scratch database.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../src/server/db/database.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';
import type { DatabaseTarget } from '../../src/server/config.ts';
import { createScratchDatabase, postgresReachable, TEST_PG_URL, type ScratchDatabase } from '../../test/helpers/db.ts';
import { seedEnrollmentsOnly } from '../../scripts/seed-scale.ts';
import type { BenchDialect } from './types.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const SEED_CACHE_DIR_ENV = 'BENCH_SEED_CACHE_DIR';
export const SEED_CACHE_PREFIX_ENV = 'BENCH_SEED_CACHE_PREFIX';
/** Where `--keep-seed` keeps SQLite files and entry descriptions (gitignored). */
export const KEPT_CACHE_DIR = path.join(REPO_ROOT, 'bench/.cache');
/** Name prefix of kept PostgreSQL templates. */
export const KEPT_PREFIX = 'smooth_bench_tpl_';
const RUN_PREFIX = 'smooth_bench_run';
const BUILD_PREFIX = 'smooth_bench_bld';

export interface Dataset<T> {
  /** The data set's name and every parameter, e.g. `enrollments-only 100000×200 1000000`. */
  key: string;
  /** Seeds a migrated, empty database; the result (e.g. the id tag) is kept with the data. */
  seed: (db: Db, dialect: BenchDialect, log: (msg: string) => void) => Promise<T>;
}

/** Users, courses and enrollments without lesson completions: the list, export and desk data set. */
export function enrollmentsOnly(p: { employees: number; courses: number; enrollments: number }): Dataset<string> {
  return {
    key: `enrollments-only ${p.employees}×${p.courses} ${p.enrollments}`,
    seed: (db, dialect, log) => seedEnrollmentsOnly(db, dialect, { ...p, log }),
  };
}

export interface SeedCache {
  dir: string;
  /** PostgreSQL template names are `${prefix}${hash}`. */
  prefix: string;
  keep: boolean;
}

/** The cache a run uses: kept under bench/.cache, or only for this run (process `pid`). */
export function seedCacheFor(keep: boolean, pid = process.pid): SeedCache {
  return keep
    ? { dir: KEPT_CACHE_DIR, prefix: KEPT_PREFIX, keep }
    : { dir: path.join(os.tmpdir(), `smooth-bench-cache-${pid}`), prefix: `${RUN_PREFIX}${pid}_`, keep };
}

function cacheFromEnv(): SeedCache | null {
  const dir = process.env[SEED_CACHE_DIR_ENV];
  const prefix = process.env[SEED_CACHE_PREFIX_ENV];
  return dir && prefix ? { dir, prefix, keep: prefix === KEPT_PREFIX } : null;
}

let codeHash: string | null = null;
/** Contents of everything that decides what a seeded database holds, apart from the seed function. */
function seedCodeHash(): string {
  if (codeHash) return codeHash;
  const h = createHash('sha256');
  const migrations = path.join(REPO_ROOT, 'src/server/db/migrations');
  const files = [
    path.join(REPO_ROOT, 'src/server/db/migrate.ts'),
    ...fs
      .readdirSync(migrations)
      .sort()
      .map((f) => path.join(migrations, f)),
    path.join(REPO_ROOT, 'scripts/seed-scale.ts'),
  ];
  for (const f of files) h.update(`${path.relative(REPO_ROOT, f)}\0`).update(fs.readFileSync(f)).update('\0');
  codeHash = h.digest('hex');
  return codeHash;
}

function datasetHash(dialect: BenchDialect, ds: Dataset<unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, dialect, key: ds.key, seed: ds.seed.toString(), code: seedCodeHash() }))
    .digest('hex')
    .slice(0, 16);
}

interface Entry<T> {
  key: string;
  dialect: BenchDialect;
  hash: string;
  /** SQLite file or PostgreSQL template database. */
  source: string;
  result: T;
  seededMs: number;
  createdAt: string;
}

const pgUrl = (db: string) => {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${db}`;
  return u.toString();
};

async function withAdmin<R>(fn: (c: pg.Client) => Promise<R>): Promise<R> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const ident = (name: string) => {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unexpected database name ${name}`);
  return name;
};

async function pgDatabaseExists(name: string): Promise<boolean> {
  return withAdmin(async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
}

async function pgDrop(c: pg.Client, name: string): Promise<void> {
  await c.query(`alter database ${ident(name)} with is_template false allow_connections true`).catch(() => {});
  await c.query(`drop database if exists ${ident(name)} with (force)`);
}

/** Migrates the database at `target` and seeds it; closes every connection to it. */
async function seedInto<T>(target: DatabaseTarget, dialect: BenchDialect, ds: Dataset<T>, log: (m: string) => void): Promise<T> {
  const database = openDatabase(target, { poolSize: 4 });
  try {
    await migrateToLatest(database);
    const result = await ds.seed(database.db, dialect, log);
    if (dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
    return result;
  } finally {
    await database.close();
  }
}

function readEntry<T>(file: string): Entry<T> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Entry<T>;
  } catch {
    return null;
  }
}

/** Seeds the data set into the cache unless it is there; returns its entry. */
async function ensureEntry<T>(cache: SeedCache, dialect: BenchDialect, ds: Dataset<T>, log: (m: string) => void): Promise<Entry<T>> {
  const hash = datasetHash(dialect, ds);
  fs.mkdirSync(cache.dir, { recursive: true });
  const entryFile = path.join(cache.dir, `${dialect}-${hash}.json`);
  const found = readEntry<T>(entryFile);
  if (found && (dialect === 'sqlite' ? fs.existsSync(found.source) : await pgDatabaseExists(found.source))) {
    log(`data set "${ds.key}" from the cache (${dialect}-${hash}, seeded in ${(found.seededMs / 1000).toFixed(1)} s at ${found.createdAt})`);
    return found;
  }

  log(`seeding data set "${ds.key}" (${dialect}-${hash})`);
  const t0 = performance.now();
  let source: string;
  let result: T;
  if (dialect === 'sqlite') {
    source = path.join(cache.dir, `${dialect}-${hash}.db`);
    const building = path.join(cache.dir, `building-${process.pid}-${hash}.db`);
    try {
      result = await seedInto({ kind: 'sqlite', file: building }, dialect, ds, log);
      for (const ext of ['-wal', '-shm']) {
        const side = `${building}${ext}`;
        if (fs.existsSync(side) && fs.statSync(side).size > 0 && ext === '-wal') throw new Error(`${side} is not empty after the checkpoint`);
        fs.rmSync(side, { force: true });
      }
      fs.renameSync(building, source);
    } finally {
      for (const ext of ['', '-wal', '-shm']) fs.rmSync(`${building}${ext}`, { force: true });
    }
  } else {
    source = `${cache.prefix}${hash}`;
    const building = `${BUILD_PREFIX}${process.pid}_${hash}`;
    await withAdmin(async (c) => {
      await pgDrop(c, building);
      await c.query(`create database ${ident(building)}`);
    });
    try {
      result = await seedInto({ kind: 'postgres', url: pgUrl(building) }, dialect, ds, log);
      await withAdmin(async (c) => {
        await pgDrop(c, source); // a stale template without its entry file
        await c.query(`alter database ${ident(building)} rename to ${ident(source)}`);
        // No connections (autovacuum included) to a template: copies need it idle.
        await c.query(`alter database ${ident(source)} with is_template true allow_connections false`);
      });
    } catch (e) {
      await withAdmin((c) => pgDrop(c, building)).catch(() => {});
      throw e;
    }
  }
  const entry: Entry<T> = {
    key: ds.key,
    dialect,
    hash,
    source,
    result,
    seededMs: Math.round(performance.now() - t0),
    createdAt: new Date().toISOString(),
  };
  fs.writeFileSync(`${entryFile}.tmp-${process.pid}`, JSON.stringify(entry, null, 2));
  fs.renameSync(`${entryFile}.tmp-${process.pid}`, entryFile);
  log(`seeded data set "${ds.key}" in ${(entry.seededMs / 1000).toFixed(1)} s`);
  return entry;
}

/** A fresh copy of the entry's database, dropped by `drop()`. */
async function copyOf(entry: Entry<unknown>, dialect: BenchDialect): Promise<ScratchDatabase> {
  const name = `smooth_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-test-'));
    const file = path.join(dir, `${name}.db`);
    fs.copyFileSync(entry.source, file, fs.constants.COPYFILE_FICLONE);
    return { target: { kind: 'sqlite', file }, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  await withAdmin(async (c) => {
    // CREATE DATABASE fails while another session is in the template; a moment later it does not.
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`create database ${ident(name)} template ${ident(entry.source)} strategy file_copy`);
        return;
      } catch (e) {
        if (attempt >= 5 || !/being accessed by other users/.test(String(e))) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  });
  return {
    target: { kind: 'postgres', url: pgUrl(name) },
    drop: () => withAdmin((c) => c.query(`drop database if exists ${ident(name)} with (force)`).then(() => undefined)),
  };
}

/**
 * A scratch database holding the data set and the seed's result: a copy from the run's cache,
 * or (outside the runner) a scratch database seeded in place.
 */
export async function datasetDatabase<T>(
  dialect: BenchDialect,
  ds: Dataset<T>,
  log: (m: string) => void,
): Promise<{ scratch: ScratchDatabase; seeded: T }> {
  const cache = cacheFromEnv();
  if (!cache) {
    const scratch = await createScratchDatabase(dialect);
    try {
      const t0 = performance.now();
      log(`seeding data set "${ds.key}" (no cache: not started by bench/run.ts)`);
      const seeded = await seedInto(scratch.target, dialect, ds, log);
      log(`seeded data set "${ds.key}" in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { scratch, seeded };
    } catch (e) {
      await scratch.drop();
      throw e;
    }
  }
  const entry = await ensureEntry(cache, dialect, ds, log);
  const t0 = performance.now();
  const scratch = await copyOf(entry, dialect);
  log(`copied data set "${ds.key}" in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { scratch, seeded: entry.result };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Drops a run's cache (unless it is kept), and what runs that ended without cleaning up left
 * behind (their process is gone): temporary directories and PostgreSQL run and build databases.
 */
export async function dropSeedCache(cache: SeedCache, withPostgres: boolean): Promise<void> {
  if (!cache.keep) fs.rmSync(cache.dir, { recursive: true, force: true });
  for (const f of fs.readdirSync(os.tmpdir())) {
    const m = /^smooth-bench-cache-(\d+)$/.exec(f);
    if (m && !alive(Number(m[1]))) fs.rmSync(path.join(os.tmpdir(), f), { recursive: true, force: true });
  }
  if (!withPostgres || !(await postgresReachable())) return;
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `select datname from pg_database where starts_with(datname, $1) or starts_with(datname, $2)`,
      [RUN_PREFIX, BUILD_PREFIX],
    );
    for (const { datname } of rows) {
      const pid = Number(/^smooth_bench_(?:run|bld)(\d+)_/.exec(datname)?.[1]);
      const ours = !cache.keep && datname.startsWith(cache.prefix);
      if (ours || (Number.isInteger(pid) && !alive(pid))) await pgDrop(c, datname);
    }
  });
}

/** Drops every kept data set: bench/.cache and the smooth_bench_tpl_* templates. Returns how many templates. */
export async function dropKeptSeeds(): Promise<number> {
  fs.rmSync(KEPT_CACHE_DIR, { recursive: true, force: true });
  if (!(await postgresReachable())) return 0;
  return withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where starts_with(datname, $1)`, [KEPT_PREFIX]);
    for (const { datname } of rows) await pgDrop(c, datname);
    return rows.length;
  });
}
