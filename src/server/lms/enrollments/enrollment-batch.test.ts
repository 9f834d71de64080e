import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';

type Result = { items: { index: number; status: string; enrollmentId?: string; problem?: { code: string; path: string; detail: string } }[] };

describeDb('batch enrollment', (env) => {
  const batch = (as: TestUser | null, items: unknown) => env.req('POST', '/api/enrollments/batch', { as, body: { items } });

  it('enrolls by member id, email and employee code; answers in order; audits each created row', async () => {
    const admin = await env.user(['Moderator']);
    const [a, b, c] = [await env.user(), await env.user(), await env.user()];
    const { courseId } = await makeCourse(env);
    const unpublished = await makeCourse(env, { published: false });
    const code = `B-${env.dialect}-1`;
    const now = nowIso();
    await env.ctx.db
      .insertInto('employees')
      .values({ id: newId(), employee_code: code, full_name: 'Linked', user_id: c.id, status: 'active', created_at: now, updated_at: now })
      .execute();
    const pre = await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: b.id } });
    expect(pre.statusCode).toBe(201);
    const auditBefore = await env.count('audit_log');

    const res = await batch(admin, [
      { courseId, memberId: a.id },
      { courseId, memberEmail: b.email.toUpperCase() },
      { courseId, employeeCode: code, source: 'assignment' },
      { courseId, memberId: a.id },
      { courseId: unpublished.courseId, memberId: a.id },
    ]);
    expect(res.statusCode).toBe(200);
    const out = json<Result>(res).items;
    expect(out.map((r) => [r.index, r.status])).toEqual([
      [0, 'created'],
      [1, 'existing'],
      [2, 'created'],
      [3, 'existing'],
      [4, 'failed'],
    ]);
    // Every path needs a published course, staff's too.
    expect(out[4]!.problem).toMatchObject({ code: 'COURSE_NOT_PUBLISHED', path: 'courseId' });
    expect(out[1]!.enrollmentId).toBe(json<{ id: string }>(pre).id);
    expect(out[3]!.enrollmentId).toBe(out[0]!.enrollmentId);
    const rows = await env.ctx.db.selectFrom('enrollments').selectAll().where('id', 'in', [out[0]!.enrollmentId!, out[2]!.enrollmentId!]).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(out[0]!.enrollmentId!)).toMatchObject({ member_id: a.id, course_id: courseId, source: 'admin', created_by: admin.id });
    expect(byId.get(out[2]!.enrollmentId!)).toMatchObject({ member_id: c.id, course_id: courseId, source: 'assignment' });
    // One audit entry per created row, by the caller, in the same transaction.
    expect(await env.count('audit_log')).toBe(auditBefore + 2);
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'enrollment').where('entity_id', '=', out[0]!.enrollmentId!).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create', actor_id: admin.id });
    expect(JSON.parse(audit[0]!.after_json!)).toMatchObject({ memberId: a.id, courseId, source: 'admin', progress: 0 });
    // The same batch again creates nothing.
    const again = json<Result>(await batch(admin, [{ courseId, memberId: a.id }]));
    expect(again.items).toEqual([{ index: 0, status: 'existing', enrollmentId: out[0]!.enrollmentId }]);
  });

  it('fails bad items with their problem and writes nothing for them; the good ones are done', async () => {
    const creator = await env.user(['Course Creator']);
    const other = await env.user(['Course Creator']);
    const learner = await env.user();
    const mine = await makeCourse(env, { instructorIds: [creator.id] });
    const myDraft = await makeCourse(env, { published: false, instructorIds: [creator.id] });
    const theirsPublished = await makeCourse(env, { instructorIds: [other.id] });
    const theirsHidden = await makeCourse(env, { published: false, instructorIds: [other.id] });
    const loose = `L-${env.dialect}-1`;
    const now = nowIso();
    await env.ctx.db
      .insertInto('employees')
      .values({ id: newId(), employee_code: loose, full_name: 'No account', user_id: null, status: 'active', created_at: now, updated_at: now })
      .execute();
    const before = { enrollments: await env.count('enrollments'), audit: await env.count('audit_log') };
    const res = await batch(creator, [
      { courseId: mine.courseId, memberId: learner.id },
      { courseId: '0000000000000000000000zzzz', memberId: learner.id },
      { courseId: mine.courseId, memberId: '0000000000000000000000zzzz' },
      { courseId: mine.courseId, memberEmail: 'nobody@example.com' },
      { courseId: mine.courseId, employeeCode: 'NO-SUCH-CODE' },
      { courseId: mine.courseId, employeeCode: loose },
      { courseId: theirsPublished.courseId, memberId: learner.id },
      { courseId: theirsHidden.courseId, memberId: learner.id },
      { courseId: myDraft.courseId, memberId: learner.id },
    ]);
    expect(res.statusCode).toBe(200);
    const out = json<Result>(res).items;
    expect(out.map((r) => [r.status, r.problem?.code, r.problem?.path])).toEqual([
      ['created', undefined, undefined],
      ['failed', 'NOT_FOUND', 'courseId'],
      ['failed', 'NOT_FOUND', 'memberId'],
      ['failed', 'NOT_FOUND', 'memberEmail'],
      ['failed', 'NOT_FOUND', 'employeeCode'],
      ['failed', 'NOT_FOUND', 'employeeCode'],
      ['failed', 'FORBIDDEN', 'courseId'],
      ['failed', 'NOT_FOUND', 'courseId'],
      ['failed', 'COURSE_NOT_PUBLISHED', 'courseId'],
    ]);
    expect(out[5]!.problem!.detail).toContain('no user account');
    for (const r of out.slice(1)) expect(r.enrollmentId).toBeUndefined();
    expect(await env.count('enrollments')).toBe(before.enrollments + 1);
    expect(await env.count('audit_log')).toBe(before.audit + 1);
    const rows = await env.ctx.db.selectFrom('enrollments').select(['member_id', 'course_id']).where('member_id', '=', learner.id).execute();
    expect(rows).toEqual([{ member_id: learner.id, course_id: mine.courseId }]);
  });

  it('refuses a malformed request as a whole: nothing written', async () => {
    const admin = await env.user(['System Manager']);
    const learner = await env.user();
    const { courseId } = await makeCourse(env);
    const before = await env.count('enrollments');
    const tooMany = Array.from({ length: 1001 }, () => ({ courseId, memberId: learner.id }));
    const cases: [unknown, string][] = [
      [tooMany, 'items'],
      [[], 'items'],
      [[{ courseId }], 'items.0.memberId'],
      [[{ courseId, memberId: learner.id, memberEmail: learner.email }], 'items.0.memberId'],
      [[{ courseId, memberId: learner.id }, { courseId: 'not an id!', memberId: learner.id }], 'items.1.courseId'],
      [[{ courseId, memberId: learner.id, source: 'self' }], 'items.0.source'],
      [[{ courseId, memberEmail: 'not-an-email' }], 'items.0.memberEmail'],
      [[{ courseId, memberId: learner.id, extra: 1 }], 'items.0'],
      [[{ courseId: 42, memberId: learner.id }], 'items.0.courseId'],
      [[{ courseId, employeeCode: 'x'.repeat(65) }], 'items.0.employeeCode'],
      ['items', 'items'],
    ];
    for (const [items, path] of cases) {
      const res = await batch(admin, items);
      expect(res.statusCode, JSON.stringify(path)).toBe(400);
      const body = json<{ code: string; errors: { path: string }[] }>(res);
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.errors.map((e) => e.path).some((p) => p.startsWith(path)), `${path}: ${JSON.stringify(body.errors)}`).toBe(true);
    }
    expect(await env.count('enrollments')).toBe(before);
    // Learners and HR may not batch-enroll at all; no session is 401.
    expect((await batch(learner, [{ courseId, memberId: learner.id }])).statusCode).toBe(403);
    expect((await batch(await env.user(['HR Manager']), [{ courseId, memberId: learner.id }])).statusCode).toBe(403);
    expect((await batch(null, [{ courseId, memberId: learner.id }])).statusCode).toBe(401);
    expect(await env.count('enrollments')).toBe(before);
  });

  it('20 concurrent batches naming overlapping members leave one row per member and course', async () => {
    const admin = await env.user(['Moderator']);
    const members = await Promise.all(Array.from({ length: 12 }, () => env.user()));
    const c1 = await makeCourse(env);
    const c2 = await makeCourse(env);
    const before = { enrollments: await env.count('enrollments'), audit: await env.count('audit_log') };
    const requests = Array.from({ length: 20 }, (_, n) => {
      // Each batch names 8 members from a rotating window, in its own order, in both courses.
      const picked = Array.from({ length: 8 }, (_, k) => members[(n + k * 5) % members.length]!);
      if (n % 2) picked.reverse();
      return batch(
        admin,
        picked.flatMap((m, k) => [
          { courseId: c1.courseId, memberId: m.id },
          k % 2 ? { courseId: c2.courseId, memberEmail: m.email } : { courseId: c2.courseId, memberId: m.id },
        ]),
      );
    });
    const responses = await Promise.all(requests);
    for (const r of responses) expect(r.statusCode, r.body).toBe(200);
    const all = responses.flatMap((r) => json<Result>(r).items);
    expect(all.every((i) => i.status === 'created' || i.status === 'existing')).toBe(true);
    const rows = await env.ctx.db
      .selectFrom('enrollments')
      .select(['id', 'member_id', 'course_id'])
      .where('course_id', 'in', [c1.courseId, c2.courseId])
      .execute();
    const pairs = new Set(rows.map((r) => `${r.member_id}|${r.course_id}`));
    expect(pairs.size).toBe(rows.length);
    expect(rows.length).toBe(members.length * 2);
    // Every answer names the one row of its pair; exactly one answer per pair says created.
    const ids = new Set(rows.map((r) => r.id));
    expect(all.every((i) => i.enrollmentId && ids.has(i.enrollmentId))).toBe(true);
    expect(all.filter((i) => i.status === 'created')).toHaveLength(rows.length);
    expect(await env.count('enrollments')).toBe(before.enrollments + rows.length);
    expect(await env.count('audit_log')).toBe(before.audit + rows.length);
  });
});

