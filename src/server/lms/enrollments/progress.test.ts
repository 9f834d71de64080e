/**
 * Progress derived from completed lessons and the course's lesson count: the progress range filter
 * (a range of completed-lesson counts within a course, the derived value across courses), the
 * instructor dashboard, and completions racing with lessons being added.
 */
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { courseKit } from '../../../../test/helpers/courses.ts';
import { newId } from '../../db/ids.ts';
import { nowIso } from '../../db/dialect.ts';
import { recomputeProgress } from './progress.service.ts';
import type { Tx } from '../../db/database.ts';

type Item = { id: string; memberId: string; progress: number; completedAt: string | null };

describeDb('derived progress', (env) => {
  const h = courseKit(env);

  /** A course of `lessons` lessons and one learner per possible count of completed lessons (0..lessons). */
  async function ladder(lessons: number, tag: string) {
    const { courseId, lessonIds } = await makeCourse(env, { lessons });
    const learners: { user: TestUser; done: number; enrollmentId: string }[] = [];
    for (let done = 0; done <= lessons; done++) {
      const user = await env.user(['LMS Student'], `${tag} learner ${done}`);
      const e = json<Item>(await env.req('POST', `/api/courses/${courseId}/enroll`, { as: user }));
      for (const l of lessonIds.slice(0, done)) expect((await env.req('POST', `/api/lessons/${l}/complete`, { as: user })).statusCode).toBe(200);
      learners.push({ user, done, enrollmentId: e.id });
    }
    return { courseId, lessonIds, learners };
  }

  it('a progress range selects exactly the enrollments whose floor(done / lessons × 100) lies in it, with or without the course', async () => {
    const mod = await env.user(['Moderator']);
    const tag = `rng${newId().slice(-6)}`;
    const three = await ladder(3, tag); // 0, 33, 66, 100
    const seven = await ladder(7, tag); // 0, 14, 28, 42, 57, 71, 85, 100
    const empty = await makeCourse(env, { lessons: 0 });
    const idle = await env.user(['LMS Student'], `${tag} learner idle`);
    const idleEnrollment = json<Item>(await env.req('POST', `/api/courses/${empty.courseId}/enroll`, { as: idle }));
    const expected = new Map<string, number>();
    for (const c of [three, seven]) {
      for (const l of c.learners) expected.set(l.enrollmentId, l.done === c.lessonIds.length ? 100 : Math.floor((l.done * 100) / c.lessonIds.length));
    }
    expected.set(idleEnrollment.id, 0);

    const list = async (query: Record<string, string>) => {
      const res = await env.req('GET', `/api/enrollments?${new URLSearchParams({ limit: '500', ...query }).toString()}`, { as: mod });
      expect(res.statusCode).toBe(200);
      return json<{ items: Item[] }>(res).items;
    };
    const ranges: [number | undefined, number | undefined][] = [
      [undefined, undefined],
      [0, 0],
      [1, 32],
      [1, 33],
      [33, 33],
      [34, 66],
      [14, 14],
      [15, 41],
      [42, 99],
      [67, 99],
      [100, 100],
      [0, 100],
      [99, 100],
      [50, undefined],
      [undefined, 50],
    ];
    for (const [min, max] of ranges) {
      const bounds = { ...(min !== undefined ? { progressMin: String(min) } : {}), ...(max !== undefined ? { progressMax: String(max) } : {}) };
      const inRange = (p: number) => (min === undefined || p >= min) && (max === undefined || p <= max);
      for (const c of [three, seven, { courseId: empty.courseId }]) {
        const rows = await list({ courseId: c.courseId, ...bounds });
        const want = [...expected].filter(([id, p]) => inRange(p) && courseOf(id) === c.courseId).map(([id]) => id);
        expect({ min, max, course: c.courseId, ids: rows.map((r) => r.id).sort() }).toEqual({ min, max, course: c.courseId, ids: want.sort() });
        for (const r of rows) expect(r.progress).toBe(expected.get(r.id));
      }
      // Across courses (the learners' names narrow the list to this test's rows).
      const across = await list({ q: tag, ...bounds });
      const want = [...expected].filter(([, p]) => inRange(p)).map(([id]) => id);
      expect({ min, max, ids: across.map((r) => r.id).sort() }).toEqual({ min, max, ids: want.sort() });
    }
    function courseOf(enrollmentId: string): string {
      if (three.learners.some((l) => l.enrollmentId === enrollmentId)) return three.courseId;
      if (seven.learners.some((l) => l.enrollmentId === enrollmentId)) return seven.courseId;
      return empty.courseId;
    }

    // Sorted by progress: the derived value orders the rows, ties by id.
    const sorted = await list({ q: tag, sort: 'progress' });
    expect(sorted.map((r) => r.progress)).toEqual([...sorted.map((r) => r.progress)].sort((a, b) => a - b));
    expect(sorted).toHaveLength(expected.size);

    // The instructor dashboard and the statistics read the same values.
    const learners = json<{ items: { enrollmentId: string; progress: number; completedLessons: number }[] }>(
      await env.req('GET', `/api/courses/${seven.courseId}/learners?limit=100`, { as: mod }),
    ).items;
    for (const l of seven.learners) {
      expect(learners.find((x) => x.enrollmentId === l.enrollmentId)).toMatchObject({ progress: expected.get(l.enrollmentId), completedLessons: l.done });
    }
    const stats = json<{ distribution: { range: string; learners: number }[]; completed: number }>(
      await env.req('GET', `/api/courses/${seven.courseId}/progress-stats`, { as: mod }),
    );
    // 0, 14, 28, 42, 57, 71, 85, 100: one learner in each of these buckets.
    expect(stats.distribution.filter((d) => d.learners > 0).map((d) => d.range)).toEqual(['0-9', '10-19', '20-29', '40-49', '50-59', '70-79', '80-89', '100']);
    expect(stats.completed).toBe(1);
  });

  it('adding a lesson lowers every progress and reopens the complete ones; removing it restores them', async () => {
    const creator = await env.user(['Course Creator']);
    const course = await h.course(creator, { published: true });
    const chapter = await h.chapter(creator, course.id);
    const lessons = [await h.lesson(creator, chapter.id), await h.lesson(creator, chapter.id)];
    const people = await Promise.all([env.user(), env.user(), env.user()]);
    const ids: string[] = [];
    for (const [i, p] of people.entries()) {
      ids.push(json<Item>(await env.req('POST', `/api/courses/${course.id}/enroll`, { as: p })).id);
      for (const l of lessons.slice(0, i)) await env.req('POST', `/api/lessons/${l.id}/complete`, { as: p });
    }
    const progress = async () => Promise.all(ids.map(async (id) => (await h.progressOf(id)).progress));
    expect(await progress()).toEqual([0, 50, 100]);
    const third = await h.lesson(creator, chapter.id);
    expect(await progress()).toEqual([0, 33, 66]);
    expect((await h.progressOf(ids[2]!)).completed_at).toBeNull();
    expect((await env.req('DELETE', `/api/lessons/${third.id}`, { as: creator })).statusCode).toBe(204);
    expect(await progress()).toEqual([0, 50, 100]);
    expect((await h.progressOf(ids[2]!)).completed_at).not.toBeNull();
    // The learner's completion by her last lesson is in the enrollment's history (the recounts after
    // the course's lessons changed log none); the others have none.
    const admin = await env.user(['System Manager']);
    const completions = async (id: string) =>
      json<{ items: { action: string; actorId: string | null; after: { progress: number; completedAt: string } }[] }>(
        await env.req('GET', `/api/audit-log?entity=enrollment&entityId=${id}&action=complete`, { as: admin }),
      ).items;
    const history = await completions(ids[2]!);
    expect(history.map((e) => [e.actorId, e.after.progress])).toEqual([[people[2].id, 100]]);
    expect(await completions(ids[1]!)).toEqual([]);
  });

  it('completions racing with a new lesson: no enrollment ends complete without every lesson, counts match the completion rows', async () => {
    const creator = await env.user(['Course Creator']);
    const course = await h.course(creator, { published: true });
    const chapter = await h.chapter(creator, course.id);
    const lessons = [await h.lesson(creator, chapter.id), await h.lesson(creator, chapter.id)];
    const people = await Promise.all(Array.from({ length: 12 }, () => env.user()));
    const ids: string[] = [];
    for (const p of people) {
      ids.push(json<Item>(await env.req('POST', `/api/courses/${course.id}/enroll`, { as: p })).id);
      await env.req('POST', `/api/lessons/${lessons[0]!.id}/complete`, { as: p });
    }
    // Everyone completes their last lesson while a third lesson is added in the middle of it.
    const results = await Promise.all([
      ...people.slice(0, 6).map((p) => env.req('POST', `/api/lessons/${lessons[1]!.id}/complete`, { as: p })),
      env.req('POST', `/api/chapters/${chapter.id}/lessons`, { as: creator, body: { title: 'Added', kind: 'text' } }),
      ...people.slice(6).map((p) => env.req('POST', `/api/lessons/${lessons[1]!.id}/complete`, { as: p })),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([...Array<number>(12).fill(200), 201].sort());
    const rows = await env.ctx.db
      .selectFrom('enrollments')
      .innerJoin('courses', 'courses.id', 'enrollments.course_id')
      .select((eb) => [
        'enrollments.completed_lessons',
        'enrollments.completed_at',
        'courses.lesson_count',
        eb
          .selectFrom('lesson_completions')
          .select((c) => c.fn.countAll<number>().as('n'))
          .whereRef('lesson_completions.member_id', '=', 'enrollments.member_id')
          .whereRef('lesson_completions.course_id', '=', 'enrollments.course_id')
          .as('rows'),
      ])
      .where('enrollments.id', 'in', ids)
      .execute();
    for (const r of rows) {
      expect(Number(r.lesson_count)).toBe(3);
      expect(Number(r.completed_lessons)).toBe(Number(r.rows));
      expect(Number(r.completed_lessons)).toBe(2);
      expect(r.completed_at).toBeNull();
    }
  });

  /** A published course of `lessons` lessons in one chapter and a learner enrolled in it. */
  async function enrolledLearner(lessons: number) {
    const creator = await env.user(['Course Creator']);
    const course = await h.course(creator, { published: true });
    const chapter = await h.chapter(creator, course.id);
    const lessonIds: string[] = [];
    for (let i = 0; i < lessons; i++) lessonIds.push((await h.lesson(creator, chapter.id)).id);
    const learner = await env.user();
    const e = json<Item>(await env.req('POST', `/api/courses/${course.id}/enroll`, { as: learner }));
    return { courseId: course.id, chapterId: chapter.id, lessonIds, learner, enrollmentId: e.id };
  }

  /**
   * Changes the course's lessons and recomputes it in a transaction that stays open while `lessonId`
   * is completed (the request starts before the commit and is given time to run into its locks).
   */
  async function completeDuring(courseId: string, change: (trx: Tx) => Promise<unknown>, learner: TestUser, lessonId: string) {
    let completing: ReturnType<typeof env.req> | null = null;
    await env.ctx.db.transaction().execute(async (trx) => {
      await change(trx);
      await recomputeProgress(env.ctx, trx, courseId);
      completing = env.req('POST', `/api/lessons/${lessonId}/complete`, { as: learner });
      await new Promise((r) => setTimeout(r, 300));
    });
    return completing!;
  }

  it('a completion that starts while a lesson is being added waits for it and counts against the new lesson count', async () => {
    const { courseId, chapterId, lessonIds, learner, enrollmentId } = await enrolledLearner(2);
    await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner });
    // A lesson is added and the course recomputed, not yet committed, when the learner completes
    // what was the last lesson.
    const now = nowIso();
    const res = await completeDuring(
      courseId,
      (trx) =>
        trx
          .insertInto('lessons')
          .values({ id: newId(), course_id: courseId, chapter_id: chapterId, title: 'Added', kind: 'text', body: '', video_url: null, file_id: null, quiz_id: null, scorm_package_id: null, is_preview: 0, position: 2, created_at: now, updated_at: now })
          .execute(),
      learner,
      lessonIds[1]!,
    );
    expect(res.statusCode).toBe(200);
    expect(json<{ enrollment: Item }>(res).enrollment).toMatchObject({ progress: 66, completedAt: null });
    expect(await h.progressOf(enrollmentId)).toMatchObject({ progress: 66, completed_at: null });
  });

  it('a completion that starts while another lesson is being removed waits for it and, now the last one, completes the course once', async () => {
    const { courseId, lessonIds, learner, enrollmentId } = await enrolledLearner(3);
    await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner });
    const completed: string[] = [];
    env.ctx.hooks.on('enrollment.completed', async (_trx, p) => {
      completed.push(...p.completions.map((c) => c.enrollmentId).filter((id) => id === enrollmentId));
    });
    // The third lesson is removed (1 of 2 done) when the learner completes the second: that
    // completion must count against 2 lessons and finish the course.
    const res = await completeDuring(courseId, (trx) => trx.deleteFrom('lessons').where('id', '=', lessonIds[2]!).execute(), learner, lessonIds[1]!);
    expect(res.statusCode).toBe(200);
    expect(json<{ enrollment: Item }>(res).enrollment).toMatchObject({ progress: 100 });
    const row = await h.progressOf(enrollmentId);
    expect(row.progress).toBe(100);
    expect(row.completed_at).not.toBeNull();
    expect(completed).toEqual([enrollmentId]);
  });

  it('the last lesson completed while a deletion of it holds the course: the deletion goes through, the completion is 404', async () => {
    const { courseId, lessonIds, learner } = await enrolledLearner(2);
    await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner });
    // As deleting a lesson does: the course is locked first, the lesson deleted after. The
    // completion (it would finish the course, so it takes the transaction) starts in between.
    let completing: ReturnType<typeof env.req> | null = null;
    await env.ctx.db.transaction().execute(async (trx) => {
      if (env.dialect === 'postgres') await sql`select id from courses where id = ${courseId} for update`.execute(trx);
      completing = env.req('POST', `/api/lessons/${lessonIds[1]}/complete`, { as: learner });
      await new Promise((r) => setTimeout(r, 300));
      await trx.deleteFrom('lessons').where('id', '=', lessonIds[1]!).execute();
      await recomputeProgress(env.ctx, trx, courseId);
    });
    const res = await completing!;
    expect(res.statusCode).toBe(404);
    const rows = await env.ctx.db.selectFrom('lesson_completions').select('lesson_id').where('member_id', '=', learner.id).execute();
    expect(rows.map((r) => r.lesson_id)).toEqual([lessonIds[0]]);
  });

  it('completing a lesson while it is being deleted answers 404 NOT_FOUND and writes nothing', async () => {
    const { courseId, lessonIds, learner, enrollmentId } = await enrolledLearner(3);
    const res = await completeDuring(courseId, (trx) => trx.deleteFrom('lessons').where('id', '=', lessonIds[1]!).execute(), learner, lessonIds[1]!);
    expect(res.statusCode).toBe(404);
    expect(json<{ code: string }>(res).code).toBe('NOT_FOUND');
    const rows = await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute();
    expect(rows).toEqual([]);
    expect(await h.progressOf(enrollmentId)).toMatchObject({ progress: 0, completed_at: null });
  });
});

