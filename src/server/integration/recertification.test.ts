import { expect, it } from 'vitest';
import { describeDb, json } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import { answersFor, createQuiz, submit } from '../../../test/helpers/quizzes.ts';
import { today } from '../db/dialect.ts';
import { addDays } from '../hr/index.ts';
import { readableDay } from '../platform/readable-instant.ts';

type Cycle = {
  cycle: number;
  current: boolean;
  closedAt: string | null;
  certificate: { id: string; verificationCode: string; expiryDate: string | null } | null;
  completions: { lessonTitle: string }[];
  attemptCount: number;
  attempts: { quizTitle: string; passed: boolean; startedAt: string; submittedAt: string | null }[];
};

describeDb('recertification', (env) => {
  it('opens a new cycle before the certificate expires: the old cycle stays readable, the enrollment restarts, an assignment is due at the expiry', async () => {
    const admin = await env.user(['System Manager']);
    const learner = await env.user(['LMS Student'], 'Rita Renew');
    const stranger = await env.user();
    const { courseId, lessonIds } = await makeCourse(env, { title: 'Hazmat Handling', lessons: 1, enableCertification: true });
    const patched = await env.req('PATCH', `/api/courses/${courseId}`, { as: admin, body: { certificateValidityMonths: 12, recertifyDaysBefore: 30 } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(json(patched)).toMatchObject({ certificateValidityMonths: 12, recertifyDaysBefore: 30 });
    const bad = await env.req('PATCH', `/api/courses/${courseId}`, { as: admin, body: { recertifyDaysBefore: 0 } });
    expect(bad.statusCode).toBe(400);

    const enrolled = json<{ id: string }>(await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: learner.id } }));
    expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    // Two quiz attempts in the first cycle: one failed, one passed.
    const quiz = await createQuiz(env, admin, { courseId, title: 'Hazmat Check' });
    const attempt = async (pass: boolean) => {
      const answers = pass ? { single: [0], multiple: [0, 1], text: 'Paris' } : { single: [1], multiple: [2], text: 'Rome' };
      const res = await submit(env, learner, quiz.id, { answers: answersFor(quiz, answers) });
      expect(res.statusCode, res.body).toBe(201);
    };
    await attempt(false);
    await attempt(true);
    const cert = await env.ctx.db.selectFrom('certificates').selectAll().where('member_id', '=', learner.id).executeTakeFirstOrThrow();
    expect(cert.expiry_date).not.toBeNull();
    // Far from expiry: nothing happens.
    expect(JSON.parse(json<{ outcome: string }>(await env.req('POST', '/api/jobs/recertification/run', { as: admin })).outcome)).toEqual({ cycles: 0, assignments: 0 });
    const expiry = addDays(today(), 20);
    await env.ctx.db.updateTable('certificates').set({ issue_date: addDays(today(), -345), expiry_date: expiry }).where('id', '=', cert.id).execute();

    const run = json<{ status: string; outcome: string }>(await env.req('POST', '/api/jobs/recertification/run', { as: admin }));
    expect(run.status).toBe('done');
    expect(JSON.parse(run.outcome)).toEqual({ cycles: 1, assignments: 1 });
    // Once: a second run opens nothing.
    expect(JSON.parse(json<{ outcome: string }>(await env.req('POST', '/api/jobs/recertification/run', { as: admin })).outcome)).toEqual({ cycles: 0, assignments: 0 });

    const e = json<{ progress: number; completedAt: string | null }>(await env.req('GET', `/api/enrollments/${enrolled.id}`, { as: learner }));
    expect(e).toMatchObject({ progress: 0, completedAt: null });
    const cycles = json<{ items: Cycle[] }>(await env.req('GET', `/api/enrollments/${enrolled.id}/cycles`, { as: learner })).items;
    expect(cycles.map((c) => [c.cycle, c.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(cycles[0]!.certificate).toMatchObject({ id: cert.id, verificationCode: cert.verification_code, expiryDate: expiry });
    expect(cycles[0]!.completions.map((c) => c.lessonTitle)).toHaveLength(1);
    expect(cycles[1]).toMatchObject({ certificate: null, completions: [], attemptCount: 0, attempts: [] });
    // The closed cycle keeps its attempts, counted within its dates.
    expect(cycles[0]!.attemptCount).toBe(2);
    expect(cycles[0]!.attempts.map((a) => [a.quizTitle, a.passed])).toEqual([
      ['Hazmat Check', false],
      ['Hazmat Check', true],
    ]);
    expect(cycles[0]!.attempts.every((a) => a.startedAt < cycles[0]!.closedAt! && a.submittedAt !== null)).toBe(true);
    // The old certificate still verifies until it expires.
    expect(json<{ status: string }>(await env.req('GET', `/api/certificates/verify/${cert.verification_code}`)).status).toBe('valid');
    // A training assignment due at the old expiry, and the learner is told.
    const assignment = await env.ctx.db.selectFrom('training_assignments').selectAll().where('member_id', '=', learner.id).executeTakeFirstOrThrow();
    expect(assignment).toMatchObject({ status: 'open', due_date: expiry, course_id: courseId });
    const notes = json<{ items: { kind: string; title: string }[] }>(await env.req('GET', '/api/me/notifications', { as: learner })).items;
    expect(notes.map((n) => n.title)).toContain(`New training: Hazmat Handling, due ${readableDay(expiry)}`);
    // Another learner's enrollment is not found.
    expect((await env.req('GET', `/api/enrollments/${enrolled.id}/cycles`, { as: stranger })).statusCode).toBe(404);

    // The new cycle completes: a new certificate, the assignment completed, the old certificate kept.
    expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    const certs = await env.ctx.db.selectFrom('certificates').select(['id', 'superseded_at']).where('member_id', '=', learner.id).orderBy('id').execute();
    expect(certs).toHaveLength(2);
    expect(certs[0]!.superseded_at).not.toBeNull();
    expect(certs[1]!.superseded_at).toBeNull();
    const after = json<{ items: Cycle[] }>(await env.req('GET', `/api/enrollments/${enrolled.id}/cycles`, { as: learner })).items;
    expect(after[1]!.certificate?.id).toBe(certs[1]!.id);
    // An attempt in the new cycle counts there, not in the old one.
    await attempt(true);
    const third = json<{ items: Cycle[] }>(await env.req('GET', `/api/enrollments/${enrolled.id}/cycles`, { as: learner })).items;
    expect(third.map((c) => c.attemptCount)).toEqual([2, 1]);
    expect(third[1]!.attempts[0]!.startedAt >= third[0]!.closedAt!).toBe(true);
    expect((await env.ctx.db.selectFrom('training_assignments').select('status').where('id', '=', assignment.id).executeTakeFirstOrThrow()).status).toBe('completed');
  });
});

describeDb('recertification and quiz attempts', (env) => {
  it('max attempts count per cycle: a learner who used every attempt in cycle 1 may start again up to the max in cycle 2; the old attempts stay readable', async () => {
    const admin = await env.user(['System Manager']);
    const learner = await env.user(['LMS Student'], 'Cyrus Cycle');
    const { courseId, chapterIds } = await makeCourse(env, { title: 'Forklift Licence', lessons: 0, enableCertification: true });
    expect(
      (await env.req('PATCH', `/api/courses/${courseId}`, { as: admin, body: { certificateValidityMonths: 12, recertifyDaysBefore: 30 } }))
        .statusCode,
    ).toBe(200);
    const enrolled = json<{ id: string }>(
      await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: learner.id } }),
    );
    const quiz = await createQuiz(env, admin, { courseId, title: 'Forklift Check', maxAttempts: 2 });
    const lesson = await env.req('POST', `/api/chapters/${chapterIds[0]}/lessons`, {
      as: admin,
      body: { title: 'Forklift Check', kind: 'quiz', quizId: quiz.id },
    });
    expect(lesson.statusCode, lesson.body).toBe(201);
    const wrong = { answers: answersFor(quiz, { single: [1], multiple: [2], text: 'Rome' }) };
    const right = { answers: answersFor(quiz, { single: [0], multiple: [0, 1], text: 'Paris' }) };
    const view = async () =>
      json<{ attemptsUsed: number; attemptsLeft: number | null; outcome: string | null }>(
        await env.req('GET', `/api/quizzes/${quiz.id}`, { as: learner }),
      );

    // Cycle 1: a failed attempt, then a pass; both attempts used.
    expect((await submit(env, learner, quiz.id, wrong)).statusCode).toBe(201);
    expect((await submit(env, learner, quiz.id, right)).statusCode).toBe(201);
    expect(await view()).toMatchObject({ attemptsUsed: 2, attemptsLeft: 0, outcome: 'passed' });
    const full = await submit(env, learner, quiz.id, right);
    expect(full.statusCode).toBe(422);
    expect(json(full).code).toBe('MAX_ATTEMPTS_REACHED');
    const cert = await env.ctx.db.selectFrom('certificates').selectAll().where('member_id', '=', learner.id).executeTakeFirstOrThrow();
    await env.ctx.db
      .updateTable('certificates')
      .set({ issue_date: addDays(today(), -350), expiry_date: addDays(today(), 15) })
      .where('id', '=', cert.id)
      .execute();
    expect(
      JSON.parse(json<{ outcome: string }>(await env.req('POST', '/api/jobs/recertification/run', { as: admin })).outcome),
    ).toMatchObject({ cycles: 1 });

    // Cycle 2: the attempts of cycle 1 do not count, nor their pass.
    expect(await view()).toMatchObject({ attemptsUsed: 0, attemptsLeft: 2, outcome: null });
    const outline = json<{ chapters: { lessons: { kind: string; quizCompletedNotPassed?: boolean }[] }[] }>(
      await env.req('GET', `/api/courses/${courseId}/outline`, { as: learner }),
    );
    expect(outline.chapters.flatMap((c) => c.lessons).find((l) => l.kind === 'quiz')?.quizCompletedNotPassed).toBeUndefined();
    const before = await env.count('quiz_submissions');
    const started = await env.req('POST', `/api/quizzes/${quiz.id}/attempts`, { as: learner });
    expect(started.statusCode, started.body).toBe(201);
    expect((await submit(env, learner, quiz.id, wrong)).statusCode).toBe(201);
    // Four submits at once for the one attempt left: one is made, three refused (the maximum holds per cycle).
    const racing = await Promise.all(Array.from({ length: 4 }, () => submit(env, learner, quiz.id, wrong)));
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 422, 422, 422]);
    for (const r of racing.filter((x) => x.statusCode === 422)) expect(json(r).code).toBe('MAX_ATTEMPTS_REACHED');
    // Two failed attempts in cycle 2: completed, not passed (the pass of cycle 1 does not count).
    expect(await view()).toMatchObject({ attemptsUsed: 2, attemptsLeft: 0, outcome: 'completed_not_passed' });
    const again = await submit(env, learner, quiz.id, right);
    expect(again.statusCode).toBe(422);
    expect(json(again).code).toBe('MAX_ATTEMPTS_REACHED');
    expect(await env.count('quiz_submissions')).toBe(before + 2);
    const outline2 = json<{ chapters: { lessons: { kind: string; quizCompletedNotPassed?: boolean }[] }[] }>(
      await env.req('GET', `/api/courses/${courseId}/outline`, { as: learner }),
    );
    expect(outline2.chapters.flatMap((c) => c.lessons).find((l) => l.kind === 'quiz')?.quizCompletedNotPassed).toBe(true);

    // An override's extra attempt is per cycle too.
    expect(
      (await env.req('PUT', `/api/quizzes/${quiz.id}/overrides/${learner.id}`, { as: admin, body: { extraAttempts: 1, closesAt: null } }))
        .statusCode,
    ).toBeLessThan(300);
    const ov = json<{ attemptsUsed: number; outcome: string | null }>(
      await env.req('GET', `/api/quizzes/${quiz.id}/overrides/${learner.id}`, { as: admin }),
    );
    expect(ov).toMatchObject({ attemptsUsed: 2, outcome: null });
    const pass2 = await submit(env, learner, quiz.id, right);
    expect(pass2.statusCode, pass2.body).toBe(201);
    expect(await view()).toMatchObject({ attemptsUsed: 3, attemptsLeft: 0, outcome: 'passed' });

    // Both cycles keep their attempts.
    const cycles = json<{ items: Cycle[] }>(await env.req('GET', `/api/enrollments/${enrolled.id}/cycles`, { as: learner })).items;
    expect(cycles.map((c) => c.attemptCount)).toEqual([2, 3]);
    expect(cycles[0]!.attempts.map((a) => a.passed)).toEqual([false, true]);
    expect(cycles[1]!.attempts.map((a) => a.passed)).toEqual([false, false, true]);
  });
});