describeDb('admin enrollment by API token (one record per request)', (env) => {
  it('enrolls by id or email with a Bearer token; unknown members, hidden and unmanaged courses are refused; races give one row', async () => {
    const creator = await env.user(['Course Creator']);
    const made = await env.req('POST', '/api/auth/tokens', { as: creator, body: { name: 'HR sync' } });
    expect(made.statusCode, made.body).toBe(201);
    const bearer = { authorization: `Bearer ${json<{ token: string }>(made).token}` };
    const enrollBy = (body: unknown) => env.req('POST', '/api/enrollments', { body, headers: bearer });
    const [a, b] = [await env.user(), await env.user()];
    const mine = await makeCourse(env, { instructorIds: [creator.id] });
    const myDraft = await makeCourse(env, { published: false, instructorIds: [creator.id] });
    const theirs = await makeCourse(env);
    const hidden = await makeCourse(env, { published: false });
    const before = { enrollments: await env.count('enrollments'), audit: await env.count('audit_log') };

    const byId = await enrollBy({ courseId: mine.courseId, memberId: a.id });
    expect(byId.statusCode, byId.body).toBe(201);
    expect(json(byId)).toMatchObject({ memberId: a.id, courseId: mine.courseId, source: 'admin', createdBy: creator.id, progress: 0 });
    const byEmail = await enrollBy({ courseId: mine.courseId, memberEmail: b.email.toUpperCase() });
    expect(byEmail.statusCode, byEmail.body).toBe(201);
    expect(await env.count('enrollments')).toBe(before.enrollments + 2);
    expect(await env.count('audit_log')).toBe(before.audit + 2);

    const refused: [unknown, number, string][] = [
      [{ courseId: mine.courseId, memberId: a.id }, 409, 'ALREADY_ENROLLED'],
      [{ courseId: mine.courseId, memberId: '0000000000000000000000zzzz' }, 400, 'VALIDATION_FAILED'],
      [{ courseId: mine.courseId, memberEmail: 'ghost@example.com' }, 400, 'VALIDATION_FAILED'],
      [{ courseId: theirs.courseId, memberId: a.id }, 403, 'FORBIDDEN'],
      [{ courseId: hidden.courseId, memberId: a.id }, 404, 'NOT_FOUND'],
      [{ courseId: myDraft.courseId, memberId: a.id }, 422, 'COURSE_NOT_PUBLISHED'],
      [{ courseId: '0000000000000000000000zzzz', memberId: a.id }, 404, 'NOT_FOUND'],
    ];
    for (const [body, status, code] of refused) {
      const res = await enrollBy(body);
      expect([res.statusCode, json(res).code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect(json(await enrollBy({ courseId: mine.courseId, memberId: a.id })).enrollmentId).toBe(json<{ id: string }>(byId).id);
    expect((await env.req('POST', '/api/enrollments', { body: { courseId: mine.courseId, memberId: a.id }, headers: { authorization: 'Bearer smt_nope' } })).statusCode).toBe(401);
    expect(await env.count('enrollments')).toBe(before.enrollments + 2);

    const c = await env.user();
    const auditBeforeRace = await env.count('audit_log');
    const race = await Promise.all(Array.from({ length: 20 }, () => enrollBy({ courseId: mine.courseId, memberId: c.id })));
    expect(race.map((r) => r.statusCode).sort()).toEqual([201, ...Array.from({ length: 19 }, () => 409)]);
    expect(await env.count('enrollments')).toBe(before.enrollments + 3);
    expect(await env.count('audit_log')).toBe(auditBeforeRace + 1);
  });
});
