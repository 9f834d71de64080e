import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import type { Onboarding } from '../../../contract/onboarding.ts';

type Emp = { id: string; userId: string | null };

describeDb('employee onboarding (on_onboarding_created)', (env) => {
  let hr: TestUser;
  let seq = 0;
  const ready = async () => {
    if (!hr) {
      hr = await env.user(['HR User']);
      // Departments are an HR Manager's to add; the HR User files people into them.
      const made = await env.req('POST', '/api/departments', { as: await env.user(['HR Manager']), body: { name: 'Ops' } });
      expect(made.statusCode).toBe(201);
    }
    // Each test sees only the mandatory courses it creates.
    await env.ctx.db.updateTable('courses').set({ mandatory: 0 }).execute();
    return hr;
  };
  async function employee(withUser = true): Promise<{ emp: Emp; user: TestUser | null }> {
    const user = withUser ? await env.user([]) : null;
    const res = await env.req('POST', '/api/employees', {
      as: hr,
      body: { employeeCode: `OB-${Date.now().toString(36)}-${++seq}`, fullName: `Newcomer ${seq}`, ...(user ? { userId: user.id } : {}), department: 'Ops' },
    });
    expect(res.statusCode).toBe(201);
    return { emp: json<Emp>(res), user };
  }

  it('enrolls the linked user in every published mandatory course, one assignment each, due onboarding date + 30 days', async () => {
    const as = await ready();
    const m1 = await makeCourse(env, { mandatory: true, title: 'A Safety' });
    const m2 = await makeCourse(env, { mandatory: true, title: 'B Privacy' });
    const draft = await makeCourse(env, { mandatory: true, published: false, title: 'C Draft' });
    const optional = await makeCourse(env, { title: 'D Optional' });
    const { emp, user } = await employee();
    const res = await env.req('POST', '/api/employee-onboardings', { as, body: { employeeId: emp.id, onboardingDate: '2030-03-01' } });
    expect(res.statusCode).toBe(201);
    const o = json<Onboarding>(res);
    expect(o.enrolled.map((e) => e.courseId)).toEqual([m1.courseId, m2.courseId]);
    expect(o.enrolled.every((e) => !e.reused)).toBe(true);
    expect(o.skipped).toEqual([{ courseId: draft.courseId, reason: 'course unpublished' }]);
    expect(o.assignments.map((a) => [a.courseId, a.dueDate])).toEqual([
      [m1.courseId, '2030-03-31'],
      [m2.courseId, '2030-03-31'],
    ]);
    const enrollments = await env.ctx.db.selectFrom('enrollments').select(['course_id', 'source', 'id']).where('member_id', '=', user!.id).orderBy('course_id').execute();
    expect(enrollments.map((e) => e.source)).toEqual(['onboarding', 'onboarding']);
    expect(enrollments.map((e) => e.course_id).sort()).toEqual([m1.courseId, m2.courseId].sort());
    expect(enrollments.some((e) => e.course_id === optional.courseId)).toBe(false);
    const assignments = await env.ctx.db.selectFrom('training_assignments').selectAll().where('member_id', '=', user!.id).execute();
    expect(assignments).toHaveLength(2);
    expect(assignments.every((a) => a.source === 'onboarding' && a.status === 'open' && a.onboarding_id === o.id)).toBe(true);
    // The stored onboarding shows the same result.
    const again = json<Onboarding>(await env.req('GET', `/api/employee-onboardings/${o.id}`, { as }));
    expect(again.enrolled).toEqual(o.enrolled);
    expect(again.skipped).toEqual(o.skipped);
    // The learner sees the due dates in their assignments.
    const mine = json<{ items: { courseId: string; status: string }[] }>(await env.req('GET', '/api/training-assignments', { as: user! }));
    expect(mine.items.map((a) => a.status)).toEqual(['open', 'open']);
  });

  it('uses defaultDueDays from LMS Settings', async () => {
    const as = await ready();
    await makeCourse(env, { mandatory: true });
    const admin = await env.user(['System Manager']);
    expect((await env.req('PATCH', '/api/settings', { as: admin, body: { defaultDueDays: 10 } })).statusCode).toBe(200);
    try {
      const { emp } = await employee();
      const o = json<Onboarding>(await env.req('POST', '/api/employee-onboardings', { as, body: { employeeId: emp.id, onboardingDate: '2030-12-25' } }));
      expect(o.assignments.map((a) => a.dueDate)).toEqual(['2031-01-04']);
    } finally {
      await env.req('PATCH', '/api/settings', { as: admin, body: { defaultDueDays: 30 } });
    }
  });

  it('an employee without a user: onboarding is recorded, every course skipped with the reason, nothing enrolled', async () => {
    const as = await ready();
    const m = await makeCourse(env, { mandatory: true });
    const { emp } = await employee(false);
    const before = { enrollments: await env.count('enrollments'), assignments: await env.count('training_assignments') };
    const res = await env.req('POST', '/api/employee-onboardings', { as, body: { employeeId: emp.id } });
    expect(res.statusCode).toBe(201);
    const o = json<Onboarding>(res);
    expect(o.enrolled).toEqual([]);
    expect(o.assignments).toEqual([]);
    expect(o.skipped).toEqual([{ courseId: m.courseId, reason: 'no linked user' }]);
    expect(o.onboardingDate).toBe(new Date().toISOString().slice(0, 10));
    expect(await env.count('enrollments')).toBe(before.enrollments);
    expect(await env.count('training_assignments')).toBe(before.assignments);
  });

  it('reuses an existing enrollment, skips a course already completed, and a repeated onboarding makes no duplicates', async () => {
    const as = await ready();
    const started = await makeCourse(env, { mandatory: true, title: 'A started', lessons: 2 });
    const done = await makeCourse(env, { mandatory: true, title: 'B done', lessons: 1 });
    const { emp, user } = await employee();
    // The learner (now LMS Student) already enrolled in both and finished one.
    for (const c of [started, done]) expect((await env.req('POST', `/api/courses/${c.courseId}/enroll`, { as: user! })).statusCode).toBe(201);
    expect((await env.req('POST', `/api/lessons/${done.lessonIds[0]}/complete`, { as: user! })).statusCode).toBe(200);
    const existing = await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', user!.id).where('course_id', '=', started.courseId).executeTakeFirstOrThrow();

    const first = json<Onboarding>(await env.req('POST', '/api/employee-onboardings', { as, body: { employeeId: emp.id, onboardingDate: '2030-01-01' } }));
    expect(first.enrolled).toEqual([{ courseId: started.courseId, enrollmentId: existing.id, reused: true }]);
    expect(first.skipped).toEqual([{ courseId: done.courseId, reason: 'already completed' }]);
    expect(first.assignments).toHaveLength(1);

    const counts = async () => ({
      enrollments: await env.count('enrollments'),
      assignments: await env.count('training_assignments'),
    });
    const before = await counts();
    const second = await env.req('POST', '/api/employee-onboardings', { as, body: { employeeId: emp.id, onboardingDate: '2030-02-01' } });
    expect(second.statusCode).toBe(201);
    const o2 = json<Onboarding>(second);
    expect(o2.assignments).toEqual([expect.objectContaining({ id: first.assignments[0]!.id, reused: true, dueDate: '2030-01-31' })]);
    expect(await counts()).toEqual(before);
    // Parallel onboardings of another employee: one enrollment and one open assignment per course.
    const other = await employee();
    const results = await Promise.all(Array.from({ length: 8 }, () => env.req('POST', '/api/employee-onboardings', { as, body: { employeeId: other.emp.id } })));
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    const rows = await env.ctx.db.selectFrom('training_assignments').select('course_id').where('member_id', '=', other.user!.id).execute();
    expect(rows.map((r) => r.course_id).sort()).toEqual([started.courseId, done.courseId].sort());
    const enr = await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', other.user!.id).execute();
    expect(enr).toHaveLength(2);
  });

  it('a failure mid-onboarding leaves no onboarding, enrollment, assignment or audit entry behind', async () => {
    const as = await ready();
    await makeCourse(env, { mandatory: true });
    await makeCourse(env, { mandatory: true });
    const { emp, user } = await employee();
    let armed = true;
    // A later subscriber fails after the integration enrolled and assigned: all of it must roll back.
    env.ctx.hooks.on('onboarding.created', async () => {
      if (armed) throw new Error('boom after enrolling');
    });
    const before = {
      onboardings: await env.count('employee_onboardings'),
      enrollments: await env.count('enrollments'),
      assignments: await env.count('training_assignments'),
      audit: await env.count('audit_log'),
    };
    try {
      const res = await env.req('POST', '/api/employee-onboardings', { as, body: { employeeId: emp.id } });
      expect(res.statusCode).toBe(500);
    } finally {
      armed = false;
    }
    expect({
      onboardings: await env.count('employee_onboardings'),
      enrollments: await env.count('enrollments'),
      assignments: await env.count('training_assignments'),
      audit: await env.count('audit_log'),
    }).toEqual(before);
    const mine = await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', user!.id).execute();
    expect(mine).toEqual([]);
  });

  it('refuses unknown employees (404), leavers (422) and bad input, writing nothing', async () => {
    const as = await ready();
    await makeCourse(env, { mandatory: true });
    const { emp } = await employee();
    const leaver = await employee();
    expect((await env.req('PATCH', `/api/employees/${leaver.emp.id}`, { as, body: { status: 'left' } })).statusCode).toBe(200);
    const before = { onboardings: await env.count('employee_onboardings'), enrollments: await env.count('enrollments') };
    const cases: [unknown, number, string][] = [
      [{ employeeId: '0000000000000000000000zzzz' }, 404, 'NOT_FOUND'],
      [{ employeeId: leaver.emp.id }, 422, 'EMPLOYEE_NOT_ACTIVE'],
      [{}, 400, 'VALIDATION_FAILED'],
      [{ employeeId: 7 }, 400, 'VALIDATION_FAILED'],
      [{ employeeId: emp.id, extra: true }, 400, 'VALIDATION_FAILED'],
      [{ employeeId: emp.id, onboardingDate: '01/03/2030' }, 400, 'VALIDATION_FAILED'],
      [{ employeeId: emp.id, activities: [{ title: 'Laptop', dueOffsetDays: -3 }] }, 400, 'VALIDATION_FAILED'],
      [{ employeeId: emp.id, activities: [{ title: 'Badge', ownerId: '0000000000000000000000zzzz' }] }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await env.req('POST', '/api/employee-onboardings', { as, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(json(res).code).toBe(code);
    }
    expect(await env.count('employee_onboardings')).toBe(before.onboardings);
    expect(await env.count('enrollments')).toBe(before.enrollments);
    const learner = await env.user(['LMS Student']);
    expect((await env.req('POST', '/api/employee-onboardings', { as: learner, body: { employeeId: emp.id } })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/employee-onboardings', { as: learner })).statusCode).toBe(403);
  });

  it('activities carry owners and due dates; PATCH updates status', async () => {
    const as = await ready();
    const { emp } = await employee();
    const res = await env.req('POST', '/api/employee-onboardings', {
      as,
      body: { employeeId: emp.id, onboardingDate: '2030-05-01', activities: [{ title: 'Laptop', ownerId: as.id, dueOffsetDays: 2 }] },
    });
    expect(res.statusCode).toBe(201);
    const o = json<Onboarding>(res);
    expect(o.activities).toEqual([{ title: 'Laptop', ownerId: as.id, dueOffsetDays: 2, dueDate: '2030-05-03', done: false }]);
    const patched = await env.req('PATCH', `/api/employee-onboardings/${o.id}`, { as, body: { status: 'completed' } });
    expect(json<Onboarding>(patched).status).toBe('completed');
    const list = json<{ items: Onboarding[] }>(await env.req('GET', `/api/employee-onboardings?employeeId=${emp.id}`, { as }));
    expect(list.items.map((x) => x.id)).toEqual([o.id]);
  });

  it('onboards an import-sized batch in one transaction (all or nothing)', async () => {
    const as = await ready();
    const m = await makeCourse(env, { mandatory: true });
    const people = [];
    for (let i = 0; i < 12; i++) people.push(await employee(i % 4 !== 0));
    const res = await env.req('POST', '/api/employee-onboardings/batch', {
      as,
      body: { items: people.map((p, i) => ({ employeeId: p.emp.id, onboardingDate: i % 2 ? '2030-01-01' : '2030-06-01' })) },
    });
    expect(res.statusCode).toBe(201);
    const items = json<{ items: Onboarding[] }>(res).items;
    expect(items.filter((o) => o.enrolled.length === 1)).toHaveLength(9);
    expect(items.filter((o) => o.skipped.some((s) => s.reason === 'no linked user'))).toHaveLength(3);
    const rows = await env.ctx.db.selectFrom('training_assignments').select(['due_date', 'onboarding_id']).where('course_id', '=', m.courseId).execute();
    expect(rows).toHaveLength(9);
    expect(new Set(rows.map((r) => r.due_date))).toEqual(new Set(['2030-01-31', '2030-07-01']));
    expect(rows.every((r) => items.some((o) => o.id === r.onboarding_id))).toBe(true);
    // One bad item: nothing of the batch is written.
    const before = await env.count('employee_onboardings');
    const fresh = await employee();
    const bad = await env.req('POST', '/api/employee-onboardings/batch', {
      as,
      body: { items: [{ employeeId: fresh.emp.id }, { employeeId: '0000000000000000000000zzzz' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(await env.count('employee_onboardings')).toBe(before);
    expect(await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', fresh.user!.id).execute()).toEqual([]);
  });
});
