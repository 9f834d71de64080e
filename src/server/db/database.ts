import fs from 'node:fs';
import { hash } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type Compilable, type CompiledQuery, type Transaction } from 'kysely';
import type { DatabaseTarget } from '../config.ts';
import type { DB } from './schema.ts';
import { GroupCommitSqliteDialect, type SqliteHandle } from './sqlite-group-commit.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** A database handle that may or may not be inside a transaction. */
export type Executor = Kysely<DB>;

export interface Database {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

// PostgreSQL returns int8 (count(*), sum) as strings: parse them here, once, for every query.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

const OWN_COMMIT = new WeakMap<Db, Db>();

/**
 * The database handle for long transactions (imports, bulk assignments, structure changes that
 * recompute a large course): on SQLite its transactions commit on their own instead of in a group
 * (sqlite-group-commit.ts), so the quick transactions grouped before them do not wait for them.
 * Any other handle (PostgreSQL, a transaction) is returned as it is.
 */
export function ownCommit(db: Db): Db {
  return OWN_COMMIT.get(db) ?? db;
}

export function openDatabase(target: DatabaseTarget, opts: { poolSize?: number } = {}): Database {
  if (target.kind === 'sqlite') {
    if (target.file !== ':memory:') fs.mkdirSync(path.dirname(target.file), { recursive: true });
    const conn = new SQLite(target.file);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    conn.pragma('foreign_keys = ON');
    conn.pragma('busy_timeout = 5000');
    conn.pragma('cache_size = -65536');
    conn.pragma('temp_store = MEMORY');
    registerSqliteFunctions(conn);
    const dialect = new GroupCommitSqliteDialect(withStatementCache(conn));
    const db = new Kysely<DB>({ dialect });
    OWN_COMMIT.set(db, new Kysely<DB>({ dialect: dialect.ownCommitDialect() }));
    return {
      db,
      dialect: 'sqlite',
      async close() {
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: target.url, max: opts.poolSize ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  // Nor may one that is checked out when the server goes away: its query fails (503), the process lives.
  pool.on('connect', (client) => client.on('error', () => {}));
  pool.on('connect', namePreparedStatements);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Functions SQLite lacks that the schema uses: sha256(text) -> lower-case hex of the SHA-256 of its
 * UTF-8 bytes, as PostgreSQL's encode(sha256(convert_to(text, 'UTF8')), 'hex') (the audit chain's
 * trigger). NULL in, NULL out.
 */
export function registerSqliteFunctions(conn: SQLite.Database): void {
  conn.function('sha256', { deterministic: true }, (text: unknown) => {
    if (text === null) return null;
    const value = typeof text === 'string' ? text : typeof text === 'number' || typeof text === 'bigint' ? text.toString() : Buffer.from(text as Uint8Array);
    return hash('sha256', value, 'hex');
  });
}

/**
 * better-sqlite3 compiles a statement on every prepare(); Kysely prepares on every query. Keep
 * compiled statements by SQL text (bounded, least recently used out) and hand out a fresh one when
 * the cached one is still iterating.
 */
function withStatementCache(conn: SQLite.Database, max = 500): SqliteHandle {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => conn.close(),
    exec: (sqlText: string) => void conn.exec(sqlText),
    get inTransaction() {
      return conn.inTransaction;
    },
    prepare(sqlText: string) {
      const hit = cache.get(sqlText);
      if (hit && !hit.busy) {
        cache.delete(sqlText);
        cache.set(sqlText, hit);
        return hit;
      }
      const stmt = conn.prepare(sqlText);
      if (!hit) {
        cache.set(sqlText, stmt);
        if (cache.size > max) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}

const SLOT = '\u0000smooth-slot:';

interface Template {
  compiled: CompiledQuery;
  /** Per parameter: the argument it takes, or null for a value fixed by the query. */
  slots: (string | null)[];
}

/**
 * A fixed-shape query built and compiled once per database and shape, then run with new arguments:
 * for hot paths, where building and compiling with Kysely costs more than running the statement.
 * `build` receives, in place of each argument, a placeholder that becomes that statement
 * parameter; so it must use every argument as a plain value (a comparison, an inserted value) and
 * must not look at it (no branching, no `in` lists, no text built from it). Arguments that are
 * undefined are left out of the placeholders (as Kysely leaves undefined values out of an insert),
 * and each set of defined arguments is its own shape. The statement sent is the one `build` wrote.
 */
export function prepared<A extends object, R>(
  build: (db: Executor, args: A) => Compilable<R>,
): (db: Executor, args: A) => Promise<R[]> {
  const byDatabase = new WeakMap<object, Map<string, Template>>();
  const templateOf = (db: Executor, shape: string, keys: string[]): Template => {
    const adapter = db.getExecutor().adapter;
    let shapes = byDatabase.get(adapter);
    if (!shapes) byDatabase.set(adapter, (shapes = new Map<string, Template>()));
    let t = shapes.get(shape);
    if (!t) {
      const placeholders = Object.fromEntries(keys.map((k) => [k, SLOT + k])) as A;
      const compiled = build(db, placeholders).compile();
      const slots = compiled.parameters.map((p) => {
        if (typeof p !== 'string' || !p.includes(SLOT)) return null;
        const key = p.slice(SLOT.length);
        if (!p.startsWith(SLOT) || !keys.includes(key)) throw new Error(`prepared(): an argument was used inside a value: ${compiled.sql}`);
        return key;
      });
      if (compiled.sql.includes(SLOT)) throw new Error(`prepared(): an argument ended up in the SQL text: ${compiled.sql}`);
      t = { compiled, slots };
      shapes.set(shape, t);
      if (!PREPARED_SQL.has(compiled.sql)) PREPARED_SQL.set(compiled.sql, `smooth_${PREPARED_SQL.size + 1}`);
    }
    return t;
  };
  return async (db, args) => {
    const values = args as Record<string, unknown>;
    const keys = Object.keys(values).filter((k) => values[k] !== undefined);
    const t = templateOf(db, keys.join(','), keys);
    const parameters = t.slots.map((slot, i) => (slot === null ? t.compiled.parameters[i] : values[slot]));
    const result = await db.executeQuery<R>({ ...t.compiled, parameters });
    return result.rows;
  };
}

/** SQL text of prepared() queries → the name of their PostgreSQL prepared statement. */
const PREPARED_SQL = new Map<string, string>();

/**
 * PostgreSQL parses and plans every unnamed query. The prepared() queries run as named statements
 * instead (pg's `{ name, text, values }`): each connection parses and plans them once — the set is
 * small and fixed.
 */
function namePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' && args.length === 2 && Array.isArray(values) ? PREPARED_SQL.get(text) : undefined;
    return name ? query({ name, text, values }) : query(...args);
  }) as typeof client.query;
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
