import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv } from '../../../test/helpers/harness.ts';
import { csvUpload, errorsAt, expectOneError, importerFor } from '../../../test/helpers/imports.ts';
import { nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { settleImports } from '../platform/imports.service.ts';
import type { ImportState } from '../../contract/imports.ts';

const importCsv = importerFor('/api/users/import', 'users.csv');
const HEADER = 'email,fullName,roles,employeeCode';

async function employee(env: TestEnv, code: string, userId: string | null = null): Promise<string> {
  const id = newId();
  const now = nowIso();
  await env.ctx.db
    .insertInto('employees')
    .values({ id, employee_code: code, full_name: `Employee ${code}`, user_id: userId, status: 'active', created_at: now, updated_at: now })
    .execute();
  return id;
}

async function counts(env: TestEnv) {
  return {
    users: await env.count('users'),
    roles: await env.count('user_roles'),
    audit: await env.count('audit_log'),
    links: await env.count('password_links'),
    mail: await env.count('mail_outbox'),
  };
}

/** The set-password link secret of the invitation mailed to `email` (from the outbox), or null. */
async function invitationToken(env: TestEnv, email: string): Promise<string | null> {
  const rows = await env.ctx.db
    .selectFrom('mail_outbox')
    .select(['body_markdown', 'event'])
    .where('to_address', '=', email)
    .where('event', '=', 'account.invitation')
    .execute();
  if (rows.length === 0) return null;
  expect(rows).toHaveLength(1);
  return /set-password\?token=([A-Za-z0-9_-]+)/.exec(rows[0]!.body_markdown)?.[1] ?? null;
}

async function rolesOfEmail(env: TestEnv, email: string): Promise<string[]> {
  const rows = await env.ctx.db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('role')
    .where('users.email', '=', email)
    .execute();
  return rows.map((r) => r.role).sort();
}

describeDb('user import', (env) => {
  it('serves the template to System Managers and HR Managers only', async () => {
    const admin = await env.user(['System Manager']);
    const res = await env.req('GET', '/api/users/import-template', { as: admin });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(`${HEADER}\r\n`);
    expect((await env.req('GET', '/api/users/import-template', { as: await env.user(['HR Manager']) })).statusCode).toBe(200);
    for (const role of ['Moderator', 'HR User', 'Course Creator', 'LMS Student'] as const) {
      const u = await env.user([role]);
      expect((await env.req('GET', '/api/users/import-template', { as: u })).statusCode).toBe(403);
      expect((await importCsv(env, u, `${HEADER}\nx@example.com,X,,\n`)).statusCode).toBe(403);
    }
    expect((await env.req('GET', '/api/users/import-template')).statusCode).toBe(401);
  });

  it('creates accounts with roles, links employees, audits who created them and mails each an invitation (no password anywhere)', async () => {
    const admin = await env.user(['System Manager']);
    const tag = `${env.dialect}${Date.now().toString(36)}`;
    const code = `U-${tag}-1`;
    const employeeId = await employee(env, code);
    const before = await counts(env);
    const csv = [
      HEADER,
      `Ada.${tag}@Example.com,Ada Lovelace,Moderator; course creator,`,
      `bob.${tag}@example.com,Bob Builder,,${code}`,
      `"cy.${tag}@example.com"," Cy Twombly ",HR User,`,
    ].join('\n');
    const res = await importCsv(env, admin, csv);
    expect(res.statusCode).toBe(200);
    const s = json<ImportState>(res);
    expect(s).toMatchObject({ kind: 'users', status: 'done', created: 3, skipped: 0, errorCount: 0 });
    expect(s).not.toHaveProperty('credentials');
    const tokens = await Promise.all(['ada', 'bob', 'cy'].map((n) => invitationToken(env, `${n}.${tag}@example.com`)));
    expect(tokens.every((t) => t !== null && t.length === 43)).toBe(true);
    expect(new Set(tokens).size).toBe(3);
    const created = await env.ctx.db.selectFrom('users').select('password_hash').where('email', 'like', `%.${tag}@example.com`).execute();
    expect(created.map((u) => u.password_hash)).toEqual([null, null, null]);
    expect(await rolesOfEmail(env, `ada.${tag}@example.com`)).toEqual(['Course Creator', 'Moderator']);
    expect(await rolesOfEmail(env, `bob.${tag}@example.com`)).toEqual(['LMS Student']);
    expect(await rolesOfEmail(env, `cy.${tag}@example.com`)).toEqual(['HR User']);
    const cy = await env.ctx.db.selectFrom('users').selectAll().where('email', '=', `cy.${tag}@example.com`).executeTakeFirstOrThrow();
    expect(cy.full_name).toBe('Cy Twombly');
    const bob = await env.ctx.db.selectFrom('users').select('id').where('email', '=', `bob.${tag}@example.com`).executeTakeFirstOrThrow();
    expect(
      (await env.ctx.db.selectFrom('employees').select('user_id').where('id', '=', employeeId).executeTakeFirstOrThrow()).user_id,
    ).toBe(bob.id);

    // The invitation's link sets a password that logs in.
    const chosen = 'violet kettle harbour 42';
    const set = await env.req('POST', '/api/auth/set-password', { body: { token: tokens[1], password: chosen } });
    expect(set.statusCode, set.body).toBe(200);
    const login = await env.req('POST', '/api/auth/login', { body: { email: `bob.${tag}@example.com`, password: chosen } });
    expect(login.statusCode).toBe(200);

    // Audited: one create entry per account, by the importer, tied to the import.
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'user').where('import_id', '=', s.id).execute();
    expect(audit.filter((a) => a.action === 'create')).toHaveLength(3);
    expect(audit.every((a) => a.actor_id === admin.id)).toBe(true);
    const bobEntry = audit.find((a) => a.entity_id === bob.id)!;
    expect(JSON.parse(bobEntry.after_json!)).toMatchObject({ email: `bob.${tag}@example.com`, employeeId, importRow: 3 });
    expect(JSON.stringify(audit)).not.toContain(tokens[0]!);
    expect(await env.count('users')).toBe(before.users + 3);
    // The import record keeps no secret either.
    const stored = await env.ctx.db.selectFrom('imports').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    for (const t of tokens) expect(JSON.stringify(stored)).not.toContain(t!);

    // Idempotent: the same file again creates nothing (emails in any case are skipped).
    const rerun = json<ImportState>(await importCsv(env, admin, csv.replace('bob.', 'BOB.')));
    expect(rerun).toMatchObject({ status: 'done', created: 0, skipped: 3, errorCount: 0 });
    expect(await env.count('users')).toBe(before.users + 3);
    expect(await env.count('password_links')).toBe(before.links + 3);
  });

  it('an existing account named with an employee still without one links that employee (and only that); re-running changes nothing', async () => {
    const admin = await env.user(['System Manager']);
    const existing = await env.user([], 'Priya Existing');
    const employeeId = await employee(env, 'LINK-1');
    const taken = await employee(env, 'LINK-2', admin.id);
    const before = await counts(env);
    const csv = `${HEADER}\n${existing.email.toUpperCase()},Priya Existing,,LINK-1\n`;
    const s = json<ImportState>(await importCsv(env, admin, csv));
    expect(s).toMatchObject({ status: 'done', created: 0, errorCount: 0 });
    const row = await env.ctx.db.selectFrom('employees').select('user_id').where('id', '=', employeeId).executeTakeFirstOrThrow();
    expect(row.user_id).toBe(existing.id);
    expect(await env.count('users')).toBe(before.users);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('entity', '=', 'employee')
      .where('entity_id', '=', employeeId)
      .execute();
    expect(audit).toEqual([{ action: 'update', actor_id: admin.id }]);
    expect(await rolesOfEmail(env, existing.email)).toContain('LMS Student');
    const rerun = json<ImportState>(await importCsv(env, admin, csv));
    expect(rerun).toMatchObject({ status: 'done', created: 0, skipped: 1, errorCount: 0 });
    // An employee linked to someone else stays theirs: the row is an error.
    const other = json<ImportState>(await importCsv(env, admin, `${HEADER}\n${existing.email},Priya Existing,,LINK-2\n`));
    expect(other.errorCount).toBe(1);
    expect((await env.ctx.db.selectFrom('employees').select('user_id').where('id', '=', taken).executeTakeFirstOrThrow()).user_id).toBe(
      admin.id,
    );
  });

  it('answers row errors by line and column; valid-rows writes the good rows, all-or-nothing nothing', async () => {
    const hr = await env.user(['HR Manager']);
    const other = await env.user();
    const tag = `${env.dialect}${Date.now().toString(36)}e`;
    const taken = `T-${tag}`;
    const free = `F-${tag}`;
    await employee(env, taken, other.id);
    await employee(env, free);
    const csv = [
      HEADER, // 1
      `ok.${tag}@example.com,Good Row,LMS Student;HR User,`, // 2
      `OK.${tag}@EXAMPLE.com,Same Email,,`, // 3 duplicate of 2 by case
      `r1.${tag}@example.com,Unknown Role,Wizard,`, // 4
      `r2.${tag}@example.com,Too Mighty,System Manager,`, // 5 HR Manager may not give it
      `r3.${tag}@example.com,Someone Else,,${taken}`, // 6 employee of another person
      `r4.${tag}@example.com,No Such,,NOPE-${tag}`, // 7
      `not-an-email,Bad Email,,`, // 8
      `r5.${tag}@example.com,,,`, // 9 no name
      `e1.${tag}@example.com,Linked Once,,${free}`, // 10
      `e2.${tag}@example.com,Linked Twice,,${free}`, // 11 same employee again
      `r6.${tag}@example.com,<script>alert(1)</script>,,`, // 12 a name is text: fine
      `r7.${tag}@example.com,Long,,${'x'.repeat(65)}`, // 13
    ].join('\n');
    const before = await counts(env);
    const strict = json<ImportState>(await importCsv(env, hr, csv));
    expect(strict).toMatchObject({ status: 'failed', created: 0 });
    expect(await counts(env)).toEqual(before);

    const s = json<ImportState>(await importCsv(env, hr, csv, { mode: 'valid-rows' }));
    expect(s).toMatchObject({ status: 'done', created: 3, errorCount: 9 });
    expectOneError(s, 3, null, 'Duplicate of row 2');
    expectOneError(s, 4, 'roles', 'Unknown role "Wizard"');
    expectOneError(s, 5, 'roles', 'You may not give the role "System Manager"');
    expectOneError(s, 6, 'employeeCode', `already has another account (${other.email})`);
    expectOneError(s, 7, 'employeeCode', 'No employee has the code');
    expectOneError(s, 8, 'email', 'is not an email address');
    expectOneError(s, 9, 'fullName', 'Give the full name');
    expectOneError(s, 11, 'employeeCode', 'already given to the account of row 10');
    expectOneError(s, 13, 'employeeCode', 'longer than 64');
    expect(errorsAt(s, 2)).toEqual([]);
    expect(await env.count('users')).toBe(before.users + 3);
    expect(await env.count('password_links')).toBe(before.links + 3);
    for (const good of ['ok', 'e1', 'r6']) expect(await invitationToken(env, `${good}.${tag}@example.com`)).not.toBeNull();
    for (const bad of ['r1', 'r2', 'r3', 'r4', 'r5', 'e2']) {
      expect(
        await env.ctx.db.selectFrom('users').select('id').where('email', '=', `${bad}.${tag}@example.com`).executeTakeFirst(),
      ).toBeUndefined();
    }
    // The employee of another person still belongs to them.
    expect(
      (await env.ctx.db.selectFrom('employees').select('user_id').where('employee_code', '=', taken).executeTakeFirstOrThrow()).user_id,
    ).toBe(other.id);
  });

  it('dry run writes and mails nothing; a background import mails its invitations', async () => {
    const admin = await env.user(['System Manager']);
    const moderator = await env.user(['Moderator']);
    const tag = `${env.dialect}${Date.now().toString(36)}b`;
    const csv = `${HEADER}\na.${tag}@example.com,A Person,,\nb.${tag}@example.com,B Person,,\n`;
    const before = await counts(env);
    const dry = json<ImportState>(await importCsv(env, admin, csv, { dryRun: 'true' }));
    expect(dry).toMatchObject({ status: 'done', dryRun: true, created: 2 });
    expect(await counts(env)).toEqual(before);

    const { body, headers } = csvUpload(csv, {}, 'users.csv');
    const res = await env.req('POST', '/api/users/import', { as: admin, body, headers });
    expect(res.statusCode).toBe(202);
    const { importId } = json<{ importId: string }>(res);
    await settleImports(env.ctx);
    const seen = json<ImportState>(await env.req('GET', `/api/imports/${importId}`, { as: moderator }));
    expect(seen).toMatchObject({ status: 'done', created: 2 });
    expect(await invitationToken(env, `a.${tag}@example.com`)).not.toBeNull();
    expect(await invitationToken(env, `b.${tag}@example.com`)).not.toBeNull();
  });
});
