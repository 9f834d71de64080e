import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { evaluationUnderWay, makeCourse } from '../../../../test/helpers/fixtures.ts';
import { ok, type Problem } from '../../../../test/helpers/courses.ts';
import { addDays, isoWeekday, zonedInstant } from './slots.ts';

type Request = { id: string; evaluatorId: string | null; status: string; startsAt: string | null; meetingUrl: string | null; memberId: string; reason: string | null; batchId: string | null };
type Slot = { evaluatorId: string; date: string; startTime: string; startsAt: string; timezone: string };

/** The next date (at least 2 days ahead) that falls on `weekday`. */
function nextWeekday(weekday: number): string {
  let d = addDays(new Date().toISOString().slice(0, 10), 2);
  while (isoWeekday(d) !== weekday) d = addDays(d, 1);
  return d;
}


async function world(env: TestEnv, learners = 2) {
  const mod = await env.user(['Moderator']);
  const evaluator = await env.user(['Batch Evaluator'], 'Eva Evaluator');
  const people: TestUser[] = [];
  for (let i = 0; i < learners; i++) people.push(await env.user(['LMS Student'], `Learner ${i + 1}`));
  const course = await makeCourse(env, { enableCertification: true, lessons: 1 });
  const batch = await ok<{ id: string }>(
    env.req('POST', '/api/batches', {
      as: mod,
      body: { title: 'Cohort', startDate: '2026-01-01', endDate: '2099-01-01', timezone: 'UTC', courseIds: [course.courseId], evaluatorIds: [evaluator.id] },
    }),
    201,
  );
  for (const u of people) await ok(env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: u.id } }), 201);
  await ok(
    env.req('PUT', `/api/evaluators/${evaluator.id}/availability`, {
      as: evaluator,
      body: { timezone: 'Asia/Kolkata', slots: [{ weekday: 1, start: '09:00', end: '10:00' }], meetingUrl: 'https://meet.example.com/eva' },
    }),
  );
  return { mod, evaluator, people, course, batch, monday: nextWeekday(1) };
}

