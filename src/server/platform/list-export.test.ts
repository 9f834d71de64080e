import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import { nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { csvCell, csvLine, readCsv } from './csv.ts';
import { EXPORT_PAGE } from './list-export.ts';

async function parseCsv(text: string): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of readCsv(Readable.from([Buffer.from(text)]))) out.push(r.fields);
  return out;
}

/** Every id the list API answers for these filters, following nextCursor. */
async function listIds(env: TestEnv, as: TestUser, url: string, query: string, limit = 500): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const qs = `${query ? `${query}&` : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await env.req('GET', `${url}?${qs}`, { as });
    expect(res.statusCode, res.body).toBe(200);
    const page = json<{ items: { id: string }[]; nextCursor: string | null }>(res);
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** The export's header and rows (the first column is the id). */
async function exportCsv(env: TestEnv, as: TestUser, url: string, query: string): Promise<{ header: string[]; rows: string[][] }> {
  const res = await env.req('GET', `${url}/export.csv${query ? `?${query}` : ''}`, { as });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[a-z-]+\.csv"$/);
  expect(res.headers['cache-control']).toBe('no-store');
  const [header, ...rows] = await parseCsv(res.body);
  return { header: header!, rows };
}

/** The export lists exactly the rows (and order) the list API pages through. */
async function expectSameRows(env: TestEnv, as: TestUser, url: string, query: string, limit?: number): Promise<string[][]> {
  const listed = await listIds(env, as, url, query, limit);
  const { rows } = await exportCsv(env, as, url, query);
  expect(rows.map((r) => r[0])).toEqual(listed);
  return rows;
}

/** A bad filter: 400 problem+json VALIDATION_FAILED, no CSV. */
async function expectRefused(env: TestEnv, as: TestUser, url: string): Promise<void> {
  const res = await env.req('GET', url, { as });
  expect(res.statusCode).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(json<{ code: string }>(res).code).toBe('VALIDATION_FAILED');
  expect(res.body).not.toContain('\uFEFF');
}

async function bulkUsers(env: TestEnv, n: number, tag: string): Promise<string[]> {
  const now = nowIso();
  const ids = Array.from({ length: n }, () => newId());
  for (let i = 0; i < n; i += 500) {
    await env.ctx.db
      .insertInto('users')
      .values(
        ids.slice(i, i + 500).map((id, j) => ({
          id,
          email: `${tag}-${i + j}@bulk.example.com`,
          full_name: `Bulk ${tag} ${String(i + j).padStart(5, '0')}`,
          password_hash: null,
          enabled: 1,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  return ids;
}

const FORMULAS = ['=1+2', '+SUM(A1:A9)', '-2+3', '@cmd', '\tTAB', '\rCR'];

it('csvCell neutralises cells a spreadsheet would run as a formula and quotes separators', () => {
  for (const f of FORMULAS) expect(csvCell(f).replace(/^"|"$/g, '')).toBe(`'${f}`);
  expect(csvCell('a,b')).toBe('"a,b"');
  expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  expect(csvCell('x;y')).toBe('"x;y"');
  expect(csvCell(-5)).toBe('-5');
  expect(csvCell(null)).toBe('');
  expect(csvCell('plain')).toBe('plain');
  expect(csvLine(['=A', 1, true])).toBe("'=A,1,true\r\n");
});

