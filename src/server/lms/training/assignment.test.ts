import { describe, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { progressSql } from '../enrollments/index.ts';

type A = { id: string; memberId: string; courseId: string; enrollmentId: string | null; dueDate: string; status: string; source: string };
type Result = { created: number; reused: number; skipped: { memberId: string; reason: string }[]; assignments: A[] };

const FUTURE = '2099-06-30';

describeDb('LMS training assignments', (env) => {
  let staff: TestUser;
  let hr: TestUser;
  let seq = 0;
  const ready = async () => {
    staff ??= await env.user(['Moderator']);
    hr ??= await env.user(['HR Manager']);
    return staff;
  };
  /** An employee (through the HR API) with a linked learner. */
  async function employee(department: string, designation = 'Engineer'): Promise<TestUser> {
    const user = await env.user([]);
    const res = await env.req('POST', '/api/employees', {
      as: hr,
      body: { employeeCode: `TA-${Date.now().toString(36)}-${++seq}`, fullName: user.fullName, userId: user.id, department, designation },
    });
    expect(res.statusCode).toBe(201);
    return user;
  }

  it('assigns a course to people: ensures the enrollment (source assignment), one open assignment each; again reuses them', async () => {
    const as = await ready();
    const { courseId } = await makeCourse(env);
    const a = await env.user();
    const b = await env.user();
    const res = await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, memberIds: [a.id, b.id, a.id] } });
    expect(res.statusCode).toBe(201);
    const r = json<Result>(res);
    expect(r.created).toBe(2);
    expect(r.reused).toBe(0);
    expect(r.assignments.map((x) => x.memberId).sort()).toEqual([a.id, b.id].sort());
    expect(r.assignments.every((x) => x.status === 'open' && x.source === 'manual' && x.dueDate === FUTURE && x.enrollmentId)).toBe(true);
    const enr = await env.ctx.db.selectFrom('enrollments').select(['id', 'source']).where('course_id', '=', courseId).execute();
    expect(enr.map((e) => e.source)).toEqual(['assignment', 'assignment']);
    const audit = await env.ctx.db.selectFrom('audit_log').select('entity').where('entity', '=', 'training_assignment').where('entity_id', 'in', r.assignments.map((x) => x.id)).execute();
    expect(audit).toHaveLength(2);

    const before = { a: await env.count('training_assignments'), e: await env.count('enrollments') };
    const again = json<Result>(await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, memberIds: [a.id, b.id] } }));
    expect(again).toMatchObject({ created: 0, reused: 2 });
    expect(again.assignments.map((x) => x.id).sort()).toEqual(r.assignments.map((x) => x.id).sort());
    expect({ a: await env.count('training_assignments'), e: await env.count('enrollments') }).toEqual(before);
  });

  it('targets a department or designation by name, with a preview that writes nothing', async () => {
    const as = await ready();
    const dept = `Plant ${Date.now().toString(36)}`;
    const people = [await employee(dept, 'Welder'), await employee(dept, 'Welder'), await employee(dept, 'Driver')];
    await employee(`Elsewhere ${seq}`, 'Welder');
    const { courseId } = await makeCourse(env);
    const before = { a: await env.count('training_assignments'), e: await env.count('enrollments') };
    const preview = await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, department: dept, preview: true } });
    expect(preview.statusCode).toBe(200);
    const p = json<{ count: number; people: { memberId: string; state: string }[] }>(preview);
    expect(p.count).toBe(3);
    expect(p.people.map((x) => x.memberId).sort()).toEqual(people.map((x) => x.id).sort());
    expect(p.people.every((x) => x.state === 'new')).toBe(true);
    expect({ a: await env.count('training_assignments'), e: await env.count('enrollments') }).toEqual(before);

    const both = json<{ count: number }>(
      await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, department: dept, designation: 'Welder', preview: true } }),
    );
    expect(both.count).toBe(2);

    // An employee of the department without a login gets nothing, and the answer names them.
    const noLogin = await env.req('POST', '/api/employees', { as: hr, body: { employeeCode: `TA-nologin-${++seq}`, fullName: 'Mateo Rossi', department: dept } });
    expect(noLogin.statusCode).toBe(201);
    const res = await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, department: dept } });
    expect(res.statusCode).toBe(201);
    expect(json<Result>(res).created).toBe(3);
    expect(json<{ withoutLogin: { employeeId: string; fullName: string }[] }>(res).withoutLogin).toEqual([
      { employeeId: json<{ id: string }>(noLogin).id, fullName: 'Mateo Rossi' },
    ]);
    const list = json<{ items: A[]; total: number }>(
      await env.req('GET', `/api/training-assignments?courseId=${courseId}&department=${encodeURIComponent(dept)}&withTotal=true`, { as }),
    );
    expect(list.total).toBe(3);
    const unknown = await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, department: 'No such department' } });
    expect(unknown.statusCode).toBe(400);
    expect(json<{ errors: { path: string }[] }>(unknown).errors[0]!.path).toBe('department');
  });

  it('completing the course completes the open assignment in the same transaction; overdue is derived from the date', async () => {
    const as = await ready();
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 2 });
    const learner = await env.user();
    const late = await env.user();
    const r = json<Result>(await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, memberIds: [learner.id, late.id] } }));
    const lateId = r.assignments.find((x) => x.memberId === late.id)!.id;
    await env.ctx.db.updateTable('training_assignments').set({ due_date: '2020-01-01' }).where('id', '=', lateId).execute();
    expect(json<A>(await env.req('GET', `/api/training-assignments/${lateId}`, { as })).status).toBe('overdue');

    for (const l of lessonIds) expect((await env.req('POST', `/api/lessons/${l}/complete`, { as: learner })).statusCode).toBe(200);
    const mine = json<{ items: A[] }>(await env.req('GET', '/api/training-assignments', { as: learner }));
    expect(mine.items.map((x) => [x.courseId, x.status])).toEqual([[courseId, 'completed']]);

    const overdue = json<{ items: A[] }>(await env.req('GET', `/api/training-assignments?courseId=${courseId}&status=overdue`, { as }));
    expect(overdue.items.map((x) => x.id)).toEqual([lateId]);
    const completed = json<{ items: A[] }>(await env.req('GET', `/api/training-assignments?courseId=${courseId}&status=completed`, { as }));
    expect(completed.items.map((x) => x.memberId)).toEqual([learner.id]);
    const open = json<{ items: A[] }>(await env.req('GET', `/api/training-assignments?courseId=${courseId}&status=open`, { as }));
    expect(open.items).toEqual([]);
    const range = json<{ items: A[] }>(await env.req('GET', `/api/training-assignments?courseId=${courseId}&dueFrom=2019-01-01&dueTo=2021-01-01`, { as }));
    expect(range.items.map((x) => x.id)).toEqual([lateId]);

    // A member who already completed the course is skipped; a new open assignment can follow a completed one.
    const again = json<Result>(await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, memberIds: [learner.id] } }));
    expect(again.skipped).toEqual([{ memberId: learner.id, reason: 'already completed' }]);
    expect(again.created).toBe(0);
  });

  it('a lesson removal that completes many members at once closes each open assignment once, with an audit entry each', async () => {
    const as = await ready();
    const { courseId, lessonIds } = await makeCourse(env, { lessons: 2, enableCertification: true });
    const members = await Promise.all([env.user(), env.user(), env.user()]);
    const r = json<Result>(await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, memberIds: members.map((m) => m.id) } }));
    expect(r.created).toBe(3);
    for (const m of members) expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: m })).statusCode).toBe(200);
    // An outsider at 50% without an assignment: completes too, but has nothing to close.
    const outsider = await env.user();
    expect((await env.req('POST', `/api/courses/${courseId}/enroll`, { as: outsider })).statusCode).toBe(201);
    expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: outsider })).statusCode).toBe(200);

    expect((await env.req('DELETE', `/api/lessons/${lessonIds[1]}`, { as })).statusCode).toBe(204);

    const rows = await env.ctx.db.selectFrom('training_assignments').select(['id', 'member_id', 'status', 'completed_at']).where('course_id', '=', courseId).execute();
    expect(rows.map((x) => x.status)).toEqual(['completed', 'completed', 'completed']);
    const enrollments = await env.ctx.db.selectFrom('enrollments').select(['member_id', progressSql().as('progress'), 'completed_at']).where('course_id', '=', courseId).execute();
    expect(enrollments.map((e) => e.progress)).toEqual([100, 100, 100, 100]);
    // The assignment's completion date is the enrollment's.
    for (const a of rows) expect(a.completed_at).toBe(enrollments.find((e) => e.member_id === a.member_id)!.completed_at);
    const audits = await env.ctx.db
      .selectFrom('audit_log')
      .select(['entity_id'])
      .where('entity', '=', 'training_assignment')
      .where('action', '=', 'complete')
      .where(
        'entity_id',
        'in',
        rows.map((x) => x.id),
      )
      .execute();
    expect(audits).toHaveLength(3);
    // Certificates (auto mode) for all four completed members.
    expect(await env.ctx.db.selectFrom('certificates').select('member_id').where('course_id', '=', courseId).execute()).toHaveLength(4);
  });

  it('30 parallel assignments of one course to the same people make one open assignment per member', async () => {
    const as = await ready();
    const { courseId } = await makeCourse(env);
    const people = [await env.user(), await env.user(), await env.user()];
    const results = await Promise.all(
      Array.from({ length: 30 }, () => env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, memberIds: people.map((p) => p.id) } })),
    );
    expect(results.map((r) => r.statusCode).every((s) => s === 201)).toBe(true);
    const rows = await env.ctx.db.selectFrom('training_assignments').select('member_id').where('course_id', '=', courseId).execute();
    expect(rows).toHaveLength(3);
    const enr = await env.ctx.db.selectFrom('enrollments').select('id').where('course_id', '=', courseId).execute();
    expect(enr).toHaveLength(3);
  });

  it('refuses bad input, unknown ids and past due dates, writing nothing', async () => {
    const as = await ready();
    const { courseId } = await makeCourse(env);
    const learner = await env.user();
    const before = { a: await env.count('training_assignments'), e: await env.count('enrollments') };
    const cases: [unknown, number, string][] = [
      [{ courseId, dueDate: FUTURE }, 400, 'VALIDATION_FAILED'],
      [{ courseId, memberIds: [learner.id] }, 400, 'VALIDATION_FAILED'],
      [{ dueDate: FUTURE, memberIds: [learner.id] }, 400, 'VALIDATION_FAILED'],
      [{ courseId, dueDate: '2099-13-01', memberIds: [learner.id] }, 400, 'VALIDATION_FAILED'],
      [{ courseId, dueDate: '2020-01-01', memberIds: [learner.id] }, 400, 'VALIDATION_FAILED'],
      [{ courseId, dueDate: FUTURE, memberIds: learner.id }, 400, 'VALIDATION_FAILED'],
      [{ courseId, dueDate: FUTURE, memberIds: [] }, 400, 'VALIDATION_FAILED'],
      [{ courseId, dueDate: FUTURE, memberIds: [learner.id], extra: 1 }, 400, 'VALIDATION_FAILED'],
      [{ courseId, dueDate: FUTURE, memberIds: [learner.id, '0000000000000000000000zzzz'] }, 400, 'VALIDATION_FAILED'],
      [{ courseId: '0000000000000000000000zzzz', dueDate: FUTURE, memberIds: [learner.id] }, 404, 'NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const res = await env.req('POST', '/api/training-assignments', { as, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(json(res).code).toBe(code);
    }
    expect({ a: await env.count('training_assignments'), e: await env.count('enrollments') }).toEqual(before);
    expect((await env.req('GET', '/api/training-assignments?status=late', { as })).statusCode).toBe(400);
    expect((await env.req('GET', '/api/training-assignments?dueFrom=2030-01-02&dueTo=2030-01-01', { as })).statusCode).toBe(400);
  });

  it("learners may not assign (403), see only their own assignments, and get 404 for another member's", async () => {
    const as = await ready();
    const { courseId } = await makeCourse(env);
    const mine = await env.user();
    const other = await env.user();
    const r = json<Result>(await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, memberIds: [mine.id, other.id] } }));
    const otherId = r.assignments.find((x) => x.memberId === other.id)!.id;
    const before = await env.count('training_assignments');
    expect((await env.req('POST', '/api/training-assignments', { as: mine, body: { courseId, dueDate: FUTURE, memberIds: [mine.id] } })).statusCode).toBe(403);
    expect(await env.count('training_assignments')).toBe(before);
    const list = json<{ items: A[] }>(await env.req('GET', `/api/training-assignments?memberId=${other.id}`, { as: mine }));
    expect(list.items).toEqual([]);
    expect((await env.req('GET', `/api/training-assignments/${otherId}`, { as: mine })).statusCode).toBe(404);
    const creator = await env.user(['Course Creator']);
    expect((await env.req('POST', '/api/training-assignments', { as: creator, body: { courseId, dueDate: FUTURE, memberIds: [mine.id] } })).statusCode).toBe(403);
  });

  describe('moving the due date (PATCH /api/training-assignments/:id)', () => {
    const LATER = '2099-09-30';
    /** One open assignment of a new course, and a way to read what is stored about it. */
    async function openAssignment(): Promise<{ id: string; learner: TestUser; lessonIds: string[]; stored: () => Promise<unknown> }> {
      const as = await ready();
      const { courseId, lessonIds } = await makeCourse(env);
      const learner = await env.user();
      const r = json<Result>(await env.req('POST', '/api/training-assignments', { as, body: { courseId, dueDate: FUTURE, memberIds: [learner.id] } }));
      const id = r.assignments[0]!.id;
      const stored = async () => ({
        row: await env.ctx.db.selectFrom('training_assignments').select(['due_date', 'status', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow(),
        audit: await env.ctx.db.selectFrom('audit_log').select('id').where('entity', '=', 'training_assignment').where('entity_id', '=', id).execute(),
      });
      return { id, learner, lessonIds, stored };
    }
    const auditOf = async (id: string) =>
      (
        await env.ctx.db
          .selectFrom('audit_log')
          .select(['before_json', 'after_json', 'actor_id'])
          .where('entity', '=', 'training_assignment')
          .where('entity_id', '=', id)
          .where('action', '=', 'update')
          .orderBy('id')
          .execute()
      ).map((a) => ({ before: JSON.parse(a.before_json!) as { dueDate: string }, after: JSON.parse(a.after_json!) as { dueDate: string }, actor: a.actor_id }));

    it('HR extends an overdue assignment: it is open again, the audit log keeps both dates; the same date again changes nothing', async () => {
      const { id, learner } = await openAssignment();
      await env.ctx.db.updateTable('training_assignments').set({ due_date: '2020-01-31' }).where('id', '=', id).execute();
      expect(json<A>(await env.req('GET', `/api/training-assignments/${id}`, { as: learner })).status).toBe('overdue');
      const res = await env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: LATER } });
      expect(res.statusCode).toBe(200);
      expect(json<A>(res)).toMatchObject({ id, dueDate: LATER, status: 'open' });
      // The record reads with names: the desk and the audit log show them.
      const named = json<A & { memberName: string; courseTitle: string; progress: number }>(await env.req('GET', `/api/training-assignments/${id}`, { as: learner }));
      const course = await env.ctx.db.selectFrom('courses').select('title').where('id', '=', named.courseId).executeTakeFirstOrThrow();
      expect(named).toMatchObject({ dueDate: LATER, memberName: learner.fullName, courseTitle: course.title, progress: 0 });
      expect(await auditOf(id)).toEqual([{ before: { dueDate: '2020-01-31' }, after: { dueDate: LATER }, actor: hr.id }]);
      const again = await env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: LATER } });
      expect(again.statusCode).toBe(200);
      expect(await auditOf(id)).toHaveLength(1);
    });

    it('refuses bad input, past dates, unknown ids and people who may not assign, writing nothing', async () => {
      const { id, learner, stored } = await openAssignment();
      const before = await stored();
      const cases: [string, unknown, TestUser, number, string][] = [
        [id, {}, hr, 400, 'VALIDATION_FAILED'],
        [id, { dueDate: 20991231 }, hr, 400, 'VALIDATION_FAILED'],
        [id, { dueDate: '2099-02-30' }, hr, 400, 'VALIDATION_FAILED'],
        [id, { dueDate: `${LATER}T00:00:00Z` }, hr, 400, 'VALIDATION_FAILED'],
        [id, { dueDate: '2020-01-01' }, hr, 400, 'VALIDATION_FAILED'],
        [id, { dueDate: LATER, status: 'completed' }, hr, 400, 'VALIDATION_FAILED'],
        [id, { dueDate: LATER, courseId: id }, hr, 400, 'VALIDATION_FAILED'],
        [id, { dueDate: 'x'.repeat(100_000) }, hr, 400, 'VALIDATION_FAILED'],
        [id, { dueDate: "2099-01-01'; drop table training_assignments; --" }, hr, 400, 'VALIDATION_FAILED'],
        ['not-an-id', { dueDate: LATER }, hr, 400, 'VALIDATION_FAILED'],
        ['0000000000000000000000zzzz', { dueDate: LATER }, hr, 404, 'NOT_FOUND'],
        [id, { dueDate: LATER }, learner, 403, 'FORBIDDEN'],
        [id, { dueDate: LATER }, await env.user(['Course Creator']), 403, 'FORBIDDEN'],
      ];
      for (const [target, body, as, status, code] of cases) {
        const res = await env.req('PATCH', `/api/training-assignments/${target}`, { as, body });
        expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(status);
        expect(json(res).code).toBe(code);
      }
      const past = json<{ errors: { path: string; message: string }[] }>(
        await env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: '2020-01-01' } }),
      );
      expect(past.errors).toEqual([{ path: 'dueDate', message: 'The due date is in the past.' }]);
      expect(await stored()).toEqual(before);
    });

    it('a completed assignment answers 409 ASSIGNMENT_COMPLETED and keeps its date', async () => {
      const { id, learner, lessonIds, stored } = await openAssignment();
      for (const l of lessonIds) expect((await env.req('POST', `/api/lessons/${l}/complete`, { as: learner })).statusCode).toBe(200);
      const before = await stored();
      expect((before as { row: { status: string } }).row.status).toBe('completed');
      const res = await env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate: LATER } });
      expect(res.statusCode).toBe(409);
      expect(json(res).code).toBe('ASSIGNMENT_COMPLETED');
      expect(await stored()).toEqual(before);
    });

    it('parallel moves each record the date they replaced: the audit entries chain to the stored date', async () => {
      const { id } = await openAssignment();
      const dates = Array.from({ length: 8 }, (_, i) => `2099-10-${String(i + 10)}`);
      const results = await Promise.all(dates.map((dueDate) => env.req('PATCH', `/api/training-assignments/${id}`, { as: hr, body: { dueDate } })));
      expect(results.map((r) => r.statusCode)).toEqual(dates.map(() => 200));
      const entries = await auditOf(id);
      expect(entries).toHaveLength(dates.length);
      expect(entries[0]!.before.dueDate).toBe(FUTURE);
      for (let i = 1; i < entries.length; i++) expect(entries[i]!.before.dueDate).toBe(entries[i - 1]!.after.dueDate);
      expect(entries.map((e) => e.after.dueDate).sort()).toEqual(dates);
      const row = await env.ctx.db.selectFrom('training_assignments').select('due_date').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.due_date).toBe(entries.at(-1)!.after.dueDate);
    });
  });
});
