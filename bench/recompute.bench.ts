/**
 * recompute: recomputeProgress() of one course with 100,000 enrollments (10,000 with --quick)
 * right after a lesson is added (every enrollment's progress drops; the complete ones reopen), and
 * after it is removed again (they complete again and fire enrollment.completed), in a database
 * with two more courses of the same size (their completions must not be read). Measured on a
 * course where every learner has started and none finished (only the lesson count changes) and
 * on one where half have finished (50,000 rows reopen, then complete again).
 * Limit: the raw recount read (the course's completions grouped by member), the least any
 * recount does; also shown: a raw UPDATE rewriting every enrollment of the course. Goal: ≤ 1 s.
 */
import { sql } from 'kysely';
import { nowIso } from '../src/server/db/dialect.ts';
import { newId } from '../src/server/db/ids.ts';
import { recomputeProgress } from '../src/server/lms/enrollments/index.ts';
import { chapterId, courseId, newTag, seedCourses, seedEnrollments, seedUsers } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, type BenchResult } from './lib/types.ts';
import { startBenchServer } from './lib/server.ts';
import { refreshStatistics } from '../src/server/db/statistics.ts';

export default defineBenchmark({
  name: 'recompute',
  description:
    'recomputeProgress of a course with 100,000 enrollments (10,000 with --quick; two more courses alike) after adding a lesson and ' +
    'after removing it, vs the raw recount read of its completions (and vs rewriting every row); goal ≤ 1 s.',
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
          await refreshStatistics(db, d, { full: true });
          l(`seeded three courses with ${n} enrollments each and ${completions} lesson completions in all`);
          return tag;
        },
      },
    });
    try {
      const { ctx } = server;
      const db = ctx.db;
      const tag = server.seeded;
      const now = nowIso();
      const completeRows = async (course: string) =>
        Number(
          (
            await db
              .selectFrom('enrollments')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('course_id', '=', course)
              .where('completed_at', 'is not', null)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const measure = async (course: string, label: string) => {
        const t = performance.now();
        const changed = await db.transaction().execute((trx) => recomputeProgress(ctx, trx, course));
        const ms = performance.now() - t;
        log(`${label}: ${changed.length} enrollments changed in ${ms.toFixed(0)} ms`);
        return { ms, changed: changed.length };
      };
      // Add a lesson: every enrollment's progress drops (progress is derived from the lesson count);
      // the rows written are those that were complete and are not any more. Remove it: they complete again.
      const addAndRemove = async (c: number) => {
        const course = courseId(tag, c);
        const completeBefore = await completeRows(course);
        const lessonId = newId();
        await db
          .insertInto('lessons')
          .values({
            id: lessonId,
            course_id: course,
            chapter_id: chapterId(tag, c),
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
        const added = await measure(course, `course ${c} (${completeBefore} complete): after adding a lesson`);
        if (added.changed !== completeBefore || (await completeRows(course)) !== 0) {
          throw new Error(`expected the ${completeBefore} complete enrollments to reopen, ${added.changed} changed`);
        }
        await db.deleteFrom('lessons').where('id', '=', lessonId).execute();
        const removed = await measure(course, `course ${c}: after removing it again`);
        if ((await completeRows(course)) !== completeBefore) throw new Error(`expected ${completeBefore} complete enrollments again`);
        return { added, removed, completeBefore };
      };
      // Course 0: every enrollment has completed lessons, none all of them. Course 2: half are complete.
      const { added, removed } = await addAndRemove(0);
      const half = await addAndRemove(2);
      const course = courseId(tag, 0);

      // The floor of any recount: reading the course's completions grouped by member.
      let t = performance.now();
      const recount = await sql<{ n: number }>`
        select count(*) as n from (select member_id, count(*) as c from lesson_completions where course_id = ${course} group by member_id) x`.execute(db);
      const rawMs = performance.now() - t;
      log(`raw recount of the course's completions (${Number(recount.rows[0]?.n ?? 0)} members): ${rawMs.toFixed(0)} ms`);
      // For comparison, what rewriting every enrollment of the course costs (the stored-percentage design).
      t = performance.now();
      await db.transaction().execute((trx) =>
        sql`update enrollments set completed_lessons = completed_lessons + 0, last_activity_at = last_activity_at where course_id = ${course}`.execute(trx),
      );
      const rewriteMs = performance.now() - t;
      log(`raw UPDATE of all ${n} enrollments of the course: ${rewriteMs.toFixed(0)} ms`);

      const worst = Math.max(added.ms, removed.ms);
      const halfWorst = Math.max(half.added.ms, half.removed.ms);
      const results: BenchResult[] = [
        compared(`recompute ${n.toLocaleString('en-US')} enrollments after a lesson is added`, added.ms, 'ms', {
          name: "raw recount of the course's completions",
          value: rawMs,
        }),
        compared('recompute after the lesson is removed', removed.ms, 'ms', { name: "raw recount of the course's completions", value: rawMs }),
        compared('recompute after a lesson is added, vs rewriting every row', added.ms, 'ms', { name: 'raw UPDATE of every enrollment', value: rewriteMs }),
        compared(`recompute, a course with ${half.completeBefore.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} complete, after a lesson is added`, half.added.ms, 'ms', {
          name: 'raw UPDATE of every enrollment',
          value: rewriteMs,
        }),
        compared('the same course, after the lesson is removed (they complete again)', half.removed.ms, 'ms', { name: 'raw UPDATE of every enrollment', value: rewriteMs }),
        { metric: 'recompute (absolute, worst of adding and removing)', value: worst, unit: 'ms', goal: '≤ 1000 ms', ok: worst <= 1000 },
        { metric: 'recompute, half complete (absolute, worst of adding and removing)', value: halfWorst, unit: 'ms', goal: '≤ 1000 ms', ok: halfWorst <= 1000 },
      ];
      return results;
    } finally {
      await server.close();
    }
  },
});