describeDb('recertification and attestation', (env) => {
  it('a course that asks for an attestation asks again in the new cycle before it certifies again', async () => {
    const admin = await env.user(['System Manager']);
    const learner = await env.user(['LMS Student'], 'Ana Attest');
    const { courseId, lessonIds } = await makeCourse(env, { title: 'Forklift Safety', lessons: 1, enableCertification: true });
    const patched = await env.req('PATCH', `/api/courses/${courseId}`, {
      as: admin,
      body: { certificateValidityMonths: 12, recertifyDaysBefore: 30, requiresAttestation: true, certificateIssueMode: 'auto' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner })).statusCode).toBe(201);
    expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    const attest = () => env.req('POST', `/api/courses/${courseId}/attestation`, { as: learner, body: { password: learner.password } });
    const first = await attest();
    expect(first.statusCode, first.body).toBe(201);
    const certs = () => env.ctx.db.selectFrom('certificates').select(['id', 'superseded_at']).where('member_id', '=', learner.id).orderBy('id').execute();
    const [cert] = await certs();
    expect(cert).toBeDefined();

    // The certificate nears its expiry: the recertification job opens cycle 2.
    await env.ctx.db.updateTable('certificates').set({ issue_date: addDays(today(), -345), expiry_date: addDays(today(), 20) }).where('id', '=', cert!.id).execute();
    expect(JSON.parse(json<{ outcome: string }>(await env.req('POST', '/api/jobs/recertification/run', { as: admin })).outcome)).toMatchObject({ cycles: 1 });
    expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    // Completed again, but cycle 1's attestation does not certify cycle 2.
    expect(await certs()).toHaveLength(1);
    const claim = await env.req('POST', `/api/courses/${courseId}/certificate`, { as: learner });
    expect([claim.statusCode, json<{ code: string }>(claim).code]).toEqual([422, 'ATTESTATION_REQUIRED']);
    // Attesting again (the same content) is a new attestation of cycle 2, and it certifies.
    const second = await attest();
    expect(second.statusCode, second.body).toBe(201);
    expect(json<{ id: string }>(second).id).not.toBe(json<{ id: string }>(first).id);
    const stored = await env.ctx.db.selectFrom('attestations').select(['cycle', 'content_hash']).where('member_id', '=', learner.id).orderBy('cycle').execute();
    expect(stored.map((a) => Number(a.cycle))).toEqual([1, 2]);
    expect(stored[0]!.content_hash).toBe(stored[1]!.content_hash);
    const after = await certs();
    expect(after).toHaveLength(2);
    expect(after[0]!.superseded_at).not.toBeNull();
    // Once per cycle: attesting again answers the same attestation.
    const again = await attest();
    expect([again.statusCode, json<{ id: string }>(again).id]).toEqual([200, json<{ id: string }>(second).id]);
  });
});
