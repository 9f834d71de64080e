import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';

type Batch = { id: string; seatsLeft: number | null; memberCount: number; courseIds: string[]; seatCount: number | null; title: string };
type Membership = { batchMemberId: string; enrollments: { courseId: string; enrollmentId: string; created: boolean }[] };

function batchBody(courseIds: string[], extra: Record<string, unknown> = {}) {
  return { title: 'Spring cohort', startDate: '2026-03-01', endDate: '2026-05-31', timezone: 'Europe/Berlin', courseIds, ...extra };
}

async function newBatch(env: TestEnv, as: TestUser, courseIds: string[], extra: Record<string, unknown> = {}): Promise<Batch> {
  const res = await env.req('POST', '/api/batches', { as, body: batchBody(courseIds, extra) });
  expect(res.statusCode, res.body).toBe(201);
  return json<Batch>(res);
}

async function writes(env: TestEnv) {
  return {
    batches: await env.count('batches'),
    members: await env.count('batch_members'),
    courses: await env.count('batch_courses'),
    enrollments: await env.count('enrollments'),
    audit: await env.count('audit_log'),
  };
}

describeDb('batches: CRUD, members, seats, back-fill, removal', (env) => {
  it('creates a batch with every field and seatsLeft; audited', async () => {
    const mod = await env.user(['Moderator']);
    const instructor = await env.user(['Course Creator'], 'Ines Instructor');
    const evaluator = await env.user(['Batch Evaluator']);
    const a = await makeCourse(env);
    const b = await makeCourse(env);
    const res = await env.req('POST', '/api/batches', {
      as: mod,
      body: batchBody([b.courseId, a.courseId], {
        description: 'Weekly live sessions',
        seatCount: 12,
        published: true,
        allowSelfEnrollment: true,
        paid: true,
        price: 19900,
        currency: 'EUR',
        instructorIds: [instructor.id],
        evaluatorIds: [evaluator.id],
      }),
    });
    expect(res.statusCode, res.body).toBe(201);
    const batch = json(res);
    expect(batch).toMatchObject({
      title: 'Spring cohort',
      description: 'Weekly live sessions',
      startDate: '2026-03-01',
      endDate: '2026-05-31',
      timezone: 'Europe/Berlin',
      seatCount: 12,
      seatsLeft: 12,
      memberCount: 0,
      published: true,
      allowSelfEnrollment: true,
      paid: true,
      price: 19900,
      currency: 'EUR',
      courseIds: [b.courseId, a.courseId],
      instructorIds: [instructor.id],
      evaluatorIds: [evaluator.id],
      instructors: [{ id: instructor.id, fullName: 'Ines Instructor' }],
      createdBy: mod.id,
    });
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'batch').where('entity_id', '=', batch.id as string).execute();
    expect(audit.map((x) => x.action)).toEqual(['create']);
    const got = await env.req('GET', `/api/batches/${batch.id as string}`, { as: mod });
    expect(json(got)).toEqual(batch);
  });

  it('refuses bad input with problem+json and writes nothing', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const ok = await makeCourse(env);
    const draft = await makeCourse(env, { published: false });
    const before = await writes(env);
    const cases: [unknown, number, string, string?][] = [
      [{}, 400, 'VALIDATION_FAILED', 'title'],
      [batchBody([ok.courseId], { title: 42 }), 400, 'VALIDATION_FAILED', 'title'],
      [batchBody([ok.courseId], { title: 'x'.repeat(201) }), 400, 'VALIDATION_FAILED', 'title'],
      [batchBody([ok.courseId], { endDate: '2026-02-28' }), 400, 'VALIDATION_FAILED', 'endDate'],
      [batchBody([ok.courseId], { startDate: '2026-02-30' }), 400, 'VALIDATION_FAILED', 'startDate'],
      [batchBody([ok.courseId], { timezone: 'Mars/Olympus_Mons' }), 400, 'VALIDATION_FAILED', 'timezone'],
      [batchBody([ok.courseId], { timezone: "Europe/Berlin'; drop table batches; --" }), 400, 'VALIDATION_FAILED', 'timezone'],
      [batchBody([ok.courseId], { seatCount: 0 }), 400, 'VALIDATION_FAILED', 'seatCount'],
      [batchBody([ok.courseId], { seatCount: 2.5 }), 400, 'VALIDATION_FAILED', 'seatCount'],
      [batchBody([ok.courseId], { currency: 'euro' }), 400, 'VALIDATION_FAILED', 'currency'],
      [batchBody([ok.courseId], { extra: 1 }), 400, 'VALIDATION_FAILED'],
      [batchBody(['0000000000000000000000zzzz']), 400, 'VALIDATION_FAILED', 'courseIds.0'],
      [batchBody(['not an id']), 400, 'VALIDATION_FAILED', 'courseIds.0'],
      [batchBody([ok.courseId], { instructorIds: ['0000000000000000000000zzzz'] }), 400, 'VALIDATION_FAILED', 'instructorIds.0'],
      [batchBody([ok.courseId, draft.courseId]), 422, 'COURSE_NOT_PUBLISHED'],
    ];
    for (const [body, status, code, path] of cases) {
      const res = await env.req('POST', '/api/batches', { as: mod, body });
      expect(res.statusCode, `${JSON.stringify(body)} -> ${res.body}`).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const p = json<{ code: string; errors?: { path: string }[] }>(res);
      expect(p.code).toBe(code);
      if (path) expect(p.errors?.map((e) => e.path).join(' ')).toContain(path);
    }
    const learnerTry = await env.req('POST', '/api/batches', { as: learner, body: batchBody([ok.courseId]) });
    expect(learnerTry.statusCode).toBe(403);
    expect((await env.req('POST', '/api/batches', { body: batchBody([ok.courseId]) })).statusCode).toBe(401);
    expect(await writes(env)).toEqual(before);
  });

  it('adding a member enrolls them in every batch course (cohort, batchId) and reuses an existing enrollment', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const a = await makeCourse(env);
    const b = await makeCourse(env);
    // Already enrolled in b on their own.
    const own = json<{ id: string }>(await env.req('POST', `/api/courses/${b.courseId}/enroll`, { as: learner }));
    const batch = await newBatch(env, mod, [a.courseId, b.courseId], { seatCount: 3 });
    const res = await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberEmail: learner.email.toUpperCase() } });
    expect(res.statusCode, res.body).toBe(201);
    const m = json<Membership>(res);
    expect(m.enrollments).toHaveLength(2);
    expect(m.enrollments[0]).toMatchObject({ courseId: a.courseId, created: true });
    expect(m.enrollments[1]).toEqual({ courseId: b.courseId, enrollmentId: own.id, created: false });
    const rows = await env.ctx.db.selectFrom('enrollments').selectAll().where('member_id', '=', learner.id).orderBy('created_at').execute();
    expect(rows).toHaveLength(2);
    const inA = rows.find((r) => r.course_id === a.courseId)!;
    expect(inA).toMatchObject({ source: 'cohort', batch_id: batch.id, id: m.enrollments[0]!.enrollmentId });
    expect(rows.find((r) => r.course_id === b.courseId)).toMatchObject({ source: 'self', id: own.id });

    // A second add: 409 ALREADY_IN_BATCH with the membership, nothing written.
    const other = await env.user();
    const before = await writes(env);
    const again = await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: learner.id } });
    expect(again.statusCode).toBe(409);
    expect(json(again)).toMatchObject({ code: 'ALREADY_IN_BATCH', batchMemberId: m.batchMemberId });
    // Unknown member, both ways; malformed and empty bodies.
    for (const body of [{ memberId: '0000000000000000000000zzzz' }, { memberEmail: 'nobody@example.com' }, {}, { memberId: learner.id, memberEmail: learner.email }, { memberId: 7 }, { memberEmail: 'x'.repeat(400) + '@example.com' }]) {
      const r = await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(json(r).code).toBe('VALIDATION_FAILED');
    }
    // A learner cannot add people; an unknown batch is 404.
    const r1 = await env.req('POST', `/api/batches/${batch.id}/members`, { as: learner, body: { memberId: other.id } });
    expect(r1.statusCode).toBe(403);
    const r2 = await env.req('POST', `/api/batches/0000000000000000000000zzzz/members`, { as: mod, body: { memberId: other.id } });
    expect(r2.statusCode).toBe(404);
    expect(await writes(env)).toEqual(before);
    const got = json<Batch>(await env.req('GET', `/api/batches/${batch.id}`, { as: mod }));
    expect(got).toMatchObject({ memberCount: 1, seatsLeft: 2 });
  });

  it('30 concurrent joins into 5 seats: exactly 5 members, the rest 409 SEATS_FULL', async () => {
    const mod = await env.user(['Moderator']);
    const a = await makeCourse(env);
    const b = await makeCourse(env);
    const batch = await newBatch(env, mod, [a.courseId, b.courseId], { seatCount: 5, published: true, allowSelfEnrollment: true });
    const learners = await Promise.all(Array.from({ length: 30 }, () => env.user()));
    const results = await Promise.all(learners.map((l) => env.req('POST', `/api/batches/${batch.id}/join`, { as: l })));
    const ok = results.filter((r) => r.statusCode === 201);
    const full = results.filter((r) => r.statusCode === 409);
    expect(ok).toHaveLength(5);
    expect(full).toHaveLength(25);
    for (const r of full) expect(json(r).code).toBe('SEATS_FULL');
    const members = await env.ctx.db.selectFrom('batch_members').select('member_id').where('batch_id', '=', batch.id).execute();
    expect(members).toHaveLength(5);
    const enrolled = await env.ctx.db.selectFrom('enrollments').select('member_id').where('batch_id', '=', batch.id).execute();
    expect(enrolled).toHaveLength(10);
    expect(json<Batch>(await env.req('GET', `/api/batches/${batch.id}`, { as: mod }))).toMatchObject({ memberCount: 5, seatsLeft: 0 });
    // Staff are held to the same seats.
    const late = await env.user();
    const r = await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: late.id } });
    expect(r.statusCode).toBe(409);
    expect(json(r).code).toBe('SEATS_FULL');
  });

  it('one learner joining 10 times at once takes one seat: one 201, the rest ALREADY_IN_BATCH', async () => {
    const mod = await env.user(['Moderator']);
    const a = await makeCourse(env);
    const batch = await newBatch(env, mod, [a.courseId], { seatCount: 3, published: true, allowSelfEnrollment: true });
    const learner = await env.user();
    const results = await Promise.all(Array.from({ length: 10 }, () => env.req('POST', `/api/batches/${batch.id}/join`, { as: learner })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const rest = results.filter((r) => r.statusCode !== 201);
    expect(rest.map((r) => [r.statusCode, json(r).code])).toEqual(Array.from({ length: 9 }, () => [409, 'ALREADY_IN_BATCH']));
    expect(json<Batch>(await env.req('GET', `/api/batches/${batch.id}`, { as: mod }))).toMatchObject({ memberCount: 1, seatsLeft: 2 });
    expect(await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', learner.id).execute()).toHaveLength(1);
  });

  it('a course added while people join: every member ends up enrolled in every batch course', async () => {
    const mod = await env.user(['Moderator']);
    const a = await makeCourse(env);
    const b = await makeCourse(env);
    const batch = await newBatch(env, mod, [a.courseId], { published: true, allowSelfEnrollment: true });
    const learners = await Promise.all(Array.from({ length: 12 }, () => env.user()));
    const joins = learners.map((l) => env.req('POST', `/api/batches/${batch.id}/join`, { as: l }));
    const add = env.req('POST', `/api/batches/${batch.id}/courses`, { as: mod, body: { courseId: b.courseId } });
    const results = await Promise.all([...joins, add]);
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 201)).toBe(true);
    for (const course of [a.courseId, b.courseId]) {
      const rows = await env.ctx.db.selectFrom('enrollments').select('member_id').where('course_id', '=', course).execute();
      expect(rows.map((r) => r.member_id).sort()).toEqual(learners.map((l) => l.id).sort());
    }
  });

  it('PATCH courseIds: a course newly listed back-fills every member; order is kept', async () => {
    const mod = await env.user(['Moderator']);
    const a = await makeCourse(env);
    const b = await makeCourse(env);
    const batch = await newBatch(env, mod, [a.courseId]);
    const p = await env.user();
    await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: p.id } });
    const res = await env.req('PATCH', `/api/batches/${batch.id}`, { as: mod, body: { courseIds: [b.courseId, a.courseId] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toMatchObject({ courseIds: [b.courseId, a.courseId] });
    const rows = await env.ctx.db.selectFrom('enrollments').selectAll().where('member_id', '=', p.id).execute();
    expect(rows.map((r) => r.course_id).sort()).toEqual([a.courseId, b.courseId].sort());
    expect(rows.find((r) => r.course_id === b.courseId)).toMatchObject({ source: 'cohort', batch_id: batch.id });
  });

  it('the seat limit is a database fact: a direct write past it fails', async () => {
    const mod = await env.user(['Moderator']);
    const a = await makeCourse(env);
    const batch = await newBatch(env, mod, [a.courseId], { seatCount: 1 });
    await expect(env.ctx.db.updateTable('batches').set({ member_count: 2 }).where('id', '=', batch.id).execute()).rejects.toThrow();
  });

  it('join: only published batches that allow it; 409 ALREADY_IN_BATCH on a second join', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const a = await makeCourse(env);
    const hidden = await newBatch(env, mod, [a.courseId], { allowSelfEnrollment: true });
    const closed = await newBatch(env, mod, [a.courseId], { published: true });
    const paid = await newBatch(env, mod, [a.courseId], { published: true, allowSelfEnrollment: true, paid: true, price: 100, currency: 'EUR' });
    const open = await newBatch(env, mod, [a.courseId], { published: true, allowSelfEnrollment: true });
    const before = await writes(env);
    expect((await env.req('POST', `/api/batches/${hidden.id}/join`, { as: learner })).statusCode).toBe(404);
    const c = await env.req('POST', `/api/batches/${closed.id}/join`, { as: learner });
    expect([c.statusCode, json(c).code]).toEqual([422, 'SELF_ENROLLMENT_DISABLED']);
    const p = await env.req('POST', `/api/batches/${paid.id}/join`, { as: learner });
    expect([p.statusCode, json(p).code]).toEqual([402, 'PAYMENT_REQUIRED']);
    expect((await env.req('POST', `/api/batches/${open.id}/join`)).statusCode).toBe(401);
    expect(await writes(env)).toEqual(before);
    const first = await env.req('POST', `/api/batches/${open.id}/join`, { as: learner });
    expect(first.statusCode).toBe(201);
    const second = await env.req('POST', `/api/batches/${open.id}/join`, { as: learner });
    expect(json(second)).toMatchObject({ code: 'ALREADY_IN_BATCH', batchMemberId: json<Membership>(first).batchMemberId });
  });

  it('a course added later back-fills every member at once, reusing existing enrollments; audited per enrollment', async () => {
    const mod = await env.user(['Moderator']);
    const a = await makeCourse(env);
    const later = await makeCourse(env);
    const batch = await newBatch(env, mod, [a.courseId]);
    const people = await Promise.all(Array.from({ length: 6 }, () => env.user()));
    for (const p of people) expect((await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: p.id } })).statusCode).toBe(201);
    const own = json<{ id: string }>(await env.req('POST', `/api/courses/${later.courseId}/enroll`, { as: people[0]! }));
    const outsider = await env.user();
    const res = await env.req('POST', `/api/batches/${batch.id}/courses`, { as: mod, body: { courseId: later.courseId } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toMatchObject({ courseIds: [a.courseId, later.courseId], backfill: { created: 5, reused: 1 } });
    const rows = await env.ctx.db.selectFrom('enrollments').selectAll().where('course_id', '=', later.courseId).execute();
    expect(rows).toHaveLength(6);
    expect(rows.some((r) => r.member_id === outsider.id)).toBe(false);
    expect(rows.find((r) => r.member_id === people[0]!.id)).toMatchObject({ id: own.id, source: 'self' });
    const made = rows.filter((r) => r.id !== own.id);
    for (const r of made) {
      expect(r).toMatchObject({ source: 'cohort', batch_id: batch.id, completed_lessons: 0, created_by: mod.id });
      expect(r.id).toMatch(/^[0-9a-z]+$/);
    }
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'enrollment').where('entity_id', 'in', made.map((r) => r.id)).execute();
    expect(audit).toHaveLength(5);
    for (const e of audit) {
      const row = made.find((r) => r.id === e.entity_id)!;
      // The audited image is the enrollment as the API shows it (without the names the record adds).
      const { memberName: _n, memberEmail: _e, courseTitle: _t, ...shown } = json<Record<string, unknown>>(await env.req('GET', `/api/enrollments/${row.id}`, { as: mod }));
      expect(JSON.parse(e.after_json!)).toEqual(shown);
    }
    // Listing and again: nothing more.
    const again = await env.req('POST', `/api/batches/${batch.id}/courses`, { as: mod, body: { courseId: later.courseId } });
    expect(json(again)).toMatchObject({ backfill: { created: 0, reused: 0 } });
    // A member added after that is enrolled in both courses.
    const newcomer = await env.user();
    const m = json<Membership>(await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: newcomer.id } }));
    expect(m.enrollments.map((e) => e.courseId)).toEqual([a.courseId, later.courseId]);
    // Unpublished or unknown courses are refused, writing nothing.
    const draft = await makeCourse(env, { published: false });
    const before = await writes(env);
    const r1 = await env.req('POST', `/api/batches/${batch.id}/courses`, { as: mod, body: { courseId: draft.courseId } });
    expect([r1.statusCode, json(r1).code]).toEqual([422, 'COURSE_NOT_PUBLISHED']);
    const r2 = await env.req('POST', `/api/batches/${batch.id}/courses`, { as: mod, body: { courseId: '0000000000000000000000zzzz' } });
    expect([r2.statusCode, json(r2).code]).toEqual([400, 'VALIDATION_FAILED']);
    const r3 = await env.req('POST', `/api/batches/${batch.id}/courses`, { as: mod, body: { courseId: ["x"] } });
    expect(r3.statusCode).toBe(400);
    expect(await writes(env)).toEqual(before);
  });

  it('removing a member keeps their enrollments and progress, frees the seat, and is audited', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const a = await makeCourse(env, { lessons: 4 });
    const batch = await newBatch(env, mod, [a.courseId], { seatCount: 1 });
    const m = json<Membership>(await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: learner.id } }));
    const done = await env.req('POST', `/api/lessons/${a.lessonIds[0]!}/complete`, { as: learner });
    expect(done.statusCode, done.body).toBe(200);
    const res = await env.req('DELETE', `/api/batches/${batch.id}/members/${learner.id}`, { as: mod });
    expect(res.statusCode, res.body).toBe(204);
    const e = json<{ progress: number; batchId: string }>(await env.req('GET', `/api/enrollments/${m.enrollments[0]!.enrollmentId}`, { as: mod }));
    expect(e).toMatchObject({ progress: 25, batchId: batch.id });
    expect(await env.ctx.db.selectFrom('lesson_completions').select('id').where('member_id', '=', learner.id).execute()).toHaveLength(1);
    expect(json<Batch>(await env.req('GET', `/api/batches/${batch.id}`, { as: mod }))).toMatchObject({ memberCount: 0, seatsLeft: 1 });
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'batch_member').where('entity_id', '=', m.batchMemberId).orderBy('id').execute();
    expect(audit.map((x) => x.action)).toEqual(['create', 'delete']);
    expect(JSON.parse(audit[1]!.before_json!)).toMatchObject({ memberId: learner.id, keptEnrollments: [{ enrollmentId: m.enrollments[0]!.enrollmentId, completedLessons: 1 }] });
    // Again: 404; a learner may not remove anyone.
    expect((await env.req('DELETE', `/api/batches/${batch.id}/members/${learner.id}`, { as: mod })).statusCode).toBe(404);
    expect((await env.req('DELETE', `/api/batches/${batch.id}/members/${learner.id}`, { as: learner })).statusCode).toBe(403);
    // Re-adding reuses the enrollment with its progress.
    const back = json<Membership>(await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: learner.id } }));
    expect(back.enrollments).toEqual([{ courseId: a.courseId, enrollmentId: m.enrollments[0]!.enrollmentId, created: false }]);
  });

  it('PATCH: seats below members (422), end before start (400), unknown timezone (400) change nothing; DELETE only without members', async () => {
    const mod = await env.user(['Moderator']);
    const a = await makeCourse(env);
    const batch = await newBatch(env, mod, [a.courseId], { seatCount: 5 });
    for (let i = 0; i < 3; i++) {
      const p = await env.user();
      await env.req('POST', `/api/batches/${batch.id}/members`, { as: mod, body: { memberId: p.id } });
    }
    const before = await writes(env);
    const s = await env.req('PATCH', `/api/batches/${batch.id}`, { as: mod, body: { seatCount: 2 } });
    expect([s.statusCode, json(s).code]).toEqual([422, 'SEATS_BELOW_MEMBERS']);
    const d = await env.req('PATCH', `/api/batches/${batch.id}`, { as: mod, body: { endDate: '2026-01-01' } });
    expect([d.statusCode, json(d).code]).toEqual([400, 'VALIDATION_FAILED']);
    const t = await env.req('PATCH', `/api/batches/${batch.id}`, { as: mod, body: { timezone: 'Nowhere/Else' } });
    expect([t.statusCode, json(t).code]).toEqual([400, 'VALIDATION_FAILED']);
    const del = await env.req('DELETE', `/api/batches/${batch.id}`, { as: mod });
    expect([del.statusCode, json(del).code]).toEqual([409, 'BATCH_HAS_MEMBERS']);
    expect(await writes(env)).toEqual(before);
    const okPatch = await env.req('PATCH', `/api/batches/${batch.id}`, { as: mod, body: { seatCount: 3, title: 'Renamed', timezone: 'America/New_York' } });
    expect(okPatch.statusCode, okPatch.body).toBe(200);
    expect(json(okPatch)).toMatchObject({ seatCount: 3, seatsLeft: 0, title: 'Renamed', timezone: 'America/New_York' });
    const empty = await newBatch(env, mod, [a.courseId]);
    expect((await env.req('DELETE', `/api/batches/${empty.id}`, { as: mod })).statusCode).toBe(204);
    expect((await env.req('GET', `/api/batches/${empty.id}`, { as: mod })).statusCode).toBe(404);
  });

  it('Course Creators manage only their batches and courses; learners see published batches; fellow members see names, never emails', async () => {
    const mod = await env.user(['Moderator']);
    const cc = await env.user(['Course Creator']);
    const otherCc = await env.user(['Course Creator']);
    const mine = await makeCourse(env, { instructorIds: [cc.id] });
    const notMine = await makeCourse(env);
    const denied = await env.req('POST', '/api/batches', { as: cc, body: batchBody([notMine.courseId]) });
    expect(denied.statusCode).toBe(403);
    const batch = await newBatch(env, cc, [mine.courseId], { published: true, allowSelfEnrollment: true });
    const hidden = await newBatch(env, mod, [notMine.courseId]);
    expect((await env.req('PATCH', `/api/batches/${batch.id}`, { as: otherCc, body: { title: 'Mine now' } })).statusCode).toBe(403);
    expect((await env.req('PATCH', `/api/batches/${hidden.id}`, { as: cc, body: { title: 'Mine now' } })).statusCode).toBe(404);
    expect((await env.req('PATCH', `/api/batches/${batch.id}`, { as: cc, body: { title: 'Evening cohort' } })).statusCode).toBe(200);
    expect((await env.req('PATCH', `/api/batches/${batch.id}`, { as: mod, body: { description: 'By the moderator' } })).statusCode).toBe(200);

    const alice = await env.user(['LMS Student'], 'Alice Member');
    const bob = await env.user(['LMS Student'], 'Bob Member');
    const stranger = await env.user();
    await env.req('POST', `/api/batches/${batch.id}/join`, { as: alice });
    await env.req('POST', `/api/batches/${batch.id}/join`, { as: bob });
    const list = json<{ items: Batch[] }>(await env.req('GET', '/api/batches?limit=500', { as: stranger }));
    expect(list.items.map((b) => b.id)).toContain(batch.id);
    expect(list.items.map((b) => b.id)).not.toContain(hidden.id);
    expect((await env.req('GET', `/api/batches/${hidden.id}`, { as: stranger })).statusCode).toBe(404);
    const fellow = await env.req('GET', `/api/batches/${batch.id}/members`, { as: alice });
    expect(fellow.statusCode).toBe(200);
    expect(fellow.body).not.toContain('@example.com');
    const items = json<{ items: { fullName: string; courses: unknown[] }[] }>(fellow).items;
    expect(items.map((i) => i.fullName).sort()).toEqual(['Alice Member', 'Bob Member']);
    expect(items.every((i) => i.courses.length === 0)).toBe(true);
    const strangerView = json<{ items: unknown[] }>(await env.req('GET', `/api/batches/${batch.id}/members`, { as: stranger }));
    expect(strangerView.items).toEqual([]);
    const staffView = json<{ items: { courses: { courseId: string; progress: number | null }[] }[] }>(await env.req('GET', `/api/batches/${batch.id}/members`, { as: cc }));
    expect(staffView.items[0]!.courses).toEqual([{ courseId: mine.courseId, progress: 0 }]);
    const mineOnly = json<{ items: Batch[] }>(await env.req('GET', '/api/batches?mine=true', { as: alice }));
    expect(mineOnly.items.map((b) => b.id)).toEqual([batch.id]);
  });
});
