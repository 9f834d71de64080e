import { expect, it } from 'vitest';
import { describeDb } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { assertHealthyAfterRestart, fetchAs, killHard, startServerProcess, waitUntil } from '../../../../test/helpers/server-process.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';

/** Mandatory courses: each onboarding writes an enrollment and an assignment (and their audit entries) per course. */
const COURSES = 6;
const EMPLOYEES = 150;

describeDb('onboardings cut off by a killed process', (env) => {
  it('kill -9 while onboardings commit: each employee has the onboarding with all its enrollments, assignments and audit entries, or none of it', async () => {
    const hr = await env.user(['HR Manager']);
    await env.ctx.db.updateTable('courses').set({ mandatory: 0 }).execute();
    const courses = await Promise.all(Array.from({ length: COURSES }, (_, i) => makeCourse(env, { mandatory: true, title: `Mandatory ${i}` })));
    const courseIds = courses.map((c) => c.courseId);
    const now = nowIso();
    const users = Array.from({ length: EMPLOYEES }, (_, i) => ({
      id: newId(),
      email: `crash-onboarding-${i}-${newId().slice(-8).toLowerCase()}@example.test`,
      full_name: `Newcomer ${i}`,
      password_hash: null,
      enabled: 1,
      created_at: now,
      updated_at: now,
    }));
    await env.ctx.db.insertInto('users').values(users).execute();
    const employees = users.map((u, i) => ({
      id: newId(),
      employee_code: `CRASH-OB-${i}`,
      full_name: u.full_name,
      user_id: u.id,
      department_id: null,
      designation_id: null,
      reports_to_id: null,
      date_of_joining: null,
      status: 'active' as const,
      left_on: null,
      created_by: hr.id,
      created_at: now,
      updated_at: now,
    }));
    await env.ctx.db.insertInto('employees').values(employees).execute();
    const before = { enrollments: await env.count('enrollments'), assignments: await env.count('training_assignments') };

    const { child, url } = await startServerProcess(env);
    try {
      // Every onboarding is its own request, all in flight at once.
      const requests = employees.map((e) =>
        fetchAs(url, hr, 'POST', '/api/employee-onboardings', { employeeId: e.id, onboardingDate: '2031-05-01' }).then(
          (r) => r.status,
          () => 'cut off',
        ),
      );
      await waitUntil('an onboarding commit', async () => (await env.count('employee_onboardings')) > 0);
      await killHard(child);
      const answers = await Promise.all(requests);
      const committed = await env.count('employee_onboardings');
      expect(committed, 'every onboarding finished before the process could be killed').toBeLessThan(EMPLOYEES);
      // A request answered 201 was committed: it is there.
      expect(answers.filter((a) => a === 201).length).toBeLessThanOrEqual(committed);
      expect(answers.every((a) => a === 201 || a === 'cut off'), JSON.stringify(answers)).toBe(true);
    } finally {
      await killHard(child);
    }

    const db = env.ctx.db;
    const onboardings = await db.selectFrom('employee_onboardings').select(['id', 'employee_id', 'result_json']).execute();
    const onboardingOf = new Map(onboardings.map((o) => [o.employee_id, o]));
    const enrollments = await db.selectFrom('enrollments').select(['id', 'member_id', 'course_id', 'source']).where('course_id', 'in', courseIds).execute();
    const assignments = await db
      .selectFrom('training_assignments')
      .select(['id', 'member_id', 'course_id', 'onboarding_id', 'enrollment_id'])
      .where('course_id', 'in', courseIds)
      .execute();
    const audited = new Set(
      (
        await db
          .selectFrom('audit_log')
          .select(['entity', 'entity_id'])
          .where('entity', 'in', ['employee_onboarding', 'enrollment', 'training_assignment'])
          .execute()
      ).map((a) => `${a.entity}:${a.entity_id}`),
    );
    let whole = 0;
    for (const [i, e] of employees.entries()) {
      const o = onboardingOf.get(e.id);
      const mine = enrollments.filter((x) => x.member_id === users[i]!.id);
      const theirs = assignments.filter((x) => x.member_id === users[i]!.id);
      if (!o) {
        expect(mine, `employee ${i}: enrollments without their onboarding`).toEqual([]);
        expect(theirs, `employee ${i}: assignments without their onboarding`).toEqual([]);
        continue;
      }
      whole++;
      expect(mine.map((x) => x.course_id).sort(), `employee ${i}: an onboarding without all its enrollments`).toEqual([...courseIds].sort());
      expect(mine.every((x) => x.source === 'onboarding')).toBe(true);
      expect(theirs.map((x) => x.course_id).sort(), `employee ${i}: an onboarding without all its assignments`).toEqual([...courseIds].sort());
      expect(theirs.every((x) => x.onboarding_id === o.id)).toBe(true);
      expect(new Set(theirs.map((x) => x.enrollment_id))).toEqual(new Set(mine.map((x) => x.id)));
      // What the onboarding says it did is what is there.
      const result = JSON.parse(o.result_json) as { enrolled: { enrollmentId: string }[]; assignments: { id: string }[] };
      expect(new Set(result.enrolled.map((x) => x.enrollmentId))).toEqual(new Set(mine.map((x) => x.id)));
      expect(new Set(result.assignments.map((x) => x.id))).toEqual(new Set(theirs.map((x) => x.id)));
      // Each write has its audit entry.
      expect(audited.has(`employee_onboarding:${o.id}`), `employee ${i}: onboarding without its audit entry`).toBe(true);
      for (const x of mine) expect(audited.has(`enrollment:${x.id}`), `employee ${i}: enrollment without its audit entry`).toBe(true);
      for (const x of theirs) expect(audited.has(`training_assignment:${x.id}`), `employee ${i}: assignment without its audit entry`).toBe(true);
    }
    expect(whole).toBeGreaterThan(0);
    expect(await env.count('enrollments')).toBe(before.enrollments + whole * COURSES);
    expect(await env.count('training_assignments')).toBe(before.assignments + whole * COURSES);

    await assertHealthyAfterRestart(env);
  }, 120_000);
});
