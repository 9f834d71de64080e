import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv } from '../../../test/helpers/harness.ts';
import { describeMigration } from '../../../test/helpers/migration.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import type { Executor } from '../db/database.ts';
import { auditHash, auditHeadJob, chainHead, GENESIS, sealChain, verifyChain, type ChainVerification } from './audit-chain.ts';
import { recordAudit } from './audit.service.ts';

class Rollback extends Error {}

/**
 * Changes the log directly in the database, past its append-only triggers, runs verify on the
 * changed log, and rolls everything back (so each test starts from an intact chain).
 */
async function tampered(env: TestEnv, change: (trx: Executor) => Promise<void>): Promise<ChainVerification> {
  let result: ChainVerification | undefined;
  await env.ctx.db
    .transaction()
    .execute(async (trx) => {
      if (env.dialect === 'postgres') await sql`set local session_replication_role = replica`.execute(trx);
      else {
        // The entries' table itself, under the name the changes below use (the view and its triggers go).
        await sql`drop view audit_log`.execute(trx);
        await sql`drop trigger audit_log_entries_no_update`.execute(trx);
        await sql`drop trigger audit_log_entries_no_delete`.execute(trx);
        await sql`alter table audit_log_entries rename to audit_log`.execute(trx);
      }
      await change(trx);
      result = await verifyChain(trx, { pageSize: 3 });
      throw new Rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return result!;
}

type Entry = { id: string; position: number; hash: string; prevHash: string; action: string; entity: string };

describeDb('audit log hash chain', (env) => {
  async function someWrites() {
    const admin = await env.user(['System Manager'], 'Zoë 山田 🎓 "quoted"\\slash');
    const learner = await env.user();
    const { courseId } = await makeCourse(env);
    expect((await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner })).statusCode).toBe(201);
    return { admin, learner, courseId };
  }

  it('chains every entry: positions 1..N, each naming the previous hash, hashes of the canonical content', async () => {
    const { admin } = await someWrites();
    await sealChain(env.ctx.db, { wait: true });
    const rows = await env.ctx.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(rows.length).toBeGreaterThan(3);
    let prev = GENESIS;
    rows.forEach((r, i) => {
      expect(Number(r.seq)).toBe(i + 1);
      expect(r.prev_hash).toBe(prev);
      expect(r.hash).toBe(auditHash(prev, r));
      prev = r.hash!;
    });
    expect(await chainHead(env.ctx.db)).toEqual({ seq: rows.length, hash: prev });

    const res = await env.req('GET', '/api/audit-log/verify', { as: admin });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ entries: rows.length, intact: true, problem: null, headSeq: rows.length, headHash: prev, summary: `${rows.length} entries, chain intact` });

    const list = json<{ items: Entry[] }>(await env.req('GET', '/api/audit-log?limit=500', { as: admin }));
    const byPos = new Map(list.items.map((e) => [e.position, e]));
    for (const e of list.items) {
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.prevHash).toBe(e.position === 1 ? GENESIS : byPos.get(e.position - 1)?.hash);
    }
  });

  it('verify is for System Managers only (Moderator and learner 403, anonymous 401)', async () => {
    expect((await env.req('GET', '/api/audit-log/verify', { as: await env.user(['Moderator']) })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/audit-log/verify', { as: await env.user() })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/audit-log/verify')).statusCode).toBe(401);
  });

  it('the database refuses updates and deletes of chained entries', async () => {
    const row = await env.ctx.db.selectFrom('audit_log').select('id').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    await expect(env.ctx.db.updateTable('audit_log').set({ action: 'forged' }).where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    await expect(env.ctx.db.deleteFrom('audit_log').where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    expect((await verifyChain(env.ctx.db)).intact).toBe(true);
  });

  async function entryAt(seq: number) {
    return env.ctx.db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
  }

  it('detects an entry edited in the database', async () => {
    const target = await entryAt(3);
    const r = await tampered(env, async (trx) => {
      await trx.updateTable('audit_log').set({ after_json: '{"forged":true}' }).where('id', '=', target.id).execute();
    });
    expect(r).toMatchObject({ intact: false, problem: { seq: 3, entryId: target.id, kind: 'changed' } });
    expect(r.summary).toContain(`entry #3 (${target.id}) was changed`);
    // A field moved to its neighbour keeps the same concatenated text, not the same hash.
    const moved = await tampered(env, async (trx) => {
      await trx.updateTable('audit_log').set({ action: `${target.action}${target.entity.slice(0, 1)}`, entity: target.entity.slice(1) }).where('id', '=', target.id).execute();
    });
    expect(moved.problem).toMatchObject({ seq: 3, kind: 'changed' });
  });

  it('detects an edited entry whose hash was recomputed: the next entry no longer follows it', async () => {
    const target = await entryAt(2);
    const r = await tampered(env, async (trx) => {
      const forged = { ...target, actor_id: null };
      await trx.updateTable('audit_log').set({ actor_id: null, hash: auditHash(target.prev_hash!, forged) }).where('id', '=', target.id).execute();
    });
    expect(r.problem).toMatchObject({ seq: 3, kind: 'out-of-order' });
  });

  it('detects a deleted entry (in the middle and at the end)', async () => {
    const target = await entryAt(4);
    const r = await tampered(env, (trx) => trx.deleteFrom('audit_log').where('id', '=', target.id).execute().then(() => undefined));
    expect(r).toMatchObject({ intact: false, problem: { seq: 4, kind: 'removed' } });
    expect(r.summary).toContain('entry #4 was removed');

    const head = await chainHead(env.ctx.db);
    const last = await tampered(env, (trx) => trx.deleteFrom('audit_log').where('seq', '=', head.seq).execute().then(() => undefined));
    expect(last.problem).toMatchObject({ seq: head.seq, kind: 'removed' });
  });

  it('detects entries reordered in the database', async () => {
    const [a, b] = [await entryAt(2), await entryAt(3)];
    const r = await tampered(env, async (trx) => {
      await trx.updateTable('audit_log').set({ seq: -1 }).where('id', '=', a.id).execute();
      await trx.updateTable('audit_log').set({ seq: 2 }).where('id', '=', b.id).execute();
      await trx.updateTable('audit_log').set({ seq: 3 }).where('id', '=', a.id).execute();
    });
    expect(r).toMatchObject({ intact: false, problem: { seq: 2, entryId: b.id, kind: 'out-of-order' } });
  });

  it('detects a forged entry inserted into the middle with the next positions moved up', async () => {
    const head = await chainHead(env.ctx.db);
    const r = await tampered(env, async (trx) => {
      // Move entries 3.. up by one (from the end, as the position is unique), then put the forgery at 3.
      for (let s = head.seq; s >= 3; s--) await trx.updateTable('audit_log').set({ seq: s + 1 }).where('seq', '=', s).execute();
      const prev = (await trx.selectFrom('audit_log').select('hash').where('seq', '=', 2).executeTakeFirstOrThrow()).hash!;
      const forged = { id: '00000000000000000000000000', at: '2020-01-01T00:00:00.000Z', actor_id: null, action: 'create', entity: 'forged', entity_id: 'x', before_json: null, after_json: null, request_id: null, import_id: null };
      const hash = auditHash(prev, forged);
      await trx.insertInto('audit_log').values({ ...forged, seq: 3, prev_hash: prev, hash }).execute();
    });
    expect(r.problem).toMatchObject({ seq: 4, kind: 'out-of-order' });
  });

  it('the audit.head job records the head; verify then checks the chain still holds it', async () => {
    const recorded = (await auditHeadJob.run(env.ctx)) as { seq: number; hash: string };
    expect(recorded).toEqual(expect.objectContaining(await chainHead(env.ctx.db)));
    const row = await env.ctx.db.selectFrom('audit_heads').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect({ seq: Number(row.seq), hash: row.hash }).toEqual({ seq: recorded.seq, hash: recorded.hash });
    expect((await verifyChain(env.ctx.db)).intact).toBe(true);
    // The whole chain rewritten from an entry on (every hash recomputed) still differs from the recorded head.
    const r = await tampered(env, async (trx) => {
      const rows = await trx.selectFrom('audit_log').selectAll().where('seq', '>=', 2).orderBy('seq').execute();
      let prev = (await trx.selectFrom('audit_log').select('hash').where('seq', '=', 1).executeTakeFirstOrThrow()).hash!;
      for (const x of rows) {
        const changed = x.seq === 2 ? { ...x, action: 'forged' } : x;
        const hash = auditHash(prev, changed);
        await trx.updateTable('audit_log').set({ action: changed.action, prev_hash: prev, hash }).where('id', '=', x.id).execute();
        prev = hash;
      }
      await trx.updateTable('audit_chain_head').set({ hash: prev }).where('id', '=', 1).execute();
    });
    expect(r.problem).toMatchObject({ seq: recorded.seq, kind: 'changed' });
  });

  it('a burst of 1,000 concurrent writers (200 self-enrollments, 30 new courses, 770 other audited writes) keeps one valid chain', async () => {
    const { courseId } = await makeCourse(env);
    const creator = await env.user(['Course Creator']);
    const learners = await Promise.all(Array.from({ length: 200 }, () => env.user()));
    const before = await chainHead(env.ctx.db);
    // Several sealers at once (as several server processes run them): each entry is chained once.
    let writing = true;
    const sealers = Array.from({ length: 4 }, async (_, k) => {
      while (writing) {
        await sealChain(env.ctx.db, { wait: k % 2 === 0 });
        await new Promise((r) => setTimeout(r, 1));
      }
    });
    const results = await Promise.all([
      ...learners.map((l) => env.req('POST', `/api/courses/${courseId}/enroll`, { as: l })),
      ...Array.from({ length: 30 }, (_, i) => env.req('POST', '/api/courses', { as: creator, body: { title: `Burst ${i}` } })),
      ...Array.from({ length: 770 }, (_, i) =>
        env.ctx.db.transaction().execute((trx) => recordAudit(trx, { actorId: null, action: 'note', entity: 'burst', entityId: String(i) })),
      ),
    ]);
    const statuses = results.filter((r): r is Awaited<ReturnType<TestEnv['req']>> => r !== undefined && typeof r === 'object' && 'statusCode' in r).map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(230);
    writing = false;
    await Promise.all(sealers);
    const after = await chainHead(env.ctx.db);
    expect(after.seq - before.seq).toBe(1000);
    expect(await env.count('audit_log')).toBe(after.seq);
    const v = await verifyChain(env.ctx.db);
    expect(v).toMatchObject({ intact: true, entries: after.seq });
  });

  it('PostgreSQL: an entry is chained once its transaction commits, after the entries committed before it', async () => {
    if (env.dialect !== 'postgres') return;
    const before = await chainHead(env.ctx.db);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    // A transaction writes entry A and stays open.
    const open = env.ctx.db.transaction().execute(async (trx) => {
      await recordAudit(trx, { actorId: null, action: 'note', entity: 'held', entityId: 'A' });
      wrote();
      await held;
    });
    await written;
    // B commits while A's transaction is still running: B is chained, A waits (not visible yet).
    // (The app's own sealer may have done it already: the state is what counts, not who sealed.)
    let rows: { entity_id: string; seq: number | null }[];
    try {
      await recordAudit(env.ctx.db, { actorId: null, action: 'note', entity: 'held', entityId: 'B' });
      await sealChain(env.ctx.db, { wait: true });
      rows = await env.ctx.db.selectFrom('audit_log').select(['entity_id', 'seq']).where('entity', '=', 'held').execute();
      expect(rows.map((r) => [r.entity_id, Number(r.seq)])).toEqual([['B', before.seq + 1]]);
      expect(await verifyChain(env.ctx.db)).toMatchObject({ intact: true, entries: before.seq + 1 });
    } finally {
      release();
      await open;
    }
    await sealChain(env.ctx.db, { wait: true });
    rows = await env.ctx.db.selectFrom('audit_log').select(['entity_id', 'seq']).where('entity', '=', 'held').orderBy('seq').execute();
    expect(rows.map((r) => [r.entity_id, Number(r.seq)])).toEqual([['B', before.seq + 1], ['A', before.seq + 2]]);
    expect(await verifyChain(env.ctx.db)).toMatchObject({ intact: true, entries: before.seq + 2 });
    // Chained entries are append-only again: the sealer's fill cannot be used to empty or change them.
    await expect(env.ctx.db.updateTable('audit_log').set({ seq: null, prev_hash: null, hash: null }).where('entity', '=', 'held').execute()).rejects.toThrow(/append-only/);
    // An entry waiting for its place: only the place may be filled, not its content changed on the way.
    await expect(
      env.ctx.db.transaction().execute(async (trx) => {
        await recordAudit(trx, { actorId: null, action: 'note', entity: 'held', entityId: 'C' });
        await trx.updateTable('audit_log').set({ action: 'forged', seq: 999_999, prev_hash: 'x', hash: 'y' }).where('entity_id', '=', 'C').execute();
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('smooth audit verify: exit 0 "N entries, chain intact"; exit 1 naming the first changed entry', () => {
    const cli = (url: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', 'audit', 'verify'], {
        env: { ...process.env, DATABASE_URL: url, SMOOTH_DATA_DIR: env.dataDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const target = env.config.database;
    const url = target.kind === 'sqlite' ? `sqlite:${target.file}` : target.url;
    const ok = cli(url);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^\d+ entries, chain intact\n$/);
    expect(ok.status).toBe(0);
    if (target.kind !== 'sqlite') return;
    // A copy of the database with one entry edited by hand (the sqlite3 shell would do the same).
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-audit-')), 'copy.db');
    const src = new SQLite(target.file);
    src.exec(`vacuum into '${copy.replace(/'/g, "''")}'`);
    src.close();
    const c = new SQLite(copy);
    c.exec(`drop trigger audit_log_entries_no_update; update audit_log_entries set action = 'forged' where seq = 2`);
    const id = (c.prepare('select id from audit_log where seq = 2').get() as { id: string }).id;
    c.close();
    const bad = cli(`sqlite:${copy}`);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`chain broken: entry #2 (${id}) was changed`);
    fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  }, 120_000);
});

describeMigration(
  'migration 0021 chains the existing audit entries',
  '0016-compliance-row-triggers',
  async (db) => {
    for (let i = 0; i < 5; i++) {
      await sql`insert into audit_log (id, at, actor_id, action, entity, entity_id, before_json, after_json)
        values (${`01jaudit000000000000000${i}`}, ${`2026-01-0${i + 1}T00:00:00.000Z`}, ${i % 2 ? null : 'u1'}, 'update', 'course', ${`c${i}`}, ${i ? '{"title":"Ä"}' : null}, '{"title":"Ö 🎓"}')`.execute(db);
    }
  },
  (m) => {
    it('in id order, intact, and new entries continue the chain', async () => {
      if (!m.ready) return;
      const db = m.db as unknown as Executor;
      const rows = await db.selectFrom('audit_log').select(['id', 'seq']).orderBy('seq').execute();
      expect(rows.map((r) => [r.id, Number(r.seq)])).toEqual([0, 1, 2, 3, 4].map((i) => [`01jaudit000000000000000${i}`, i + 1]));
      expect(await verifyChain(db)).toMatchObject({ intact: true, entries: 5 });
      await recordAudit(db, { actorId: null, action: 'create', entity: 'x', entityId: 'y', after: { name: 'Ø' } });
      expect(await verifyChain(db)).toMatchObject({ intact: true, entries: 6 });
    });
  },
);

describeMigration(
  'migration 0042: entries chained before it stay verifiable, new entries continue the chain',
  '0041-attestation-cycle',
  async (db) => {
    // Chained as they are written: by the 0021 trigger on SQLite, by the sealer (below) on PostgreSQL.
    for (let i = 0; i < 4; i++) {
      await sql`insert into audit_log (id, at, actor_id, action, entity, entity_id, before_json, after_json)
        values (${`01jchain00000000000000000${i}`}, ${`2026-02-0${i + 1}T00:00:00.000Z`}, ${i % 2 ? null : 'u1'}, 'update', 'course', ${`c${i}`}, ${i ? '{"title":"Ä"}' : null}, '{"title":"Ö 🎓"}')`.execute(db);
    }
  },
  (m) => {
    it('intact with the old entries, then with entries written by one statement and by several', async () => {
      if (!m.ready) return;
      const db = m.db as unknown as Executor;
      expect(await verifyChain(db)).toMatchObject({ intact: true, entries: 4 });
      await recordAudit(db, { actorId: null, action: 'create', entity: 'x', entityId: 'y', after: { name: 'Ø' } });
      await db.transaction().execute(async (trx) => {
        await recordAudit(trx, { actorId: 'u2', action: 'update', entity: 'x', entityId: 'y', before: { name: 'Ø' }, after: { name: '山田' } });
        await recordAudit(trx, { actorId: null, action: 'delete', entity: 'x', entityId: 'y' });
      });
      await sql`insert into audit_log (id, at, action, entity, entity_id)
        values ('01jchain0000000000000000a1', '2026-02-09T00:00:00.000Z', 'note', 'x', 'a'),
               ('01jchain0000000000000000a2', '2026-02-09T00:00:00.000Z', 'note', 'x', 'b')`.execute(db);
      const v = await verifyChain(db);
      expect(v).toMatchObject({ intact: true, entries: 9 });
      const rows = await db.selectFrom('audit_log').select(['seq', 'prev_hash', 'hash']).orderBy('seq').execute();
      expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await chainHead(db)).toEqual({ seq: 9, hash: rows[8]!.hash });
    });
  },
);
