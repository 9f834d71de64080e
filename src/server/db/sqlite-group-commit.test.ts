import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, ownCommit, type Database } from './database.ts';

/** Group commit of the SQLite driver, watched from a second connection to the same file (another process would see the same). */
describe('SQLite group commit', () => {
  let dir: string;
  let database: Database;
  let other: SQLite.Database;
  const visibleElsewhere = (id: string) => other.prepare('select count(*) as n from t where id = ?').get(id) as { n: number };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-gc-'));
    database = openDatabase({ kind: 'sqlite', file: path.join(dir, 'gc.db') });
    await sql`create table p (id text primary key)`.execute(database.db);
    await sql`create table t (id text primary key, p text references p (id))`.execute(database.db);
    await sql`insert into p (id) values ('p1')`.execute(database.db);
    other = new SQLite(path.join(dir, 'gc.db'), { readonly: true });
  });
  afterAll(async () => {
    other.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent transactions share commits; each is committed when its promise resolves; a failing one is undone alone', async () => {
    const db = database.db;
    const seen: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        db
          .transaction()
          .execute(async (trx) => {
            await sql`insert into t (id, p) values (${`a${i}`}, 'p1')`.execute(trx);
            await sql`insert into t (id, p) values (${`b${i}`}, 'p1')`.execute(trx);
            if (i % 7 === 3) throw new Error(`refused ${i}`);
          })
          .then(() => {
            // Resolved means committed: another connection sees both rows at once.
            seen.push(visibleElsewhere(`a${i}`).n + visibleElsewhere(`b${i}`).n);
          }),
      ),
    );
    const failed = results.map((r, i) => (r.status === 'rejected' ? i : -1)).filter((i) => i >= 0);
    expect(failed).toEqual([3, 10, 17, 24]);
    expect(seen).toEqual(Array.from({ length: 26 }, () => 2));
    const n = other.prepare("select count(*) as n from t where id like 'a%' or id like 'b%'").get() as { n: number };
    expect(n.n).toBe(52);
    for (const i of failed) expect(visibleElsewhere(`a${i}`).n).toBe(0);
  });

  it('a write outside a transaction is committed before it returns, even while a group is open', async () => {
    const db = database.db;
    const tx = db.transaction().execute(async (trx) => {
      await sql`insert into t (id, p) values ('in-tx', 'p1')`.execute(trx);
    });
    const plain = sql`insert into t (id, p) values ('plain', 'p1')`.execute(db).then(() => visibleElsewhere('plain').n);
    const [, seenPlain] = await Promise.all([tx, plain]);
    expect(seenPlain).toBe(1);
    expect(visibleElsewhere('in-tx').n).toBe(1);
    // INSERT ... RETURNING is a write too, though it returns rows.
    const returned = await sql<{ id: string }>`insert into t (id, p) values ('returning', 'p1') returning id`.execute(db);
    expect(returned.rows).toEqual([{ id: 'returning' }]);
    expect(visibleElsewhere('returning').n).toBe(1);
  });

  it('a long transaction with its own commit does not hold back the quick one before it', async () => {
    const db = database.db;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const order: string[] = [];
    const quick = db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into t (id, p) values ('quick', 'p1')`.execute(trx);
      })
      .then(() => order.push('quick'));
    const long = ownCommit(db)
      .transaction()
      .execute(async (trx) => {
        await sql`insert into t (id, p) values ('long', 'p1')`.execute(trx);
        await gate;
      })
      .then(() => order.push('long'));
    // Without its own commit the long one would join the quick one's group, and the quick one would
    // wait for the gate (forever here).
    await Promise.race([quick, new Promise((_, reject) => setTimeout(() => reject(new Error('the quick transaction waited for the long one')), 3000))]);
    expect(visibleElsewhere('quick').n).toBe(1);
    expect(visibleElsewhere('long').n).toBe(0);
    open();
    await long;
    expect(order).toEqual(['quick', 'long']);
    expect(visibleElsewhere('long').n).toBe(1);
  });

  it('when the shared commit fails, every transaction of the group gets the error and none of it is kept', async () => {
    const db = database.db;
    // A deferred foreign key is only checked at COMMIT: the group's commit fails.
    const results = await Promise.allSettled([
      db.transaction().execute(async (trx) => {
        await sql`insert into t (id, p) values ('g-ok-1', 'p1')`.execute(trx);
      }),
      db.transaction().execute(async (trx) => {
        await sql`pragma defer_foreign_keys = on`.execute(trx);
        await sql`insert into t (id, p) values ('g-bad', 'missing')`.execute(trx);
      }),
      db.transaction().execute(async (trx) => {
        await sql`insert into t (id, p) values ('g-ok-2', 'p1')`.execute(trx);
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/i);
    for (const id of ['g-ok-1', 'g-bad', 'g-ok-2']) expect(visibleElsewhere(id).n).toBe(0);
    // The connection is usable afterwards.
    await db.transaction().execute(async (trx) => {
      await sql`insert into t (id, p) values ('after', 'p1')`.execute(trx);
    });
    expect(visibleElsewhere('after').n).toBe(1);
  });
});

describe('SQLite group commit: closing', () => {
  it('keeps the finished transactions of the open group and nothing of a transaction still running', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-gc-close-'));
    const file = path.join(dir, 'gc.db');
    const database = openDatabase({ kind: 'sqlite', file });
    try {
      await sql`create table t (id text primary key)`.execute(database.db);
      let entered!: () => void;
      const running = new Promise<void>((r) => (entered = r));
      let finish!: () => void;
      const gate = new Promise<void>((r) => (finish = r));
      const finished = database.db.transaction().execute(async (trx) => {
        await sql`insert into t (id) values ('finished')`.execute(trx);
      });
      const unfinished = database.db.transaction().execute(async (trx) => {
        await sql`insert into t (id) values ('partial')`.execute(trx);
        entered();
        await gate;
        await sql`insert into t (id) values ('rest')`.execute(trx);
      });
      await running;
      // The process stops while the second transaction is half done.
      await database.close();
      finish();
      const [a, b] = await Promise.allSettled([finished, unfinished]);
      expect(a.status).toBe('fulfilled');
      expect(b.status).toBe('rejected');
      const check = new SQLite(file, { readonly: true });
      try {
        const rows = check.prepare('select id from t order by id').all() as { id: string }[];
        expect(rows.map((r) => r.id)).toEqual(['finished']);
      } finally {
        check.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
