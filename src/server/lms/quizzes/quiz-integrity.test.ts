import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { courseKit, ok, type Problem } from '../../../../test/helpers/courses.ts';
import {
  AUTO_QUESTIONS,
  answersFor,
  createQuiz,
  enrollIn,
  pdfText,
  submit,
  type QuizView,
  type SubmissionResult,
} from '../../../../test/helpers/quizzes.ts';
import { progressSql } from '../enrollments/index.ts';

type Detail = SubmissionResult & { answers: { questionId: string; text: string; awardedMarks?: number | null }[] };

const RIGHT = { single: [0], multiple: [0, 1], text: 'Paris' };

/** A different question set: one single-choice question whose right option is the second. */
const REPLACEMENT = [
  {
    kind: 'single',
    text: 'Where is the assembly point?',
    options: [
      { text: 'Car park', correct: false },
      { text: 'Front lawn', correct: true },
    ],
    marks: 5,
  },
];

describeDb('quiz integrity: previews, edits during attempts, lesson links', (env) => {
  it("authors' attempts are previews: unlimited, graded, never counted, listed, reported or completing a lesson", async () => {
    const creator = await env.user(['Course Creator']);
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const course = await makeCourse(env, { lessons: 2, kinds: ['text', 'quiz'], instructorIds: [creator.id] });
    const quiz = await createQuiz(env, creator, { courseId: course.courseId, maxAttempts: 1, passingPercentage: 50 });
    await env.ctx.db.updateTable('lessons').set({ quiz_id: quiz.id }).where('id', '=', course.lessonIds[1]!).execute();
    // The author enrolls in the course to see it as a learner would.
    const creatorEnrollment = await enrollIn(env, course.courseId, creator);
    const before = { audit: await env.count('audit_log'), completions: await env.count('lesson_completions') };

    const started = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: creator });
    expect(started.statusCode, started.body).toBe(201);
    const attempt = json<{ id: string; attempt: number; preview: boolean }>(started);
    expect(attempt).toMatchObject({ attempt: 1, preview: true });
    const view = json<QuizView>(await env.req('GET', `/api/quizzes/${quiz.id}`, { as: creator }));
    expect(view).toMatchObject({ view: 'staff', attemptsUsed: 0, attemptsLeft: null, currentAttempt: { id: attempt.id } });

    const first = await submit(env, creator, quiz.id, { attemptId: attempt.id, answers: answersFor(quiz, RIGHT) });
    expect(first.statusCode, first.body).toBe(201);
    expect(json<SubmissionResult & { preview: boolean }>(first)).toMatchObject({ score: 6, passed: true, preview: true });
    // Max attempts is 1, yet previews go on; so do the mod's, who is not enrolled.
    for (const as of [creator, creator, mod]) {
      const again = await submit(env, as, quiz.id, { answers: answersFor(quiz, RIGHT) });
      expect(again.statusCode, again.body).toBe(201);
      expect(json(again)).toMatchObject({ preview: true, passed: true });
    }

    // No progress moved, no completion, no audit entry, nothing in lists or statistics.
    const enrollment = await env.ctx.db
      .selectFrom('enrollments')
      .select([progressSql().as('progress'), 'completed_at'])
      .where('id', '=', creatorEnrollment)
      .executeTakeFirstOrThrow();
    expect(Number(enrollment.progress)).toBe(0);
    expect(await env.count('lesson_completions')).toBe(before.completions);
    expect(await env.count('audit_log')).toBe(before.audit);
    for (const as of [mod, creator]) {
      const list = json<{ items: unknown[]; total: number }>(
        await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}&withTotal=true`, { as }),
      );
      expect(list).toMatchObject({ items: [], total: 0 });
    }
    const stats = json<{ items: unknown[] }>(
      await env.req('GET', `/api/statistics/assessment-scores?courseId=${course.courseId}`, { as: mod }),
    );
    expect(stats.items).toEqual([]);
    // The previewer still reads their own preview by id, its report says what it is; nobody else sees it.
    const own = await env.req('GET', `/api/quiz-submissions/${attempt.id}`, { as: creator });
    expect(own.statusCode).toBe(200);
    expect(json(own)).toMatchObject({ preview: true, score: 6 });
    expect(pdfText(await env.req('GET', `/api/quiz-submissions/${attempt.id}/report.pdf`, { as: creator }))).toContain(
      'Preview 1 (an author trying the quiz out; not a learner record)',
    );
    expect((await env.req('GET', `/api/quiz-submissions/${attempt.id}`, { as: mod })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/quiz-submissions/${attempt.id}/report.pdf`, { as: mod })).statusCode).toBe(404);
    // The Course Quiz PDF of the author's enrollment shows no attempt.
    const coursePdf = pdfText(await env.req('GET', `/api/enrollments/${creatorEnrollment}/quiz-report.pdf`, { as: mod }));
    expect(coursePdf).toContain('Fire safety');
    expect(coursePdf).not.toContain('100%');

    // The learner's single attempt is untouched by all of that.
    await enrollIn(env, course.courseId, learner);
    const lv = json<QuizView>(await env.req('GET', `/api/quizzes/${quiz.id}`, { as: learner }));
    expect(lv).toMatchObject({ view: 'learner', attemptsUsed: 0, attemptsLeft: 1, currentAttempt: null });
    const real = await submit(env, learner, quiz.id, { answers: answersFor(quiz, RIGHT) });
    expect(real.statusCode, real.body).toBe(201);
    expect(json(real)).toMatchObject({ attempt: 1, preview: false, passed: true });
    expect(json(await submit(env, learner, quiz.id, { answers: [] })).code).toBe('MAX_ATTEMPTS_REACHED');
    const list = json<{ items: { memberId: string }[] }>(await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}`, { as: mod }));
    expect(list.items.map((i) => i.memberId)).toEqual([learner.id]);
    expect(
      json<{ items: { learners: number; submissions: number }[] }>(
        await env.req('GET', `/api/statistics/assessment-scores?courseId=${course.courseId}`, { as: mod }),
      ).items[0],
    ).toMatchObject({ learners: 1, submissions: 1 });
  });

  it('an attempt in progress keeps the questions it started with; edits never change stored scores', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const course = await makeCourse(env);
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, timeLimitMinutes: 10, passingPercentage: 80 });
    await enrollIn(env, course.courseId, learner);

    // A finished attempt first: 6 of 6.
    const a1 = json<{ id: string }>(await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner }));
    const done = json<SubmissionResult>(await submit(env, learner, quiz.id, { attemptId: a1.id, answers: answersFor(quiz, RIGHT) }));
    expect(done).toMatchObject({ score: 6, maxScore: 6, percentage: 100, passed: true });

    // A second attempt starts, then the author replaces every question.
    const a2 = json<{ id: string }>(await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner }));
    const patched = await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: mod, body: { questions: REPLACEMENT, passingPercentage: 80 } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(json(patched)).toMatchObject({ questionCount: 1, maxScore: 5 });

    // The learner still sees, and is graded on, the questions of the attempt.
    const seen = json<QuizView>(await env.req('GET', `/api/quizzes/${quiz.id}`, { as: learner }));
    expect(seen.currentAttempt?.id).toBe(a2.id);
    expect(seen.maxScore).toBe(6);
    expect(seen.questions.map((q) => q.id).sort()).toEqual(quiz.questions.map((q) => q.id).sort());
    const res = await submit(env, learner, quiz.id, {
      attemptId: a2.id,
      answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'nope' }),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(json(res)).toMatchObject({ id: a2.id, score: 5, maxScore: 6, percentage: 83.33, passed: true });
    const detail = json<Detail>(await env.req('GET', `/api/quiz-submissions/${a2.id}`, { as: mod }));
    expect(detail.answers.map((a) => a.text)).toEqual(AUTO_QUESTIONS.map((q) => q.text));
    // Answers naming the new questions do not fit that attempt.
    const a3 = json<{ id: string }>(await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner }));
    const fresh = json<QuizView>(await env.req('GET', `/api/quizzes/${quiz.id}`, { as: learner }));
    expect(fresh).toMatchObject({ maxScore: 5, questionCount: 1 });
    expect(fresh.questions[0]!.text).toBe('Where is the assembly point?');
    const wrongSet = await submit(env, learner, quiz.id, { attemptId: a3.id, answers: answersFor(quiz, RIGHT) });
    expect(wrongSet.statusCode).toBe(400);
    expect(json(wrongSet).code).toBe('VALIDATION_FAILED');

    // Another edit (marks, right option, pass mark) leaves both stored results as they were.
    const again = await env.req('PATCH', `/api/quizzes/${quiz.id}`, {
      as: mod,
      body: {
        passingPercentage: 100,
        questions: [
          {
            ...REPLACEMENT[0],
            marks: 50,
            options: [
              { text: 'Car park', correct: true },
              { text: 'Front lawn', correct: false },
            ],
          },
        ],
      },
    });
    expect(again.statusCode, again.body).toBe(200);
    const list = json<{ items: SubmissionResult[] }>(
      await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}&status=graded`, { as: mod }),
    );
    const byId = new Map(list.items.map((s) => [s.id, s]));
    expect(byId.get(a1.id)).toMatchObject({ score: 6, maxScore: 6, percentage: 100, passed: true });
    expect(byId.get(a2.id)).toMatchObject({ score: 5, maxScore: 6, percentage: 83.33, passed: true });
    const d1 = json<Detail>(await env.req('GET', `/api/quiz-submissions/${a1.id}`, { as: mod }));
    expect(d1.answers.map((a) => a.awardedMarks)).toEqual([2, 3, 1]);
  });

  it('in a sequential course the quiz of a locked lesson cannot be started or submitted', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const course = await makeCourse(env, { lessons: 2, kinds: ['text', 'quiz'], sequential: true });
    const quiz = await createQuiz(env, mod, { courseId: course.courseId });
    await env.ctx.db.updateTable('lessons').set({ quiz_id: quiz.id }).where('id', '=', course.lessonIds[1]!).execute();
    await enrollIn(env, course.courseId, learner);
    const before = { subs: await env.count('quiz_submissions'), completions: await env.count('lesson_completions') };
    const start = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
    expect(start.statusCode, start.body).toBe(422);
    expect(json(start).code).toBe('LESSON_LOCKED');
    const early = await submit(env, learner, quiz.id, { answers: answersFor(quiz, RIGHT) });
    expect(early.statusCode, early.body).toBe(422);
    expect(json(early).code).toBe('LESSON_LOCKED');
    expect(await env.count('quiz_submissions')).toBe(before.subs);
    expect(await env.count('lesson_completions')).toBe(before.completions);
    // The author's preview is not held back.
    expect((await submit(env, mod, quiz.id, { answers: [] })).statusCode).toBe(201);

    expect((await env.req('POST', `/api/lessons/${course.lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    const res = await submit(env, learner, quiz.id, { answers: answersFor(quiz, RIGHT) });
    expect(res.statusCode, res.body).toBe(201);
    const done = await env.ctx.db
      .selectFrom('lesson_completions')
      .select('lesson_id')
      .where('member_id', '=', learner.id)
      .orderBy('lesson_id')
      .execute();
    expect(done.map((d) => d.lesson_id).sort()).toEqual([...course.lessonIds].sort());
  });

  it('a quiz lesson links only a quiz of its own course: unknown or foreign 404, another course 422, nothing written', async () => {
    const creator = await env.user(['Course Creator']);
    const otherCreator = await env.user(['Course Creator']);
    const mod = await env.user(['Moderator']);
    const h = courseKit(env);
    const mine = await h.course(creator);
    const mySecond = await h.course(creator);
    const theirs = await h.course(otherCreator);
    const ch = await h.chapter(creator, mine.id);
    const own = await createQuiz(env, creator, { courseId: mine.id });
    const sibling = await createQuiz(env, creator, { courseId: mySecond.id });
    const foreign = await createQuiz(env, otherCreator, { courseId: theirs.id });
    const courseless = await createQuiz(env, mod, {});

    const before = { lessons: await env.count('lessons'), audit: await env.count('audit_log') };
    const refused: [string, string, number, string][] = [
      ['unknown', '0000000000000000000000zzzz', 404, 'NOT_FOUND'],
      ["another creator's", foreign.id, 404, 'NOT_FOUND'],
      ['course-less (admins only)', courseless.id, 404, 'NOT_FOUND'],
      ['of my other course', sibling.id, 422, 'QUIZ_NOT_IN_COURSE'],
    ];
    for (const [name, quizId, status, code] of [...refused, ['missing', undefined, 400, 'VALIDATION_FAILED'] as const]) {
      const res = await env.req('POST', `/api/chapters/${ch.id}/lessons`, { as: creator, body: { title: 'Check', kind: 'quiz', quizId } });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
      const p = json<Problem>(res);
      expect(p.code, name).toBe(code);
      expect(
        p.errors?.map((e) => e.path),
        name,
      ).toEqual(['quizId']);
    }
    expect(await env.count('lessons')).toBe(before.lessons);
    expect(await env.count('audit_log')).toBe(before.audit);

    const lesson = await h.lesson(creator, ch.id, { title: 'Check', kind: 'quiz', quizId: own.id });
    expect(lesson.quizId).toBe(own.id);
    // A Moderator may link a course-less quiz.
    expect((await h.lesson(mod, ch.id, { title: 'Shared check', kind: 'quiz', quizId: courseless.id })).quizId).toBe(courseless.id);

    const audit = await env.count('audit_log');
    for (const [name, quizId, status, code] of [...refused, ['taken away', null, 400, 'VALIDATION_FAILED'] as const]) {
      const res = await env.req('PATCH', `/api/lessons/${lesson.id}`, { as: creator, body: { quizId, title: 'Renamed' } });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
      expect(json(res).code, name).toBe(code);
    }
    const row = await env.ctx.db.selectFrom('lessons').select(['quiz_id', 'title']).where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ quiz_id: own.id, title: 'Check' });
    expect(await env.count('audit_log')).toBe(audit);
    expect(
      (await ok<{ quizId: string | null }>(env.req('PATCH', `/api/lessons/${lesson.id}`, { as: creator, body: { quizId: own.id } })))
        .quizId,
    ).toBe(own.id);
  });
});
