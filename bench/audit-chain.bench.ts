/**
 * audit-chain: what the audit log's hash chain costs.
 *
 * 1. Verify speed: the log is filled with N entries (1,000,000 on SQLite, 200,000 on PostgreSQL;
 *    a tenth in --quick), chained by the trigger (SQLite) or the sealer (PostgreSQL, timed on its
 *    own), then verifyChain() walks it. Goal on SQLite: 1,000,000 entries in ≤ 10 s.
 * 2. The cost on self-enrollment (the goal): the enrollment service's self-enroll (8 in
 *    flight: the enrollment row, its progress counts, its audit entry, the hooks) with the chain vs
 *    without, alternating rounds, in an app built on the same database (its sealer running on
 *    PostgreSQL). Without the chain: on SQLite the audit_log view's chaining trigger is swapped for
 *    one that writes the entry as it comes; on PostgreSQL a trigger gives each entry placeholder
 *    chain values, so the sealer finds nothing. Goal: chained ≥ 0.90.
 * 3. The worst case, for reference: bare single-statement audit inserts (8 writers), chained vs
 *    not (SQLite: chaining trigger vs the plain one; PostgreSQL: the sealer beside the writers vs placeholder
 *    values and no sealer).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../src/server/app.ts';
import { loadConfig, type DatabaseTarget } from '../src/server/config.ts';
import { openDatabase, type Executor } from '../src/server/db/database.ts';
import { selfEnroll } from '../src/server/lms/enrollments/index.ts';
import { courseId, newTag, seedCourses, seedUsers, userId } from '../scripts/seed-scale.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { newId } from '../src/server/db/ids.ts';
import { sealChain, startSealer, verifyChain } from '../src/server/platform/audit-chain.ts';
import { createScratchDatabase } from '../test/helpers/db.ts';
import { compared, defineBenchmark, durations, figure } from './lib/types.ts';

const WRITERS = 8;

/**
 * SQLite without the chain: the audit_log view's INSTEAD OF INSERT trigger (migration 0043) swapped
 * for one that writes the entry as it comes, so writers still insert into the view.
 */
const UNCHAINED_SQLITE_TRIGGER = `create trigger audit_log_chain instead of insert on audit_log begin
  insert into audit_log_entries (id, at, actor_id, action, entity, entity_id, before_json, after_json, request_id, import_id)
  values (new.id, new.at, new.actor_id, new.action, new.entity, new.entity_id, new.before_json, new.after_json, new.request_id, new.import_id);
end`;

async function swapSqliteChainTrigger(db: Executor, createSql: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`drop trigger audit_log_chain`.execute(trx);
    await sql.raw(createSql).execute(trx);
  });
}

