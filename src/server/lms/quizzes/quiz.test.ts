import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { AUTO_QUESTIONS, OPEN_QUESTION, answersFor, createQuiz, enrollIn, submit, type QuizView, type SubmissionResult } from '../../../../test/helpers/quizzes.ts';

type Detail = SubmissionResult & {
  answersVisible: boolean;
  answers: { questionId: string; kind: string; awardedMarks?: number | null; correct?: boolean | null; givenChoice: number[] | null; givenText: string | null; acceptedAnswers?: string[] }[];
};

describeDb('quizzes', (env) => {
  async function setup(quizBody: Record<string, unknown> = {}, courseOpts: Parameters<typeof makeCourse>[1] = {}) {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const course = await makeCourse(env, courseOpts);
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, ...quizBody });
    const enrollmentId = await enrollIn(env, course.courseId, learner);
    return { mod, learner, course, quiz, enrollmentId };
  }

  it('grades every kind on the server: right, wrong, partial, empty and extra options', async () => {
    const { mod, learner, quiz } = await setup({ passingPercentage: 50 });
    expect(quiz.maxScore).toBe(6);
    const cases: { name: string; answers: ReturnType<typeof answersFor>; score: number; marks: [number, number, number] }[] = [
      { name: 'all right', answers: answersFor(quiz, { single: [0], multiple: [1, 0], text: '  pARIS ' }), score: 6, marks: [2, 3, 1] },
      { name: 'all wrong', answers: answersFor(quiz, { single: [1], multiple: [2, 3], text: 'London' }), score: 0, marks: [0, 0, 0] },
      { name: 'partial multiple, other accepted answer', answers: answersFor(quiz, { single: [0], multiple: [0], text: 'lutèce' }), score: 3, marks: [2, 0, 1] },
      { name: 'empty', answers: answersFor(quiz, { single: [], multiple: [], text: '   ' }), score: 0, marks: [0, 0, 0] },
      { name: 'nothing answered', answers: [], score: 0, marks: [0, 0, 0] },
      { name: 'extra options', answers: answersFor(quiz, { single: [0, 1], multiple: [0, 1, 2], text: 'Paris!' }), score: 0, marks: [0, 0, 0] },
    ];
    for (const c of cases) {
      const res = await submit(env, learner, quiz.id, { answers: c.answers });
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(201);
      const r = json<SubmissionResult>(res);
      expect(r, c.name).toMatchObject({ score: c.score, maxScore: 6, status: 'graded', passed: c.score >= 3, percentage: Math.round((c.score * 10000) / 6) / 100 });
      const detail = json<Detail>(await env.req('GET', `/api/quiz-submissions/${r.id}`, { as: mod }));
      expect(detail.answers.map((a) => a.awardedMarks), c.name).toEqual(c.marks);
    }
    const all = json<{ items: SubmissionResult[] }>(await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}`, { as: learner }));
    expect(all.items.map((s) => s.attempt).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('the learner view never carries correct answers; staff see them', async () => {
    const { mod, learner, quiz } = await setup();
    const staff = json<QuizView>(await env.req('GET', `/api/quizzes/${quiz.id}`, { as: mod }));
    expect(staff.view).toBe('staff');
    expect(staff.questions[0]!.options![0]).toMatchObject({ correct: true });
    expect(staff.questions[2]!.answers).toEqual(['Paris', 'Lutèce']);
    const res = await env.req('GET', `/api/quizzes/${quiz.id}`, { as: learner });
    expect(res.statusCode).toBe(200);
    const view = json<QuizView>(res);
    expect(view.view).toBe('learner');
    expect(res.body).not.toContain('"correct"');
    expect(res.body).not.toContain('Paris');
    expect(res.body).not.toContain('Lutèce');
    expect(view.questions[1]!.options!.map((o) => o.text).sort()).toEqual(['Coffee mug', 'Gloves', 'Goggles', 'Stapler']);
  });

  it('shuffles per attempt, stable for that attempt; choices name the option index', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      kind: 'single',
      text: `Question ${i}`,
      options: Array.from({ length: 6 }, (__, j) => ({ text: `Q${i} option ${j}`, correct: j === 0 })),
      marks: 1,
    }));
    const { learner, quiz } = await setup({ shuffle: true, questions: many, passingPercentage: 100 });
    const start = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
    expect(start.statusCode).toBe(201);
    const v1 = json<QuizView>(await env.req('GET', `/api/quizzes/${quiz.id}`, { as: learner }));
    const v2 = json<QuizView>(await env.req('GET', `/api/quizzes/${quiz.id}`, { as: learner }));
    expect(v1.currentAttempt?.id).toBe(json<{ id: string }>(start).id);
    expect(v2.questions).toEqual(v1.questions);
    const shownOrder = v1.questions.map((q) => q.text).join('|');
    const optionOrders = v1.questions.map((q) => q.options!.map((o) => o.index).join('')).join('|');
    // 12! question orders × 720^12 option orders: the same order as stored is (practically) impossible.
    expect(`${shownOrder}${optionOrders}`).not.toBe(`${many.map((q) => q.text).join('|')}${many.map(() => '012345').join('|')}`);
    // The right option is index 0 wherever it was shown.
    const res = await submit(env, learner, quiz.id, { answers: v1.questions.map((q) => ({ questionId: q.id, choice: [0] })) });
    expect(res.statusCode, res.body).toBe(201);
    expect(json<SubmissionResult>(res)).toMatchObject({ attempt: 1, score: 12, passed: true });
  });

  it('refuses bad submissions with VALIDATION_FAILED and writes nothing', async () => {
    const { learner, quiz, mod, course } = await setup();
    const other = await createQuiz(env, mod, { courseId: course.courseId, title: 'Other quiz' });
    const good = answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' });
    const single = quiz.questions[0]!.id;
    const text = quiz.questions[2]!.id;
    const bad: [string, unknown, string?][] = [
      ['missing answers', {}],
      ['answers not an array', { answers: 'all of them' }],
      ['forged score', { answers: good, score: 6, percentage: 100, passed: true }],
      ['forged per-answer correctness', { answers: [{ questionId: single, choice: [1], correct: true }] }],
      ['question of another quiz', { answers: [{ questionId: other.questions[0]!.id, choice: [0] }] }, 'answers.0.questionId'],
      ['option index out of range', { answers: [{ questionId: single, choice: [3] }] }, 'answers.0.choice.0'],
      ['negative index', { answers: [{ questionId: single, choice: [-1] }] }],
      ['index of wrong type', { answers: [{ questionId: single, choice: ['0'] }] }],
      ['same option twice', { answers: [{ questionId: single, choice: [0, 0] }] }],
      ['same question twice', { answers: [{ questionId: text, text: 'Paris' }, { questionId: text, text: 'Paris' }] }],
      ['choice for a text question', { answers: [{ questionId: text, choice: [0] }] }],
      ['text for a choice question', { answers: [{ questionId: single, text: 'CO2' }] }],
      ['bad question id', { answers: [{ questionId: 'not an id!', text: 'x' }] }],
      ['oversize text', { answers: [{ questionId: text, text: 'x'.repeat(20_001) }] }],
    ];
    const before = { subs: await env.count('quiz_submissions'), audit: await env.count('audit_log') };
    for (const [name, body, path] of bad) {
      const res = await submit(env, learner, quiz.id, body);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(400);
      const p = json<{ code: string; errors: { path: string }[] }>(res);
      expect(p.code, name).toBe('VALIDATION_FAILED');
      if (path) expect(p.errors.map((e) => e.path), name).toContain(path);
    }
    expect(await env.count('quiz_submissions')).toBe(before.subs);
    expect(await env.count('audit_log')).toBe(before.audit);
    // Unknown quiz, and a quiz of a course the learner is not enrolled in: 404.
    const stranger = await env.user();
    expect((await submit(env, learner, '0000000000000000000000zzzz', { answers: [] })).statusCode).toBe(404);
    const r = await submit(env, stranger, quiz.id, { answers: good });
    expect(r.statusCode).toBe(404);
    expect((await env.req('GET', `/api/quizzes/${quiz.id}`, { as: stranger })).statusCode).toBe(404);
    expect((await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: stranger })).statusCode).toBe(404);
    expect((await submit(env, null as never, quiz.id, { answers: good })).statusCode).toBe(401);
    expect(await env.count('quiz_submissions')).toBe(before.subs);
  });

  it('max attempts holds: a third attempt is 422 MAX_ATTEMPTS_REACHED; 0 is unlimited', async () => {
    const { learner, quiz } = await setup({ maxAttempts: 2 });
    const answers = answersFor(quiz, { single: [1] });
    expect((await submit(env, learner, quiz.id, { answers })).statusCode).toBe(201);
    expect((await submit(env, learner, quiz.id, { answers })).statusCode).toBe(201);
    const before = await env.count('quiz_submissions');
    const third = await submit(env, learner, quiz.id, { answers });
    expect(third.statusCode).toBe(422);
    expect(json(third)).toMatchObject({ code: 'MAX_ATTEMPTS_REACHED', maxAttempts: 2 });
    const start = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
    expect(json(start).code).toBe('MAX_ATTEMPTS_REACHED');
    expect(await env.count('quiz_submissions')).toBe(before);
    const view = json<QuizView>(await env.req('GET', `/api/quizzes/${quiz.id}`, { as: learner }));
    expect(view).toMatchObject({ attemptsUsed: 2, attemptsLeft: 0 });
  });

  it('12 concurrent submits with max 3 attempts: exactly 3 accepted, numbered 1..3', async () => {
    const { learner, quiz } = await setup({ maxAttempts: 3 });
    const answers = answersFor(quiz, { single: [0], multiple: [0, 1], text: 'paris' });
    const results = await Promise.all(Array.from({ length: 12 }, () => submit(env, learner, quiz.id, { answers })));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(3);
    expect(codes.filter((c) => c === 422)).toHaveLength(9);
    for (const r of results.filter((x) => x.statusCode === 422)) expect(json(r).code).toBe('MAX_ATTEMPTS_REACHED');
    const rows = await env.ctx.db.selectFrom('quiz_submissions').select(['attempt', 'status']).where('quiz_id', '=', quiz.id).where('member_id', '=', learner.id).orderBy('attempt').execute();
    expect(rows.map((r) => Number(r.attempt))).toEqual([1, 2, 3]);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['graded']));
  });

  it('12 concurrent starts with max 3 never make more than 3 attempts', async () => {
    const { learner, quiz } = await setup({ maxAttempts: 3, timeLimitMinutes: 10 });
    const results = await Promise.all(Array.from({ length: 12 }, () => env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner })));
    expect(results.every((r) => [200, 201, 422].includes(r.statusCode))).toBe(true);
    const rows = await env.ctx.db.selectFrom('quiz_submissions').select('attempt').where('quiz_id', '=', quiz.id).execute();
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(3);
  });

  it('timed quizzes: start first, resume the open attempt, refuse late submissions after the grace', async () => {
    const { learner, quiz } = await setup({ timeLimitMinutes: 5 });
    const answers = answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' });
    const notStarted = await submit(env, learner, quiz.id, { answers });
    expect(notStarted.statusCode).toBe(422);
    expect(json(notStarted).code).toBe('ATTEMPT_NOT_STARTED');
    const s1 = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
    expect(s1.statusCode).toBe(201);
    const a1 = json<{ id: string; attempt: number; deadlineAt: string; startedAt: string }>(s1);
    expect(Date.parse(a1.deadlineAt) - Date.parse(a1.startedAt)).toBe(5 * 60_000);
    const again = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
    expect(again.statusCode).toBe(200);
    expect(json(again)).toMatchObject({ id: a1.id, resumed: true });

    // The deadline passed two minutes ago (beyond the 30 s grace): refused, recorded as expired.
    const past = (ms: number) => new Date(Date.now() - ms).toISOString();
    await env.ctx.db.updateTable('quiz_submissions').set({ started_at: past(7 * 60_000), deadline_at: past(2 * 60_000) }).where('id', '=', a1.id).execute();
    const late = await submit(env, learner, quiz.id, { attemptId: a1.id, answers });
    expect(late.statusCode).toBe(422);
    expect(json(late)).toMatchObject({ code: 'ATTEMPT_EXPIRED', submissionId: a1.id });
    const row = await env.ctx.db.selectFrom('quiz_submissions').selectAll().where('id', '=', a1.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'expired', score: null, passed: null });
    const twice = await submit(env, learner, quiz.id, { attemptId: a1.id, answers });
    expect(json(twice).code).toBe('ATTEMPT_ALREADY_SUBMITTED');

    // Within the grace (deadline 10 s ago) it is accepted, with the time taken stored.
    const s2 = json<{ id: string; attempt: number }>(await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner }));
    expect(s2.attempt).toBe(2);
    await env.ctx.db.updateTable('quiz_submissions').set({ started_at: past(5 * 60_000 + 10_000), deadline_at: past(10_000) }).where('id', '=', s2.id).execute();
    const ok = await submit(env, learner, quiz.id, { answers });
    expect(ok.statusCode, ok.body).toBe(201);
    const r = json<SubmissionResult>(ok);
    expect(r).toMatchObject({ id: s2.id, attempt: 2, score: 6, passed: true });
    expect(r.timeTakenSeconds).toBeGreaterThanOrEqual(309);
    expect(r.timeTakenSeconds).toBeLessThanOrEqual(360);
    // Someone else's attempt id is not there.
    const other = await env.user();
    await enrollIn(env, (await env.ctx.db.selectFrom('quizzes').select('course_id').where('id', '=', quiz.id).executeTakeFirstOrThrow()).course_id!, other);
    const foreign = await submit(env, other, quiz.id, { attemptId: s2.id, answers });
    expect(foreign.statusCode).toBe(404);
  });

  /** A course of a text lesson and a quiz lesson (pass mark 80%), and a learner enrolled in it. */
  async function quizLessonCourse() {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const course = await makeCourse(env, { lessons: 2, kinds: ['text', 'quiz'] });
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, passingPercentage: 80 });
    await env.ctx.db.updateTable('lessons').set({ quiz_id: quiz.id }).where('id', '=', course.lessonIds[1]!).execute();
    const enrollmentId = await enrollIn(env, course.courseId, learner);
    return { learner, course, quiz, enrollmentId };
  }

  it('passing a quiz lesson completes it and moves progress; failing does not; a later pass does', async () => {
    const { learner, course, quiz, enrollmentId } = await quizLessonCourse();
    const fail = await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0], text: 'Paris' }) });
    expect(json(fail)).toMatchObject({ passed: false, percentage: 50 });
    let e = json<{ progress: number }>(await env.req('GET', `/api/enrollments/${enrollmentId}`, { as: learner }));
    expect(e.progress).toBe(0);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute()).toHaveLength(0);
    const pass = await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' }) });
    expect(json(pass)).toMatchObject({ passed: true, attempt: 2 });
    e = json<{ progress: number }>(await env.req('GET', `/api/enrollments/${enrollmentId}`, { as: learner }));
    expect(e.progress).toBe(50);
    const done = await env.ctx.db.selectFrom('lesson_completions').select('lesson_id').where('member_id', '=', learner.id).execute();
    expect(done.map((d) => d.lesson_id)).toEqual([course.lessonIds[1]]);
    // Passing again is harmless (idempotent completion).
    expect((await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' }) })).statusCode).toBe(201);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute()).toHaveLength(1);
  });

  it('a quiz passed while the enrollment is being deleted is graded; no lesson progress is left behind', async () => {
    const { learner, quiz, enrollmentId } = await quizLessonCourse();
    // As deleting an enrollment does: the row is locked, its completions and then the row deleted.
    let submitting: ReturnType<typeof submit> | null = null;
    await env.ctx.db.transaction().execute(async (trx) => {
      if (env.dialect === 'postgres') await sql`select id from enrollments where id = ${enrollmentId} for update`.execute(trx);
      submitting = submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' }) });
      await new Promise((r) => setTimeout(r, 300));
      await trx.deleteFrom('lesson_completions').where('member_id', '=', learner.id).execute();
      await trx.deleteFrom('enrollments').where('id', '=', enrollmentId).execute();
    });
    const res = await submitting!;
    // PostgreSQL grades the attempt that started while enrolled; SQLite runs it after the deletion.
    expect(res.statusCode, res.body).toBe(env.dialect === 'postgres' ? 201 : 404);
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute()).toEqual([]);
    expect(await env.ctx.db.selectFrom('enrollments').select('id').where('id', '=', enrollmentId).execute()).toEqual([]);
  });

  it('open answers wait for review; graders finalise; the lesson completes on a passing grade', async () => {
    const creator = await env.user(['Course Creator']);
    const otherCreator = await env.user(['Course Creator']);
    const evaluator = await env.user(['Batch Evaluator']);
    const learner = await env.user();
    const course = await makeCourse(env, { lessons: 1, kinds: ['quiz'], instructorIds: [creator.id] });
    const quiz = await createQuiz(env, creator, { courseId: course.courseId, passingPercentage: 70, questions: [...AUTO_QUESTIONS, OPEN_QUESTION] });
    await env.ctx.db.updateTable('lessons').set({ quiz_id: quiz.id }).where('id', '=', course.lessonIds[0]!).execute();
    const enrollmentId = await enrollIn(env, course.courseId, learner);
    const res = await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris', open: 'Left, then the stairs.' }) });
    expect(res.statusCode).toBe(201);
    const sub = json<SubmissionResult>(res);
    expect(sub).toMatchObject({ status: 'pending_review', score: 6, maxScore: 10, percentage: null, passed: null });
    const pending = json<{ items: { id: string }[] }>(await env.req('GET', `/api/quiz-submissions?status=pending_review&courseId=${course.courseId}`, { as: creator }));
    expect(pending.items.map((i) => i.id)).toEqual([sub.id]);

    const openId = quiz.questions[3]!.id;
    const url = `/api/quiz-submissions/${sub.id}/grade`;
    const before = await env.count('audit_log');
    expect((await env.req('POST', url, { as: learner, body: { marks: [{ questionId: openId, marks: 4 }] } })).statusCode).toBe(403);
    expect((await env.req('POST', url, { as: otherCreator, body: { marks: [{ questionId: openId, marks: 4 }] } })).statusCode).toBe(404);
    const badBodies: unknown[] = [
      {},
      { marks: [] },
      { marks: [{ questionId: openId, marks: 5 }] },
      { marks: [{ questionId: openId, marks: -1 }] },
      { marks: [{ questionId: quiz.questions[0]!.id, marks: 2 }] },
      { marks: [{ questionId: openId, marks: 2 }], passed: true },
    ];
    for (const body of badBodies) {
      const r = await env.req('POST', url, { as: creator, body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await env.count('audit_log')).toBe(before);
    expect(json<{ status: string }>(await env.req('GET', `/api/quiz-submissions/${sub.id}`, { as: creator })).status).toBe('pending_review');

    const graded = await env.req('POST', url, { as: evaluator, body: { marks: [{ questionId: openId, marks: 3, comment: 'Good' }] } });
    expect(graded.statusCode, graded.body).toBe(200);
    expect(json(graded)).toMatchObject({ status: 'graded', score: 9, percentage: 90, passed: true });
    const again = await env.req('POST', url, { as: creator, body: { marks: [{ questionId: openId, marks: 4 }] } });
    expect(again.statusCode).toBe(409);
    expect(json(again).code).toBe('SUBMISSION_NOT_PENDING');
    const e = json<{ progress: number }>(await env.req('GET', `/api/enrollments/${enrollmentId}`, { as: learner }));
    expect(e.progress).toBe(100);
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'quiz_submission').where('entity_id', '=', sub.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['submit', 'grade']);
  });

  it("another learner's submission is 404; learners list only their own; answers only when the quiz shows them", async () => {
    const { mod, learner, quiz, course } = await setup({ showAnswers: false });
    const other = await env.user();
    await enrollIn(env, course.courseId, other);
    const creator = await env.user(['Course Creator']);
    const hr = await env.user(['HR User']);
    const sub = json<SubmissionResult>(await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [1], text: 'Paris' }) }));
    const othersSub = json<SubmissionResult>(await submit(env, other, quiz.id, { answers: [] }));
    for (const path of [`/api/quiz-submissions/${sub.id}`, `/api/quiz-submissions/${sub.id}/report.pdf`]) {
      expect((await env.req('GET', path, { as: other })).statusCode, path).toBe(404);
      expect((await env.req('GET', path, { as: creator })).statusCode, path).toBe(404);
      expect((await env.req('GET', path, { as: hr })).statusCode, path).toBe(200);
      expect((await env.req('GET', path, { as: mod })).statusCode, path).toBe(200);
    }
    const mine = json<{ items: { memberId: string }[] }>(await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}`, { as: learner }));
    expect(mine.items.map((i) => i.memberId)).toEqual([learner.id]);
    const spying = json<{ items: unknown[] }>(await env.req('GET', `/api/quiz-submissions?memberId=${learner.id}`, { as: other }));
    expect(spying.items).toEqual([]);
    expect(json<{ items: unknown[] }>(await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}`, { as: creator })).items).toEqual([]);
    const all = json<{ items: unknown[]; total: number }>(await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}&withTotal=true&limit=1`, { as: mod }));
    expect(all.total).toBe(2);
    expect(all.items).toHaveLength(1);
    const failed = json<{ items: { passed: boolean }[] }>(await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}&passed=false`, { as: mod }));
    expect(failed.items).toHaveLength(2);

    const own = await env.req('GET', `/api/quiz-submissions/${sub.id}`, { as: learner });
    const d = json<Detail>(own);
    expect(d.answersVisible).toBe(false);
    expect(own.body).not.toContain('"correct"');
    expect(own.body).not.toContain('acceptedAnswers');
    expect(d.answers[0]!.givenChoice).toEqual([1]);
    const staff = json<Detail>(await env.req('GET', `/api/quiz-submissions/${sub.id}`, { as: mod }));
    expect(staff.answersVisible).toBe(true);
    expect(staff.answers[2]!.acceptedAnswers).toEqual(['Paris', 'Lutèce']);
    await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: mod, body: { showAnswers: true } });
    // Answers after submit: not while a retake could copy them (failed, attempts left)…
    const early = await env.req('GET', `/api/quiz-submissions/${sub.id}`, { as: learner });
    expect(json<Detail>(early).answersVisible).toBe(false);
    expect(early.body).not.toContain('"correct"');
    // …but once passed (every attempt of the learner then shows them)…
    const pass = json<SubmissionResult>(await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [1, 0], text: 'Paris' }) }));
    expect(pass.passed).toBe(true);
    const now = json<Detail>(await env.req('GET', `/api/quiz-submissions/${sub.id}`, { as: learner }));
    expect(now.answersVisible).toBe(true);
    expect(now.answers.map((a) => a.correct)).toEqual([false, false, true]);
    // …or once no attempt is left.
    expect(json<Detail>(await env.req('GET', `/api/quiz-submissions/${othersSub.id}`, { as: other })).answersVisible).toBe(false);
    await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: mod, body: { maxAttempts: 1 } });
    expect(json<Detail>(await env.req('GET', `/api/quiz-submissions/${othersSub.id}`, { as: other })).answersVisible).toBe(true);
    expect((await env.req('GET', '/api/quiz-submissions?passed=maybe', { as: mod })).statusCode).toBe(400);
    expect((await env.req('GET', '/api/quiz-submissions?status=done', { as: mod })).statusCode).toBe(400);
  });

  it('authoring: validates questions, owns by course, audits; refuses deletes of quizzes in use', async () => {
    const creator = await env.user(['Course Creator']);
    const learner = await env.user();
    const own = await makeCourse(env, { instructorIds: [creator.id], lessons: 1, kinds: ['quiz'] });
    const foreign = await makeCourse(env);
    const before = { quizzes: await env.count('quizzes'), questions: await env.count('quiz_questions'), audit: await env.count('audit_log') };
    const base = { title: 'Q', passingPercentage: 50, courseId: own.courseId, questions: AUTO_QUESTIONS };
    const bad: [string, unknown][] = [
      ['missing title', { ...base, title: undefined }],
      ['no questions', { ...base, questions: [] }],
      ['unknown field', { ...base, secret: 1 }],
      ['passing over 100', { ...base, passingPercentage: 101 }],
      ['negative attempts', { ...base, maxAttempts: -1 }],
      ['single with two correct', { ...base, questions: [{ kind: 'single', text: 'x', options: [{ text: 'a', correct: true }, { text: 'b', correct: true }] }] }],
      ['multiple without correct', { ...base, questions: [{ kind: 'multiple', text: 'x', options: [{ text: 'a' }, { text: 'b' }] }] }],
      ['text without answers', { ...base, questions: [{ kind: 'text', text: 'x' }] }],
      ['open with options', { ...base, questions: [{ kind: 'open', text: 'x', options: [{ text: 'a' }, { text: 'b' }] }] }],
      ['unknown kind', { ...base, questions: [{ kind: 'essay', text: 'x' }] }],
      ['marks zero', { ...base, questions: [{ kind: 'text', text: 'x', answers: ['y'], marks: 0 }] }],
      ['unknown course', { ...base, courseId: '0000000000000000000000zzzz' }],
      ['no course for a Course Creator', { ...base, courseId: undefined }],
    ];
    for (const [name, body] of bad) {
      const r = await env.req('POST', '/api/quizzes', { as: creator, body });
      expect(r.statusCode, `${name}: ${r.body}`).toBe(400);
    }
    expect((await env.req('POST', '/api/quizzes', { as: creator, body: { ...base, courseId: foreign.courseId } })).statusCode).toBe(403);
    expect((await env.req('POST', '/api/quizzes', { as: learner, body: base })).statusCode).toBe(403);
    expect(await env.count('quizzes')).toBe(before.quizzes);
    expect(await env.count('quiz_questions')).toBe(before.questions);
    expect(await env.count('audit_log')).toBe(before.audit);

    const quiz = await createQuiz(env, creator, base);
    const patched = await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: creator, body: { title: 'Renamed', questions: [AUTO_QUESTIONS[2]] } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(json(patched)).toMatchObject({ title: 'Renamed', questionCount: 1, maxScore: 1 });
    expect((await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: creator, body: {} })).statusCode).toBe(400);
    const otherCreator = await env.user(['Course Creator']);
    expect((await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: otherCreator, body: { title: 'Mine' } })).statusCode).toBe(404);
    expect((await env.req('DELETE', `/api/quizzes/${quiz.id}`, { as: otherCreator })).statusCode).toBe(404);
    const listed = json<{ items: { id: string }[] }>(await env.req('GET', '/api/quizzes', { as: creator }));
    expect(listed.items.map((i) => i.id)).toEqual([quiz.id]);
    expect(json<{ items: unknown[] }>(await env.req('GET', '/api/quizzes', { as: otherCreator })).items).toEqual([]);
    expect((await env.req('GET', '/api/quizzes', { as: learner })).statusCode).toBe(403);

    await env.ctx.db.updateTable('lessons').set({ quiz_id: quiz.id }).where('id', '=', own.lessonIds[0]!).execute();
    const inUse = await env.req('DELETE', `/api/quizzes/${quiz.id}`, { as: creator });
    expect(inUse.statusCode).toBe(409);
    expect(json(inUse).code).toBe('QUIZ_IN_USE');
    await env.ctx.db.updateTable('lessons').set({ quiz_id: null }).where('id', '=', own.lessonIds[0]!).execute();
    expect((await env.req('DELETE', `/api/quizzes/${quiz.id}`, { as: creator })).statusCode).toBe(204);
    expect((await env.req('GET', `/api/quizzes/${quiz.id}`, { as: creator })).statusCode).toBe(404);
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'quiz').where('entity_id', '=', quiz.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'delete']);
  });

  it('average assessment score by course, staff only', async () => {
    const { mod, learner, quiz, course } = await setup();
    const other = await env.user();
    await enrollIn(env, course.courseId, other);
    await submit(env, learner, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' }) }); // 100
    await submit(env, learner, quiz.id, { answers: [] }); // 0
    await submit(env, other, quiz.id, { answers: answersFor(quiz, { single: [0], text: 'Paris' }) }); // 50
    const res = await env.req('GET', `/api/statistics/assessment-scores?courseId=${course.courseId}`, { as: mod });
    expect(res.statusCode, res.body).toBe(200);
    const items = json<{ items: { title: string }[] }>(res).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toEqual({ courseId: course.courseId, title: `Course ${course.courseId.slice(-6)}`, quizzes: 1, learners: 2, submissions: 3, averagePercentage: 50, averageBestPercentage: 75, passRate: 66.67 });
    expect((await env.req('GET', '/api/statistics/assessment-scores', { as: learner })).statusCode).toBe(403);
    const creator = await env.user(['Course Creator']);
    expect(json<{ items: unknown[] }>(await env.req('GET', '/api/statistics/assessment-scores', { as: creator })).items).toEqual([]);
    expect((await env.req('GET', '/api/statistics/assessment-scores?courseId=bad!', { as: mod })).statusCode).toBe(400);
  });
});
