/**
 * The current lesson ("Continue where you left off"): completing a lesson moves it to the next
 * lesson in reading order (chapter position, lesson position), the last lesson stays current when
 * it is completed, and `PUT /api/lessons/:id/current` still sets it explicitly.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';

type E = { id: string; progress: number; currentLessonId: string | null; completedAt: string | null };

describeDb('current lesson follows completions', (env) => {
  async function enrolled(opts: Parameters<typeof makeCourse>[1]) {
    const course = await makeCourse(env, opts);
    const learner = await env.user();
    const res = await env.req('POST', `/api/courses/${course.courseId}/enroll`, { as: learner });
    expect(res.statusCode).toBe(201);
    return { ...course, learner, enrollmentId: json<E>(res).id };
  }
  const complete = async (as: Awaited<ReturnType<typeof enrolled>>['learner'], lessonId: string) => {
    const res = await env.req('POST', `/api/lessons/${lessonId}/complete`, { as });
    expect(res.statusCode, res.body).toBe(200);
    return json<{ enrollment?: E } & E>(res);
  };
  const enrollmentOf = (r: { enrollment?: E } & E): E => r.enrollment ?? r;

  it('moves to the next lesson in chapter then lesson order, across chapters, and stays on the last', async () => {
    // Two chapters: lessons 0, 2, 4 in the first (positions 0, 1, 2), lessons 1, 3 in the second.
    const c = await enrolled({ lessons: 5, chapters: 2 });
    const [l0, l1, l2, l3, l4] = c.lessonIds as [string, string, string, string, string];
    const reading = [l0, l2, l4, l1, l3];
    for (let i = 0; i < reading.length; i++) {
      const e = enrollmentOf(await complete(c.learner, reading[i]!));
      expect(e.currentLessonId).toBe(reading[Math.min(i + 1, reading.length - 1)]);
    }
    const me = json<{ items: { courseId: string; enrollment?: E; currentLessonId?: string }[] }>(
      await env.req('GET', '/api/me/courses', { as: c.learner }),
    );
    expect(JSON.stringify(me)).toContain(l3);
    const row = await env.ctx.db.selectFrom('enrollments').select(['current_lesson_id', 'completed_at']).where('id', '=', c.enrollmentId).executeTakeFirstOrThrow();
    expect(row.current_lesson_id).toBe(l3);
    expect(row.completed_at).not.toBeNull();
  });

  it('a completion out of order moves the current lesson after the completed one; completing it again keeps it', async () => {
    const c = await enrolled({ lessons: 4 });
    const [l0, l1, l2, l3] = c.lessonIds as [string, string, string, string];
    expect(enrollmentOf(await complete(c.learner, l2)).currentLessonId).toBe(l3);
    // Set explicitly, then complete a lesson already complete: it moves after that lesson again.
    const put = await env.req('PUT', `/api/lessons/${l0}/current`, { as: c.learner });
    expect(put.statusCode).toBe(200);
    expect(enrollmentOf(json(put)).currentLessonId).toBe(l0);
    expect(enrollmentOf(await complete(c.learner, l0)).currentLessonId).toBe(l1);
    expect(enrollmentOf(await complete(c.learner, l0)).currentLessonId).toBe(l1);
    expect(enrollmentOf(await complete(c.learner, l3)).currentLessonId).toBe(l3);
  });

  it('in a course taken in order (the transactional path) as well', async () => {
    const c = await enrolled({ lessons: 3, sequential: true });
    const [l0, l1, l2] = c.lessonIds as [string, string, string];
    const locked = await env.req('POST', `/api/lessons/${l1}/complete`, { as: c.learner });
    expect(locked.statusCode).toBe(422);
    expect(json(locked).code).toBe('LESSON_LOCKED');
    const row = () => env.ctx.db.selectFrom('enrollments').select('current_lesson_id').where('id', '=', c.enrollmentId).executeTakeFirstOrThrow();
    expect((await row()).current_lesson_id).toBeNull();
    expect(enrollmentOf(await complete(c.learner, l0)).currentLessonId).toBe(l1);
    expect(enrollmentOf(await complete(c.learner, l1)).currentLessonId).toBe(l2);
    expect(enrollmentOf(await complete(c.learner, l2)).currentLessonId).toBe(l2);
    expect((await row()).current_lesson_id).toBe(l2);
  });

  it("another learner's completion and a lesson of a course the caller is not in change nothing", async () => {
    const a = await enrolled({ lessons: 3 });
    const b = await enrolled({ lessons: 3 });
    const res = await env.req('POST', `/api/lessons/${b.lessonIds[0]}/complete`, { as: a.learner });
    expect(res.statusCode).toBe(404);
    expect(json(res).code).toBe('NOT_FOUND');
    const unknown = await env.req('POST', `/api/lessons/0000000000000000000000zzzz/complete`, { as: a.learner });
    expect(unknown.statusCode).toBe(404);
    const rows = await env.ctx.db.selectFrom('enrollments').select('current_lesson_id').where('id', 'in', [a.enrollmentId, b.enrollmentId]).execute();
    expect(rows.map((r) => r.current_lesson_id)).toEqual([null, null]);
  });
});