describeDb('list CSV exports', (env) => {
  it('users: same rows as the list for the same filters, one page of 2,000 and more arrives complete, formulas neutralised', async () => {
    const admin = await env.user(['System Manager']);
    const learner = await env.user();
    const hr = await env.user(['HR User']);
    const tag = `exp${env.dialect}`;
    const ids = await bulkUsers(env, 2500, tag);
    expect(ids.length).toBeGreaterThan(EXPORT_PAGE);
    // Formula-looking names (tab and CR can only come from outside the API: written directly).
    for (const [i, f] of FORMULAS.entries()) {
      await env.ctx.db.updateTable('users').set({ full_name: f }).where('id', '=', ids[i]!).execute();
    }
    await env.ctx.db.updateTable('users').set({ enabled: 0 }).where('id', 'in', ids.slice(10, 20)).execute();

    const all = await exportCsv(env, admin, '/api/users', `q=${tag}`);
    expect(all.header).toEqual(['ID', 'Name', 'Email', 'Roles', 'Enabled', 'Created', 'Updated']);
    expect(all.rows).toHaveLength(2500);
    expect(new Set(all.rows.map((r) => r[0]))).toEqual(new Set(ids));
    for (const [i, f] of FORMULAS.entries()) expect(all.rows.find((r) => r[0] === ids[i])![1]).toBe(`'${f}`);
    const disabled = all.rows.filter((r) => r[4] === 'No').map((r) => r[0]);
    expect(new Set(disabled)).toEqual(new Set(ids.slice(10, 20)));

    await expectSameRows(env, admin, '/api/users', `q=${tag}`);
    await expectSameRows(env, admin, '/api/users', `q=${tag}&sort=-fullName`);
    await expectSameRows(env, admin, '/api/users', `q=${tag}&updatedSince=2000-01-01`);
    expect(await expectSameRows(env, admin, '/api/users', `q=${tag}&enabled=false`, 3)).toHaveLength(10);
    const students = await expectSameRows(env, hr, '/api/users', 'role=LMS%20Student', 7);
    expect(students.map((r) => r[0])).toContain(learner.id);
    expect(students.every((r) => r[3]!.split(', ').includes('LMS Student'))).toBe(true);

    // Same access as the list.
    expect((await env.req('GET', '/api/users/export.csv', { as: learner })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/users/export.csv')).statusCode).toBe(401);
    await expectRefused(env, admin, '/api/users/export.csv?role=Wizard');
    await expectRefused(env, admin, '/api/users/export.csv?enabled=maybe');
    await expectRefused(env, admin, '/api/users/export.csv?colour=red');
  }, 120_000);

  it('training assignments: staff see every row, a learner only their own; bad filters are refused', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user([], '=HYPERLINK("http://evil")');
    const other = await env.user();
    const course = await makeCourse(env, { title: 'Assigned export' });
    const second = await makeCourse(env, { title: '@Second' });
    const bulk = await bulkUsers(env, 2100, `ta${env.dialect}`);
    const assign = async (courseId: string, memberIds: string[], dueDate: string) => {
      const res = await env.req('POST', '/api/training-assignments', { as: mod, body: { courseId, dueDate, memberIds } });
      expect(res.statusCode, res.body).toBe(201);
    };
    await assign(course.courseId, [...bulk, learner.id, other.id], '2099-03-01');
    await assign(second.courseId, [learner.id], '2099-06-01');

    const all = await exportCsv(env, mod, '/api/training-assignments', `courseId=${course.courseId}`);
    expect(all.header).toEqual(['ID', 'Member', 'Email', 'Course', 'Due', 'Status', 'Progress', 'Source']);
    // People of one name stay apart by their email; codes read as words.
    const learnerRow = all.rows.find((r) => r[1] === `'=HYPERLINK("http://evil")`)!;
    expect(learnerRow[2]).toBe(learner.email);
    expect(learnerRow.slice(5)).toEqual(['Open', '0', 'Assigned by staff']);
    expect(all.rows).toHaveLength(2102);
    await expectSameRows(env, mod, '/api/training-assignments', `courseId=${course.courseId}`);
    await expectSameRows(env, mod, '/api/training-assignments', `courseId=${course.courseId}&sort=memberName`);
    await expectSameRows(env, mod, '/api/training-assignments', 'dueFrom=2099-05-01&dueTo=2099-07-01', 1);

    const mine = await expectSameRows(env, learner, '/api/training-assignments', '');
    expect(mine).toHaveLength(2);
    const row = mine.find((r) => r[3] === "'@Second")!;
    expect(row.slice(1, 6)).toEqual([`'=HYPERLINK("http://evil")`, learner.email, "'@Second", '2099-06-01', row[5]]);
    // A learner's filter on someone else gives nothing, not their rows.
    expect((await exportCsv(env, learner, '/api/training-assignments', `memberId=${other.id}`)).rows).toEqual([]);

    await expectRefused(env, mod, '/api/training-assignments/export.csv?dueFrom=2099-07-01&dueTo=2099-01-01');
    await expectRefused(env, mod, '/api/training-assignments/export.csv?status=someday');
    await expectRefused(env, mod, '/api/training-assignments/export.csv?sort=nonsense');
  }, 120_000);

  it('certificates: same rows as the list; a learner exports only their own', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user([], '-Minus Learner');
    const others = await Promise.all([env.user(), env.user()]);
    const a = await makeCourse(env, { title: 'Cert A', enableCertification: true });
    const b = await makeCourse(env, { title: 'Cert B', enableCertification: true });
    for (const [member, course, issueDate] of [
      [learner, a, '2026-01-10'],
      [learner, b, '2026-02-10'],
      [others[0], a, '2026-03-10'],
      [others[1], b, '2026-04-10'],
    ] as const) {
      const res = await env.req('POST', '/api/certificates', {
        as: mod,
        body: { memberId: member.id, courseId: course.courseId, issueDate, reason: 'Paper certificate on file' },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const staff = await exportCsv(env, mod, '/api/certificates', '');
    expect(staff.header).toEqual(['ID', 'Member', 'Email', 'Course', 'Issued', 'Expires', 'Status']);
    await expectSameRows(env, mod, '/api/certificates', '', 1);
    await expectSameRows(env, mod, '/api/certificates', `courseId=${a.courseId}`, 1);
    await expectSameRows(env, mod, '/api/certificates', 'status=valid&sort=-issueDate', 2);
    expect(await expectSameRows(env, mod, '/api/certificates', `memberId=${learner.id}`)).toHaveLength(2);

    const mine = await expectSameRows(env, learner, '/api/certificates', '');
    expect(mine.map((r) => [r[1], r[3], r[4], r[6]])).toEqual(
      expect.arrayContaining([
        ["'-Minus Learner", 'Cert A', '2026-01-10', 'Valid'],
        ["'-Minus Learner", 'Cert B', '2026-02-10', 'Valid'],
      ]),
    );
    expect(mine.every((r) => r[2] === learner.email)).toBe(true);
    expect(mine).toHaveLength(2);
    expect((await exportCsv(env, others[0], '/api/certificates', `memberId=${learner.id}`)).rows).toEqual([]);

    await expectRefused(env, mod, '/api/certificates/export.csv?status=shiny');
    await expectRefused(env, mod, '/api/certificates/export.csv?expiringBefore=tomorrow');
  }, 60_000);

  it('employees: same rows as the list for the same filters; HR only', async () => {
    const hr = await env.user(['HR Manager']);
    const learner = await env.user();
    const dept = `Exports ${env.dialect}`;
    const created: string[] = [];
    for (const [i, fullName] of ['Ann Export', '+Plus Export', 'Cid Export', 'Dee Export', 'Eve Export'].entries()) {
      const res = await env.req('POST', '/api/employees', {
        as: hr,
        body: {
          employeeCode: `EXP-${env.dialect}-${i}`,
          fullName,
          department: i < 3 ? dept : `Other ${env.dialect}`,
          designation: 'Exporter',
          ...(i === 0 ? { userId: learner.id } : {}),
          ...(i === 4 ? { status: 'left' } : {}),
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      created.push(json<{ id: string }>(res).id);
    }
    const inDept = await expectSameRows(env, hr, '/api/employees', `department=${encodeURIComponent(dept)}`, 1);
    expect(inDept).toHaveLength(3);
    const { header } = await exportCsv(env, hr, '/api/employees', '');
    expect(header).toEqual(['ID', 'Name', 'Code', 'Department', 'Designation', 'Status', 'Linked user']);
    const ann = inDept.find((r) => r[0] === created[0])!;
    expect(ann.slice(1)).toEqual(['Ann Export', `EXP-${env.dialect}-0`, dept, 'Exporter', 'active', 'Yes']);
    expect(inDept.find((r) => r[0] === created[1])![1]).toBe("'+Plus Export");
    await expectSameRows(env, hr, '/api/employees', 'q=Export&sort=-fullName', 2);
    expect(await expectSameRows(env, hr, '/api/employees', 'q=Export&status=left')).toHaveLength(1);

    expect((await env.req('GET', '/api/employees/export.csv', { as: learner })).statusCode).toBe(403);
    await expectRefused(env, hr, '/api/employees/export.csv?status=retired');
  }, 60_000);

  it('every desk list export answers CSV with its list view columns', async () => {
    const admin = await env.user(['System Manager']);
    const cases: [string, string[]][] = [
      ['/api/courses', ['ID', 'Title', 'Category', 'Published', 'Mandatory', 'Lessons']],
      ['/api/quizzes', ['ID', 'Title', 'Course', 'Questions', 'Pass %', 'Max attempts']],
      ['/api/quiz-submissions', ['ID', 'Member', 'Quiz', 'Course', 'Attempt', 'Score %', 'Passed', 'Status']],
      ['/api/employee-onboardings', ['ID', 'Employee', 'Date', 'Status', 'Enrolled']],
      ['/api/employee-documents', ['ID', 'Title', 'Employee', 'Issued', 'Expires', 'From']],
      ['/api/employee-compliance', ['ID', 'Type', 'Employee', 'Status', 'Completed', 'Renewal']],
      ['/api/departments', ['ID', 'Name', 'Active employees']],
      ['/api/designations', ['ID', 'Name', 'Active employees']],
      ['/api/audit-log', ['ID', 'When', 'Action', 'Entity', 'Record', 'By', 'Changes']],
    ];
    for (const [url, columns] of cases) {
      const { header } = await exportCsv(env, admin, url, '');
      expect(header, url).toEqual(columns);
      await expectSameRows(env, admin, url, '', 50);
    }
    // Names behind ids are looked up per page.
    const employee = json<{ id: string }>(
      await env.req('POST', '/api/employees', { as: admin, body: { employeeCode: `ONB-${env.dialect}`, fullName: 'Onboarded Export' } }),
    );
    const onb = await env.req('POST', '/api/employee-onboardings', { as: admin, body: { employeeId: employee.id } });
    expect(onb.statusCode, onb.body).toBe(201);
    const onboardings = await exportCsv(env, admin, '/api/employee-onboardings', `employeeId=${employee.id}`);
    expect(onboardings.rows.map((r) => r[1])).toEqual(['Onboarded Export']);
    const audit = await exportCsv(env, admin, '/api/audit-log', `entity=employee&entityId=${employee.id}`);
    expect(audit.rows.map((r) => [r[2], r[5]])).toEqual([['create', admin.fullName]]);
    expect(audit.rows[0]![6]).toContain('fullName');
  }, 60_000);
});
