/**
 * A certificate evaluation's result is what happened at it: refused before the evaluation starts
 * (nothing written), and a slot once booked is never offered again, whatever its result. Also the
 * courses a learner is offered to book, and the words for a badly written away date.
 */
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { evaluationUnderWay, makeCourse } from '../../../../test/helpers/fixtures.ts';
import { ok, type Problem } from '../../../../test/helpers/courses.ts';
import { addDays, isoWeekday } from './slots.ts';

type Request = { id: string; status: string; startsAt: string | null; summary: string | null; certificateId: string | null };
type Slot = { evaluatorId: string; date: string; startTime: string; startsAt: string };
type EvaluationCourse = { courseId: string; courseTitle: string; evaluationRequired: boolean; evaluatorCount: number; openRequest: Request | null; certified: boolean };

function nextMonday(): string {
  let d = addDays(new Date().toISOString().slice(0, 10), 2);
  while (isoWeekday(d) !== 1) d = addDays(d, 1);
  return d;
}


/** A Batch Evaluator free on Mondays 09:00–10:00 (Kolkata, 30-minute slots) for a batch of two learners in a course that needs an evaluation. */
async function world(env: TestEnv) {
  const mod = await env.user(['Moderator']);
  const evaluator = await env.user(['Batch Evaluator'], 'Eva Evaluator');
  const ann = await env.user(['LMS Student'], 'Ann Learner');
  const ben = await env.user(['LMS Student'], 'Ben Learner');
  const course = await makeCourse(env, { enableCertification: true, lessons: 1 });
  await ok(env.req('PATCH', `/api/courses/${course.courseId}`, { as: mod, body: { evaluationRequired: true } }));
  const batch = await ok<{ id: string }>(
    env.req('POST', '/api/batches', {
      as: mod,
      body: { title: 'Cohort', startDate: '2026-01-01', endDate: '2099-01-01', timezone: 'UTC', courseIds: [course.courseId], evaluatorIds: [evaluator.id] },
    }),
    201,
  );
  for (const u of [ann, ben]) await ok(env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: u.id } }), 201);
  await ok(
    env.req('PUT', `/api/evaluators/${evaluator.id}/availability`, {
      as: evaluator,
      body: { timezone: 'Asia/Kolkata', slots: [{ weekday: 1, start: '09:00', end: '10:00' }] },
    }),
  );
  const monday = nextMonday();
  const slotsOf = async (who: TestUser) =>
    (await ok<{ items: Slot[] }>(env.req('GET', `/api/certificate-requests/slots?courseId=${course.courseId}&from=${monday}&days=1`, { as: who }))).items.map((s) => s.startTime);
  const bookAs = (who: TestUser, startTime: string) => env.req('POST', '/api/certificate-requests', { as: who, body: { courseId: course.courseId, date: monday, startTime } });
  return { mod, evaluator, ann, ben, course, batch, monday, slotsOf, bookAs };
}

