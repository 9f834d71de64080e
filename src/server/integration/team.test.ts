import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import { DAY_MS } from '../db/dialect.ts';
import type { Team } from '../../contract/team.ts';

describeDb("a manager's team", (env) => {
  let hr: TestUser;
  let boss: TestUser;
  let ana: TestUser;
  let ben: TestUser;

  async function employee(body: Record<string, unknown>): Promise<string> {
    const res = await env.req('POST', '/api/employees', { as: hr, body });
    expect(res.statusCode, res.body).toBe(201);
    return json<{ id: string }>(res).id;
  }

  async function seed() {
    if (hr) return;
    hr = await env.user(['HR Manager']);
    boss = await env.user([], 'Bea Boss');
    ana = await env.user([], 'Ana Overdue');
    ben = await env.user([], 'Ben Done');
    const other = await env.user([], 'Olga Other');
    const fire = await makeCourse(env, { title: 'Fire Safety', mandatory: true, lessons: 1 });
    const forklift = await makeCourse(env, { title: 'Forklift', lessons: 2 });
    const privacy = await makeCourse(env, { title: 'Privacy', lessons: 1 });
    const excel = await makeCourse(env, { title: 'Excel', lessons: 1 });

    const bossId = await employee({ employeeCode: 'T-1', fullName: 'Bea Boss', userId: boss.id });
    const otherBoss = await employee({ employeeCode: 'T-2', fullName: 'Olga Other', userId: other.id });
    await employee({ employeeCode: 'T-3', fullName: 'Ana Overdue', userId: ana.id, reportsToId: bossId, department: 'Plant' });
    await employee({ employeeCode: 'T-4', fullName: 'Ben Done', userId: ben.id, reportsToId: bossId });
    await employee({ employeeCode: 'T-5', fullName: 'Cem No Account', reportsToId: bossId });
    await employee({ employeeCode: 'T-6', fullName: 'Dora Left', reportsToId: bossId, status: 'left' });
    await employee({ employeeCode: 'T-7', fullName: 'Eli Elsewhere', reportsToId: otherBoss });

    // Ana: Forklift assigned and overdue (half done), Privacy assigned and due in 5 days, Excel optional.
    for (const [courseId, dueDate] of [
      [forklift.courseId, '2099-01-01'],
      [privacy.courseId, '2099-01-02'],
    ] as const) {
      const res = await env.req('POST', '/api/training-assignments', { as: hr, body: { courseId, dueDate, memberIds: [ana.id] } });
      expect(res.statusCode, res.body).toBe(201);
    }
    const soon = new Date(Date.now() + 5 * DAY_MS).toISOString().slice(0, 10);
    await env.ctx.db.updateTable('training_assignments').set({ due_date: '2020-02-03' }).where('member_id', '=', ana.id).where('course_id', '=', forklift.courseId).execute();
    await env.ctx.db.updateTable('training_assignments').set({ due_date: soon }).where('member_id', '=', ana.id).where('course_id', '=', privacy.courseId).execute();
    expect((await env.req('POST', `/api/lessons/${forklift.lessonIds[0]}/complete`, { as: ana })).statusCode).toBe(200);
    expect((await env.req('POST', `/api/courses/${excel.courseId}/enroll`, { as: ana })).statusCode).toBe(201);
    // Ben: Fire Safety (mandatory) completed.
    expect((await env.req('POST', `/api/courses/${fire.courseId}/enroll`, { as: ben })).statusCode).toBe(201);
    expect((await env.req('POST', `/api/lessons/${fire.lessonIds[0]}/complete`, { as: ben })).statusCode).toBe(200);
  }

  it("lists the manager's active direct reports with their required training, what needs attention first", async () => {
    await seed();
    const res = await env.req('GET', '/api/me/team', { as: boss });
    expect(res.statusCode, res.body).toBe(200);
    const team = json<Team>(res);
    expect(team.manager?.fullName).toBe('Bea Boss');
    expect(team.truncated).toBe(false);
    // Dora left, Eli reports to someone else.
    expect(team.members.map((m) => m.fullName)).toEqual(['Ana Overdue', 'Ben Done', 'Cem No Account']);
    const [a, b, c] = team.members;
    expect(a).toMatchObject({ department: 'Plant', hasAccount: true, required: 3, completed: 0, inProgress: 1, notStarted: 2, overdue: 1, dueSoon: 1 });
    // Overdue first, then due soon, then the rest; Excel (optional) is not required training.
    expect(a!.courses.map((x) => [x.title, x.status, x.overdue, x.dueSoon])).toEqual([
      ['Forklift', 'in-progress', true, false],
      ['Privacy', 'enrolled', false, true],
      ['Fire Safety', 'not-enrolled', false, false],
    ]);
    expect(a!.courses[0]).toMatchObject({ progress: 50, dueDate: '2020-02-03' });
    expect(b).toMatchObject({ required: 1, completed: 1, overdue: 0, dueSoon: 0 });
    expect(b!.courses[0]).toMatchObject({ title: 'Fire Safety', status: 'completed', progress: 100 });
    expect(b!.courses[0]!.completedAt).not.toBeNull();
    // No account: the mandatory course is listed, nothing can be tracked yet.
    expect(c).toMatchObject({ hasAccount: false, required: 1, completed: 0, notStarted: 1 });
  });

  it('anyone else sees only their own (empty) team; without an employee record there is no team; anonymous gets 401', async () => {
    await seed();
    const anaTeam = json<Team>(await env.req('GET', '/api/me/team', { as: ana }));
    expect(anaTeam.manager?.fullName).toBe('Ana Overdue');
    expect(anaTeam.members).toEqual([]);
    const stranger = await env.user(['Moderator']);
    expect(json<Team>(await env.req('GET', '/api/me/team', { as: stranger }))).toEqual({ manager: null, members: [], truncated: false });
    expect((await env.req('GET', '/api/me/team')).statusCode).toBe(401);
    // The route takes no query: nothing selects another manager's team.
    expect((await env.req('GET', `/api/me/team?managerId=${boss.id}`, { as: ana })).statusCode).toBe(400);
  });
});
