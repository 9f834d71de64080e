import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import { today } from '../db/dialect.ts';
import { countExisting } from '../db/migrations/0009-compliance-speed.ts';
import { DERIVED_TERMS } from '../db/migrations/0014-derived-progress.ts';
import { foldComplianceCounts } from './mandatory-compliance.ts';
import { lockForCompletion, markLessonComplete } from '../lms/enrollments/index.ts';

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

    // The same figures as a file for auditors, with the same filter.
    const csv = await env.req('GET', '/api/statistics/mandatory-compliance/export.csv?department=Sales', { as: hr });
    expect([csv.statusCode, csv.headers['content-type'], csv.headers['content-disposition']]).toEqual([
      200,
      'text/csv; charset=utf-8',
      'attachment; filename="mandatory-training-compliance.csv"',
    ]);
    expect(csv.body.trim().split(/\r?\n/)).toEqual([
      'Course,Expected,Completed,In progress,Not started,Overdue (of those not completed),Completed of expected (%)',
      'A Safety,3,1,1,1,0,33.3',
      'B Privacy,3,0,0,3,1,0',
    ]);
  });

  it('statistics need a staff role', async () => {
    const learner = await env.user(['LMS Student']);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance', { as: learner })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance')).statusCode).toBe(401);
    const hr = await env.user(['HR User']);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance?department=', { as: hr })).statusCode).toBe(400);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance?dept=x', { as: hr })).statusCode).toBe(400);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance/export.csv', { as: learner })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance/export.csv')).statusCode).toBe(401);
    expect((await env.req('GET', '/api/statistics/mandatory-compliance/export.csv?dept=x', { as: hr })).statusCode).toBe(400);
  });
});

/** The statistic computed straight from the base tables, row by row: what the counts must match. */
async function fromBaseTables(env: TestEnv, department?: string): Promise<Row[]> {
  const inDept = department === undefined ? sql`` : sql`and em.department_id = (select id from departments where name = ${department})`;
  const res = await sql<{ id: string; title: string; expected: number; completed: number; in_progress: number; overdue: number }>`
    select c.id, c.title,
           (select count(*) from employees em where em.status = 'active' and em.user_id is not null ${inDept}) as expected,
           (select count(*) from enrollments e join employees em on em.user_id = e.member_id and em.status = 'active'
             where e.course_id = c.id and e.completed_at is not null ${inDept}) as completed,
           (select count(*) from enrollments e join employees em on em.user_id = e.member_id and em.status = 'active'
             where e.course_id = c.id and e.completed_lessons > 0 and e.completed_at is null ${inDept}) as in_progress,
           (select count(*) from training_assignments ta join employees em on em.user_id = ta.member_id and em.status = 'active'
             where ta.course_id = c.id and ta.status = 'open' and ta.due_date < ${today()} ${inDept}) as overdue
      from courses c
     where c.mandatory = 1 and c.published = 1
     order by c.title, c.id`.execute(env.ctx.db);
  return res.rows.map((r) => {
    const expected = Number(r.expected);
    const completed = Number(r.completed);
    const inProgress = Number(r.in_progress);
    return {
      courseId: r.id,
      title: r.title,
      expected,
      completed,
      inProgress,
      notStarted: expected - completed - inProgress,
      overdue: Number(r.overdue),
      completionRate: expected === 0 ? 0 : Math.round((completed / expected) * 1000) / 10,
    };
  });
}