describeDb('certificate evaluations: availability, booking, results, group requests', (env) => {
  it('availability: the evaluator or staff set it; bad input writes nothing', async () => {
    const w = await world(env, 1);
    const other = await env.user(['Batch Evaluator']);
    const got = await ok<{ timezone: string; slots: unknown[]; slotMinutes: number }>(env.req('GET', `/api/evaluators/${w.evaluator.id}/availability`, { as: w.mod }));
    expect(got).toMatchObject({ timezone: 'Asia/Kolkata', slotMinutes: 30, slots: [{ weekday: 1, start: '09:00', end: '10:00' }] });
    const before = { a: await env.count('evaluator_availability'), s: await env.count('evaluator_settings'), audit: await env.count('audit_log') };
    const bad: [TestUser, unknown, number][] = [
      [w.evaluator, { timezone: 'Mars/Olympus', slots: [] }, 400],
      [w.evaluator, { timezone: 'UTC', slots: [{ weekday: 8, start: '09:00', end: '10:00' }] }, 400],
      [w.evaluator, { timezone: 'UTC', slots: [{ weekday: 1, start: '11:00', end: '10:00' }] }, 400],
      [w.evaluator, { timezone: 'UTC', slots: [{ weekday: 1, start: '9am', end: '10:00' }] }, 400],
      [w.evaluator, { timezone: 'UTC', slots: [{ weekday: 1, start: '09:00', end: '11:00' }, { weekday: 1, start: '10:00', end: '12:00' }] }, 400],
      [other, { timezone: 'UTC', slots: [] }, 404],
      [w.people[0]!, { timezone: 'UTC', slots: [] }, 403],
    ];
    for (const [as, body, status] of bad) {
      const res = await env.req('PUT', `/api/evaluators/${w.evaluator.id}/availability`, { as, body });
      expect(res.statusCode, res.body).toBe(status);
    }
    expect({ a: await env.count('evaluator_availability'), s: await env.count('evaluator_settings'), audit: await env.count('audit_log') }).toEqual(before);
  });

  it('books a free slot in the evaluator’s time zone; past, outside availability and taken slots are refused', async () => {
    const w = await world(env, 2);
    const [ann, ben] = w.people as [TestUser, TestUser];
    const slots = await ok<{ items: Slot[] }>(env.req('GET', `/api/certificate-requests/slots?courseId=${w.course.courseId}&from=${w.monday}&days=1`, { as: ann }));
    expect(slots.items.map((s) => [s.date, s.startTime, s.startsAt])).toEqual([
      [w.monday, '09:00', `${w.monday}T03:30:00.000Z`],
      [w.monday, '09:30', `${w.monday}T04:00:00.000Z`],
    ]);
    const before = await env.count('certificate_requests');
    const refuse = async (body: Record<string, unknown>, status: number, code: string) => {
      const res = await env.req('POST', '/api/certificate-requests', { as: ann, body: { courseId: w.course.courseId, ...body } });
      expect(res.statusCode, res.body).toBe(status);
      expect(json<Problem>(res).code).toBe(code);
    };
    await refuse({ date: w.monday, startTime: '10:00' }, 409, 'SLOT_UNAVAILABLE');
    await refuse({ date: addDays(w.monday, 1), startTime: '09:00' }, 409, 'SLOT_UNAVAILABLE');
    await refuse({ date: addDays(w.monday, -7 * 52), startTime: '09:00' }, 400, 'VALIDATION_FAILED');
    await refuse({ date: w.monday, startTime: '25:00' }, 400, 'VALIDATION_FAILED');
    await refuse({ date: 'monday', startTime: '09:00' }, 400, 'VALIDATION_FAILED');
    const stranger = await env.user();
    const res = await env.req('POST', '/api/certificate-requests', { as: stranger, body: { courseId: w.course.courseId, date: w.monday, startTime: '09:00' } });
    expect(res.statusCode).toBe(404);
    expect(await env.count('certificate_requests')).toBe(before);

    const booked = await ok<Request>(env.req('POST', '/api/certificate-requests', { as: ann, body: { courseId: w.course.courseId, batchId: w.batch.id, date: w.monday, startTime: '09:00' } }), 201);
    expect(booked).toMatchObject({ evaluatorId: w.evaluator.id, status: 'scheduled', startsAt: `${w.monday}T03:30:00.000Z`, meetingUrl: 'https://meet.example.com/eva' });
    const taken = await env.req('POST', '/api/certificate-requests', { as: ben, body: { courseId: w.course.courseId, date: w.monday, startTime: '09:00' } });
    expect(taken.statusCode).toBe(409);
    expect(json<Problem>(taken).code).toBe('SLOT_UNAVAILABLE');
    const again = await env.req('POST', '/api/certificate-requests', { as: ann, body: { courseId: w.course.courseId, date: w.monday, startTime: '09:30' } });
    expect(json<Problem>(again).code).toBe('EVALUATION_PENDING');
    // The taken slot is no longer offered.
    const left = await ok<{ items: Slot[] }>(env.req('GET', `/api/certificate-requests/slots?courseId=${w.course.courseId}&from=${w.monday}&days=1`, { as: ben }));
    expect(left.items.map((s) => s.startTime)).toEqual(['09:30']);

    // Reschedule to the free slot with a reason, then cancel with a reason.
    const moved = await ok<Request>(env.req('POST', `/api/certificate-requests/${booked.id}/reschedule`, { as: ann, body: { date: w.monday, startTime: '09:30', reason: 'Train delayed' } }));
    expect(moved).toMatchObject({ startsAt: `${w.monday}T04:00:00.000Z`, reason: 'Train delayed' });
    const cancelled = await ok<Request>(env.req('POST', `/api/certificate-requests/${booked.id}/cancel`, { as: ann, body: { reason: 'Not ready yet' } }));
    expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'Not ready yet' });
    // A result for a request that is not scheduled: 422, nothing written.
    const audit = await env.count('audit_log');
    const late = await env.req('POST', `/api/certificate-requests/${booked.id}/result`, { as: w.evaluator, body: { result: 'pass' } });
    expect(late.statusCode).toBe(422);
    expect(json<Problem>(late).code).toBe('REQUEST_NOT_SCHEDULED');
    expect(await env.count('audit_log')).toBe(audit);
    expect(await env.count('certificates')).toBe(0);
    // Another learner cannot see it.
    expect((await env.req('GET', `/api/certificate-requests/${booked.id}`, { as: ben })).statusCode).toBe(404);
  });

  it('unavailable dates, a taken slot on reschedule, and other learners’ requests', async () => {
    const w = await world(env, 2);
    const [ann, ben] = w.people as [TestUser, TestUser];
    const next = addDays(w.monday, 7);
    await ok(
      env.req('PUT', `/api/evaluators/${w.evaluator.id}/availability`, {
        as: w.mod,
        body: { timezone: 'Asia/Kolkata', slots: [{ weekday: 1, start: '09:00', end: '10:00' }], unavailableDates: [w.monday] },
      }),
    );
    const slots = await ok<{ items: Slot[] }>(env.req('GET', `/api/certificate-requests/slots?courseId=${w.course.courseId}&from=${w.monday}&days=8`, { as: ann }));
    expect(slots.items.map((s) => s.date)).toEqual([next, next]);
    const off = await env.req('POST', '/api/certificate-requests', { as: ann, body: { courseId: w.course.courseId, date: w.monday, startTime: '09:00' } });
    expect(json<Problem>(off).code).toBe('SLOT_UNAVAILABLE');
    const a = await ok<Request>(env.req('POST', '/api/certificate-requests', { as: ann, body: { courseId: w.course.courseId, date: next, startTime: '09:00' } }), 201);
    const b = await ok<Request>(env.req('POST', '/api/certificate-requests', { as: ben, body: { courseId: w.course.courseId, date: next, startTime: '09:30' } }), 201);
    const audit = await env.count('audit_log');
    const clash = await env.req('POST', `/api/certificate-requests/${b.id}/reschedule`, { as: ben, body: { date: next, startTime: '09:00', reason: 'Earlier suits me' } });
    expect(clash.statusCode).toBe(409);
    expect(json<Problem>(clash).code).toBe('SLOT_UNAVAILABLE');
    for (const [url, body] of [
      [`/api/certificate-requests/${a.id}/cancel`, { reason: 'Not mine' }],
      [`/api/certificate-requests/${a.id}/reschedule`, { date: next, startTime: '09:30', reason: 'x' }],
    ] as const) {
      expect((await env.req('POST', url, { as: ben, body })).statusCode).toBe(404);
    }
    expect((await env.req('POST', `/api/certificate-requests/${a.id}/cancel`, { as: ann, body: { reason: '' } })).statusCode).toBe(400);
    expect(await env.count('audit_log')).toBe(audit);
    const listed = await ok<{ items: Request[] }>(env.req('GET', '/api/certificate-requests', { as: ben }));
    expect(listed.items.map((r) => r.id)).toEqual([b.id]);
  });

  it('10 learners booking one slot at once → exactly one gets it', async () => {
    const w = await world(env, 10);
    const results = await Promise.all(
      w.people.map((p) => env.req('POST', '/api/certificate-requests', { as: p, body: { courseId: w.course.courseId, date: w.monday, startTime: '09:00' } })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const losers = results.filter((r) => r.statusCode !== 201);
    expect(losers.map((r) => `${r.statusCode} ${json<Problem>(r).code}`)).toEqual(Array(9).fill('409 SLOT_UNAVAILABLE'));
    const rows = await env.ctx.db
      .selectFrom('certificate_requests')
      .select('id')
      .where('evaluator_id', '=', w.evaluator.id)
      .where('starts_at', '=', zonedInstant(w.monday, '09:00', 'Asia/Kolkata').toISOString())
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('a pass issues the certificate with the batch; group requests; evaluation-required courses certify only this way', async () => {
    const w = await world(env, 2);
    const [ann, ben] = w.people as [TestUser, TestUser];
    await ok(env.req('PATCH', `/api/courses/${w.course.courseId}`, { as: w.mod, body: { evaluationRequired: true } }));
    // Completing the course issues nothing and the claim is refused.
    await ok(env.req('POST', `/api/lessons/${w.course.lessonIds[0]}/complete`, { as: ann }));
    expect(await env.count('certificates')).toBe(0);
    const claim = await env.req('POST', `/api/courses/${w.course.courseId}/certificate`, { as: ann });
    expect(claim.statusCode).toBe(422);
    expect(json<Problem>(claim).code).toBe('EVALUATION_REQUIRED');

    // Staff send the group request: one per member without a certificate.
    const learnerTry = await env.req('POST', `/api/batches/${w.batch.id}/certificate-requests`, { as: ann, body: { courseId: w.course.courseId } });
    expect(learnerTry.statusCode).toBe(403);
    const group = await ok<{ items: Request[] }>(env.req('POST', `/api/batches/${w.batch.id}/certificate-requests`, { as: w.mod, body: { courseId: w.course.courseId } }), 201);
    expect(group.items.map((r) => [r.memberId, r.status, r.batchId]).sort()).toEqual([[ann.id, 'requested', w.batch.id], [ben.id, 'requested', w.batch.id]].sort());
    const twice = await ok<{ items: Request[] }>(env.req('POST', `/api/batches/${w.batch.id}/certificate-requests`, { as: w.mod, body: { courseId: w.course.courseId } }), 201);
    expect(twice.items).toEqual([]);

    // Ann books: her group request becomes the booking.
    const booked = await ok<Request>(env.req('POST', '/api/certificate-requests', { as: ann, body: { courseId: w.course.courseId, date: w.monday, startTime: '09:00' } }), 201);
    expect(booked.id).toBe(group.items.find((r) => r.memberId === ann.id)!.id);
    const outsider = await env.user(['Batch Evaluator']);
    expect((await env.req('POST', `/api/certificate-requests/${booked.id}/result`, { as: outsider, body: { result: 'pass' } })).statusCode).toBe(404);
    const bad = await env.req('POST', `/api/certificate-requests/${booked.id}/result`, { as: w.evaluator, body: { result: 'great' } });
    expect(bad.statusCode).toBe(400);

    // The evaluation takes place: its result is recorded once it has begun.
    await evaluationUnderWay(env, booked.id);

    const result = await ok<{ request: Request; certificate: { id: string; memberId: string; source: string } }>(
      env.req('POST', `/api/certificate-requests/${booked.id}/result`, { as: w.evaluator, body: { result: 'pass', summary: 'Confident and correct.' } }),
    );
    expect(result.request.status).toBe('passed');
    expect(result.certificate).toMatchObject({ memberId: ann.id, source: 'evaluation' });
    const cert = await env.ctx.db.selectFrom('certificates').selectAll().where('id', '=', result.certificate.id).executeTakeFirstOrThrow();
    expect(cert.batch_id).toBe(w.batch.id);
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'certificate_request').where('action', '=', 'result').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.before_json!)).toMatchObject({ status: 'scheduled' });
    expect(JSON.parse(audit[0]!.after_json!)).toMatchObject({ status: 'passed', summary: 'Confident and correct.' });
    // Passed: a new booking is refused.
    const again = await env.req('POST', '/api/certificate-requests', { as: ann, body: { courseId: w.course.courseId, date: w.monday, startTime: '09:30' } });
    expect(json<Problem>(again).code).toBe('ALREADY_PASSED');
    // The evaluator's calendar lists the request.
    const mine = await ok<{ items: Request[] }>(env.req('GET', `/api/certificate-requests?evaluatorId=${w.evaluator.id}`, { as: w.evaluator }));
    expect(mine.items.map((r) => r.id)).toContain(booked.id);
  });
});
