import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { answersFor, createQuiz, enrollIn, submit, type QuizView } from '../../../../test/helpers/quizzes.ts';

const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

type Availability = QuizView & { opensAt: string | null; closesAt: string | null; closesAtForYou: string | null; extraAttempts: number; availability: string; outcome: string | null };
interface Override { memberId: string; memberName: string; extraAttempts: number; closesAt: string | null; attemptsUsed: number; outcome: string | null }

describeDb('quiz availability and overrides', (env) => {
  async function setup(quizBody: Record<string, unknown> = {}) {
    const mod = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student'], 'Ines Okafor');
    const course = await makeCourse(env);
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, ...quizBody });
    await enrollIn(env, course.courseId, learner);
    return { mod, learner, course, quiz };
  }
  const view = async (as: Awaited<ReturnType<typeof env.user>>, id: string) => json<Availability>(await env.req('GET', `/api/quizzes/${id}`, { as }));
  const wrong = (quiz: QuizView) => ({ answers: answersFor(quiz, { single: [1], multiple: [2], text: 'no' }) });
  const right = (quiz: QuizView) => ({ answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' }) });

  it('before opensAt: starting or submitting is 422 QUIZ_NOT_OPEN and writes nothing', async () => {
    const { learner, quiz } = await setup({ opensAt: at(HOUR) });
    expect((await view(learner, quiz.id)).availability).toBe('not_open');
    const before = await env.count('quiz_submissions');
    for (const res of [await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner }), await submit(env, learner, quiz.id, wrong(quiz))]) {
      expect(res.statusCode, res.body).toBe(422);
      expect(json(res).code).toBe('QUIZ_NOT_OPEN');
    }
    expect(await env.count('quiz_submissions')).toBe(before);
  });

  it('after closesAt: starting or submitting is 422 QUIZ_CLOSED and writes nothing', async () => {
    const { mod, learner, quiz } = await setup({ opensAt: at(-2 * HOUR), closesAt: at(-HOUR) });
    expect((await view(learner, quiz.id)).availability).toBe('closed');
    const before = await env.count('quiz_submissions');
    for (const res of [await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner }), await submit(env, learner, quiz.id, wrong(quiz))]) {
      expect(res.statusCode, res.body).toBe(422);
      expect(json(res).code).toBe('QUIZ_CLOSED');
    }
    expect(await env.count('quiz_submissions')).toBe(before);
    // The quiz's authors still preview it.
    expect((await submit(env, mod, quiz.id, wrong(quiz))).statusCode).toBe(201);
  });

  it('a timed attempt started before the close may be submitted after it, within its time limit', async () => {
    const { learner, quiz } = await setup({ timeLimitMinutes: 30, closesAt: at(HOUR) });
    const start = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
    expect(start.statusCode).toBe(201);
    // The quiz closes while the attempt runs (moved into the past in the database).
    await env.ctx.db.updateTable('quizzes').set({ closes_at: at(-1000) }).where('id', '=', quiz.id).execute();
    const res = await submit(env, learner, quiz.id, right(quiz));
    expect(res.statusCode, res.body).toBe(201);
  });

  it('an untimed attempt started before the close cannot be submitted after it: 422 QUIZ_CLOSED, nothing written', async () => {
    const { learner, quiz } = await setup({ closesAt: at(HOUR) });
    const start = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
    expect(start.statusCode).toBe(201);
    await env.ctx.db.updateTable('quizzes').set({ closes_at: at(-1000) }).where('id', '=', quiz.id).execute();
    const audit = await env.count('audit_log');
    const res = await submit(env, learner, quiz.id, right(quiz));
    expect(res.statusCode, res.body).toBe(422);
    expect(json(res).code).toBe('QUIZ_CLOSED');
    expect(await env.count('audit_log')).toBe(audit);
    const row = await env.ctx.db.selectFrom('quiz_submissions').select('status').where('quiz_id', '=', quiz.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('in_progress');
  });

  it('an override extends the close for that learner only, and adds attempts; both audited; DELETE takes it back', async () => {
    const { mod, learner, course, quiz } = await setup({ maxAttempts: 1, closesAt: at(-HOUR), opensAt: at(-3 * HOUR) });
    const other = await env.user();
    await enrollIn(env, course.courseId, other);
    const put = await env.req('PUT', `/api/quizzes/${quiz.id}/overrides/${learner.id}`, { as: mod, body: { extraAttempts: 1, closesAt: at(HOUR) } });
    expect(put.statusCode, put.body).toBe(201);
    expect(json<Override>(put)).toMatchObject({ memberId: learner.id, memberName: 'Ines Okafor', extraAttempts: 1, attemptsUsed: 0, outcome: null });
    const mine = await view(learner, quiz.id);
    expect(mine).toMatchObject({ availability: 'open', extraAttempts: 1, attemptsLeft: 2 });
    expect((await view(other, quiz.id)).availability).toBe('closed');
    expect((await submit(env, other, quiz.id, wrong(quiz))).statusCode).toBe(422);
    // Two attempts (1 + 1 extra), then MAX_ATTEMPTS_REACHED: completed, not passed.
    expect((await submit(env, learner, quiz.id, wrong(quiz))).statusCode).toBe(201);
    expect((await submit(env, learner, quiz.id, wrong(quiz))).statusCode).toBe(201);
    const third = await submit(env, learner, quiz.id, wrong(quiz));
    expect(third.statusCode).toBe(422);
    expect(json(third).code).toBe('MAX_ATTEMPTS_REACHED');
    expect((await view(learner, quiz.id)).outcome).toBe('completed_not_passed');
    const list = json<{ items: Override[] }>(await env.req('GET', `/api/quizzes/${quiz.id}/overrides`, { as: mod }));
    expect(list.items).toEqual([expect.objectContaining({ memberId: learner.id, attemptsUsed: 2, outcome: 'completed_not_passed' })]);
    // One more attempt: the learner may try again, and passing changes the outcome.
    const again = await env.req('PUT', `/api/quizzes/${quiz.id}/overrides/${learner.id}`, { as: mod, body: { extraAttempts: 2, closesAt: at(HOUR) } });
    expect(again.statusCode).toBe(200);
    expect((await view(learner, quiz.id)).outcome).toBeNull();
    expect((await submit(env, learner, quiz.id, right(quiz))).statusCode).toBe(201);
    expect((await view(learner, quiz.id)).outcome).toBe('passed');
    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'before_json', 'after_json']).where('entity', '=', 'quiz_override').orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update']);
    expect(JSON.parse(audit[1]!.before_json!)).toMatchObject({ extraAttempts: 1 });
    const del = await env.req('DELETE', `/api/quizzes/${quiz.id}/overrides/${learner.id}`, { as: mod });
    expect(del.statusCode).toBe(204);
    expect(await env.count('quiz_overrides')).toBe(0);
    expect((await view(learner, quiz.id)).availability).toBe('closed');
    expect((await env.req('GET', `/api/quizzes/${quiz.id}/overrides/${learner.id}`, { as: mod })).statusCode).toBe(404);
  });

  it('override bad input and other people’s quizzes: the right code and nothing written', async () => {
    const { mod, learner, quiz } = await setup({ maxAttempts: 1 });
    const stranger = await env.user();
    const otherCreator = await env.user(['Course Creator']);
    const overridesBefore = await env.count('quiz_overrides');
    const auditBefore = await env.count('audit_log');
    const cases: [Awaited<ReturnType<typeof env.user>>, string, unknown, number, string][] = [
      [mod, learner.id, { extraAttempts: -1 }, 400, 'VALIDATION_FAILED'],
      [mod, learner.id, { extraAttempts: 101 }, 400, 'VALIDATION_FAILED'],
      [mod, learner.id, { extraAttempts: '1' }, 400, 'VALIDATION_FAILED'],
      [mod, learner.id, { extraAttempts: 1.5 }, 400, 'VALIDATION_FAILED'],
      [mod, learner.id, { closesAt: 'tomorrow' }, 400, 'VALIDATION_FAILED'],
      [mod, learner.id, { closesAt: 'x'.repeat(100_000) }, 400, 'VALIDATION_FAILED'],
      [mod, learner.id, { extraAttempts: 1, memberId: learner.id }, 400, 'VALIDATION_FAILED'],
      [mod, stranger.id, { extraAttempts: 1 }, 400, 'VALIDATION_FAILED'],
      [mod, 'nosuchuser', { extraAttempts: 1 }, 400, 'VALIDATION_FAILED'],
      [otherCreator, learner.id, { extraAttempts: 1 }, 404, 'NOT_FOUND'],
      [learner, learner.id, { extraAttempts: 5 }, 403, 'FORBIDDEN'],
    ];
    for (const [as, memberId, body, status, code] of cases) {
      const res = await env.req('PUT', `/api/quizzes/${quiz.id}/overrides/${memberId}`, { as, body });
      expect(res.statusCode, `${JSON.stringify(body)} ${res.body}`).toBe(status);
      expect(json(res).code).toBe(code);
    }
    expect((await env.req('GET', `/api/quizzes/${quiz.id}/overrides`, { as: otherCreator })).statusCode).toBe(404);
    expect((await env.req('DELETE', `/api/quizzes/${quiz.id}/overrides/${learner.id}`, { as: otherCreator })).statusCode).toBe(404);
    expect(await env.count('quiz_overrides')).toBe(overridesBefore);
    expect(await env.count('audit_log')).toBe(auditBefore);
  });

  it('quiz window bad input: closes before opens, wrong types; another instructor’s quiz: nothing written', async () => {
    const owner = await env.user(['Course Creator']);
    const other = await env.user(['Course Creator']);
    const { courseId } = await makeCourse(env, { instructorIds: [owner.id] });
    const before = await env.count('quizzes');
    for (const body of [
      { opensAt: '2027-02-01T00:00:00Z', closesAt: '2027-01-01T00:00:00Z' },
      { opensAt: 17 },
      { closesAt: '2027-13-01T00:00:00Z' },
    ]) {
      const res = await env.req('POST', '/api/quizzes', { as: owner, body: { title: 'Q', passingPercentage: 50, questions: [{ kind: 'open', text: 'Why?' }], courseId, ...body } });
      expect(res.statusCode, res.body).toBe(400);
      expect(json(res).code).toBe('VALIDATION_FAILED');
    }
    expect(await env.count('quizzes')).toBe(before);
    const quiz = await createQuiz(env, owner, { courseId });
    const patch = await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: other, body: { closesAt: '2027-01-01T00:00:00Z' } });
    expect(patch.statusCode).toBe(404);
    const moved = await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: owner, body: { opensAt: '2027-01-02T00:00:00Z' } });
    expect(moved.statusCode).toBe(200);
    const bad = await env.req('PATCH', `/api/quizzes/${quiz.id}`, { as: owner, body: { closesAt: '2027-01-01T00:00:00Z' } });
    expect(bad.statusCode).toBe(400);
    const row = await env.ctx.db.selectFrom('quizzes').select(['opens_at', 'closes_at']).where('id', '=', quiz.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ opens_at: '2027-01-02T00:00:00.000Z', closes_at: null });
    await expect(env.ctx.db.updateTable('quizzes').set({ closes_at: '2027-01-01T00:00:00.000Z' }).where('id', '=', quiz.id).execute()).rejects.toThrow();
  });

  it('completed, not passed: the learner’s outline and quiz, and the instructor’s submission list say so', async () => {
    const creator = await env.user(['Course Creator']);
    const learner = await env.user();
    const course = await makeCourse(env, { instructorIds: [creator.id] });
    const quiz = await createQuiz(env, creator, { courseId: course.courseId, maxAttempts: 2 });
    const lesson = await env.req('POST', `/api/chapters/${course.chapterIds[0]}/lessons`, { as: creator, body: { title: 'Final check', kind: 'quiz', quizId: quiz.id } });
    expect(lesson.statusCode, lesson.body).toBe(201);
    const lessonId = json<{ id: string }>(lesson).id;
    await enrollIn(env, course.courseId, learner);
    type Outline = { chapters: { lessons: { id: string; quizCompletedNotPassed?: boolean }[] }[] };
    const flag = async () =>
      json<Outline>(await env.req('GET', `/api/courses/${course.courseId}/outline`, { as: learner }))
        .chapters.flatMap((c) => c.lessons)
        .find((l) => l.id === lessonId)!.quizCompletedNotPassed ?? false;
    expect((await submit(env, learner, quiz.id, wrong(quiz))).statusCode).toBe(201);
    expect(await flag()).toBe(false);
    expect((await view(learner, quiz.id)).outcome).toBeNull();
    expect((await submit(env, learner, quiz.id, wrong(quiz))).statusCode).toBe(201);
    expect(await flag()).toBe(true);
    expect((await view(learner, quiz.id)).outcome).toBe('completed_not_passed');
    const list = json<{ items: { memberId: string; memberOutcome: string | null }[] }>(
      await env.req('GET', `/api/quiz-submissions?quizId=${quiz.id}`, { as: creator }),
    );
    expect(list.items.map((i) => i.memberOutcome)).toEqual(['completed_not_passed', 'completed_not_passed']);
    // One more attempt from the instructor: no longer "completed, not passed" until it is used.
    expect((await env.req('PUT', `/api/quizzes/${quiz.id}/overrides/${learner.id}`, { as: creator, body: { extraAttempts: 1 } })).statusCode).toBe(201);
    expect(await flag()).toBe(false);
  });
});