describeDb('certificate evaluations: results only after the start, and a booked slot stays taken', (env) => {
  it('a result before the evaluation starts is refused and writes nothing; the slot stays taken; after the start it is recorded', async () => {
    const w = await world(env);
    const booked = await ok<Request>(w.bookAs(w.ann, '09:00'), 201);
    const state = async () => ({
      certificates: await env.count('certificates'),
      audit: await env.count('audit_log'),
      requests: await env.count('certificate_requests'),
      request: await env.ctx.db.selectFrom('certificate_requests').select(['status', 'summary', 'result_by', 'result_at', 'certificate_id', 'updated_at']).where('id', '=', booked.id).executeTakeFirstOrThrow(),
    });
    const before = await state();
    expect(before.request).toMatchObject({ status: 'scheduled', result_by: null, certificate_id: null });

    // The evaluator (and staff) the day before: refused with a code and plain words, for a pass and a fail.
    for (const [as, result] of [
      [w.evaluator, 'pass'],
      [w.evaluator, 'fail'],
      [w.mod, 'pass'],
    ] as const) {
      const early = await env.req('POST', `/api/certificate-requests/${booked.id}/result`, { as, body: { result, summary: 'Too early' } });
      expect(early.statusCode, early.body).toBe(422);
      expect(early.headers['content-type']).toContain('application/problem+json');
      const p = json<Problem & { startsAt: string }>(early);
      expect(p.code).toBe('EVALUATION_NOT_STARTED');
      expect(p.detail).toBe('This evaluation has not started yet: record its result once it has begun.');
      expect(p.startsAt).toBe(booked.startsAt);
    }
    // Nothing written: no certificate, no status change, no audit entry, no new request.
    expect(await state()).toEqual(before);
    const seen = await ok<Request>(env.req('GET', `/api/certificate-requests/${booked.id}`, { as: w.ann }));
    expect(seen).toMatchObject({ status: 'scheduled', summary: null, certificateId: null });

    // The slot is still taken: not offered to Ben, and his booking of it is refused.
    expect(await w.slotsOf(w.ben)).toEqual(['09:30']);
    const taken = await w.bookAs(w.ben, '09:00');
    expect(taken.statusCode, taken.body).toBe(409);
    expect(json<Problem>(taken).code).toBe('SLOT_UNAVAILABLE');
    expect(await env.count('certificate_requests')).toBe(before.requests);

    // Once the evaluation is under way the pass is recorded and certifies Ann.
    await evaluationUnderWay(env, booked.id);
    const done = await ok<{ request: Request; certificate: { memberId: string } | null }>(
      env.req('POST', `/api/certificate-requests/${booked.id}/result`, { as: w.evaluator, body: { result: 'pass', summary: 'Clear and correct.' } }),
    );
    expect(done.request).toMatchObject({ status: 'passed', summary: 'Clear and correct.' });
    expect(done.certificate).toMatchObject({ memberId: w.ann.id });
    expect(await env.count('certificates')).toBe(1);
    // (That a slot with its result stays taken is the next test's.)
  });

  it('a slot whose result was recorded (before the start, by the old rules) is never offered or booked again; a cancelled one is', async () => {
    const w = await world(env);
    const carl = await env.user(['LMS Student'], 'Carl Learner');
    await ok(env.req('POST', `/api/batches/${w.batch.id}/members`, { as: w.mod, body: { memberId: carl.id } }), 201);
    const booked = await ok<Request>(w.bookAs(w.ann, '09:00'), 201);
    for (const status of ['passed', 'failed'] as const) {
      // As results were recorded before this rule: a future slot with its result.
      await env.ctx.db.updateTable('certificate_requests').set({ status }).where('id', '=', booked.id).execute();
      expect(await w.slotsOf(w.ben)).toEqual(['09:30']);
      const before = { requests: await env.count('certificate_requests'), audit: await env.count('audit_log') };
      const refused = await w.bookAs(w.ben, '09:00');
      expect(refused.statusCode, refused.body).toBe(409);
      expect(json<Problem>(refused).code).toBe('SLOT_UNAVAILABLE');
      expect({ requests: await env.count('certificate_requests'), audit: await env.count('audit_log') }).toEqual(before);
    }
    // Ben books the other slot and cannot move into the held one.
    const ben = await ok<Request>(w.bookAs(w.ben, '09:30'), 201);
    const audit = await env.count('audit_log');
    const move = await env.req('POST', `/api/certificate-requests/${ben.id}/reschedule`, { as: w.ben, body: { date: w.monday, startTime: '09:00', reason: 'Earlier suits me' } });
    expect(move.statusCode, move.body).toBe(409);
    expect(json<Problem>(move).code).toBe('SLOT_UNAVAILABLE');
    expect(await env.count('audit_log')).toBe(audit);
    expect(await ok<Request>(env.req('GET', `/api/certificate-requests/${ben.id}`, { as: w.ben }))).toMatchObject({ status: 'scheduled', startsAt: ben.startsAt });
    // Cancelling gives a slot back: Ben's 09:30 is Carl's to book.
    await ok(env.req('POST', `/api/certificate-requests/${ben.id}/cancel`, { as: w.ben, body: { reason: 'Not ready' } }));
    expect(await w.slotsOf(carl)).toEqual(['09:30']);
    await ok(w.bookAs(carl, '09:30'), 201);
  });
});

