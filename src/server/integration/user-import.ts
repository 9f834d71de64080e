/**
 * The "users" kind of the CSV import engine (platform/imports.service.ts): accounts in bulk, each
 * optionally linked to its HR employee record — which is why it lives here, where HR and LMS meet.
 *
 * Columns: email, fullName, roles (names separated by `;`, default LMS Student), employeeCode (an
 * existing employee without an account, linked to the new user). An email that already has an
 * account is skipped (re-importing a file creates nothing), unless its row names an employee still
 * without an account: that employee is linked to the existing account. Every created account has
 * no password: its person is mailed an invitation with a one-time link to choose one (valid 7
 * days), and the account gets an audit entry naming who created it. No password is generated,
 * stored or shown. A System Manager may give any role; an HR Manager only
 * HR_MANAGER_GRANTABLE.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor, Tx } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { hasAnyRole } from '../http/access.ts';
import { HR_MANAGER_GRANTABLE, USER_IMPORT_COLUMNS } from '../../contract/imports.ts';
import { ROLES, type Role } from '../../contract/roles.ts';
import type { AuditEntryInput } from '../platform/audit.service.ts';
import type { ImportKind, ImportKindRun, ImportRow, ImportRunContext, RowOutcome } from '../platform/imports-kind.ts';
import { grantRoleMany, normalizeEmail, sortRoles } from '../platform/users.service.ts';
import { issueLinks } from './password-links.ts';

export interface UserImportItem {
  line: number;
  id: string;
  email: string;
  fullName: string;
  roles: Role[];
  employeeCode: string | null;
  /** The account exists (id is its id): the row only links the employee to it. */
  linkOnly: boolean;
}

const Email = z.email().max(254);
const FULL_NAME_MAX = 140;
const CODE_MAX = 64;
/** Values per IN (...) list. */
const IN_CHUNK = 900;
/** Rows per write: users are 7 bound parameters, so SQLite's 32766 is far away. */
const WRITE_BATCH = 2000;

