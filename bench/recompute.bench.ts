/**
 * recompute: recomputeProgress() of one course with 100,000 enrollments (10,000 with --quick)
 * right after a lesson is added (every enrollment with a completed lesson changes progress), and
 * after it is removed again (they change back, and those at 100% fire enrollment.completed), in
 * a database with two more courses of the same size (their completions must not be read).
 * Limit: a raw set-based UPDATE writing a new progress into the same rows without recounting.
 * Goal: ≤ 1 s.
 */
import { sql } from 'kysely';
import { nowIso } from '../src/server/db/dialect.ts';
import { newId } from '../src/server/db/ids.ts';
import { recomputeProgress } from '../src/server/lms/progress.service.ts';
import { chapterId, courseId, newTag, seedCourses, seedEnrollments, seedUsers } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, type BenchResult } from './lib/types.ts';
import { startBenchServer } from './lib/server.ts';

export default defineBenchmark({
  name: 'recompute',
  description:
    'recomputeProgress of a course with 100,000 enrollments (10,000 with --quick; two more courses alike) after adding a lesson and ' +
    'after removing it, vs a raw UPDATE of the progress of the same rows; goal ≤ 1 s.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const n = quick ? 10_000 : 100_000;
    const lessons = 5;
    const server = await startBenchServer(dialect, {
      log,
      dataset: {
        key: `recompute ${n}×3 ${lessons}`,
        seed: async (db, d, l) => {
          const tag = newTag();
          await seedUsers(db, d, tag, n);
          await seedCourses(db, d, tag, 3, lessons);
          const { completions } = await seedEnrollments(db, d, tag, { employees: n, courses: 3, lessons, count: 3 * n, log: l });
          await sql`analyze`.execute(db);
          l(`seeded three courses with ${n} enrollments each and ${completions} lesson completions in all`);
          return tag;
        },
      },
    });
    try {
      const { ctx } = server;
      const db = ctx.db;
      const tag = server.seeded;
      const course = courseId(tag, 0);

      const now = nowIso();
      const measure = async (label: string) => {
        const t = performance.now();
        const changed = await db.transaction().execute((trx) => recomputeProgress(ctx, trx, course));
        const ms = performance.now() - t;
        log(`${label}: ${changed.length} enrollments changed in ${ms.toFixed(0)} ms`);
        return { ms, changed: changed.length };
      };
      // Add a lesson: every enrollment with at least one completed lesson changes progress.
      const lessonId = newId();
      await db
        .insertInto('lessons')
        .values({
          id: lessonId,
          course_id: course,
          chapter_id: chapterId(tag, 0),
          title: 'New lesson',
          kind: 'text',
          body: '',
          video_url: null,
          file_id: null,
          quiz_id: null,
          scorm_package_id: null,
          is_preview: 0,
          position: lessons,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const added = await measure('after adding a lesson');
      if (added.changed < n / 2) throw new Error(`expected most of ${n} enrollments to change, ${added.changed} did`);
      await db.deleteFrom('lessons').where('id', '=', lessonId).execute();
      const removed = await measure('after removing it again');

      const t = performance.now();
      const raw = await sql`update enrollments
           set progress = case when progress = 100 then 99 else progress + 1 end, completed_at = null
         where course_id = ${course} and progress > 0`.execute(db);
      const rawMs = performance.now() - t;
      log(`raw update of progress in the same ${Number(raw.numAffectedRows ?? 0)} rows: ${rawMs.toFixed(0)} ms`);

      const worst = Math.max(added.ms, removed.ms);
      const results: BenchResult[] = [
        compared(`recompute ${n.toLocaleString('en-US')} enrollments after a lesson is added`, added.ms, 'ms', {
          name: 'raw UPDATE of their progress',
          value: rawMs,
        }),
        compared('recompute after the lesson is removed', removed.ms, 'ms', { name: 'raw UPDATE of their progress', value: rawMs }),
        { metric: 'recompute (absolute, worst of both)', value: worst, unit: 'ms', goal: '≤ 1000 ms', ok: worst <= 1000 },
      ];
      return results;
    } finally {
      await server.close();
    }
  },
});
