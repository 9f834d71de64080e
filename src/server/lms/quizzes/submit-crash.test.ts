import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { courseKit } from '../../../../test/helpers/courses.ts';
import { answersFor, createQuiz, enrollIn } from '../../../../test/helpers/quizzes.ts';
import { assertHealthyAfterRestart, fetchAs, killHard, startServerProcess, waitUntil } from '../../../../test/helpers/server-process.ts';

const LEARNERS = 80;

describeDb('quiz submissions cut off by a killed process', (env) => {
  const h = courseKit(env);

  it('kill -9 while learners submit: each attempt is fully submitted (score, answers, audit, lesson completion, progress, certificate) or as it was', async () => {
    const mod = await env.user(['Moderator']);
    // A text lesson and a quiz lesson: passing the quiz after the text lesson finishes the course,
    // which issues its certificate in the same transaction.
    const course = await makeCourse(env, { lessons: 1, enableCertification: true, title: 'Crash Course' });
    const quiz = await createQuiz(env, mod, { title: 'Crash check', passingPercentage: 50 });
    const quizLesson = await h.lesson(mod, course.chapterIds[0]!, { title: 'Check', kind: 'quiz', quizId: quiz.id });
    const lessonCount = 2;
    const pass = answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' });
    const fail = answersFor(quiz, { single: [1], multiple: [2], text: 'Rome' });

    const learners: TestUser[] = [];
    for (let i = 0; i < LEARNERS; i += 10) learners.push(...(await Promise.all(Array.from({ length: Math.min(10, LEARNERS - i) }, () => env.user()))));
    // Every third learner fails; every other one started an attempt before submitting (the rest
    // start and submit in one request); every fourth has not read the text lesson yet.
    const plan = await Promise.all(
      learners.map(async (learner, i) => {
        const enrollmentId = await enrollIn(env, course.courseId, learner);
        const readText = i % 4 !== 3;
        if (readText) expect((await env.req('POST', `/api/lessons/${course.lessonIds[0]!}/complete`, { as: learner })).statusCode).toBe(200);
        let attemptId: string | null = null;
        if (i % 2 === 0) {
          const started = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
          expect(started.statusCode, started.body).toBe(201);
          attemptId = json<{ id: string }>(started).id;
        }
        return { learner, enrollmentId, readText, attemptId, passes: i % 3 !== 2 };
      }),
    );
    const graded = async () =>
      Number(
        (
          await env.ctx.db
            .selectFrom('quiz_submissions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('quiz_id', '=', quiz.id)
            .where('status', '=', 'graded')
            .executeTakeFirstOrThrow()
        ).n,
      );

    const { child, url } = await startServerProcess(env);
    try {
      const requests = plan.map((p) =>
        fetchAs(url, p.learner, 'POST', `/api/quizzes/${quiz.id}/submissions`, {
          ...(p.attemptId ? { attemptId: p.attemptId } : {}),
          answers: p.passes ? pass : fail,
        }).then(
          (r) => r.status,
          () => 'cut off',
        ),
      );
      await waitUntil('a submission commit', async () => (await graded()) > 0);
      await killHard(child);
      const answers = await Promise.all(requests);
      const submitted = await graded();
      expect(submitted, 'every submission finished before the process could be killed').toBeLessThan(LEARNERS);
      expect(answers.filter((a) => a === 201).length).toBeLessThanOrEqual(submitted);
      expect(answers.every((a) => a === 201 || a === 'cut off'), JSON.stringify(answers)).toBe(true);
    } finally {
      await killHard(child);
    }

    const db = env.ctx.db;
    const submissions = await db.selectFrom('quiz_submissions').selectAll().where('quiz_id', '=', quiz.id).execute();
    const audits = await db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('entity', '=', 'quiz_submission')
      .where('action', '=', 'submit')
      .execute();
    const submitAudited = new Set(audits.map((a) => a.entity_id));
    let done = 0;
    for (const [i, p] of plan.entries()) {
      const who = `learner ${i}`;
      const mine = submissions.filter((s) => s.member_id === p.learner.id);
      expect(mine.length, `${who}: attempts`).toBeLessThanOrEqual(1);
      const s = mine[0];
      const completions = await db
        .selectFrom('lesson_completions')
        .select('lesson_id')
        .where('member_id', '=', p.learner.id)
        .where('course_id', '=', course.courseId)
        .execute();
      const quizDone = completions.some((c) => c.lesson_id === quizLesson.id);
      if (!s || s.status === 'in_progress') {
        // As it was: the started attempt untouched (or no attempt at all), nothing that follows a submission.
        expect(s?.id ?? null, `${who}: the attempt`).toBe(p.attemptId);
        if (s) expect([s.submitted_at, s.answers_json, s.score, s.max_score, s.percentage, s.passed, s.graded_at]).toEqual([null, null, null, null, null, null, null]);
        expect(quizDone, `${who}: a quiz lesson completed without a submission`).toBe(false);
        expect(s ? submitAudited.has(s.id) : false).toBe(false);
      } else {
        done++;
        if (p.attemptId) expect(s.id).toBe(p.attemptId);
        expect(s.status, `${who}: status`).toBe('graded');
        expect(s.submitted_at).not.toBeNull();
        expect(s.graded_at).not.toBeNull();
        const answers = JSON.parse(s.answers_json ?? 'null') as unknown[] | null;
        expect(answers, `${who}: a submission without its answers`).toHaveLength(quiz.questions.length);
        expect([Number(s.score), Number(s.max_score), Number(s.percentage), s.passed]).toEqual(
          p.passes ? [6, 6, 100, 1] : [0, 6, 0, 0],
        );
        expect(submitAudited.has(s.id), `${who}: a submission without its audit entry`).toBe(true);
        expect(quizDone, `${who}: the quiz lesson's completion`).toBe(p.passes);
      }
      // Progress is what the completion rows say.
      const e = await db.selectFrom('enrollments').select(['completed_lessons', 'completed_at']).where('id', '=', p.enrollmentId).executeTakeFirstOrThrow();
      expect(completions.length, `${who}: completions`).toBe(Number(p.readText) + Number(quizDone));
      expect(Number(e.completed_lessons), `${who}: the completed-lesson count`).toBe(completions.length);
      const finished = completions.length === lessonCount;
      expect(e.completed_at !== null, `${who}: the course's completion`).toBe(finished);
      const mineCourses = json<{ items: { enrollment: { id: string; progress: number } }[] }>(await env.req('GET', '/api/me/courses', { as: p.learner }));
      const shown = mineCourses.items.find((x) => x.enrollment.id === p.enrollmentId)!;
      expect(shown.enrollment.progress, `${who}: progress`).toBe(Math.floor((completions.length * 100) / lessonCount));
      const certs = await env.ctx.db.selectFrom('certificates').select('id').where('member_id', '=', p.learner.id).where('course_id', '=', course.courseId).execute();
      expect(certs.length, `${who}: the certificate of a finished course`).toBe(Number(finished));
    }
    expect(done).toBeGreaterThan(0);
    expect(submissions.length).toBe(done + submissions.filter((s) => s.status === 'in_progress').length);

    await assertHealthyAfterRestart(env);
  }, 120_000);
});
