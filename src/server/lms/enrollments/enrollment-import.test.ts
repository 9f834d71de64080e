import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { multipart, samples } from '../../../../test/helpers/multipart.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { readCsv } from '../../platform/csv.ts';
import { IMPORT_MAX_BYTES } from '../../platform/imports.routes.ts';
import type { ImportState } from '../../../contract/imports.ts';
import { bulkUsers, csvUpload, errorsAt, expectOneError, importerFor } from '../../../../test/helpers/imports.ts';

const upload = (csv: string | Buffer, fields: Record<string, string> = {}, filename = 'enrollments.csv') =>
  csvUpload(csv, fields, filename);

const importCsv = importerFor('/api/enrollments/import', 'enrollments.csv');

async function parseCsv(text: string): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of readCsv(Readable.from([Buffer.from(text)]))) out.push(r.fields);
  return out;
}

type AuditAfter = { courseId?: string; memberId?: string; dueDate?: string; importRow?: number };
const auditAfter = (text: string | null) => JSON.parse(text ?? 'null') as AuditAfter;

async function counts(env: TestEnv) {
  return { enrollments: await env.count('enrollments'), audit: await env.count('audit_log'), imports: await env.count('imports') };
}

describeDb('enrollment import and export', (env) => {
  it('serves the template header and refuses learners', async () => {
    const admin = await env.user(['Moderator']);
    const res = await env.req('GET', '/api/enrollments/import-template', { as: admin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toBe('memberEmail,employeeCode,courseId,courseTitle,source,dueDate\r\n');
    const learner = await env.user();
    expect((await env.req('GET', '/api/enrollments/import-template', { as: learner })).statusCode).toBe(403);
    const { body, headers } = upload('memberEmail,courseId\n');
    const denied = await env.req('POST', '/api/enrollments/import?wait=true', { as: learner, body, headers });
    expect(denied.statusCode).toBe(403);
    expect(json(denied).code).toBe('FORBIDDEN');
    expect((await env.req('GET', '/api/enrollments/import-template')).statusCode).toBe(401);
  });

  it('imports a BOM + semicolon file with quoted multi-line fields, audits every row under one import, and re-importing creates nothing', async () => {
    const admin = await env.user(['Moderator']);
    const a = await env.user();
    const b = await env.user();
    const c1 = await makeCourse(env, { title: 'Fire safety; level 1' });
    const c2 = await makeCourse(env, { title: `Data "privacy"` });
    const c3 = await makeCourse(env, { title: 'First aid\nrefresher' });
    const csv =
      '\uFEFFmemberEmail;courseId;courseTitle;source;dueDate;batchId\r\n' +
      `${a.email.toUpperCase()};${c1.courseId};;;2027-01-31;\r\n` +
      `${b.email};;"Data ""privacy""";assignment;;\r\n` +
      `"${a.email}";;"First aid\nrefresher";;;\r\n` +
      `${a.email};;Data "privacy";;;\r\n`;
    const before = await counts(env);
    const res = await importCsv(env, admin, csv);
    expect(res.statusCode).toBe(200);
    const state = json<ImportState>(res);
    expect(state).toMatchObject({
      kind: 'enrollments',
      status: 'done',
      total: 4,
      processed: 4,
      created: 4,
      skipped: 0,
      errorCount: 0,
      errors: [],
      dryRun: false,
      mode: 'all-or-nothing',
    });
    expect(state.fileName).toBe('enrollments.csv');
    const rows = await env.ctx.db.selectFrom('enrollments').selectAll().where('member_id', 'in', [a.id, b.id]).orderBy('id').execute();
    expect(rows.map((r) => [r.member_id, r.course_id, r.source]).sort()).toEqual(
      [
        [a.id, c1.courseId, 'import'],
        [b.id, c2.courseId, 'assignment'],
        [a.id, c3.courseId, 'import'],
        [a.id, c2.courseId, 'import'],
      ].sort(),
    );
    expect(rows.every((r) => r.created_by === admin.id && r.completed_lessons === 0)).toBe(true);
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('import_id', '=', state.id).execute();
    expect(
      audit
        .filter((x) => x.entity === 'enrollment' && x.action === 'create')
        .map((x) => x.entity_id)
        .sort(),
    ).toEqual(rows.map((r) => r.id).sort());
    // The audit log API lists an import's entries, newest first, and nothing of other writes.
    const listed = json<{ items: { id: string; importId: string | null }[] }>(
      await env.req('GET', `/api/audit-log?importId=${state.id}&limit=100`, { as: admin }),
    ).items;
    expect(listed.map((x) => x.id)).toEqual(audit.map((x) => x.id).sort().reverse());
    expect(listed.every((x) => x.importId === state.id)).toBe(true);
    expect(json<{ items: unknown[] }>(await env.req('GET', '/api/audit-log?importId=no-such-import', { as: admin })).items).toEqual([]);
    expect((await env.req('GET', `/api/audit-log?importId=${'x'.repeat(65)}`, { as: admin })).statusCode).toBe(400);
    const summary = audit.find((x) => x.entity === 'import');
    expect(JSON.parse(summary!.after_json!)).toMatchObject({ fileName: 'enrollments.csv', created: 4, total: 4 });
    expect(summary!.actor_id).toBe(admin.id);
    const dueAudit = audit.find((x) => x.entity === 'enrollment' && auditAfter(x.after_json).courseId === c1.courseId);
    expect(auditAfter(dueAudit!.after_json)).toMatchObject({ dueDate: '2027-01-31', importRow: 2 });
    // The row with a due date also got an open training assignment due then (the others none).
    const assignments = await env.ctx.db
      .selectFrom('training_assignments')
      .select(['member_id', 'course_id', 'due_date', 'status', 'source'])
      .where('member_id', 'in', [a.id, b.id])
      .execute();
    expect(assignments).toEqual([{ member_id: a.id, course_id: c1.courseId, due_date: '2027-01-31', status: 'open', source: 'import' }]);
    expect(audit.filter((x) => x.entity === 'training_assignment')).toHaveLength(1);
    // The quoted title spans lines 4-5, so the last row is line 6.
    const last = audit.find(
      (x) => x.entity === 'enrollment' && auditAfter(x.after_json).courseId === c2.courseId && auditAfter(x.after_json).memberId === a.id,
    );
    expect(auditAfter(last!.after_json)).toMatchObject({ importRow: 6 });

    const again = json<ImportState>(await importCsv(env, admin, csv));
    expect(again).toMatchObject({ status: 'done', created: 0, skipped: 4, errorCount: 0 });
    const after = await counts(env);
    expect(after.enrollments).toBe(before.enrollments + 4);
    // 4 enrollments + 1 assignment + the summary; the second import writes only its own summary entry.
    expect(after.audit).toBe(before.audit + 6 + 1);

    const poll = await env.req('GET', `/api/imports/${state.id}`, { as: admin });
    expect(poll.statusCode).toBe(200);
    expect(json(poll)).toMatchObject({ id: state.id, status: 'done', created: 4 });
  });

  it('reports every kind of row error with the file line; all-or-nothing writes nothing', async () => {
    const admin = await env.user(['System Manager']);
    const m1 = await env.user();
    const m2 = await env.user();
    const enrolled = await env.user();
    const ok = await makeCourse(env, { title: 'Ladder use' });
    const draft = await makeCourse(env, { title: 'Draft course', published: false });
    await makeCourse(env, { title: 'Twin' });
    await makeCourse(env, { title: 'Twin' });
    await env.req('POST', '/api/enrollments', { as: admin, body: { courseId: ok.courseId, memberId: enrolled.id } });
    const lines = [
      'memberEmail,employeeCode,courseId,courseTitle,source,dueDate', // 1
      `${m1.email},,${ok.courseId},,,2027-02-01`, // 2 good
      `nobody@example.com,,${ok.courseId},,,`, // 3 unknown member
      `${m2.email},,0000000000000000000000zzzz,,,`, // 4 unknown course id
      `${m2.email},,,"No such\ncourse",,`, // 5-6 unknown title (quoted newline)
      `${m2.email},,${draft.courseId},,,`, // 7 unpublished
      `${m2.email},,${ok.courseId},,,2027-02-30`, // 8 bad date
      `${m1.email},,,Ladder use,,`, // 9 duplicate of row 2
      `${enrolled.email},,${ok.courseId},,,`, // 10 already enrolled: skipped
      `${m2.email},,,Twin,,`, // 11 ambiguous title
      `${m2.email},,${ok.courseId},,self,`, // 12 bad source
      `,E-1001,${ok.courseId},,,`, // 13 unknown employee code
      `not-an-email,,${ok.courseId},,,`, // 14 bad email
      `${m2.email},,,,,`, // 15 no course
      '', // 16 blank line: ignored
      `${m2.email},,${ok.courseId},Wrong title,,`, // 17 title does not match id
    ];
    const csv = lines.join('\n') + '\n';
    const before = await counts(env);
    const res = await importCsv(env, admin, csv);
    expect(res.statusCode).toBe(200);
    const s = json<ImportState>(res);
    expect(s.status).toBe('failed');
    expect(s.created).toBe(0);
    expect(errorsAt(s, 2)).toEqual([]);
    expect(errorsAt(s, 3)).toEqual([['memberEmail', 'No user has the email nobody@example.com.']]);
    expectOneError(s, 4, 'courseId', 'No course has the id');
    expectOneError(s, 5, 'courseTitle', 'No course is titled');
    expectOneError(s, 7, 'courseId', 'not published');
    expectOneError(s, 8, 'dueDate', 'not a date');
    expectOneError(s, 9, null, 'Duplicate of row 2');
    expect(errorsAt(s, 10)).toEqual([]);
    expectOneError(s, 11, 'courseTitle', '2 courses are titled "Twin"');
    expectOneError(s, 12, 'source', 'Unknown source');
    expectOneError(s, 13, 'employeeCode', 'No employee has the code "E-1001"');
    expectOneError(s, 14, 'memberEmail', 'not an email');
    expectOneError(s, 15, 'courseId', 'Give the course');
    expectOneError(s, 17, 'courseTitle', 'is titled "Ladder use"');
    expect(s.errorCount).toBe(12);
    expect(s.skipped).toBe(1);
    expect(s.total).toBe(14);
    expect(s.processed).toBe(14);
    expect(await counts(env)).toEqual({ ...before, imports: before.imports + 1 });

    // valid-rows: exactly the one good row is written.
    const vr = json<ImportState>(await importCsv(env, admin, csv, { mode: 'valid-rows' }));
    expect(vr).toMatchObject({ status: 'done', created: 1, skipped: 1, errorCount: 12 });
    const after = await counts(env);
    expect(after.enrollments).toBe(before.enrollments + 1);
    const row = await env.ctx.db.selectFrom('enrollments').selectAll().where('member_id', '=', m1.id).execute();
    expect(row.map((r) => r.course_id)).toEqual([ok.courseId]);
    expect(await env.count('enrollments')).toBe(before.enrollments + 1);
  });

  it('finds members by HR employee code; an employee without a user account is a row error', async () => {
    const admin = await env.user(['Moderator']);
    const linked = await env.user();
    const { courseId } = await makeCourse(env);
    const now = nowIso();
    const code = `E-${env.dialect}-1`;
    const loose = `E-${env.dialect}-2`;
    await env.ctx.db
      .insertInto('employees')
      .values([
        { id: newId(), employee_code: code, full_name: 'Linked', user_id: linked.id, status: 'active', created_at: now, updated_at: now },
        { id: newId(), employee_code: loose, full_name: 'No account', user_id: null, status: 'active', created_at: now, updated_at: now },
      ])
      .execute();
    const before = await env.count('enrollments');
    const s = json<ImportState>(
      await importCsv(env, admin, `employeeCode,courseId\n${code},${courseId}\n${loose},${courseId}\n`, { mode: 'valid-rows' }),
    );
    expect(s).toMatchObject({ status: 'done', created: 1, errorCount: 1 });
    expectOneError(s, 3, 'employeeCode', 'has no user account');
    const rows = await env.ctx.db.selectFrom('enrollments').select(['member_id', 'course_id']).where('course_id', '=', courseId).execute();
    expect(rows).toEqual([{ member_id: linked.id, course_id: courseId }]);
    expect(await env.count('enrollments')).toBe(before + 1);
  });

  it('dryRun validates and counts without writing', async () => {
    const admin = await env.user(['Moderator']);
    const m = await env.user();
    const { courseId } = await makeCourse(env);
    const before = await counts(env);
    const s = json<ImportState>(
      await importCsv(env, admin, `memberEmail,courseId\n${m.email},${courseId}\n`, { dryRun: 'true', mode: 'valid-rows' }),
    );
    expect(s).toMatchObject({ status: 'done', dryRun: true, mode: 'valid-rows', created: 1, errorCount: 0 });
    const after = await counts(env);
    expect(after).toEqual({ ...before, imports: before.imports + 1 });
  });

  it('refuses bad uploads with clear errors and writes nothing', async () => {
    const admin = await env.user(['Moderator']);
    const before = await counts(env);
    const as = admin;
    const post = (body: Buffer | string, headers: Record<string, string>, query = '?wait=true') =>
      env.req('POST', `/api/enrollments/import${query}`, { as, body, headers });

    const notMultipart = await post(JSON.stringify({ file: 'x' }), { 'content-type': 'application/json' });
    expect(notMultipart.statusCode).toBe(415);
    expect(json(notMultipart).code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const noFile = multipart([{ name: 'mode', data: 'valid-rows' }]);
    const r1 = await post(noFile.body, noFile.headers);
    expect(r1.statusCode).toBe(400);
    expect(json(r1)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'file' }] });

    const wrongPart = multipart([{ name: 'upload', filename: 'x.csv', data: 'a,b\n' }]);
    expect((await post(wrongPart.body, wrongPart.headers)).statusCode).toBe(400);

    const twoFiles = multipart([
      { name: 'file', filename: 'a.csv', data: 'memberEmail,courseId\n' },
      { name: 'file', filename: 'b.csv', data: 'memberEmail,courseId\n' },
    ]);
    const r0 = await post(twoFiles.body, twoFiles.headers);
    expect(r0.statusCode).toBe(400);
    expect(json(r0)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'file' }] });

    const empty = upload('');
    expect(json(await post(empty.body, empty.headers))).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'file' }] });

    const png = upload(samples.png, {}, 'photo.csv');
    const r2 = await post(png.body, png.headers);
    expect(r2.statusCode).toBe(415);
    expect(json(r2).code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const latin1 = upload(Buffer.from('memberEmail,courseTitle\nx@example.com,Caf\xe9\n', 'latin1'));
    expect((await post(latin1.body, latin1.headers)).statusCode).toBe(415);

    const big = upload(Buffer.alloc(IMPORT_MAX_BYTES + 10, 'a'));
    const r3 = await post(big.body, big.headers);
    expect(r3.statusCode).toBe(413);
    expect(json(r3)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: IMPORT_MAX_BYTES });

    const unknownField = upload('memberEmail,courseId\n', { colour: 'blue' });
    const r4 = await post(unknownField.body, unknownField.headers);
    expect(r4.statusCode).toBe(400);
    expect(json(r4).code).toBe('VALIDATION_FAILED');

    const badMode = upload('memberEmail,courseId\n', { mode: 'some-rows' });
    expect(json(await post(badMode.body, badMode.headers))).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'mode' }] });
    const badDry = upload('memberEmail,courseId\n', { dryRun: 'yes' });
    expect(json(await post(badDry.body, badDry.headers))).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'dryRun' }] });

    const ok = upload('memberEmail,courseId\n');
    expect((await post(ok.body, ok.headers, '?wait=maybe')).statusCode).toBe(400);
    expect((await post(ok.body, ok.headers, '?wait=true&extra=1')).statusCode).toBe(400);

    expect(await counts(env)).toEqual(before);
  });

  it('fails a file with a bad header or broken quoting, pointing at the line', async () => {
    const admin = await env.user(['Moderator']);
    const m = await env.user();
    const { courseId } = await makeCourse(env);
    const before = await env.count('enrollments');
    const h = json<ImportState>(await importCsv(env, admin, `memberEmial,courseId\n${m.email},${courseId}\n`));
    expect(h.status).toBe('failed');
    expect(errorsAt(h, 1)).toHaveLength(2);
    expect(errorsAt(h, 1)[0]![0]).toBe('memberEmial');
    expect(errorsAt(h, 1)[0]![1]).toContain('Unknown column');
    expect(errorsAt(h, 1)[1]).toEqual([null, 'The header needs a memberEmail or employeeCode column.']);
    const q = json<ImportState>(
      await importCsv(env, admin, `memberEmail,courseId\n${m.email},${courseId}\n"${m.email},${courseId}\n`, { mode: 'valid-rows' }),
    );
    expect(q.status).toBe('failed');
    expectOneError(q, 3, null, 'not valid CSV');
    const wide = json<ImportState>(await importCsv(env, admin, `memberEmail,courseId\n${m.email},${courseId},extra\n`));
    expect(wide.status).toBe('failed');
    expectOneError(wide, 2, null, '3 fields');
    expect(await env.count('enrollments')).toBe(before);
  });

  it('runs as a background job (202) that the caller polls; other users get 404', async () => {
    const admin = await env.user(['Course Creator']);
    const other = await env.user(['Course Creator']);
    const m = await env.user();
    const { courseId } = await makeCourse(env, { instructorIds: [admin.id] });
    const notMine = await makeCourse(env, { title: 'Not taught' });
    const { body, headers } = upload(`memberEmail,courseId\n${m.email},${courseId}\n${m.email},${notMine.courseId}\n`, {
      mode: 'valid-rows',
    });
    const res = await env.req('POST', '/api/enrollments/import', { as: admin, body, headers });
    expect(res.statusCode).toBe(202);
    const { importId } = json<{ importId: string }>(res);
    expect(res.headers.location).toBe(`/api/imports/${importId}`);
    let state: ImportState | null = null;
    for (let i = 0; i < 200; i++) {
      const p = await env.req('GET', `/api/imports/${importId}`, { as: admin });
      expect(p.statusCode).toBe(200);
      state = json<ImportState>(p);
      if (state.status === 'done' || state.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(state).toMatchObject({ status: 'done', created: 1, errorCount: 1 });
    expectOneError(state!, 3, 'courseId', 'courses you manage');
    expect((await env.req('GET', `/api/imports/${importId}`, { as: other })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/imports/0000000000000000000000zzzz`, { as: admin })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/imports/bad!id`, { as: admin })).statusCode).toBe(400);
    expect((await env.req('GET', `/api/imports/${importId}`)).statusCode).toBe(401);
  });

  it('imports 10,000 rows in one go', async () => {
    const admin = await env.user(['Moderator']);
    const users = await bulkUsers(env, 5000, `ten-${env.dialect}`);
    const c1 = await makeCourse(env, { title: 'Bulk A' });
    const c2 = await makeCourse(env, { title: 'Bulk B' });
    let csv = 'memberEmail,courseTitle\n';
    for (const u of users) csv += `${u.email},Bulk A\n${u.email},Bulk B\n`;
    const before = await counts(env);
    const started = Date.now();
    // All-or-nothing where it may run this large (PostgreSQL); SQLite takes one write batch that way.
    const mode = env.dialect === 'sqlite' ? 'valid-rows' : 'all-or-nothing';
    const s = json<ImportState>(await importCsv(env, admin, csv, { mode }));
    const ms = Date.now() - started;
    expect(s).toMatchObject({ status: 'done', total: 10_000, created: 10_000, errorCount: 0 });
    const after = await counts(env);
    expect(after.enrollments).toBe(before.enrollments + 10_000);
    expect(after.audit).toBe(before.audit + 10_001);
    const perCourse = await env.ctx.db
      .selectFrom('enrollments')
      .select(['course_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('course_id', 'in', [c1.courseId, c2.courseId])
      .groupBy('course_id')
      .execute();
    expect(perCourse.map((r) => Number(r.n))).toEqual([5000, 5000]);
    console.log(`[${env.dialect}] 10,000-row import took ${ms} ms`);
  }, 180_000);

  it('parallel imports of overlapping files create each enrollment once', async () => {
    const admin = await env.user(['Moderator']);
    const users = await bulkUsers(env, 300, `par-${env.dialect}`);
    const { courseId } = await makeCourse(env, { title: 'Parallel' });
    const file = (from: number, to: number) =>
      'memberEmail,courseId\n' +
      users
        .slice(from, to)
        .map((u) => `${u.email},${courseId}\n`)
        .join('');
    const files = [file(0, 200), file(100, 300), file(50, 250), file(0, 300)];
    const before = await counts(env);
    const results = await Promise.all(files.map((f, i) => importCsv(env, admin, f, i % 2 ? { mode: 'valid-rows' } : {})));
    const states = results.map((r) => json<ImportState>(r));
    expect(states.every((s) => s.status === 'done' && s.errorCount === 0)).toBe(true);
    expect(states.reduce((n, s) => n + s.created, 0)).toBe(300);
    for (const s of states) expect(s.created + s.skipped).toBe(s.total);
    const after = await counts(env);
    expect(after.enrollments).toBe(before.enrollments + 300);
    expect(after.audit).toBe(before.audit + 300 + 4);
  }, 60_000);

  it('exports exactly the rows of the filtered list, as the caller may see them', async () => {
    const admin = await env.user(['Moderator']);
    const learner = await env.user([], 'Zoë, "the" =learner');
    const { courseId, lessonIds } = await makeCourse(env, { title: 'Export me', lessons: 4 });
    const other = await makeCourse(env, { title: 'Other export' });
    const users = await bulkUsers(env, 60, `exp-${env.dialect}`);
    const csv =
      'memberEmail,courseId\n' +
      [...users.map((u) => `${u.email},${courseId}\n`), `${learner.email},${courseId}\n`, `${learner.email},${other.courseId}\n`].join('');
    expect(json<ImportState>(await importCsv(env, admin, csv)).created).toBe(62);
    // Give the learner some progress so the progress filters have something to tell apart.
    expect((await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);

    const listAll = async (as: TestUser, query: string, limit = 7) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await env.req('GET', `/api/enrollments?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { as });
        expect(res.statusCode).toBe(200);
        const page = json<{ items: { id: string }[]; nextCursor: string | null }>(res);
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    const exportRows = async (as: TestUser, query: string) => {
      const res = await env.req('GET', `/api/enrollments/export.csv?${query}`, { as });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const rows = await parseCsv(res.body);
      expect(rows[0]).toEqual([
        'id',
        'memberName',
        'memberEmail',
        'courseTitle',
        'progress',
        'status',
        'source',
        'createdAt',
        'completedAt',
        'lastActivityAt',
        'memberId',
        'courseId',
        'batchId',
        'suspendedAt',
        'suspendReason',
        'completedManuallyAt',
        'completedManuallyReason',
      ]);
      return rows.slice(1);
    };

    for (const query of [
      `courseId=${courseId}`,
      `courseId=${courseId}&progressMin=1&progressMax=100`,
      `courseId=${courseId}&progressMax=0`,
      'source=import',
    ]) {
      // source=import spans the earlier tests' imports too: several export pages of 2000.
      const listed = await listAll(admin, query, query === 'source=import' ? 500 : 7);
      const exported = await exportRows(admin, query);
      expect(exported.map((r) => r[0])).toEqual(listed);
      expect(listed.length).toBeGreaterThan(0);
    }
    const mine = await exportRows(learner, '');
    expect(mine.map((r) => r[0])).toEqual(await listAll(learner, ''));
    expect(mine).toHaveLength(2);
    const row = mine.find((r) => r[11] === courseId)!;
    expect(row.slice(1, 7)).toEqual(['Zoë, "the" =learner', learner.email, 'Export me', '25', 'active', 'import']);

    const bad = await env.req('GET', '/api/enrollments/export.csv?progressMin=5&progressMax=1', { as: admin });
    expect(bad.statusCode).toBe(400);
    expect((await env.req('GET', '/api/enrollments/export.csv?colour=red', { as: admin })).statusCode).toBe(400);
    expect((await env.req('GET', '/api/enrollments/export.csv')).statusCode).toBe(401);
  }, 120_000);
});
