import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { expect, it } from 'vitest';
import { describeDb } from '../../../test/helpers/harness.ts';
import { createScratchDatabase } from '../../../test/helpers/db.ts';
import type { Config, DatabaseTarget } from '../config.ts';
import { backup, restore } from './backup.ts';

/** Rows of the two probe tables in a database. */
async function probeCounts(target: DatabaseTarget): Promise<{ a: number; b: number; users: number }> {
  const q = 'select (select count(*) from backup_probe_a) as a, (select count(*) from backup_probe_b) as b, (select count(*) from users) as users';
  if (target.kind === 'sqlite') {
    const db = new SQLite(target.file, { readonly: true });
    try {
      return db.prepare(q).get() as { a: number; b: number; users: number };
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: target.url });
  await c.connect();
  try {
    const r = (await c.query<{ a: string; b: string; users: string }>(q)).rows[0]!;
    return { a: Number(r.a), b: Number(r.b), users: Number(r.users) };
  } finally {
    await c.end();
  }
}

describeDb('smooth backup / restore', (env) => {
  it('copies a database that is being written to at one point in time, with the file store; restore refuses a non-empty database without --force', async () => {
    await env.user(['System Manager']);
    const db = env.ctx.db;
    await sql`create table backup_probe_a (id varchar(40) primary key)`.execute(db);
    await sql`create table backup_probe_b (id varchar(40) primary key)`.execute(db);
    const stored = path.join(env.dataDir, 'files', 'ab', 'abcdef');
    fs.mkdirSync(path.dirname(stored), { recursive: true });
    fs.writeFileSync(stored, 'a stored file\n');

    // Writers keep going during the backup: each transaction adds one row to each probe table.
    let stop = false;
    let written = 0;
    const writer = (async () => {
      while (!stop) {
        const id = `${Date.now()}-${written}`;
        await db.transaction().execute(async (trx) => {
          await sql`insert into backup_probe_a (id) values (${id})`.execute(trx);
          await sql`insert into backup_probe_b (id) values (${id})`.execute(trx);
        });
        written++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    while (written < 50) await new Promise((r) => setTimeout(r, 5));
    const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-backup-test-'));
    const archive = path.join(scratchDir, 'backup.zip');
    const writtenBefore = written;
    const manifest = await backup(env.config, archive);
    const writtenDuring = written - writtenBefore;
    stop = true;
    await writer;
    expect(writtenDuring, 'writes continued during the backup').toBeGreaterThan(0);
    expect(manifest).toMatchObject({ format: 'smooth-backup', dialect: env.dialect, files: 1 });

    // Restore into an empty database and file store.
    const fresh = await createScratchDatabase(env.dialect);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-restore-test-'));
    const target: Config = { ...env.config, database: fresh.target, dataDir };
    try {
      const restored = await restore(target, archive, { force: false });
      expect(restored).toMatchObject({ files: 1, replaced: false });
      expect(restored.tables).toBeGreaterThan(10);
      const counts = await probeCounts(fresh.target);
      // One point in time: every transaction whole, none torn between the tables.
      expect(counts.a).toBe(counts.b);
      expect(counts.a).toBeGreaterThanOrEqual(writtenBefore);
      expect(counts.a).toBeLessThanOrEqual(written);
      expect(counts.users).toBe(await env.count('users'));
      expect(fs.readFileSync(path.join(dataDir, 'files', 'ab', 'abcdef'), 'utf8')).toBe('a stored file\n');
      if (fresh.target.kind === 'sqlite') {
        const check = new SQLite(fresh.target.file, { readonly: true });
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        check.close();
      }

      // Now the database has tables: a second restore needs --force, and changes nothing without it.
      fs.writeFileSync(path.join(dataDir, 'files', 'ab', 'later'), 'written after the restore');
      await expect(restore(target, archive, { force: false })).rejects.toThrow(/only with --force/);
      expect(fs.existsSync(path.join(dataDir, 'files', 'ab', 'later'))).toBe(true);
      const forced = await restore(target, archive, { force: true });
      expect(forced).toMatchObject({ replaced: true, files: 1, tables: restored.tables, rows: restored.rows });
      expect(fs.existsSync(path.join(dataDir, 'files', 'ab', 'later'))).toBe(false);
      expect(await probeCounts(fresh.target)).toEqual(counts);

      // Not a backup at all, or one of the other database kind: refused.
      const junk = path.join(scratchDir, 'junk.zip');
      fs.writeFileSync(junk, 'not a zip');
      await expect(restore(target, junk, { force: true })).rejects.toThrow(/not a backup archive/);
      const otherKind: Config = {
        ...target,
        database: fresh.target.kind === 'sqlite' ? { kind: 'postgres', url: 'postgres://127.0.0.1/none' } : { kind: 'sqlite', file: path.join(dataDir, 'x.db') },
      };
      await expect(restore(otherKind, archive, { force: true })).rejects.toThrow(/DATABASE_URL names a/);
    } finally {
      await fresh.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(scratchDir, { recursive: true, force: true });
    }
  }, 120_000);
});
