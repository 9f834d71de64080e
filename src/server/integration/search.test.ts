import { expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import type { Problem } from '../../../test/helpers/courses.ts';
import type { SearchResult } from '../../contract/search.ts';

describeDb('Global search (GET /api/search)', (env) => {
  let learner: TestUser;
  let mod: TestUser;
  let hr: TestUser;
  let creator: TestUser;
  let ready: Promise<void> | null = null;
  const setup = () =>
    (ready ??= (async () => {
      learner = await env.user(['LMS Student'], 'Lena Learner');
      mod = await env.user(['Moderator'], 'Mo Derator');
      hr = await env.user(['HR User'], 'Hal Resources');
      creator = await env.user(['Course Creator'], 'Cora Creator');
      for (const title of ['Budget 100% review', 'Budget 1000 review', 'snake_case basics', 'snakeXcase basics', 'Zebulon onboarding']) {
        await makeCourse(env, { title });
      }
      await makeCourse(env, { title: 'Secret draft plan', published: false });
      await makeCourse(env, { title: 'Secret draft of Cora', published: false, instructorIds: [creator.id] });
      await env.user(['LMS Student'], 'Zebulon Quartz');
      const hrManager = await env.user(['HR Manager']);
      const res = await env.req('POST', '/api/employees', { as: hrManager, body: { employeeCode: 'ZQ-1', fullName: 'Zebulon Quartz', department: 'Logistics' } });
      expect(res.statusCode, res.body).toBe(201);
    })());

  async function search(as: TestUser, q: string, extra = ''): Promise<SearchResult[]> {
    const res = await env.req('GET', `/api/search?q=${encodeURIComponent(q)}${extra}`, { as });
    expect(res.statusCode, res.body).toBe(200);
    return json<{ results: SearchResult[] }>(res).results;
  }
  const titles = (rs: SearchResult[], kind?: string) => rs.filter((r) => !kind || r.kind === kind).map((r) => r.title).sort();

  it('learners find published courses only, and no people; their links open the portal', async () => {
    await setup();
    expect(await search(learner, 'secret draft')).toEqual([]);
    const z = await search(learner, 'zebulon');
    expect(z.map((r) => r.kind)).toEqual(['course']);
    expect(z[0]!.url).toBe(`/lms/courses/${z[0]!.id}`);
    expect(await search(learner, 'Lena')).toEqual([]);
  });

  it('staff see what their roles allow: moderators drafts and users, HR employees, course creators their own drafts', async () => {
    await setup();
    expect(titles(await search(mod, 'secret draft'))).toEqual(['Secret draft of Cora', 'Secret draft plan']);
    expect(titles(await search(creator, 'secret draft'))).toEqual(['Secret draft of Cora']);

    const modZ = await search(mod, 'ZEBULON');
    expect(modZ.map((r) => r.kind).sort()).toEqual(['course', 'user']);
    expect(modZ.find((r) => r.kind === 'course')!.url).toMatch(/^\/app\/lms-course\//);
    expect(modZ.find((r) => r.kind === 'user')!.url).toMatch(/^\/app\/user\//);

    const hrZ = await search(hr, 'zebulon');
    expect(hrZ.map((r) => r.kind).sort()).toEqual(['course', 'employee']);
    const emp = hrZ.find((r) => r.kind === 'employee')!;
    expect(emp.title).toBe('Zebulon Quartz');
    expect(emp.subtitle).toContain('ZQ-1');
    expect(emp.url).toBe(`/app/employee/${emp.id}`);
    // Employee codes are searched too.
    expect(titles(await search(hr, 'zq-1'), 'employee')).toEqual(['Zebulon Quartz']);
    expect(titles(await search(mod, 'zq-1'), 'employee')).toEqual([]);
  });

  it('matches % and _ literally, case-insensitively', async () => {
    await setup();
    expect(titles(await search(learner, '100%'))).toEqual(['Budget 100% review']);
    expect(titles(await search(learner, 'budget 10'))).toEqual(['Budget 100% review', 'Budget 1000 review']);
    expect(titles(await search(learner, 'E_C'))).toEqual(['snake_case basics']);
    expect(titles(await search(learner, '%%'))).toEqual([]);
    expect(titles(await search(learner, '__'))).toEqual([]);
    expect(titles(await search(learner, '  snake  '))).toEqual(['snakeXcase basics', 'snake_case basics']);
  });

  it('answers at most `limit` results per kind (default 5)', async () => {
    await setup();
    for (let i = 0; i < 7; i++) await makeCourse(env, { title: `Limitcourse ${i}` });
    expect(titles(await search(mod, 'limitcourse'))).toHaveLength(5);
    expect(titles(await search(mod, 'limitcourse', '&limit=2'))).toHaveLength(2);
  });

  it('refuses a query that is too short, too long or missing; needs a login', async () => {
    await setup();
    expect((await search(learner, 'x'.repeat(200))).length).toBe(0);
    for (const qs of ['q=a', 'q=%20%20a%20%20', 'q=', '', `q=${'x'.repeat(201)}`, 'q=ab&limit=0', 'q=ab&limit=21', 'q=ab&kind=user']) {
      const res = await env.req('GET', `/api/search?${qs}`, { as: learner });
      expect(res.statusCode, qs).toBe(400);
      expect(json<Problem>(res).code).toBe('VALIDATION_FAILED');
    }
    const anon = await env.req('GET', '/api/search?q=budget', { as: null });
    expect(anon.statusCode).toBe(401);
    expect(json<Problem>(anon).code).toBe('UNAUTHENTICATED');
  });
});