function chunks<T>(list: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const roleByLower = new Map(ROLES.map((r) => [r.toLowerCase(), r]));

class UserImportRun implements ImportKindRun<UserImportItem> {
  /** Roles the importer may give: every role (System Manager), else the HR Manager's few. */
  private readonly grantable: ReadonlySet<Role>;

  constructor(private readonly ic: ImportRunContext) {
    this.grantable = new Set(hasAnyRole(ic.actor.roles, ['System Manager']) ? ROLES : HR_MANAGER_GRANTABLE);
  }

  private get db(): Executor {
    return this.ic.ctx.db;
  }

  async resolve(rows: readonly ImportRow[]): Promise<RowOutcome<UserImportItem>[]> {
    const parsed = rows.map(({ values: v }) => {
      const errors: { column: string | null; message: string }[] = [];
      const email = normalizeEmail(v.email ?? '');
      if (!email) errors.push({ column: 'email', message: 'Give the email.' });
      else if (!Email.safeParse(email).success) errors.push({ column: 'email', message: `"${v.email}" is not an email address.` });
      const fullName = (v.fullName ?? '').trim();
      if (!fullName) errors.push({ column: 'fullName', message: 'Give the full name.' });
      else if (fullName.length > FULL_NAME_MAX)
        errors.push({ column: 'fullName', message: `The full name is longer than ${FULL_NAME_MAX} characters.` });
      const roles: Role[] = [];
      for (const name of (v.roles ?? '')
        .split(';')
        .map((r) => r.trim())
        .filter((r) => r !== '')) {
        const role = roleByLower.get(name.toLowerCase());
        if (!role) errors.push({ column: 'roles', message: `Unknown role "${name}". The roles are: ${ROLES.join(', ')}.` });
        else if (!this.grantable.has(role))
          errors.push({
            column: 'roles',
            message: `You may not give the role "${role}". You may give: ${[...this.grantable].join(', ')}.`,
          });
        else roles.push(role);
      }
      const employeeCode = (v.employeeCode ?? '').trim();
      if (employeeCode.length > CODE_MAX)
        errors.push({ column: 'employeeCode', message: `The employee code is longer than ${CODE_MAX} characters.` });
      return { errors, email, fullName, roles: roles.length > 0 ? sortRoles(roles) : (['LMS Student'] as Role[]), employeeCode };
    });

    // Accounts that already exist (by email) and employees named by code: a few IN queries.
    const existing = new Map<string, string>();
    for (const part of chunks([...new Set(parsed.filter((p) => p.email && p.errors.length === 0).map((p) => p.email))])) {
      for (const u of await this.db.selectFrom('users').select(['id', 'email']).where('email', 'in', part).execute())
        existing.set(u.email, u.id);
    }
    const employees = new Map<string, { userId: string | null; linkedEmail: string | null }>();
    for (const part of chunks([
      ...new Set(parsed.filter((p) => p.employeeCode && p.employeeCode.length <= CODE_MAX).map((p) => p.employeeCode)),
    ])) {
      const found = await this.db
        .selectFrom('employees')
        .leftJoin('users', 'users.id', 'employees.user_id')
        .select(['employees.employee_code', 'employees.user_id', 'users.email'])
        .where('employees.employee_code', 'in', part)
        .execute();
      for (const e of found) employees.set(e.employee_code, { userId: e.user_id, linkedEmail: e.email });
    }

    return parsed.map((p, i): RowOutcome<UserImportItem> => {
      const errors = [...p.errors];
      const userId = existing.get(p.email);
      if (p.employeeCode && p.employeeCode.length <= CODE_MAX) {
        const employee = employees.get(p.employeeCode);
        if (!employee) errors.push({ column: 'employeeCode', message: `No employee has the code "${p.employeeCode}".` });
        else if (employee.userId && employee.userId !== userId)
          errors.push({
            column: 'employeeCode',
            message: `The employee "${p.employeeCode}" already has another account (${employee.linkedEmail ?? 'another user'}).`,
          });
      }
      if (errors.length > 0) return { kind: 'error', errors };
      const line = rows[i]!.line;
      if (userId) {
        // An existing account with an employee still unlinked: the row links them, nothing else.
        const employee = p.employeeCode ? employees.get(p.employeeCode) : undefined;
        if (employee && employee.userId === null) {
          return {
            kind: 'ok',
            key: p.email,
            item: { line, id: userId, email: p.email, fullName: p.fullName, roles: p.roles, employeeCode: p.employeeCode, linkOnly: true },
          };
        }
        return { kind: 'skip', key: p.email };
      }
      return {
        kind: 'ok',
        key: p.email,
        item: {
          line,
          id: newId(),
          email: p.email,
          fullName: p.fullName,
          roles: p.roles,
          employeeCode: p.employeeCode || null,
          linkOnly: false,
        },
      };
    });
  }

  /** Two rows of the file naming the same employee: the later one is an error. */
  prepare(items: readonly UserImportItem[]) {
    const firstOf = new Map<string, number>();
    const kept: UserImportItem[] = [];
    const errors: { line: number; column: string | null; message: string }[] = [];
    for (const it of items) {
      if (it.employeeCode) {
        const first = firstOf.get(it.employeeCode);
        if (first !== undefined) {
          errors.push({
            line: it.line,
            column: 'employeeCode',
            message: `The employee "${it.employeeCode}" is already given to the account of row ${first}.`,
          });
          continue;
        }
        firstOf.set(it.employeeCode, it.line);
      }
      kept.push(it);
    }
    return Promise.resolve({ items: kept, errors });
  }

  async write(trx: Tx, items: readonly UserImportItem[]): Promise<{ created: number; audit: AuditEntryInput[] }> {
    if (items.length === 0) return { created: 0, audit: [] };
    const now = nowIso();
    const actorId = this.ic.actor.id;
    const linkOnly = items.filter((it) => it.linkOnly);
    items = items.filter((it) => !it.linkOnly);
    // An email taken meanwhile (a concurrent import or request) lands on the unique index: not created.
    const inserted =
      items.length === 0
        ? []
        : await trx
            .insertInto('users')
            .values(
              items.map((it) => ({
                id: it.id,
                email: it.email,
                full_name: it.fullName,
                password_hash: null,
                enabled: 1,
                created_at: now,
                updated_at: now,
              })),
            )
            .onConflict((oc) => oc.column('email').doNothing())
            .returning('id')
            .execute();
    const createdIds = new Set(inserted.map((r) => r.id));
    const created = items.filter((it) => createdIds.has(it.id));
    const roleRows = created.flatMap((it) => it.roles.map((role) => ({ user_id: it.id, role })));
    for (const part of chunks(roleRows, 5000)) await trx.insertInto('user_roles').values(part).execute();

    // Link the employees: one UPDATE per chunk, only employees still without an account.
    const linked = new Map<string, string>();
    for (const part of chunks([...created, ...linkOnly].filter((it) => it.employeeCode))) {
      const cases = sql.join(
        part.map((it) => sql`when ${it.employeeCode} then ${it.id}`),
        sql` `,
      );
      const rows = await sql<{ id: string; user_id: string }>`
        update employees
        set user_id = (case employee_code ${cases} end), updated_at = ${now}
        where employee_code in (${sql.join(part.map((it) => it.employeeCode))}) and user_id is null
        returning id, user_id`.execute(trx);
      for (const r of rows.rows) linked.set(r.user_id, r.id);
    }
    // A linked employee's account learns (as when HR links a user by hand).
    const students = new Set(await grantRoleMany(trx, [...linked.keys()], 'LMS Student'));

    // The invitations, set-based (the hook's one-by-one invitation is for single accounts).
    await issueLinks(
      this.ic.ctx,
      trx,
      'invitation',
      created.map((it) => ({ userId: it.id, email: it.email, fullName: it.fullName })),
      { actorId, fresh: true },
    );
    for (const it of created) await this.ic.ctx.hooks.emit('user.created', trx, { userId: it.id, actorId, invite: false });

    const importId = this.ic.importId;
    const links: AuditEntryInput[] = linkOnly
      .filter((it) => linked.has(it.id))
      .map((it) => ({
        actorId,
        action: 'update',
        entity: 'employee',
        entityId: linked.get(it.id)!,
        after: { userId: it.id, email: it.email, importRow: it.line },
        importId: this.ic.importId,
      }));
    return {
      created: created.length,
      audit: [
        ...links,
        ...created.map((it) => ({
          actorId,
          action: 'create',
          entity: 'user',
          entityId: it.id,
          after: {
            id: it.id,
            email: it.email,
            fullName: it.fullName,
            enabled: true,
            roles: students.has(it.id) ? sortRoles([...it.roles, 'LMS Student']) : it.roles,
            createdAt: now,
            employeeId: linked.get(it.id) ?? null,
            importRow: it.line,
          },
          importId,
        })),
      ],
    };
  }
}

export const userImportKind: ImportKind<UserImportItem> = {
  name: 'users',
  columns: USER_IMPORT_COLUMNS,
  writeBatch: WRITE_BATCH,
  keyLabel: 'email',
  checkHeader: (columns) => {
    const has = new Set(columns);
    const out: { column: string | null; message: string }[] = [];
    if (!has.has('email')) out.push({ column: null, message: 'The header needs an email column.' });
    if (!has.has('fullName')) out.push({ column: null, message: 'The header needs a fullName column.' });
    return out;
  },
  start: (ic) => new UserImportRun(ic),
};
