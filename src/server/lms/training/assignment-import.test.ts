import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { samples } from '../../../../test/helpers/multipart.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { IMPORT_MAX_BYTES } from '../../platform/imports.routes.ts';
import { IMPORT_KINDS, IMPORT_ROLES, type ImportState } from '../../../contract/imports.ts';
import { ROLES } from '../../../contract/roles.ts';
import { csvUpload, errorsAt, expectOneError, importerFor } from '../../../../test/helpers/imports.ts';

const DUE = '2099-06-30';

const upload = (csv: string | Buffer, fields: Record<string, string> = {}, filename = 'assignments.csv') =>
  csvUpload(csv, fields, filename);

const importCsv = importerFor('/api/training-assignments/import', 'assignments.csv');

async function counts(env: TestEnv) {
  return {
    assignments: await env.count('training_assignments'),
    enrollments: await env.count('enrollments'),
    audit: await env.count('audit_log'),
    imports: await env.count('imports'),
  };
}

async function employee(env: TestEnv, code: string, userId: string | null): Promise<void> {
  const now = nowIso();
  await env.ctx.db
    .insertInto('employees')
    .values({
      id: newId(),
      employee_code: code,
      full_name: `Employee ${code}`,
      user_id: userId,
      status: 'active',
      created_at: now,
      updated_at: now,
    })
    .execute();
}