describeDb('mandatory training compliance follows every write at once', (env) => {
  let seq = 0;
  let hr: TestUser;
  let moderator: TestUser;
  const stats = async (department?: string) => {
    const url = department === undefined ? '/api/statistics/mandatory-compliance' : `/api/statistics/mandatory-compliance?department=${encodeURIComponent(department)}`;
    const res = await env.req('GET', url, { as: hr });
    expect(res.statusCode).toBe(200);
    return json<Row[]>(res);
  };
  /** The endpoint, for everyone and for each department, equals the statistic from the base tables. */
  const expectExact = async (departments: string[]) => {
    for (const d of [undefined, ...departments]) expect(await stats(d), `department ${d ?? '(all)'}`).toEqual(await fromBaseTables(env, d));
  };
  const brief = (rows: Row[]) => rows.map((r) => [r.title, r.expected, r.completed, r.inProgress, r.notStarted, r.overdue]);
  const employee = async (department: string, user: TestUser | null) => {
    const res = await env.req('POST', '/api/employees', {
      as: hr,
      body: { employeeCode: `FW-${++seq}`, fullName: `Person ${seq}`, department, ...(user ? { userId: user.id } : {}) },
    });
    expect(res.statusCode).toBe(201);
    return json<{ id: string }>(res).id;
  };
  const completeLesson = async (u: TestUser, lessonId: string) => expect((await env.req('POST', `/api/lessons/${lessonId}/complete`, { as: u })).statusCode).toBe(200);
  const enroll = async (u: TestUser, courseId: string) => {
    const res = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: u });
    expect(res.statusCode).toBe(201);
    return json<{ id: string }>(res).id;
  };

  it('lessons, new lessons, linking a user, moving department, leaving, assignments, deletes and unpublishing', async () => {
    hr = await env.user(['HR Manager']);
    moderator = await env.user(['Moderator']);
    const a = await makeCourse(env, { mandatory: true, title: 'A Fire', lessons: 2 });
    const b = await makeCourse(env, { mandatory: true, title: 'B Ethics', lessons: 1 });
    const [u1, u2, u4] = [await env.user([]), await env.user([]), await env.user([])];
    const e1 = await employee('Sales', u1);
    const e2 = await employee('Ops', u2);
    const e3 = await employee('Sales', null);
    await expectExact(['Sales', 'Ops']);

    await enroll(u1, a.courseId);
    await completeLesson(u1, a.lessonIds[0]!);
    expect(brief(await stats('Sales'))).toEqual([
      ['A Fire', 1, 0, 1, 0, 0],
      ['B Ethics', 1, 0, 0, 1, 0],
    ]);
    await completeLesson(u1, a.lessonIds[1]!);
    expect(brief(await stats('Sales'))[0]).toEqual(['A Fire', 1, 1, 0, 0, 0]);
    await expectExact(['Sales', 'Ops']);

    // A third lesson: every enrollment of the course is recomputed (2 of 3 done: in progress again).
    const lesson = await env.req('POST', `/api/chapters/${a.chapterIds[0]}/lessons`, { as: moderator, body: { title: 'More', kind: 'text', body: 'x' } });
    expect(lesson.statusCode).toBe(201);
    expect(brief(await stats('Sales'))[0]).toEqual(['A Fire', 1, 0, 1, 0, 0]);

    // An outsider's progress counts only once the user is linked to an active employee.
    await enroll(u4, b.courseId);
    await completeLesson(u4, b.lessonIds[0]!);
    expect(brief(await stats())[1]).toEqual(['B Ethics', 2, 0, 0, 2, 0]);
    expect((await env.req('PATCH', `/api/employees/${e3}`, { as: hr, body: { userId: u4.id } })).statusCode).toBe(200);
    expect(brief(await stats('Sales'))).toEqual([
      ['A Fire', 2, 0, 1, 1, 0],
      ['B Ethics', 2, 1, 0, 1, 0],
    ]);
    await expectExact(['Sales', 'Ops']);

    // Moving department moves the counts; leaving removes them.
    expect((await env.req('PATCH', `/api/employees/${e1}`, { as: hr, body: { department: 'Ops' } })).statusCode).toBe(200);
    expect(brief(await stats('Ops'))[0]).toEqual(['A Fire', 2, 0, 1, 1, 0]);
    expect(brief(await stats('Sales'))[0]).toEqual(['A Fire', 1, 0, 0, 1, 0]);
    await enroll(u2, b.courseId);
    await completeLesson(u2, b.lessonIds[0]!);
    expect(brief(await stats('Ops'))[1]).toEqual(['B Ethics', 2, 1, 0, 1, 0]);
    expect((await env.req('PATCH', `/api/employees/${e2}`, { as: hr, body: { status: 'left' } })).statusCode).toBe(200);
    expect(brief(await stats('Ops'))[1]).toEqual(['B Ethics', 1, 0, 0, 1, 0]);
    await expectExact(['Sales', 'Ops']);
    expect((await env.req('PATCH', `/api/employees/${e2}`, { as: hr, body: { status: 'active' } })).statusCode).toBe(200);
    expect(brief(await stats('Ops'))[1]).toEqual(['B Ethics', 2, 1, 0, 1, 0]);

    // Overdue: open and due before today (due today is not overdue yet); completing closes it.
    const assigned = await env.req('POST', '/api/training-assignments', { as: hr, body: { courseId: a.courseId, dueDate: '2099-01-01', memberIds: [u1.id, u4.id] } });
    expect(assigned.statusCode).toBe(201);
    expect(brief(await stats())[0]!.slice(5)).toEqual([0]);
    await env.ctx.db.updateTable('training_assignments').set({ due_date: today() }).execute();
    expect(brief(await stats())[0]!.slice(5)).toEqual([0]);
    await env.ctx.db.updateTable('training_assignments').set({ due_date: '2020-01-01' }).execute();
    expect((await stats()).map((r) => r.overdue)).toEqual([2, 0]);
    expect((await stats('Sales')).map((r) => r.overdue)).toEqual([1, 0]);
    const thirdLesson = json<{ id: string }>(lesson).id;
    await completeLesson(u1, thirdLesson);
    expect(brief(await stats('Ops'))[0]).toEqual(['A Fire', 2, 1, 0, 1, 0]);
    expect((await stats()).map((r) => r.overdue)).toEqual([1, 0]);
    await expectExact(['Sales', 'Ops']);

    // Deleting an enrollment and an employee.
    const u4b = await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', u4.id).where('course_id', '=', b.courseId).executeTakeFirstOrThrow();
    expect((await env.req('DELETE', `/api/enrollments/${u4b.id}`, { as: moderator })).statusCode).toBe(204);
    expect(brief(await stats('Sales'))[1]).toEqual(['B Ethics', 1, 0, 0, 1, 0]);
    await env.ctx.db.deleteFrom('employees').where('id', '=', e3).execute();
    expect(brief(await stats())[0]).toEqual(['A Fire', 2, 1, 0, 1, 0]);
    await expectExact(['Sales', 'Ops']);

    // Unpublishing takes the course off the statistic; publishing brings it back with its counts.
    await env.ctx.db.updateTable('courses').set({ published: 0 }).where('id', '=', a.courseId).execute();
    expect((await stats()).map((r) => r.title)).toEqual(['B Ethics']);
    await env.ctx.db.updateTable('courses').set({ published: 1 }).where('id', '=', a.courseId).execute();
    expect(brief(await stats())[0]).toEqual(['A Fire', 2, 1, 0, 1, 0]);

    // The counts kept by the triggers equal a fresh count of the data.
    const kept = await stats();
    await sql`delete from compliance_progress_counts`.execute(env.ctx.db);
    await sql`delete from compliance_open_assignment_counts`.execute(env.ctx.db);
    await sql`delete from compliance_headcounts`.execute(env.ctx.db);
    await countExisting(env.ctx.db, DERIVED_TERMS);
    expect(await stats()).toEqual(kept);
  });

  it('writes a delta only when a row changes bucket; a recompute counts once for the whole course', async () => {
    hr ??= await env.user(['HR Manager']);
    moderator ??= await env.user(['Moderator']);
    const course = await makeCourse(env, { mandatory: true, title: 'D Deltas', lessons: 2 });
    const people = await Promise.all(Array.from({ length: 4 }, () => env.user([])));
    for (const u of people) await employee('Deltas', u);
    const deltaRows = async () =>
      Number(
        (await sql<{ n: number }>`select count(*) as n from compliance_progress_counts where course_id = ${course.courseId}`.execute(env.ctx.db)).rows[0]!.n,
      );
    const before = await deltaRows();
    for (const u of people) await enroll(u, course.courseId);
    expect(await deltaRows()).toBe(before); // nobody started: nothing to count
    for (const u of people) await completeLesson(u, course.lessonIds[0]!);
    const started = await deltaRows();
    expect(started).toBe(before + (env.dialect === 'postgres' ? 4 : 1)); // each one enters "in progress"
    await completeLesson(people[0]!, course.lessonIds[0]!); // again: no change of bucket
    expect(await deltaRows()).toBe(started);
    for (const u of people) await completeLesson(u, course.lessonIds[1]!);
    await expectExact(['Deltas']);
    const finished = await deltaRows();

    // A new lesson moves all four from completed back to in progress: one set-based count.
    const added = await env.req('POST', `/api/chapters/${course.chapterIds[0]}/lessons`, { as: moderator, body: { title: 'New', kind: 'text', body: 'x' } });
    expect(added.statusCode).toBe(201);
    expect(await deltaRows()).toBe(env.dialect === 'postgres' ? finished + 1 : finished);
    await expectExact(['Deltas']);
    expect(brief(await stats('Deltas')).find((r) => r[0] === 'D Deltas')).toEqual(['D Deltas', 4, 0, 4, 0, 0]);
  });

  it('stays exact under parallel enrollments, lesson completions, assignment and employee changes', async () => {
    hr ??= await env.user(['HR Manager']);
    const course = await makeCourse(env, { mandatory: true, title: 'C Parallel', lessons: 3 });
    const departments = ['P1', 'P2', 'P3'];
    const people = await Promise.all(Array.from({ length: 18 }, () => env.user([])));
    const employeeIds = await Promise.all(people.map((u, i) => employee(departments[i % 3]!, u)));
    const assigned = await env.req('POST', '/api/training-assignments', {
      as: hr,
      body: { courseId: course.courseId, dueDate: '2099-01-01', memberIds: people.slice(0, 12).map((u) => u.id) },
    });
    expect(assigned.statusCode).toBe(201);
    await env.ctx.db.updateTable('training_assignments').set({ due_date: '2020-01-01' }).where('course_id', '=', course.courseId).execute();
    const leaves = (i: number) => i % 2 === 1 && i % 3 === 0;
    const learn = async (u: TestUser, i: number) => {
      if (i >= 12) await enroll(u, course.courseId); // the first 12 were enrolled by their assignment
      for (const l of course.lessonIds.slice(0, i % 4)) {
        if (!leaves(i)) {
          await completeLesson(u, l);
          continue;
        }
        // A leaver's enrollments are suspended when they leave: a completion after that is refused.
        const res = await env.req('POST', `/api/lessons/${l}/complete`, { as: u });
        if (res.statusCode !== 200) expect([res.statusCode, json<{ code: string }>(res).code]).toEqual([422, 'ENROLLMENT_SUSPENDED']);
      }
    };
    const shuffle = async (id: string, i: number) => {
      const body = i % 2 === 0 ? { department: departments[(i + 1) % 3] } : { status: leaves(i) ? 'left' : 'active' };
      expect((await env.req('PATCH', `/api/employees/${id}`, { as: hr, body })).statusCode).toBe(200);
    };
    await Promise.all([...people.map((u, i) => learn(u, i)), ...employeeIds.map((id, i) => shuffle(id, i)), stats(), stats('P1')]);
    await expectExact(departments);
    const before = await stats();
    expect(before.find((r) => r.title === 'C Parallel')!.completed).toBeGreaterThan(0);

    // PostgreSQL keeps delta rows; folding them changes no number and leaves one row per key.
    if (env.dialect === 'postgres') {
      expect(await foldComplianceCounts(env.ctx.db, env.dialect)).toBe(true);
      const rows = await sql<{ n: number; k: number }>`
        select count(*) as n, count(distinct course_id || ' ' || department_key) as k from compliance_progress_counts`.execute(env.ctx.db);
      expect(Number(rows.rows[0]!.n)).toBe(Number(rows.rows[0]!.k));
    } else {
      expect(await foldComplianceCounts(env.ctx.db, env.dialect)).toBe(false);
    }
    expect(await stats()).toEqual(before);
    await expectExact(departments);
  });

  it('PostgreSQL: a lesson completion and a change of the member’s employee record at once neither deadlock nor lose a count', async () => {
    if (env.dialect !== 'postgres') return;
    hr ??= await env.user(['HR Manager']);
    const course = await makeCourse(env, { mandatory: true, title: 'C Interleaved', lessons: 2 });
    const u = await env.user([]);
    const employeeId = await employee('Q1', u);
    await enroll(u, course.courseId);
    const lessonId = course.lessonIds[0]!;
    // The completion takes its locks and holds them ...
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    let go!: () => void;
    const proceed = new Promise<void>((r) => (go = r));
    const completion = env.ctx.db.transaction().execute(async (trx) => {
      expect(await lockForCompletion(env.ctx, trx, u.id, lessonId)).toBe(true);
      locked();
      await proceed;
      await markLessonComplete(env.ctx, trx, { memberId: u.id, lessonId, courseId: course.courseId, actorId: u.id });
    });
    await holding;
    // ... while HR moves the employee (the compliance trigger locks the user, then their enrollments) ...
    const move = env.req('PATCH', `/api/employees/${employeeId}`, { as: hr, body: { department: 'Q2' } });
    await new Promise((r) => setTimeout(r, 300));
    // ... and then writes its completion row (whose foreign key locks the user row too).
    go();
    const [, moved] = await Promise.all([completion, move]);
    expect(moved.statusCode).toBe(200);
    await expectExact(['Q1', 'Q2']);
    expect(brief(await stats('Q2')).find((r) => r[0] === 'C Interleaved')).toEqual(['C Interleaved', 1, 0, 1, 0, 0]);
  });
});
