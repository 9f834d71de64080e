import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv } from '../../../../test/helpers/harness.ts';
import { samples } from '../../../../test/helpers/multipart.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { Jobs } from '../../platform/jobs.ts';
import { IMPORT_MAX_BYTES } from '../../platform/imports.routes.ts';
import { IMPORT_STALE_MS, reapStaleImports, staleImportsJob } from '../../platform/imports-stale.ts';
import type { ImportState } from '../../../contract/imports.ts';
import { csvUpload, errorsAt, expectOneError, importerFor } from '../../../../test/helpers/imports.ts';

const HEADER = 'employeeCode,fullName,email,department,designation,reportsTo,dateOfJoining,status';

const upload = (csv: string | Buffer, fields: Record<string, string> = {}, filename = 'employees.csv') => csvUpload(csv, fields, filename);

const importCsv = importerFor('/api/employees/import', 'employees.csv');

async function counts(env: TestEnv) {
  return {
    employees: await env.count('employees'),
    roles: await env.count('user_roles'),
    audit: await env.count('audit_log'),
    departments: await env.count('departments'),
    imports: await env.count('imports'),
  };
}

async function named(env: TestEnv, table: 'departments' | 'designations', name: string): Promise<string> {
  const id = newId();
  await env.ctx.db.insertInto(table).values({ id, name, created_at: nowIso() }).execute();
  return id;
}

async function employee(env: TestEnv, code: string, userId: string | null = null): Promise<string> {
  const id = newId();
  const now = nowIso();
  await env.ctx.db
    .insertInto('employees')
    .values({ id, employee_code: code, full_name: `Employee ${code}`, user_id: userId, status: 'active', created_at: now, updated_at: now })
    .execute();
  return id;
}

async function rolesOf(env: TestEnv, userId: string): Promise<string[]> {
  const rows = await env.ctx.db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute();
  return rows.map((r) => r.role).sort();
}

