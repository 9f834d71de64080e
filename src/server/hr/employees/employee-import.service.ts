/**
 * The "employees" kind of the CSV import engine (platform/imports.service.ts).
 *
 * Columns: employeeCode and fullName (required), email (links the existing user with that email),
 * department and designation (existing ones, by exact name), reportsTo (the manager's employee
 * code: an employee already there, or a row anywhere in the same file), dateOfJoining
 * (YYYY-MM-DD), status (active | left, default active).
 *
 * Rules, the same as POST /api/employees: one employee per code and per user; a linked user gets
 * the LMS Student role in the same transaction (the employees.created hook, handled set-based by
 * integration/). Differences, because a file is typed by hand in bulk: an email nobody has is a row
 * error (the import does not create logins: create the users first, or leave email empty to import
 * the employee without one), and an unknown department or designation is a row error instead of
 * being created, so a typo does not add a department. A code that already exists is skipped, so
 * importing the same file again creates nothing.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor, Tx } from '../../db/database.ts';
import type { EmployeesTable } from '../../db/schema-hr.ts';
import { nowIso, today } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { IsoDate } from '../../../contract/common.ts';
import { EMPLOYEE_STATUSES, type Employee } from '../../../contract/employees.ts';
import { EMPLOYEE_IMPORT_COLUMNS } from '../../../contract/imports.ts';
import type { AuditEntryInput } from '../../platform/audit.service.ts';
import { oneBatchOnSqlite, type ImportKind, type ImportKindRun, type ImportRow, type ImportRunContext, type RowOutcome } from '../../platform/imports-kind.ts';
import { Pacer } from '../../platform/event-loop.ts';
import { normalizeEmail } from '../../platform/users.service.ts';
import { toEmployee } from './employee.service.ts';

export interface EmployeeImportItem {
  line: number;
  id: string;
  code: string;
  fullName: string;
  userId: string | null;
  departmentId: string | null;
  department: string | null;
  designationId: string | null;
  designation: string | null;
  /** The manager when they are already an employee. */
  reportsToId: string | null;
  /** The manager's code when they are a row of this file (resolved when written). */
  reportsToCode: string | null;
  dateOfJoining: string | null;
  status: 'active' | 'left';
}

type RowError = { column: string | null; message: string };

const Email = z.email();
/** Bound parameters of one employees row: 13 columns; 2000 rows = 26000 < 32766. */
const WRITE_BATCH = 2000;
/** Most rows of an all-or-nothing employee import on SQLite: one write batch. */
export const SQLITE_ALL_OR_NOTHING_LIMIT = WRITE_BATCH;
/** Values per IN (...) list. */
const IN_CHUNK = 900;

