import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import type { DatabaseTarget } from '../config.ts';
import type { DB } from './schema.ts';
import { GroupCommitSqliteDialect, type SqliteHandle } from './sqlite-group-commit.ts';

export { withOwnCommit } from './sqlite-group-commit.ts';

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
    const db = new Kysely<DB>({ dialect: new GroupCommitSqliteDialect(withStatementCache(conn)) });
    return {
      db,
      dialect: 'sqlite',
      async close() {
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: target.url, max: opts.poolSize ?? 10 });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
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

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