describeDb('employee import', (env) => {
  it('serves the template to HR and refuses everyone else', async () => {
    const hr = await env.user(['HR User']);
    const res = await env.req('GET', '/api/employees/import-template', { as: hr });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toBe(`${HEADER}\r\n`);
    const before = await counts(env);
    for (const roles of [['LMS Student'], ['Moderator'], ['Course Creator']] as const) {
      const u = await env.user([...roles]);
      expect((await env.req('GET', '/api/employees/import-template', { as: u })).statusCode).toBe(403);
      const denied = await importCsv(env, u, `${HEADER}\nX-1,Someone,,,,,,\n`);
      expect(denied.statusCode).toBe(403);
      expect(json(denied).code).toBe('FORBIDDEN');
    }
    expect((await env.req('GET', '/api/employees/import-template')).statusCode).toBe(401);
    // An HR user's import is theirs: a learner polling it gets 404.
    const s = json<ImportState>(await importCsv(env, hr, `${HEADER}\nPERM-1,Perm One,,,,,,\n`));
    expect(s).toMatchObject({ kind: 'employees', status: 'done', created: 1 });
    const learner = await env.user();
    expect((await env.req('GET', `/api/imports/${s.id}`, { as: learner })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/imports/${s.id}`, { as: hr })).statusCode).toBe(200);
    const after = await counts(env);
    expect(after.employees).toBe(before.employees + 1);
  });

  it('reports every kind of row error with its line; all-or-nothing writes nothing, valid-rows exactly the good rows', async () => {
    const hr = await env.user(['HR Manager']);
    const ann = await env.user([]);
    const bea = await env.user([]);
    const linked = await env.user([]);
    await named(env, 'departments', 'Safety');
    await named(env, 'designations', 'Inspector');
    await employee(env, 'A-BOSS');
    await employee(env, 'A-LINKED', linked.id);
    const lines = [
      HEADER, // 1
      `A-2,Ann Able,${ann.email.toUpperCase()},Safety,Inspector,A-3,2024-01-15,active`, // 2 good, manager is row 3 (later)
      'A-3,Bo Brown,,Safety,,,,', // 3 good
      'A-4,Cy,,Nowhere,,,,', // 4 unknown department
      'A-5,Di,,,,,2024-02-30,', // 5 bad date
      'A-3,Bo Again,,,,,,', // 6 duplicate code of row 3
      `A-7,Ed,${linked.email},,,,,`, // 7 user linked to another employee
      'A-8,Flo,,,,NO-SUCH,,', // 8 unknown manager
      'A-9,Gus,nobody@example.com,,,,,', // 9 unknown user
      'A-BOSS,Already There,,,,,,', // 10 existing code: skipped
      'A-11,Hal,,,,,,retired', // 11 bad status
      'A-12,,,,,,,', // 12 no name
      'A-13,Ida,,,,A-4,,', // 13 manager's row has errors
      'A-14,Jo,,,,A-14,,', // 14 reports to themself
      'A-15,Kit,,,Astronaut,,,', // 15 unknown designation
      `A-16,Lu,${ann.email},,,,,`, // 16 the same user as row 2
      `A-17,Mo,${bea.email},,,A-BOSS,2023-05-01,left`, // 17 good, manager already there
      'A-18,Ned,,,,A-19,,', // 18 loop
      'A-19,Oz,,,,A-18,,', // 19 loop
      'A-20,Pat,not-an-email,,,,,', // 20 bad email
      'A-21,Quin,,,,A-13,,', // 21 manager's row is dropped in turn
    ];
    const csv = lines.join('\n') + '\n';
    const before = await counts(env);
    const res = await importCsv(env, hr, csv);
    expect(res.statusCode).toBe(200);
    const s = json<ImportState>(res);
    expect(s.status).toBe('failed');
    expect(s.created).toBe(0);
    expect(errorsAt(s, 2)).toEqual([]);
    expect(errorsAt(s, 3)).toEqual([]);
    expectOneError(s, 4, 'department', 'No department is named "Nowhere"');
    expectOneError(s, 5, 'dateOfJoining', 'not a date');
    expectOneError(s, 6, null, 'Duplicate of row 3: the same employee code');
    expectOneError(s, 7, 'email', 'already linked to the employee "A-LINKED"');
    expectOneError(s, 8, 'reportsTo', 'No employee has the code "NO-SUCH"');
    expectOneError(s, 9, 'email', 'No user has the email nobody@example.com');
    expect(errorsAt(s, 10)).toEqual([]);
    expectOneError(s, 11, 'status', 'Unknown status "retired"');
    expectOneError(s, 12, 'fullName', 'empty');
    expectOneError(s, 13, 'reportsTo', 'The manager "A-4" (row 4) is not imported');
    expectOneError(s, 14, 'reportsTo', 'cannot report to themself');
    expectOneError(s, 15, 'designation', 'No designation is named "Astronaut"');
    expectOneError(s, 16, 'email', 'already linked to the employee of row 2');
    expect(errorsAt(s, 17)).toEqual([]);
    expectOneError(s, 18, 'reportsTo', 'reporting loop');
    expectOneError(s, 19, 'reportsTo', 'reporting loop');
    expectOneError(s, 20, 'email', 'not an email');
    expectOneError(s, 21, 'reportsTo', 'The manager "A-13" (row 13) is not imported');
    expect(s.errorCount).toBe(16);
    expect(s.skipped).toBe(1);
    expect(s.total).toBe(20);
    expect(await counts(env)).toEqual({ ...before, imports: before.imports + 1 });
    expect(await rolesOf(env, ann.id)).toEqual([]);

    const vr = json<ImportState>(await importCsv(env, hr, csv, { mode: 'valid-rows' }));
    expect(vr).toMatchObject({ status: 'done', created: 3, skipped: 1, errorCount: 16 });
    const rows = await env.ctx.db
      .selectFrom('employees as e')
      .leftJoin('departments as d', 'd.id', 'e.department_id')
      .leftJoin('designations as g', 'g.id', 'e.designation_id')
      .leftJoin('employees as m', 'm.id', 'e.reports_to_id')
      .select([
        'e.employee_code',
        'e.full_name',
        'e.user_id',
        'd.name as dept',
        'g.name as desig',
        'm.employee_code as manager',
        'e.date_of_joining',
        'e.status',
        'e.left_on',
        'e.created_by',
      ])
      .where('e.employee_code', 'like', 'A-%')
      .where('e.employee_code', 'not in', ['A-BOSS', 'A-LINKED'])
      .orderBy('e.employee_code')
      .execute();
    expect(rows.map((r) => [r.employee_code, r.full_name, r.user_id, r.dept, r.desig, r.manager, r.date_of_joining, r.status])).toEqual([
      ['A-17', 'Mo', bea.id, null, null, 'A-BOSS', '2023-05-01', 'left'],
      ['A-2', 'Ann Able', ann.id, 'Safety', 'Inspector', 'A-3', '2024-01-15', 'active'],
      ['A-3', 'Bo Brown', null, 'Safety', null, null, null, 'active'],
    ]);
    expect(rows.every((r) => r.created_by === hr.id)).toBe(true);
    expect(rows[0]!.left_on).not.toBeNull();
    // on_employee_created: the linked users are LMS Students now, in the import's transaction.
    expect(await rolesOf(env, ann.id)).toEqual(['LMS Student']);
    expect(await rolesOf(env, bea.id)).toEqual(['LMS Student']);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['entity', 'action', 'entity_id'])
      .where('import_id', '=', vr.id)
      .execute();
    expect(audit.filter((a) => a.entity === 'employee' && a.action === 'create')).toHaveLength(3);
    expect(
      audit
        .filter((a) => a.action === 'grant-role')
        .map((a) => a.entity_id)
        .sort(),
    ).toEqual([ann.id, bea.id].sort());
    expect(audit.filter((a) => a.entity === 'import')).toHaveLength(1);
    const after = await counts(env);
    expect(after.employees).toBe(before.employees + 3);
    expect(after.roles).toBe(before.roles + 2);
    expect(after.departments).toBe(before.departments);

    // Re-importing creates nothing: the good rows are skipped now.
    const good = [lines[0], lines[1], lines[2], lines[16]].join('\n') + '\n';
    const again = json<ImportState>(await importCsv(env, hr, good));
    expect(again).toMatchObject({ status: 'done', created: 0, skipped: 3, errorCount: 0 });
    const last = await counts(env);
    expect({ ...last, audit: 0, imports: 0 }).toEqual({ ...after, audit: 0, imports: 0 });
    expect(last.audit).toBe(after.audit + 1);
  });

  it('dryRun reports what would be created and writes nothing', async () => {
    const hr = await env.user(['HR Manager']);
    const u = await env.user([]);
    const before = await counts(env);
    const s = json<ImportState>(
      await importCsv(env, hr, `${HEADER}\nD-1,Dry One,${u.email},,,D-2,,\nD-2,Dry Two,,,,,,\n`, { dryRun: 'true' }),
    );
    expect(s).toMatchObject({ status: 'done', dryRun: true, created: 2, errorCount: 0 });
    expect(await counts(env)).toEqual({ ...before, imports: before.imports + 1 });
    expect(await rolesOf(env, u.id)).toEqual([]);
  });

  it('writes managers before their reports across write batches (a file of 2,500 in one chain of teams)', async () => {
    const hr = await env.user(['HR Manager']);
    // Every employee reports to the next row's employee: the managers all come later in the file.
    const n = 2500;
    let csv = `${HEADER}\n`;
    for (let i = 0; i < n; i++) csv += `CH-${i},Chain ${i},,,,${i + 1 < n ? `CH-${i + 1}` : ''},,\n`;
    const before = await env.count('employees');
    const s = json<ImportState>(await importCsv(env, hr, csv, { mode: 'valid-rows' }));
    expect(s).toMatchObject({ status: 'done', created: n, errorCount: 0 });
    expect(await env.count('employees')).toBe(before + n);
    const wrong = await env.ctx.db
      .selectFrom('employees as e')
      .leftJoin('employees as m', 'm.id', 'e.reports_to_id')
      .select(['e.employee_code', 'm.employee_code as manager'])
      .where('e.employee_code', 'like', 'CH-%')
      .execute();
    const bad = wrong.filter(
      (r) => r.manager !== (Number(r.employee_code.slice(3)) + 1 < n ? `CH-${Number(r.employee_code.slice(3)) + 1}` : null),
    );
    expect(bad).toEqual([]);
  }, 120_000);

  it('parallel imports of overlapping files create each employee once and grant each role once', async () => {
    const hr = await env.user(['HR Manager']);
    const users = await Promise.all(Array.from({ length: 40 }, () => env.user([])));
    const row = (i: number) => `P-${i},Parallel ${i},${i < users.length ? users[i]!.email : ''},,,${i > 0 ? `P-${i - 1}` : ''},,`;
    const file = (from: number, to: number) => `${HEADER}\n` + Array.from({ length: to - from }, (_, k) => row(from + k)).join('\n') + '\n';
    // Every file holds its own managers (rows start at 0), so each one is valid on its own.
    const files = [file(0, 120), file(0, 200), file(0, 160), file(0, 200)];
    const before = await counts(env);
    const results = await Promise.all(files.map((f, i) => importCsv(env, hr, f, i % 2 ? { mode: 'valid-rows' } : {})));
    const states = results.map((r) => json<ImportState>(r));
    for (const s of states) {
      expect(s.status).toBe('done');
      expect(s.created + s.skipped).toBe(s.total);
    }
    expect(states.reduce((n, s) => n + s.created, 0)).toBe(200);
    const after = await counts(env);
    expect(after.employees).toBe(before.employees + 200);
    expect(after.roles).toBe(before.roles + users.length);
    const managers = await env.ctx.db
      .selectFrom('employees as e')
      .innerJoin('employees as m', 'm.id', 'e.reports_to_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('e.employee_code', 'like', 'P-%')
      .executeTakeFirstOrThrow();
    expect(Number(managers.n)).toBe(199);
  }, 60_000);

  it('refuses a file that is not CSV or is too large, and one with a bad header', async () => {
    const hr = await env.user(['HR Manager']);
    const before = await counts(env);
    const post = (body: Buffer, headers: Record<string, string>) =>
      env.req('POST', '/api/employees/import?wait=true', { as: hr, body, headers });
    const png = upload(samples.png, {}, 'people.csv');
    const r1 = await post(png.body, png.headers);
    expect(r1.statusCode).toBe(415);
    expect(json(r1).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = upload(Buffer.alloc(IMPORT_MAX_BYTES + 10, 'a'));
    const r2 = await post(big.body, big.headers);
    expect(r2.statusCode).toBe(413);
    expect(json(r2)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: IMPORT_MAX_BYTES });
    expect(await counts(env)).toEqual(before);
    const h = json<ImportState>(await importCsv(env, hr, 'employeeCode,name\nH-1,Head\n'));
    expect(h.status).toBe('failed');
    expect(errorsAt(h, 1)).toEqual([
      ['name', expect.stringContaining('Unknown column "name"') as string],
      [null, 'The header needs a fullName column.'],
    ]);
    expect(await counts(env)).toEqual({ ...before, imports: before.imports + 1 });
  });

  it('ends imports left queued or running by a stopped process as failed; live ones are left alone', async () => {
    const hr = await env.user(['HR Manager']);
    const old = new Date(Date.now() - IMPORT_STALE_MS - 60_000).toISOString();
    const recent = nowIso();
    const base = {
      kind: 'employees',
      phase: 'validating',
      file_name: 'crashed.csv',
      mode: 'all-or-nothing',
      dry_run: 0,
      processed: 5,
      total: 10,
      created: 0,
      skipped: 0,
      error_count: 0,
      errors_json: '[]',
      created_by: hr.id,
      finished_at: null,
    };
    const crashed = newId();
    const neverStarted = newId();
    const alive = newId();
    const finished = newId();
    await env.ctx.db
      .insertInto('imports')
      .values([
        { ...base, id: crashed, status: 'running', created_at: old, heartbeat_at: old },
        { ...base, id: neverStarted, status: 'queued', created_at: old, heartbeat_at: null },
        { ...base, id: alive, status: 'running', created_at: old, heartbeat_at: recent },
        { ...base, id: finished, status: 'done', phase: 'finished', created_at: old, heartbeat_at: old, finished_at: old },
      ])
      .execute();
    // The jobs runner runs the reaper (each slot once).
    const jobs = new Jobs(env.ctx);
    jobs.register(staleImportsJob);
    expect(await jobs.runOnce(staleImportsJob.name, `test-${crashed}`)).toBe(true);
    const state = async (id: string) => json<ImportState>(await env.req('GET', `/api/imports/${id}`, { as: hr }));
    for (const id of [crashed, neverStarted]) {
      const s = await state(id);
      expect(s).toMatchObject({ status: 'failed', phase: 'finished', errorCount: 1 });
      expect(s.errors[0]!.message).toContain('the process running it ended');
      expect(s.finishedAt).not.toBeNull();
    }
    expect(await state(alive)).toMatchObject({ status: 'running', finishedAt: null });
    expect(await state(finished)).toMatchObject({ status: 'done', errorCount: 0 });
    // Running it again changes nothing.
    expect(await reapStaleImports(env.ctx)).toEqual([]);
  });
});