/** Self-enrollments per second through the enrollment service, with the audit chain on and off (see above). */
async function selfEnrollCost(dialect: 'sqlite' | 'postgres', target: DatabaseTarget, triggerSql: string, quick: boolean, log: (m: string) => void) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-bench-chain-'));
  const config = loadConfig({ ...process.env, SMOOTH_DATA_DIR: dataDir, DATABASE_URL: '', SMOOTH_ADMIN_EMAIL: '', SMOOTH_ADMIN_PASSWORD: '' }, { port: 0, host: '127.0.0.1' });
  config.database = target;
  config.logLevel = 'silent';
  const database = openDatabase(target, { poolSize: WRITERS });
  const built = await buildApp({ config, database, logger: false });
  const db = database.db;
  try {
    const tag = newTag();
    const members = quick ? 50_000 : 200_000;
    await seedUsers(db, dialect, tag, members);
    await seedCourses(db, dialect, tag, 1, 1);
    log(`self-enroll: seeded ${members} members and a course`);
    if (dialect === 'postgres') {
      await sql`create sequence bench_unchained_seq start 1000000000`.execute(db);
      await sql`create function bench_audit_unchained() returns trigger language plpgsql as $$
        begin new.seq := -nextval('bench_unchained_seq'); new.prev_hash := ''; new.hash := ''; return new; end $$`.execute(db);
      await sql`create trigger bench_audit_unchained before insert on audit_log for each row execute function bench_audit_unchained()`.execute(db);
      await sql`alter table audit_log disable trigger bench_audit_unchained`.execute(db);
    }
    let chainOn = true;
    const setChain = async (on: boolean) => {
      if (on === chainOn) return;
      chainOn = on;
      if (dialect === 'postgres') await sql.raw(`alter table audit_log ${on ? 'disable' : 'enable'} trigger bench_audit_unchained`).execute(db);
      else await swapSqliteChainTrigger(db, on ? triggerSql : UNCHAINED_SQLITE_TRIGGER);
    };
    let next = 0;
    const course = courseId(tag, 0);
    // CPU time of this process per enrollment (SQLite runs in it): less sensitive to other work on
    // the machine than the rate.
    const enrollFor = async (ms: number): Promise<{ rate: number; cpuUs: number }> => {
      let done = 0;
      const cpu0 = process.cpuUsage();
      const end = performance.now() + ms;
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          while (performance.now() < end && next < members) {
            const actor = { id: userId(tag, next++), roles: new Set(['LMS Student']) };
            await selfEnroll(built.ctx, actor, course);
            done++;
          }
        }),
      );
      if (next >= members) throw new Error('self-enroll: ran out of members; seed more');
      const cpu = process.cpuUsage(cpu0);
      return { rate: done / (ms / 1000), cpuUs: (cpu.user + cpu.system) / Math.max(done, 1) };
    };
    const { warmupMs, measureMs } = durations(quick);
    // At least 2 s even in --quick: with 0.5 s the first measured round (always chained) still paid
    // for settling after the seeding, about 20 to 80 µs CPU more per enrollment than the same mode later.
    await enrollFor(Math.max(warmupMs, 2000));
    const rounds = quick ? 2 : 4;
    const rates = { chained: [] as number[], unchained: [] as number[] };
    const cpuUs = { chained: [] as number[], unchained: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 ? (['unchained', 'chained'] as const) : (['chained', 'unchained'] as const)) {
        await setChain(mode === 'chained');
        const m = await enrollFor(measureMs / rounds);
        rates[mode].push(m.rate);
        cpuUs[mode].push(m.cpuUs);
      }
      log(
        `self-enroll round ${r + 1}: chained ${Math.round(rates.chained.at(-1)!)} /s (${Math.round(cpuUs.chained.at(-1)!)} µs CPU each), ` +
          `unchained ${Math.round(rates.unchained.at(-1)!)} /s (${Math.round(cpuUs.unchained.at(-1)!)} µs CPU each)`,
      );
    }
    await setChain(true);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    log(
      `self-enroll CPU per enrollment: chained ${Math.round(mean(cpuUs.chained))} µs, unchained ${Math.round(mean(cpuUs.unchained))} µs ` +
        `(unchained/chained ${(mean(cpuUs.unchained) / mean(cpuUs.chained)).toFixed(2)}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`,
    );
    return compared('self-enrollments/s with the hash chain', mean(rates.chained), 'enrollments/s', { name: 'same self-enrollments, not chained', value: mean(rates.unchained) }, { atLeast: 0.9 });
  } finally {
    await built.app.close();
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export default defineBenchmark({
  name: 'audit-chain',
  description:
    'Seconds for verifyChain over 1,000,000 entries (SQLite; 200,000 on PostgreSQL); self-enrollments/s through the enrollment service with the audit hash chain vs without (goal ≥ 0.9); and, for reference, bare audit inserts/s chained vs not.',
  async run({ dialect, quick, log }) {
    const scratch = await createScratchDatabase(dialect);
    const database = openDatabase(scratch.target, { poolSize: WRITERS });
    const db = database.db;
    try {
      await migrateToLatest(database);
      const total = (dialect === 'sqlite' ? 1_000_000 : 200_000) / (quick ? 10 : 1);
      const chunk = 50_000;
      const fillStart = performance.now();
      for (let from = 0; from < total; from += chunk) {
        const n = Math.min(chunk, total - from);
        if (dialect === 'sqlite') {
          await sql`insert into audit_log (id, at, actor_id, action, entity, entity_id, before_json, after_json)
            with recursive s(i) as (select ${from + 1} union all select i + 1 from s where i < ${from + n})
            select printf('%026d', i), '2026-01-01T00:00:00.000Z', 'actor-0001', 'update', 'course', 'course-' || i,
              '{"title":"Old title","published":false}', '{"title":"New title ' || i || '","published":true}' from s`.execute(db);
        } else {
          await sql`insert into audit_log (id, at, actor_id, action, entity, entity_id, before_json, after_json)
            select lpad(i::text, 26, '0'), '2026-01-01T00:00:00.000Z', 'actor-0001', 'update', 'course', 'course-' || i,
              '{"title":"Old title","published":false}', '{"title":"New title ' || i || '","published":true}'
            from generate_series(${from + 1}::int, ${from + n}::int) i order by i`.execute(db);
        }
        log(`filled ${from + n}/${total} entries`);
      }
      log(`fill took ${((performance.now() - fillStart) / 1000).toFixed(1)} s${dialect === 'sqlite' ? ' (chained by the trigger)' : ''}`);
      const results = [];
      if (dialect === 'postgres') {
        const s0 = performance.now();
        const sealed = await sealChain(db, { wait: true });
        const sealSeconds = (performance.now() - s0) / 1000;
        log(`sealer chained ${sealed} entries in ${sealSeconds.toFixed(2)} s`);
        results.push(figure('sealer speed (entries chained after commit)', sealed / sealSeconds, 'entries/s'));
      }
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const v = await verifyChain(db);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      if (!v.intact || v.entries !== total) throw new Error(`verify said ${v.summary}`);
      log(`verify: ${v.summary} in ${seconds.toFixed(2)} s (${cpuSeconds.toFixed(2)} s CPU)`);

      // Write cost: the same insert statement with the chain trigger on and off.
      const triggerSql =
        dialect === 'sqlite'
          ? (await sql<{ sql: string }>`select sql from sqlite_master where type = 'trigger' and name = 'audit_log_chain'`.execute(db)).rows[0]!.sql
          : '';
      let chainOn = true;
      let sealer = startSealer(db, (err) => log(`sealer failed: ${String(err)}`));
      const setChain = async (on: boolean) => {
        if (on === chainOn) return;
        chainOn = on;
        if (dialect === 'postgres') {
          if (on) sealer = startSealer(db, (err) => log(`sealer failed: ${String(err)}`));
          else await sealer.stop();
        } else await swapSqliteChainTrigger(db, on ? triggerSql : UNCHAINED_SQLITE_TRIGGER);
      };
      let unchainedSeq = 0;
      const insertFor = async (ms: number): Promise<number> => {
        let done = 0;
        const end = performance.now() + ms;
        await Promise.all(
          Array.from({ length: WRITERS }, async () => {
            while (performance.now() < end) {
              await db
                .insertInto('audit_log')
                .values({
                  id: newId(),
                  at: new Date().toISOString(),
                  actor_id: 'actor-0001',
                  action: 'create',
                  entity: 'enrollment',
                  entity_id: newId(),
                  before_json: null,
                  after_json: '{"memberId":"m","courseId":"c","progress":0,"source":"self"}',
                  request_id: null,
                  import_id: null,
                  // PostgreSQL unchained: placeholder chain values, so the sealer (stopped) has nothing to do
                  // later either. SQLite's view trigger computes them itself.
                  ...(dialect === 'postgres' && !chainOn ? { seq: --unchainedSeq, prev_hash: '', hash: '' } : {}),
                })
                .execute();
              done++;
            }
          }),
        );
        return done / (ms / 1000);
      };
      const { warmupMs, measureMs } = durations(quick);
      await insertFor(warmupMs);
      const rounds = quick ? 2 : 4;
      const segment = measureMs / rounds;
      const rates = { chained: [] as number[], unchained: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        for (const mode of r % 2 ? (['unchained', 'chained'] as const) : (['chained', 'unchained'] as const)) {
          await setChain(mode === 'chained');
          rates[mode].push(await insertFor(segment));
        }
        log(`round ${r + 1}: chained ${Math.round(rates.chained.at(-1)!)} /s, unchained ${Math.round(rates.unchained.at(-1)!)} /s`);
      }
      await setChain(true);
      await sealer.stop();
      const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
      return [
        ...results,
        figure(`verifyChain over ${total.toLocaleString('en-GB')} entries`, seconds, 's'),
        figure('verifyChain speed', total / seconds, 'entries/s'),
        figure('verifyChain CPU time of this process (user + system)', cpuSeconds, 's'),
        compared('bare audit inserts/s with the hash chain (worst case)', mean(rates.chained), 'inserts/s', {
          name: dialect === 'sqlite' ? 'same inserts, not chained' : 'same inserts, no sealer',
          value: mean(rates.unchained),
        }),
        await selfEnrollCost(dialect, scratch.target, triggerSql, quick, log),
      ];
    } finally {
      await database.close();
      await scratch.drop();
    }
  },
});