function chunks<T>(list: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

class EmployeeImportRun implements ImportKindRun<EmployeeImportItem> {
  private readonly departments = new Map<string, string | null>();
  private readonly designations = new Map<string, string | null>();
  /** First line of every code in the file (rows with errors too), for the reportsTo messages. */
  private readonly codeLines = new Map<string, number>();
  /** First line of every user the file links so far. */
  private readonly userLines = new Map<string, number>();

  constructor(private readonly ic: ImportRunContext) {}

  private get db(): Executor {
    return this.ic.ctx.db;
  }

  /** Department or designation ids by exact name; cached across batches. */
  private async loadNamed(table: 'departments' | 'designations', names: string[]): Promise<Map<string, string | null>> {
    const cache = table === 'departments' ? this.departments : this.designations;
    const missing = [...new Set(names)].filter((n) => !cache.has(n));
    for (const part of chunks(missing)) {
      const rows = await this.db.selectFrom(table).select(['id', 'name']).where('name', 'in', part).execute();
      for (const r of rows) cache.set(r.name, r.id);
    }
    for (const n of missing) if (!cache.has(n)) cache.set(n, null);
    return cache;
  }

  async resolve(rows: readonly ImportRow[]): Promise<RowOutcome<EmployeeImportItem>[]> {
    const parsed = rows.map(({ line, values: v }) => {
      const errors: RowError[] = [];
      const code = v.employeeCode!.trim();
      if (!code) errors.push({ column: 'employeeCode', message: 'The employee code is empty.' });
      else if (code.length > 64) errors.push({ column: 'employeeCode', message: 'The employee code is longer than 64 characters.' });
      if (code && !this.codeLines.has(code)) this.codeLines.set(code, line);
      const fullName = v.fullName!.trim();
      if (!fullName) errors.push({ column: 'fullName', message: 'The full name is empty.' });
      else if (fullName.length > 140) errors.push({ column: 'fullName', message: 'The full name is longer than 140 characters.' });
      const email = v.email ? normalizeEmail(v.email) : '';
      if (email && !Email.safeParse(email).success) errors.push({ column: 'email', message: `"${v.email}" is not an email address.` });
      const department = v.department!.trim();
      if (department.length > 140) errors.push({ column: 'department', message: 'The department is longer than 140 characters.' });
      const designation = v.designation!.trim();
      if (designation.length > 140) errors.push({ column: 'designation', message: 'The designation is longer than 140 characters.' });
      const reportsTo = v.reportsTo!.trim();
      if (reportsTo && reportsTo === code) errors.push({ column: 'reportsTo', message: 'An employee cannot report to themself.' });
      let dateOfJoining: string | null = null;
      if (v.dateOfJoining) {
        if (IsoDate.safeParse(v.dateOfJoining.trim()).success) dateOfJoining = v.dateOfJoining.trim();
        else errors.push({ column: 'dateOfJoining', message: `"${v.dateOfJoining}" is not a date (YYYY-MM-DD).` });
      }
      let status: 'active' | 'left' = 'active';
      if (v.status) {
        const st = v.status.trim().toLowerCase();
        if ((EMPLOYEE_STATUSES as readonly string[]).includes(st)) status = st as 'active' | 'left';
        else errors.push({ column: 'status', message: `Unknown status "${v.status}". Use one of: ${EMPLOYEE_STATUSES.join(', ')}.` });
      }
      return { line, errors, code, fullName, email, department, designation, reportsTo, dateOfJoining, status };
    });

    // Codes already there (skipped), users by email and whom they are linked to, names, managers.
    const existing = new Set<string>();
    const codes = [...new Set(parsed.filter((p) => p.code).map((p) => p.code))];
    const managerCodes = [...new Set(parsed.filter((p) => p.reportsTo).map((p) => p.reportsTo))];
    const employeeIds = new Map<string, string>();
    for (const part of chunks([...new Set([...codes, ...managerCodes])])) {
      const found = await this.db.selectFrom('employees').select(['id', 'employee_code']).where('employee_code', 'in', part).execute();
      for (const e of found) {
        employeeIds.set(e.employee_code, e.id);
        existing.add(e.employee_code);
      }
    }
    const fresh = parsed.filter((p) => p.errors.length === 0 && !existing.has(p.code));
    const emails = [...new Set(fresh.filter((p) => p.email).map((p) => p.email))];
    const userByEmail = new Map<string, string>();
    const linkedTo = new Map<string, string>();
    for (const part of chunks(emails)) {
      const users = await this.db
        .selectFrom('users')
        .leftJoin('employees', 'employees.user_id', 'users.id')
        .select(['users.id', 'users.email', 'employees.employee_code'])
        .where('users.email', 'in', part)
        .execute();
      for (const u of users) {
        userByEmail.set(u.email, u.id);
        if (u.employee_code !== null) linkedTo.set(u.id, u.employee_code);
      }
    }
    const departments = await this.loadNamed('departments', fresh.filter((p) => p.department).map((p) => p.department));
    const designations = await this.loadNamed('designations', fresh.filter((p) => p.designation).map((p) => p.designation));

    return parsed.map((p): RowOutcome<EmployeeImportItem> => {
      if (p.errors.length > 0) return { kind: 'error', errors: p.errors };
      if (existing.has(p.code)) return { kind: 'skip', key: p.code };
      const errors: RowError[] = [];
      let userId: string | null = null;
      if (p.email) {
        userId = userByEmail.get(p.email) ?? null;
        const linked = userId ? linkedTo.get(userId) : undefined;
        // Created meanwhile (a concurrent import of the same row): nothing to do.
        if (linked === p.code) return { kind: 'skip', key: p.code };
        const earlier = userId ? this.userLines.get(userId) : undefined;
        if (!userId) {
          errors.push({
            column: 'email',
            message: `No user has the email ${p.email}. Create the user first, or leave email empty to import the employee without a login.`,
          });
        } else if (linked !== undefined) {
          errors.push({ column: 'email', message: `The user ${p.email} is already linked to the employee "${linked}".` });
        } else if (earlier !== undefined) {
          errors.push({ column: 'email', message: `The user ${p.email} is already linked to the employee of row ${earlier}.` });
        }
      }
      const departmentId = p.department ? (departments.get(p.department) ?? null) : null;
      if (p.department && !departmentId) errors.push({ column: 'department', message: `No department is named "${p.department}".` });
      const designationId = p.designation ? (designations.get(p.designation) ?? null) : null;
      if (p.designation && !designationId) errors.push({ column: 'designation', message: `No designation is named "${p.designation}".` });
      if (errors.length > 0) return { kind: 'error', errors };
      if (userId && !this.userLines.has(userId)) this.userLines.set(userId, p.line);
      const managerId = p.reportsTo ? (employeeIds.get(p.reportsTo) ?? null) : null;
      return {
        kind: 'ok',
        key: p.code,
        item: {
          line: p.line,
          id: newId(),
          code: p.code,
          fullName: p.fullName,
          userId,
          departmentId,
          department: p.department || null,
          designationId,
          designation: p.designation || null,
          reportsToId: managerId,
          reportsToCode: p.reportsTo && !managerId ? p.reportsTo : null,
          dateOfJoining: p.dateOfJoining,
          status: p.status,
        },
      };
    });
  }

  /**
   * reportsTo codes that point into the file: the manager's row must be imported too (dropping a
   * row drops the rows that report to it), no reporting loops; managers are written first.
   */
  async prepare(items: readonly EmployeeImportItem[]): Promise<{ items: EmployeeImportItem[]; errors: { line: number; column: string | null; message: string }[] }> {
    // A file of 100,000 rows: other requests get a turn between slices of this work.
    const pacer = new Pacer();
    const errors: { line: number; column: string | null; message: string }[] = [];
    const valid = new Map(items.map((it) => [it.code, it]));
    const drop = (it: EmployeeImportItem, message: string) => {
      valid.delete(it.code);
      errors.push({ line: it.line, column: 'reportsTo', message });
    };
    // Reporting loops among the new rows (each row has at most one manager: follow the chain).
    const state = new Map<string, 'walking' | 'done'>();
    for (const start of items) {
      const path: EmployeeImportItem[] = [];
      let cur: EmployeeImportItem | undefined = start;
      while (cur && !state.has(cur.code)) {
        state.set(cur.code, 'walking');
        path.push(cur);
        cur = cur.reportsToCode ? valid.get(cur.reportsToCode) : undefined;
      }
      if (cur && state.get(cur.code) === 'walking') {
        const loop = path.slice(path.indexOf(cur));
        const names = [...loop.map((x) => x.code), cur.code].join(' → ');
        for (const x of loop) drop(x, `The rows make a reporting loop: ${names}.`);
      }
      for (const x of path) state.set(x.code, 'done');
      await pacer.pace();
    }
    // A row whose manager is not imported is not imported either, nor are the rows under it: follow
    // each chain up once (memoised), so a long chain costs linear time.
    const fine = new Map<string, boolean>();
    for (const start of valid.values()) {
      const chain: EmployeeImportItem[] = [];
      let cur = start;
      let good: boolean;
      for (;;) {
        const known = fine.get(cur.code);
        if (known !== undefined) {
          good = known;
          break;
        }
        chain.push(cur);
        const manager = cur.reportsToCode ? valid.get(cur.reportsToCode) : undefined;
        if (!cur.reportsToCode || !manager) {
          good = !cur.reportsToCode;
          break;
        }
        cur = manager;
      }
      for (const it of chain) fine.set(it.code, good);
      await pacer.pace();
    }
    for (const it of items) {
      if (fine.get(it.code) !== false) continue;
      const line = this.codeLines.get(it.reportsToCode!);
      drop(
        it,
        line === undefined
          ? `No employee has the code "${it.reportsToCode}", here or in the file.`
          : `The manager "${it.reportsToCode}" (row ${line}) is not imported: that row has errors.`,
      );
    }
    // Managers first: order by depth in the file's own reporting chains (stable otherwise).
    const depth = new Map<string, number>();
    const depthOf = (it: EmployeeImportItem): number => {
      let d = 0;
      const chain: EmployeeImportItem[] = [];
      let cur: EmployeeImportItem | undefined = it;
      while (cur && !depth.has(cur.code)) {
        chain.push(cur);
        cur = cur.reportsToCode ? valid.get(cur.reportsToCode) : undefined;
      }
      d = cur ? depth.get(cur.code)! + 1 : 0;
      for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i]!.code, d++);
      return depth.get(it.code)!;
    };
    // Stable: rows of one depth keep the file's order.
    const byDepth: EmployeeImportItem[][] = [];
    for (const it of items) {
      if (!valid.has(it.code)) continue;
      (byDepth[depthOf(it)] ??= []).push(it);
      await pacer.pace();
    }
    errors.sort((a, b) => a.line - b.line);
    return { items: byDepth.flat(), errors };
  }

  async write(trx: Tx, items: readonly EmployeeImportItem[]): Promise<AuditEntryInput[]> {
    if (items.length === 0) return [];
    const now = nowIso();
    const actorId = this.ic.actor.id;
    const rows: EmployeesTable[] = items.map((it) => ({
      id: it.id,
      employee_code: it.code,
      full_name: it.fullName,
      user_id: it.userId,
      department_id: it.departmentId,
      designation_id: it.designationId,
      reports_to_id: it.reportsToId,
      date_of_joining: it.dateOfJoining,
      status: it.status,
      left_on: it.status === 'left' ? today() : null,
      created_by: actorId,
      created_at: now,
      updated_at: now,
    }));
    // A code or user taken meanwhile (a concurrent import) lands on the unique indexes: not created.
    const inserted = await trx.insertInto('employees').values(rows).onConflict((oc) => oc.doNothing()).returningAll().execute();
    const createdIds = new Set(inserted.map((r) => r.id));
    const created = items.filter((it) => createdIds.has(it.id));

    // Managers that are rows of the file: already written (managers come first), found by code.
    const managerOf = new Map<string, string>();
    for (const part of chunks(created.filter((it) => it.reportsToCode))) {
      const cases = sql.join(part.map((it) => sql`when ${it.id} then ${it.reportsToCode}`), sql` `);
      const updated = await sql<{ id: string; reports_to_id: string | null }>`
        update employees
        set reports_to_id = (select m.id from employees m where m.employee_code = (case employees.id ${cases} end))
        where id in (${sql.join(part.map((it) => it.id))})
        returning id, reports_to_id`.execute(trx);
      for (const r of updated.rows) if (r.reports_to_id) managerOf.set(r.id, r.reports_to_id);
    }

    await this.ic.ctx.hooks.emit('employees.created', trx, {
      actorId,
      importId: this.ic.importId,
      employees: inserted.map((r) => ({ employeeId: r.id, userId: r.user_id })),
    });
    // A row imported as a leaver whose account already has enrollments: suspended as for any leaver.
    for (const r of inserted) {
      if (r.status === 'left' && r.user_id) {
        await this.ic.ctx.hooks.emit('employee.left', trx, { employeeId: r.id, userId: r.user_id, actorId, requestId: null });
      }
    }

    const byId = new Map(created.map((it) => [it.id, it]));
    return inserted.map((r): AuditEntryInput => {
      const it = byId.get(r.id)!;
      const after: Employee = toEmployee({
        ...r,
        reports_to_id: managerOf.get(r.id) ?? r.reports_to_id,
        department: it.department,
        designation: it.designation,
      });
      return { actorId, action: 'create', entity: 'employee', entityId: r.id, after: { ...after, importRow: it.line }, importId: this.ic.importId };
    });
  }
}

export const employeeImportKind: ImportKind<EmployeeImportItem> = {
  name: 'employees',
  columns: EMPLOYEE_IMPORT_COLUMNS,
  writeBatch: WRITE_BATCH,
  keyLabel: 'employee code',
  // SQLite has one writer: an all-or-nothing import writes in one transaction, and 200,000 rows held
  // every other request for 23 s. One write batch (about 0.2 s) is the most it may hold them.
  allOrNothingLimit: oneBatchOnSqlite(SQLITE_ALL_OR_NOTHING_LIMIT),
  checkHeader(columns) {
    const has = new Set(columns);
    const out: { column: string | null; message: string }[] = [];
    if (!has.has('employeeCode')) out.push({ column: null, message: 'The header needs an employeeCode column.' });
    if (!has.has('fullName')) out.push({ column: null, message: 'The header needs a fullName column.' });
    return out;
  },
  start: (ic) => new EmployeeImportRun(ic),
};
