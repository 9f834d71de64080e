import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';

type Row = { courseId: string; title: string; expected: number; completed: number; inProgress: number; notStarted: number; overdue: number; completionRate: number };

describeDb('mandatory training compliance statistics', (env) => {
  let seq = 0;

  it('counts expected / completed / in progress / not started / overdue per published mandatory course, filterable by department', async () => {
    const hr = await env.user(['HR Manager']);
    const moderator = await env.user(['Moderator']);
    const safety = await makeCourse(env, { mandatory: true, title: 'A Safety', lessons: 2 });
    const privacy = await makeCourse(env, { mandatory: true, title: 'B Privacy', lessons: 2 });
    await makeCourse(env, { mandatory: true, published: false, title: 'C Draft' });
    await makeCourse(env, { title: 'D Optional' });
    async function employee(department: string, opts: { user?: boolean; status?: 'active' | 'left' } = {}): Promise<TestUser | null> {
      const user = opts.user === false ? null : await env.user([]);
      const res = await env.req('POST', '/api/employees', {
        as: hr,
        body: { employeeCode: `MC-${++seq}`, fullName: `Person ${seq}`, department, ...(user ? { userId: user.id } : {}), ...(opts.status ? { status: opts.status } : {}) },
      });
      expect(res.statusCode).toBe(201);
      return user;
    }
    const sales = [await employee('Sales'), await employee('Sales'), await employee('Sales')];
    const ops = [await employee('Ops'), await employee('Ops')];
    await employee('Sales', { user: false }); // not expected: no user
    const leaver = await employee('Sales', { status: 'left' }); // not expected: left
    const outsider = await env.user(); // not an employee at all

    // Sales 0 completes Safety; Sales 1 is half-way; Ops 0 completes both; leaver and outsider complete Safety (not counted).
    const complete = async (u: TestUser, c: { courseId: string; lessonIds: string[] }, lessons: number) => {
      await env.req('POST', `/api/courses/${c.courseId}/enroll`, { as: u });
      for (const l of c.lessonIds.slice(0, lessons)) expect((await env.req('POST', `/api/lessons/${l}/complete`, { as: u })).statusCode).toBe(200);
    };
    await complete(sales[0]!, safety, 2);
    await complete(sales[1]!, safety, 1);
    await complete(ops[0]!, safety, 2);
    await complete(ops[0]!, privacy, 2);
    await complete(leaver!, safety, 2);
    await complete(outsider, safety, 2);
    // Sales 2 is enrolled at 0% (not started) with an overdue assignment for Privacy.
    const assign = await env.req('POST', '/api/training-assignments', { as: hr, body: { courseId: privacy.courseId, dueDate: '2099-01-01', memberIds: [sales[2]!.id, ops[1]!.id] } });
    expect(assign.statusCode).toBe(201);
    await env.ctx.db.updateTable('training_assignments').set({ due_date: '2020-01-01' }).where('member_id', '=', sales[2]!.id).execute();

    const res = await env.req('GET', '/api/statistics/mandatory-compliance', { as: moderator });
    expect(res.statusCode).toBe(200);
    expect(json<Row[]>(res)).toEqual([
      { courseId: safety.courseId, title: 'A Safety', expected: 5, completed: 2, inProgress: 1, notStarted: 2, overdue: 0, completionRate: 40 },
      { courseId: privacy.courseId, title: 'B Privacy', expected: 5, completed: 1, inProgress: 0, notStarted: 4, overdue: 1, completionRate: 20 },
    ]);
    const salesOnly = json<Row[]>(await env.req('GET', '/api/statistics/mandatory-compliance?department=Sales', { as: hr }));
    expect(salesOnly.map((r) => [r.expected, r.completed, r.inProgress, r.notStarted, r.overdue, r.completionRate])).toEqual([
      [3, 1, 1, 1, 0, 33.3],
      [3, 0, 0, 3, 1, 0],
    ]);
    const nobody = json<Row[]>(await env.req('GET', '/api/statistics/mandatory-compliance?department=Nowhere', { as: hr }));
    expect(nobody.every((r) => r.expected === 0 && r.completionRate === 0)).toBe(true);
  });

  it('statistics need a staff role', async () => {
    const learner = await env.user(['LMS Student']);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance', { as: learner })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance')).statusCode).toBe(401);
    const hr = await env.user(['HR User']);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance?department=', { as: hr })).statusCode).toBe(400);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance?dept=x', { as: hr })).statusCode).toBe(400);
  });
});
