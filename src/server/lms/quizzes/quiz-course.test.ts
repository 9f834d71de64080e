/**
 * A quiz placed in a course's quiz lesson belongs to that course: its submissions are listed under
 * the course, counted in the assessment-score statistics and visible to the course's instructors,
 * whether or not the quiz was created with a course; a quiz used in two courses counts in each.
 */
import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { courseKit } from '../../../../test/helpers/courses.ts';
import { answersFor, createQuiz, enrollIn, submit } from '../../../../test/helpers/quizzes.ts';

type Row = { id: string; memberId: string; courseId: string | null; courseTitle: string | null };
type Score = { courseId: string; submissions: number; learners: number; quizzes: number };

describeDb('quizzes count in the courses that place them', (env) => {
  const h = courseKit(env);
  const pass = (quiz: Awaited<ReturnType<typeof createQuiz>>) => ({ answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' }) });

  async function setup() {
    const mod = await env.user(['Moderator']);
    const teacherA = await env.user(['Course Creator']);
    const teacherB = await env.user(['Course Creator']);
    const a = await makeCourse(env, { lessons: 1, instructorIds: [teacherA.id], title: 'Forklift basics' });
    const b = await makeCourse(env, { lessons: 1, instructorIds: [teacherB.id], title: 'Warehouse safety' });
    const quiz = await createQuiz(env, mod, {});
    expect(quiz.courseId).toBeNull();
    const lessonA = await h.lesson(mod, a.chapterIds[0]!, { title: 'Check', kind: 'quiz', quizId: quiz.id });
    await h.lesson(mod, b.chapterIds[0]!, { title: 'Check', kind: 'quiz', quizId: quiz.id });
    const learnerA = await env.user(['LMS Student']);
    const learnerB = await env.user(['LMS Student']);
    await enrollIn(env, a.courseId, learnerA);
    await enrollIn(env, b.courseId, learnerB);
    return { mod, teacherA, teacherB, a, b, quiz, lessonA, learnerA, learnerB };
  }
  const list = async (as: TestUser, query: string) => {
    const res = await env.req('GET', `/api/quiz-submissions?${query}`, { as });
    expect(res.statusCode, res.body).toBe(200);
    return json<{ items: Row[] }>(res).items;
  };
  const scores = async (as: TestUser, courseId: string) => {
    const res = await env.req('GET', `/api/statistics/assessment-scores?courseId=${courseId}`, { as });
    expect(res.statusCode, res.body).toBe(200);
    return json<{ items: Score[] }>(res).items;
  };

  it('a courseless quiz in two courses: each submission counts in its learner’s course only', async () => {
    const s = await setup();
    expect((await submit(env, s.learnerA, s.quiz.id, pass(s.quiz))).statusCode).toBe(201);
    expect((await submit(env, s.learnerB, s.quiz.id, pass(s.quiz))).statusCode).toBe(201);
    const inA = await list(s.mod, `courseId=${s.a.courseId}`);
    expect(inA.map((r) => [r.memberId, r.courseId, r.courseTitle])).toEqual([[s.learnerA.id, s.a.courseId, 'Forklift basics']]);
    const inB = await list(s.mod, `courseId=${s.b.courseId}`);
    expect(inB.map((r) => [r.memberId, r.courseId])).toEqual([[s.learnerB.id, s.b.courseId]]);
    expect(await scores(s.mod, s.a.courseId)).toMatchObject([{ courseId: s.a.courseId, submissions: 1, learners: 1, quizzes: 1 }]);
    expect(await scores(s.mod, s.b.courseId)).toMatchObject([{ courseId: s.b.courseId, submissions: 1, learners: 1, quizzes: 1 }]);
    // Each course's instructor sees their learners' submissions and statistics, not the other course's.
    expect((await list(s.teacherA, `quizId=${s.quiz.id}`)).map((r) => r.memberId)).toEqual([s.learnerA.id]);
    expect((await list(s.teacherB, `quizId=${s.quiz.id}`)).map((r) => r.memberId)).toEqual([s.learnerB.id]);
    expect(await scores(s.teacherA, s.a.courseId)).toMatchObject([{ submissions: 1 }]);
    expect(await scores(s.teacherA, s.b.courseId)).toEqual([]);
    const one = await env.req('GET', `/api/quiz-submissions/${inA[0]!.id}`, { as: s.teacherA });
    expect(one.statusCode).toBe(200);
    expect((await env.req('GET', `/api/quiz-submissions/${inA[0]!.id}`, { as: s.teacherB })).statusCode).toBe(404);
    // Passing completed the quiz lesson, which is the course's last: it stays current.
    const e = await env.ctx.db.selectFrom('enrollments').select('current_lesson_id').where('member_id', '=', s.learnerA.id).executeTakeFirstOrThrow();
    expect(e.current_lesson_id).toBe(s.lessonA.id);
  });

  it('a started (timed) attempt records the course too; a quiz created with a course keeps it', async () => {
    const s = await setup();
    const timed = await createQuiz(env, s.mod, { title: 'Timed', timeLimitMinutes: 10 });
    await h.lesson(s.mod, s.a.chapterIds[0]!, { title: 'Timed check', kind: 'quiz', quizId: timed.id });
    const started = await env.req('POST', `/api/quizzes/${timed.id}/attempts`, { as: s.learnerA });
    expect(started.statusCode, started.body).toBe(201);
    const rows = await list(s.teacherA, `courseId=${s.a.courseId}`);
    expect(rows.map((r) => r.courseId)).toEqual([s.a.courseId]);
    const own = await createQuiz(env, s.mod, { title: 'Own', courseId: s.b.courseId });
    await enrollIn(env, s.b.courseId, s.learnerA);
    expect((await submit(env, s.learnerA, own.id, pass(own))).statusCode).toBe(201);
    expect((await list(s.mod, `quizId=${own.id}`)).map((r) => r.courseId)).toEqual([s.b.courseId]);
  });

  it('someone in neither course cannot submit: 404, nothing written', async () => {
    const s = await setup();
    const outsider = await env.user(['LMS Student']);
    const before = await env.count('quiz_submissions');
    const res = await submit(env, outsider, s.quiz.id, pass(s.quiz));
    expect(res.statusCode).toBe(404);
    expect(json(res).code).toBe('NOT_FOUND');
    expect(await env.count('quiz_submissions')).toBe(before);
  });
});