describeDb('certificate evaluations: the courses a learner may book, and away dates in words', (env) => {
  it('lists the courses that need an evaluation (or hold an open request), with how many evaluate them and the booking', async () => {
    const w = await world(env);
    const none = await makeCourse(env, { title: 'Nobody evaluates', enableCertification: true, lessons: 1 });
    const plain = await makeCourse(env, { title: 'Needs no evaluation', enableCertification: true, lessons: 1 });
    const grouped = await makeCourse(env, { title: 'Group requested', enableCertification: true, lessons: 1 });
    await ok(env.req('PATCH', `/api/courses/${none.courseId}`, { as: w.mod, body: { evaluationRequired: true } }));
    // A batch of its own for "Nobody evaluates", whose evaluator never said when they are available;
    // "Group requested" in Ann's batch.
    const idle = await env.user(['Batch Evaluator'], 'Ida Idle');
    const lonely = await ok<{ id: string }>(
      env.req('POST', '/api/batches', {
        as: w.mod,
        body: { title: 'No evaluators', startDate: '2026-01-01', endDate: '2099-01-01', timezone: 'UTC', courseIds: [none.courseId, plain.courseId], evaluatorIds: [idle.id] },
      }),
      201,
    );
    await ok(env.req('POST', `/api/batches/${lonely.id}/members`, { as: w.mod, body: { memberId: w.ann.id } }), 201);
    await ok(env.req('POST', `/api/batches/${w.batch.id}/courses`, { as: w.mod, body: { courseId: grouped.courseId } }));
    await ok(env.req('POST', `/api/batches/${w.batch.id}/certificate-requests`, { as: w.mod, body: { courseId: grouped.courseId } }), 201);

    const list = async (who: TestUser) => (await ok<{ items: EvaluationCourse[] }>(env.req('GET', '/api/certificate-requests/courses', { as: who }))).items;
    const first = await list(w.ann);
    expect(first.map((c) => c.courseTitle)).not.toContain('Needs no evaluation');
    const byId = new Map(first.map((c) => [c.courseId, c]));
    expect(byId.get(w.course.courseId)).toMatchObject({ evaluationRequired: true, evaluatorCount: 1, openRequest: null, certified: false });
    expect(byId.get(none.courseId)).toMatchObject({ courseTitle: 'Nobody evaluates', evaluationRequired: true, evaluatorCount: 0, openRequest: null });
    expect(byId.get(grouped.courseId)).toMatchObject({ evaluationRequired: false, evaluatorCount: 1, openRequest: { status: 'requested' } });
    expect(first).toHaveLength(3);
    // Learners see only their own: Ben is not in the second batch.
    expect((await list(w.ben)).map((c) => c.courseId).sort()).toEqual([w.course.courseId, grouped.courseId].sort());

    // Booked: the course says so, with the booking.
    const booked = await ok<Request>(w.bookAs(w.ann, '09:00'), 201);
    const now = (await list(w.ann)).find((c) => c.courseId === w.course.courseId)!;
    expect(now.openRequest).toMatchObject({ id: booked.id, status: 'scheduled', startsAt: booked.startsAt });
    // Passed: certified, no open request.
    await evaluationUnderWay(env, booked.id);
    await ok(env.req('POST', `/api/certificate-requests/${booked.id}/result`, { as: w.evaluator, body: { result: 'pass' } }));
    expect((await list(w.ann)).find((c) => c.courseId === w.course.courseId)).toMatchObject({ openRequest: null, certified: true });
    expect((await env.req('GET', '/api/certificate-requests/courses')).statusCode).toBe(401);
  });

  it('an away date not written YYYY-MM-DD is named with the form expected; nothing is saved', async () => {
    const w = await world(env);
    const before = { dates: await env.count('evaluator_unavailable_dates'), audit: await env.count('audit_log') };
    const res = await env.req('PUT', `/api/evaluators/${w.evaluator.id}/availability`, {
      as: w.evaluator,
      body: { timezone: 'Asia/Kolkata', slots: [], unavailableDates: ['2026-12-25', '24/12/2026', '2026-02-30'] },
    });
    expect(res.statusCode, res.body).toBe(400);
    const p = json<Problem & { errors: { path: string; message: string }[] }>(res);
    expect(p.code).toBe('VALIDATION_FAILED');
    expect(p.errors).toEqual([
      { path: 'unavailableDates.1', message: '24/12/2026 is not a date written as YYYY-MM-DD, e.g. 2026-12-24' },
      { path: 'unavailableDates.2', message: '2026-02-30 is not a day of the calendar (dates are written as YYYY-MM-DD, e.g. 2026-12-24)' },
    ]);
    expect({ dates: await env.count('evaluator_unavailable_dates'), audit: await env.count('audit_log') }).toEqual(before);
    const kept = await ok<{ slots: unknown[] }>(env.req('GET', `/api/evaluators/${w.evaluator.id}/availability`, { as: w.evaluator }));
    expect(kept.slots).toHaveLength(1);
  });
});
