import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresReachable, testDialects, type ScratchDatabase } from '../../../test/helpers/db.ts';
import { openDatabase, prepared, type Database } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { refreshStatistics } from './statistics.ts';

// Settings rows stand in for any table (key primary key, value_json and updated_at not null).
const insertSetting = prepared((db, a: { key: string; value_json: string; updated_at: string }) =>
  db.insertInto('settings').values(a).returning(['key', 'value_json']),
);
const settingKey = prepared((db, a: { key: string }) => db.selectFrom('settings').select('key').where('key', '=', a.key));
const put = (db: Database['db'], key: string, value = '1') => insertSetting(db, { key, value_json: value, updated_at: 'now' });

for (const dialect of testDialects()) {
  describe(`database handle [${dialect}]`, () => {
    let scratch: ScratchDatabase | null = null;
    let database: Database;
    let other: Database;
    const count = async (db: Database['db']) => Number((await sql<{ n: number }>`select count(*) as n from settings`.execute(db)).rows[0]!.n);

    beforeAll(async () => {
      if (dialect === 'postgres' && !(await postgresReachable())) return;
      scratch = await createScratchDatabase(dialect);
      database = openDatabase(scratch.target, { poolSize: 2 });
      await migrateToLatest(database);
      other = openDatabase(scratch.target, { poolSize: 1 });
    });
    afterAll(async () => {
      if (!scratch) return;
      await other.close();
      await database.close();
      await scratch.drop();
    });

    it('prepared(): runs the statement it built with new arguments, in and out of transactions', async ({ skip }) => {
      if (!scratch) return skip();
      const db = database.db;
      expect(await put(db, 'a', '"x"')).toEqual([{ key: 'a', value_json: '"x"' }]);
      expect(await put(db, 'b', '"y"')).toEqual([{ key: 'b', value_json: '"y"' }]);
      expect(await settingKey(db, { key: 'a' })).toEqual([{ key: 'a' }]);
      expect(await settingKey(db, { key: 'nope' })).toEqual([]);
      await expect(put(db, 'a')).rejects.toThrow();
      await db
        .transaction()
        .execute(async (trx) => {
          expect(await put(trx, 'c')).toEqual([{ key: 'c', value_json: '1' }]);
          throw new Error('undo');
        })
        .catch(() => {});
      expect(await settingKey(db, { key: 'c' })).toEqual([]);
      const misuse = prepared((d, a: { key: string }) => d.selectFrom('settings').selectAll().where('key', 'like', `${a.key}%`));
      await expect(misuse(db, { key: 'a' })).rejects.toThrow(/inside a value/);
    });

    it('transactions: the first statement runs inside the transaction, failures roll back, connections stay usable', async ({ skip }) => {
      if (!scratch) return skip();
      const db = database.db;
      await sql`delete from settings`.execute(db);
      // On PostgreSQL BEGIN travels with the first statement: that statement is still uncommitted until COMMIT.
      await db.transaction().execute(async (trx) => {
        await put(trx, 'one');
        if (dialect === 'postgres') expect(await count(other.db)).toBe(0);
        await put(trx, 'two');
      });
      expect(await count(other.db)).toBe(2);
      // A first statement that fails: the caller gets the error, nothing stays behind.
      const failed = await db
        .transaction()
        .execute(async (trx) => void (await put(trx, 'one')))
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(failed).toBeTruthy();
      // A first statement without parameters is inside the transaction too.
      await db
        .transaction()
        .execute(async (trx) => {
          await sql`delete from settings`.execute(trx);
          throw new Error('undo');
        })
        .catch(() => {});
      expect(await count(other.db)).toBe(2);
      // Empty transactions, committed and rolled back.
      await db.transaction().execute(async () => {});
      await db
        .transaction()
        .execute(async () => {
          throw new Error('nothing done');
        })
        .catch(() => {});
      // Every pooled connection still works, in and out of transactions.
      for (let i = 0; i < 4; i++) {
        await Promise.all([db.transaction().execute(async (trx) => void (await put(trx, `p${i}`))), settingKey(db, { key: 'one' })]);
      }
      expect(await count(other.db)).toBe(6);
      if (dialect === 'postgres') {
        const idle = await sql<{ n: number }>`select count(*) as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`.execute(
          other.db,
        );
        expect(Number(idle.rows[0]!.n)).toBe(0);
      }
    });

    it('refreshStatistics(): the planner gets row counts; SQLite keeps no STAT4 samples (they re-prepare statements per run)', async ({ skip }) => {
      if (!scratch) return skip();
      const db = database.db;
      for (let i = 0; i < 300; i++) await put(db, `stat-${i % 7}-${i}`);
      await refreshStatistics(db, dialect, { full: true });
      if (dialect === 'postgres') {
        const rows = await sql<{ n: number }>`select count(*) as n from pg_stats where tablename = 'settings'`.execute(db);
        expect(Number(rows.rows[0]!.n)).toBeGreaterThan(0);
        return;
      }
      const stat1 = await sql<{ idx: string }>`select idx from sqlite_stat1 where tbl = 'settings'`.execute(db);
      expect(stat1.rows.length).toBeGreaterThan(0);
      const samples = async () => Number((await sql<{ n: number }>`select count(*) as n from sqlite_stat4`.execute(db)).rows[0]!.n);
      expect(await samples()).toBe(0);
      // The light refresh (at start, daily) leaves none either, and the other connection keeps working.
      for (let i = 0; i < 3000; i++) await put(db, `grow-${i}`);
      await refreshStatistics(db, dialect);
      expect(await samples()).toBe(0);
      expect(await settingKey(other.db, { key: 'grow-1' })).toEqual([{ key: 'grow-1' }]);
    });
  });
}