describeDb('training-assignment import', (env) => {
  it('serves the template to assigners and refuses everyone else', async () => {
    for (const role of ['HR User', 'Moderator'] as const) {
      const staff = await env.user([role]);
      const res = await env.req('GET', '/api/training-assignments/import-template', { as: staff });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.body).toBe('memberEmail,employeeCode,courseId,courseTitle,dueDate\r\n');
    }
    const refused = [await env.user(['LMS Student']), await env.user(['Course Creator'])];
    const before = await counts(env);
    for (const u of refused) {
      expect((await env.req('GET', '/api/training-assignments/import-template', { as: u })).statusCode).toBe(403);
      const denied = await importCsv(env, u, `memberEmail,courseId,dueDate\n${u.email},x,${DUE}\n`);
      expect(denied.statusCode).toBe(403);
      expect(json(denied).code).toBe('FORBIDDEN');
    }
    expect((await env.req('GET', '/api/training-assignments/import-template')).statusCode).toBe(401);
    expect(await counts(env)).toEqual(before);
  });

  it('reports every kind of row error with its line; all-or-nothing writes nothing, valid-rows exactly the good rows', async () => {
    const hr = await env.user(['HR Manager']);
    const a = await env.user();
    const b = await env.user();
    const c = await env.user();
    const assigned = await env.user();
    const finished = await env.user();
    const noAccount = `TA-${env.dialect}-none`;
    const codeB = `TA-${env.dialect}-b`;
    await employee(env, codeB, b.id);
    await employee(env, noAccount, null);
    const course = await makeCourse(env, { title: 'Forklift basics' });
    const other = await makeCourse(env, { title: 'Ladder safety' });
    await makeCourse(env, { title: 'Twin course' });
    await makeCourse(env, { title: 'Twin course' });
    // c is enrolled already (by hand): the assignment reuses that enrollment.
    const moderator = await env.user(['Moderator']);
    const enrolled = await env.req('POST', '/api/enrollments', { as: moderator, body: { courseId: course.courseId, memberId: c.id } });
    expect(enrolled.statusCode).toBe(201);
    // assigned has an open assignment for the course; finished completed it.
    const pre = await env.req('POST', '/api/training-assignments', {
      as: hr,
      body: { courseId: course.courseId, dueDate: DUE, memberIds: [assigned.id] },
    });
    expect(pre.statusCode).toBe(201);
    const now = nowIso();
    await env.ctx.db
      .insertInto('enrollments')
      .values({
        id: newId(),
        member_id: finished.id,
        course_id: course.courseId,
        completed_lessons: 4,
        current_lesson_id: null,
        source: 'admin',
        batch_id: null,
        payment_id: null,
        completed_at: now,
        last_activity_at: now,
        created_by: null,
        created_at: now,
      })
      .execute();
    const lines = [
      'memberEmail,employeeCode,courseId,courseTitle,dueDate', // 1
      `${a.email.toUpperCase()},,${course.courseId},,${DUE}`, // 2 good
      `,${codeB},,Ladder safety,2099-01-31`, // 3 good: employee code + title
      `${c.email},,${course.courseId},,${DUE}`, // 4 good: reuses the enrollment
      `nobody@example.com,,${course.courseId},,${DUE}`, // 5 unknown email
      `,NO-SUCH-CODE,${course.courseId},,${DUE}`, // 6 unknown code
      `,${noAccount},${course.courseId},,${DUE}`, // 7 employee without a user
      `not-an-email,,${course.courseId},,${DUE}`, // 8 bad email
      `${b.email},,0000000000000000000000zzzz,,${DUE}`, // 9 unknown course id
      `${b.email},,,No such course,${DUE}`, // 10 unknown title
      `${b.email},,,Twin course,${DUE}`, // 11 ambiguous title
      `${b.email},,${course.courseId},Wrong title,${DUE}`, // 12 title does not match
      `${b.email},,${course.courseId},,`, // 13 no due date
      `${b.email},,${course.courseId},,2099-02-30`, // 14 bad due date
      `${b.email},,${course.courseId},,2001-01-01`, // 15 due date in the past
      `${a.email},,,Forklift basics,2099-07-01`, // 16 duplicate of row 2
      `${assigned.email},,${course.courseId},,${DUE}`, // 17 open assignment: skipped
      `${finished.email},,${course.courseId},,${DUE}`, // 18 completed: skipped
      `,,${course.courseId},,${DUE}`, // 19 no member
      `${b.email},,,,${DUE}`, // 20 no course
    ];
    const csv = lines.join('\n') + '\n';
    const before = await counts(env);
    const res = await importCsv(env, hr, csv);
    expect(res.statusCode).toBe(200);
    const s = json<ImportState>(res);
    expect(s).toMatchObject({ kind: 'training-assignments', status: 'failed', created: 0 });
    for (const row of [2, 3, 4, 17, 18]) expect(errorsAt(s, row)).toEqual([]);
    expectOneError(s, 5, 'memberEmail', 'No user has the email nobody@example.com');
    expectOneError(s, 6, 'employeeCode', 'No employee has the code "NO-SUCH-CODE"');
    expectOneError(s, 7, 'employeeCode', 'has no user account');
    expectOneError(s, 8, 'memberEmail', 'not an email');
    expectOneError(s, 9, 'courseId', 'No course has the id');
    expectOneError(s, 10, 'courseTitle', 'No course is titled "No such course"');
    expectOneError(s, 11, 'courseTitle', '2 courses are titled "Twin course"');
    expectOneError(s, 12, 'courseTitle', 'is titled "Forklift basics"');
    expectOneError(s, 13, 'dueDate', 'The due date is empty');
    expectOneError(s, 14, 'dueDate', 'not a date');
    expectOneError(s, 15, 'dueDate', 'in the past');
    expectOneError(s, 16, null, 'Duplicate of row 2: the same member and course');
    expectOneError(s, 19, 'memberEmail', 'Give the member');
    expectOneError(s, 20, 'courseId', 'Give the course');
    expect(s.errorCount).toBe(14);
    expect(s.skipped).toBe(2);
    expect(s.total).toBe(19);
    expect(await counts(env)).toEqual({ ...before, imports: before.imports + 1 });

    const vr = json<ImportState>(await importCsv(env, hr, csv, { mode: 'valid-rows' }));
    expect(vr).toMatchObject({ status: 'done', created: 3, skipped: 2, errorCount: 14 });
    const after = await counts(env);
    expect(after.assignments).toBe(before.assignments + 3);
    expect(after.enrollments).toBe(before.enrollments + 2);
    const rows = await env.ctx.db
      .selectFrom('training_assignments as ta')
      .innerJoin('enrollments as e', 'e.id', 'ta.enrollment_id')
      .select(['ta.member_id', 'ta.course_id', 'ta.due_date', 'ta.status', 'ta.source', 'ta.created_by', 'e.source as enrollment_source'])
      .where('ta.member_id', 'in', [a.id, b.id, c.id])
      .execute();
    expect(rows.map((r) => [r.member_id, r.course_id, r.due_date, r.status, r.source, r.enrollment_source]).sort()).toEqual(
      [
        [a.id, course.courseId, DUE, 'open', 'import', 'assignment'],
        [b.id, other.courseId, '2099-01-31', 'open', 'import', 'assignment'],
        [c.id, course.courseId, DUE, 'open', 'import', 'admin'],
      ].sort(),
    );
    expect(rows.every((r) => r.created_by === hr.id)).toBe(true);
    const audit = await env.ctx.db.selectFrom('audit_log').select(['entity', 'action']).where('import_id', '=', vr.id).execute();
    expect(audit.filter((x) => x.entity === 'training_assignment' && x.action === 'create')).toHaveLength(3);
    expect(audit.filter((x) => x.entity === 'enrollment' && x.action === 'create')).toHaveLength(2);
    expect(audit.filter((x) => x.entity === 'import')).toHaveLength(1);
    expect(after.audit).toBe(before.audit + 6);

    // Re-importing creates nothing: every good row has its open assignment now.
    const good = [lines[0], lines[1], lines[2], lines[3], lines[16], lines[17]].join('\n') + '\n';
    const again = json<ImportState>(await importCsv(env, hr, good));
    expect(again).toMatchObject({ status: 'done', created: 0, skipped: 5, errorCount: 0 });
    const last = await counts(env);
    expect(last).toEqual({ ...after, audit: after.audit + 1, imports: after.imports + 1 });
  });

  it('parallel imports of overlapping files create one open assignment and one enrollment per member', async () => {
    const hr = await env.user(['HR User']);
    const users = await Promise.all(Array.from({ length: 60 }, () => env.user()));
    const { courseId } = await makeCourse(env, { title: 'Parallel assignments' });
    const file = (from: number, to: number) =>
      'memberEmail,courseId,dueDate\n' +
      users
        .slice(from, to)
        .map((u) => `${u.email},${courseId},${DUE}\n`)
        .join('');
    const files = [file(0, 40), file(20, 60), file(10, 50), file(0, 60)];
    const before = await counts(env);
    const results = await Promise.all(files.map((f, i) => importCsv(env, hr, f, i % 2 ? { mode: 'valid-rows' } : {})));
    const states = results.map((r) => json<ImportState>(r));
    for (const s of states) {
      expect(s).toMatchObject({ status: 'done', errorCount: 0 });
      expect(s.created + s.skipped).toBe(s.total);
    }
    expect(states.reduce((n, s) => n + s.created, 0)).toBe(60);
    const after = await counts(env);
    expect(after.assignments).toBe(before.assignments + 60);
    expect(after.enrollments).toBe(before.enrollments + 60);
  }, 60_000);

  it('refuses a file that is not CSV or is too large and writes nothing', async () => {
    const hr = await env.user(['HR Manager']);
    const before = await counts(env);
    const post = (body: Buffer, headers: Record<string, string>) =>
      env.req('POST', '/api/training-assignments/import?wait=true', { as: hr, body, headers });
    const pdf = upload(samples.pdf, {}, 'assignments.csv');
    const r1 = await post(pdf.body, pdf.headers);
    expect(r1.statusCode).toBe(415);
    expect(json(r1).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = upload(Buffer.alloc(IMPORT_MAX_BYTES + 10, 'a'));
    const r2 = await post(big.body, big.headers);
    expect(r2.statusCode).toBe(413);
    expect(json(r2)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: IMPORT_MAX_BYTES });
    const noDue = json<ImportState>(await importCsv(env, hr, 'memberEmail,courseId\nx@example.com,y\n'));
    expect(noDue.status).toBe('failed');
    expect(errorsAt(noDue, 1)).toEqual([[null, 'The header needs a dueDate column.']]);
    expect(await counts(env)).toEqual({ ...before, imports: before.imports + 1 });
  });
});

describeDb('import permissions', (env) => {
  it('each kind answers exactly the roles the desk offers it to (IMPORT_ROLES)', async () => {
    for (const role of ROLES) {
      const u = await env.user([role]);
      for (const kind of IMPORT_KINDS) {
        const res = await env.req('GET', `/api/${kind}/import-template`, { as: u });
        expect([kind, role, res.statusCode]).toEqual([kind, role, IMPORT_ROLES[kind].includes(role) ? 200 : 403]);
      }
    }
  });
});
