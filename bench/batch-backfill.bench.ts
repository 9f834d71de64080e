/**
 * batch-backfill: adding a course to a batch of 10,000 members (2,000 with --quick) enrolls every
 * member at once (addBatchCourse: the batch row locked, one INSERT ... SELECT of the enrollments,
 * their audit entries set-based, the batch's own audit entry), against a raw INSERT ... SELECT of
 * the same rows into enrollments alone. Three rounds, alternating, each on a fresh course; the
 * median of each is compared. Goals: ratio ≤ 2, and ≤ 1 s on SQLite.
 */
import { sql } from 'kysely';
import { SYSTEM_ACTOR } from '../src/server/context.ts';
import { nowIso } from '../src/server/db/dialect.ts';
import { newId } from '../src/server/db/ids.ts';
import { addBatchCourse } from '../src/server/lms/batches/index.ts';
import { courseId, newTag, seedCourses, seedUsers, userId } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, figure, type BenchResult } from './lib/types.ts';
import { startBenchServer } from './lib/server.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export default defineBenchmark({
  name: 'batch-backfill',
  description: 'Adding a course to a batch of 10,000 members (2,000 with --quick) enrolls them all (with audit entries) vs a raw INSERT ... SELECT of the same enrollments; goal ratio ≤ 2 and ≤ 1 s on SQLite.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (m: string) => opts.log(m);
    const n = quick ? 2_000 : 10_000;
    const rounds = 3;
    const server = await startBenchServer(dialect, { log });
    try {
      const { ctx } = server;
      const db = ctx.db;
      const tag = newTag();
      await seedUsers(db, dialect, tag, n);
      await seedCourses(db, dialect, tag, 2 * rounds + 1, 3);
      const now = nowIso();
      const batchId = newId();
      await db
        .insertInto('batches')
        .values({
          id: batchId,
          title: 'Bench batch',
          description: '',
          start_date: '2026-01-01',
          end_date: '2026-12-31',
          timezone: 'UTC',
          seat_count: n,
          member_count: n,
          published: 1,
          allow_self_enrollment: 0,
          paid: 0,
          price: null,
          currency: null,
          created_by: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      // The seeded users are numbered 0 .. n-1.
      for (let from = 0; from < n; from += 2000) {
        const to = Math.min(n - 1, from + 1999);
        await db
          .insertInto('batch_members')
          .values(Array.from({ length: to - from + 1 }, (_, i) => ({ id: newId(), batch_id: batchId, member_id: userId(tag, from + i), added_by: null, joined_at: now })))
          .execute();
      }
      await db.insertInto('batch_courses').values({ batch_id: batchId, course_id: courseId(tag, 0), position: 0, added_at: now }).execute();
      if (dialect === 'postgres') await sql`analyze`.execute(db);
      log(`seeded a batch of ${n} members`);

      const ours: number[] = [];
      const raw: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const mine = courseId(tag, 1 + 2 * r);
        let t = performance.now();
        const res = await addBatchCourse(ctx, SYSTEM_ACTOR, batchId, mine, null);
        ours.push(performance.now() - t);
        if (res.backfill.created !== n) throw new Error(`expected ${n} enrollments, got ${res.backfill.created}`);

        const other = courseId(tag, 2 + 2 * r);
        const prefix = `${tag}r${r}`;
        t = performance.now();
        await db.transaction().execute(async (trx) => {
          await sql`insert into enrollments (id, member_id, course_id, completed_lessons, current_lesson_id, source, batch_id, payment_id,
                                             completed_at, last_activity_at, created_by, created_at)
            select ${prefix} || bm.id, bm.member_id, ${other}, 0, null, 'cohort', ${batchId}, null, null, ${now}, null, ${now}
            from batch_members bm where bm.batch_id = ${batchId}`.execute(trx);
        });
        raw.push(performance.now() - t);
        log(`round ${r + 1}: back-fill ${ours[r]!.toFixed(0)} ms, raw INSERT ... SELECT ${raw[r]!.toFixed(0)} ms`);
      }
      const oursMs = median(ours);
      const rawMs = median(raw);
      const out: BenchResult[] = [
        compared(`back-fill of a course into ${n} members (enrollments + audit)`, oursMs, 'ms', { name: 'raw INSERT ... SELECT of the same enrollments', value: rawMs }, { atMost: 2 }),
      ];
      if (dialect === 'sqlite') {
        out.push(compared('back-fill time on SQLite vs 1 s', oursMs, 'ms', { name: '1 s', value: 1000 }, { atMost: 1 }));
      } else {
        out.push(figure('back-fill time', oursMs, 'ms'));
      }
      return out;
    } finally {
      await server.close();
    }
  },
});
