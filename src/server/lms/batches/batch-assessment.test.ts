import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { ok, type Problem } from '../../../../test/helpers/courses.ts';
import { answersFor, createQuiz, submit } from '../../../../test/helpers/quizzes.ts';

type Assessment = { id: string; kind: string; title: string; dueDate: string; passed: number; members: number; myStatus: string | null };
type MemberRow = { memberId: string; assessments: { passed: number; total: number } };

describeDb('batch assessments: quizzes (best attempt) and assignments, rolled into the dashboard', (env) => {
  it('creates assessments, counts passes per member, members see their own state', async () => {
    const mod = await env.user(['Moderator']);
    const evaluator = await env.user(['Batch Evaluator']);
    const [ann, ben] = [await env.user(['LMS Student'], 'Ann'), await env.user(['LMS Student'], 'Ben')];
    const course = await makeCourse(env);
    const quiz = await createQuiz(env, mod, { courseId: course.courseId, maxAttempts: 0 });
    const assignment = await ok<{ id: string }>(
      env.req('POST', '/api/assignments', { as: mod, body: { title: 'Essay', instructions: 'Write it.', submissionKind: 'text', courseId: course.courseId } }),
      201,
    );
    const batch = await ok<{ id: string }>(
      env.req('POST', '/api/batches', {
        as: mod,
        body: { title: 'B', startDate: '2026-01-01', endDate: '2099-01-01', timezone: 'UTC', courseIds: [course.courseId], evaluatorIds: [evaluator.id] },
      }),
      201,
    );
    for (const u of [ann, ben]) await ok(env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: u.id } }), 201);

    const before = await env.count('batch_assessments');
    const bad: [unknown, number][] = [
      [{ kind: 'quiz', dueDate: '2026-05-01' }, 400],
      [{ kind: 'quiz', quizId: quiz.id, assignmentId: assignment.id, dueDate: '2026-05-01' }, 400],
      [{ kind: 'assignment', assignmentId: 'nosuchassignment', dueDate: '2026-05-01' }, 400],
      [{ kind: 'assignment', assignmentId: assignment.id, dueDate: 'tomorrow' }, 400],
      [{ kind: 'exam', dueDate: '2026-05-01' }, 400],
    ];
    for (const [body, status] of bad) {
      const res = await env.req('POST', `/api/batches/${batch.id}/assessments`, { as: mod, body });
      expect(res.statusCode, res.body).toBe(status);
      expect(json<Problem>(res).code).toBe('VALIDATION_FAILED');
    }
    expect((await env.req('POST', `/api/batches/${batch.id}/assessments`, { as: ann, body: { kind: 'quiz', quizId: quiz.id, dueDate: '2026-05-01' } })).statusCode).toBe(403);
    expect(await env.count('batch_assessments')).toBe(before);

    await ok(env.req('POST', `/api/batches/${batch.id}/assessments`, { as: mod, body: { kind: 'quiz', quizId: quiz.id, dueDate: '2026-05-01' } }), 201);
    await ok(env.req('POST', `/api/batches/${batch.id}/assessments`, { as: mod, body: { kind: 'assignment', assignmentId: assignment.id, dueDate: '2026-06-01' } }), 201);
    const dup = await env.req('POST', `/api/batches/${batch.id}/assessments`, { as: mod, body: { kind: 'quiz', quizId: quiz.id, dueDate: '2026-07-01' } });
    expect(dup.statusCode).toBe(400);

    // Ann fails the quiz, then passes it: the best attempt counts. Ben fails only.
    expect((await submit(env, ann, quiz.id, { answers: answersFor(quiz, { single: [1], multiple: [2], text: 'Rome' }) })).statusCode).toBe(201);
    expect((await submit(env, ann, quiz.id, { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' }) })).statusCode).toBe(201);
    expect((await submit(env, ben, quiz.id, { answers: answersFor(quiz, { single: [1], multiple: [2], text: 'Rome' }) })).statusCode).toBe(201);
    // Ann's essay passes.
    const s = await ok<{ id: string }>(env.req('POST', `/api/assignments/${assignment.id}/submissions`, { as: ann, body: { text: 'Essay' } }), 201);
    await ok(env.req('POST', `/api/assignment-submissions/${s.id}/grade`, { as: evaluator, body: { result: 'pass' } }));

    const staffView = await ok<{ items: Assessment[] }>(env.req('GET', `/api/batches/${batch.id}/assessments`, { as: evaluator }));
    expect(staffView.items.map((a) => [a.kind, a.title, a.dueDate, a.passed, a.members])).toEqual([
      ['quiz', 'Fire safety', '2026-05-01', 1, 2],
      ['assignment', 'Essay', '2026-06-01', 1, 2],
    ]);
    const benView = await ok<{ items: Assessment[] }>(env.req('GET', `/api/batches/${batch.id}/assessments`, { as: ben }));
    expect(benView.items.map((a) => a.myStatus)).toEqual(['failed', 'open']);

    const members = await ok<{ items: MemberRow[] }>(env.req('GET', `/api/batches/${batch.id}/members`, { as: mod }));
    const byId = new Map(members.items.map((m) => [m.memberId, m.assessments]));
    expect(byId.get(ann.id)).toEqual({ passed: 2, total: 2 });
    expect(byId.get(ben.id)).toEqual({ passed: 0, total: 2 });
  });
});
