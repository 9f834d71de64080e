import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { EmployeesTable } from '../../db/schema-hr.ts';
import { containsCi, nowIso, today } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import type { SearchResult } from '../../../contract/search.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../../db/keyset.ts';
import type { AppError} from '../../http/errors.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import type { CreateEmployeeInput, Employee, EMPLOYEE_SORTS, EmployeeListFilters, UpdateEmployeeInput } from '../../../contract/employees.ts';
import '../hr-hooks.ts';

type EmployeeRow = EmployeesTable & { department: string | null; designation: string | null };

export function toEmployee(r: EmployeeRow): Employee {
  return {
    id: r.id,
    employeeCode: r.employee_code,
    fullName: r.full_name,
    userId: r.user_id,
    department: r.department,
    designation: r.designation,
    reportsToId: r.reports_to_id,
    dateOfJoining: r.date_of_joining,
    status: r.status,
    leftOn: r.left_on,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function employeeQuery(db: Executor) {
  return db
    .selectFrom('employees')
    .leftJoin('departments', 'departments.id', 'employees.department_id')
    .leftJoin('designations', 'designations.id', 'employees.designation_id')
    .selectAll('employees')
    .select(['departments.name as department', 'designations.name as designation']);
}

export async function findEmployee(db: Executor, id: string): Promise<Employee | null> {
  const row = await employeeQuery(db).where('employees.id', '=', id).executeTakeFirst();
  return row ? toEmployee(row) : null;
}

export async function employeeOfUser(db: Executor, userId: string): Promise<Employee | null> {
  const row = await employeeQuery(db).where('employees.user_id', '=', userId).executeTakeFirst();
  return row ? toEmployee(row) : null;
}

/** The active employees who report to this one directly, by name (at most `limit`). */
export async function directReportsOf(db: Executor, employeeId: string, limit: number): Promise<Employee[]> {
  const rows = await employeeQuery(db)
    .where('employees.reports_to_id', '=', employeeId)
    .where('employees.status', '=', 'active')
    .orderBy('employees.full_name')
    .orderBy('employees.id')
    .limit(limit)
    .execute();
  return rows.map(toEmployee);
}

/** The id of the department/designation with this name, created on first use (race-safe). */
export async function namedId(trx: Executor, table: 'departments' | 'designations', name: string, _actor: Actor): Promise<string> {
  const clean = name.trim();
  const found = await trx.selectFrom(table).select('id').where('name', '=', clean).executeTakeFirst();
  if (found) return found.id;
  await trx
    .insertInto(table)
    .values({ id: newId(), name: clean, created_at: nowIso() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await trx.selectFrom(table).select('id').where('name', '=', clean).executeTakeFirstOrThrow();
  return row.id;
}

/** Adds a department or designation by name. 409 NAME_TAKEN when the name exists. */
export async function createNamed(ctx: AppContext, table: 'departments' | 'designations', name: string): Promise<{ id: string; name: string; employees: number }> {
  const row = { id: newId(), name: name.trim(), created_at: nowIso() };
  const inserted = await ctx.db.insertInto(table).values(row).onConflict((oc) => oc.column('name').doNothing()).returning('id').executeTakeFirst();
  if (!inserted) {
    const what = table === 'departments' ? 'department' : 'designation';
    throw errors.conflict('NAME_TAKEN', `A ${what} with this name already exists.`, { errors: [{ path: 'name', message: 'Already used.' }] });
  }
  return { id: row.id, name: row.name, employees: 0 };
}

function codeTaken(code: string): AppError {
  return errors.conflict('EMPLOYEE_CODE_TAKEN', `An employee with the code ${code} already exists.`, {
    errors: [{ path: 'employeeCode', message: 'This employee code is already used.' }],
  });
}

function userLinked(employeeId: string): AppError {
  return errors.conflict('USER_ALREADY_LINKED', 'This user is already linked to another employee.', {
    employeeId,
    errors: [{ path: 'userId', message: 'This user is already linked to another employee.' }],
  });
}

async function assertUser(db: Executor, userId: string, selfId: string | null): Promise<void> {
  const u = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  if (!u) throw errors.validation([{ path: 'userId', message: 'No user has this id.' }], 'No user has this id.');
  const linked = await db.selectFrom('employees').select('id').where('user_id', '=', userId).executeTakeFirst();
  if (linked && linked.id !== selfId) throw userLinked(linked.id);
}

async function assertManager(db: Executor, reportsToId: string, selfId: string | null): Promise<void> {
  if (reportsToId === selfId) throw errors.validation([{ path: 'reportsToId', message: 'An employee cannot report to themself.' }]);
  const m = await db.selectFrom('employees').select('id').where('id', '=', reportsToId).executeTakeFirst();
  if (!m) throw errors.validation([{ path: 'reportsToId', message: 'No employee has this id.' }], 'No employee has this id.');
  if (selfId) {
    // Walk up the chain: the new manager must not report (directly or not) to this employee.
    let cursor: string | null = reportsToId;
    for (let depth = 0; cursor && depth < 100; depth++) {
      if (cursor === selfId) throw errors.validation([{ path: 'reportsToId', message: 'This would make a reporting loop.' }]);
      const next: { reports_to_id: string | null } | undefined = await db
        .selectFrom('employees')
        .select('reports_to_id')
        .where('id', '=', cursor)
        .executeTakeFirst();
      cursor = next?.reports_to_id ?? null;
    }
  }
}

/** Inserts one employee inside `trx` and fires employee.created (the integration grants LMS Student). */
export async function insertEmployee(ctx: AppContext, trx: Tx, actor: Actor, input: CreateEmployeeInput): Promise<Employee> {
  const code = input.employeeCode.trim();
  const dup = await trx.selectFrom('employees').select('id').where('employee_code', '=', code).executeTakeFirst();
  if (dup) throw codeTaken(code);
  if (input.userId) await assertUser(trx, input.userId, null);
  if (input.reportsToId) await assertManager(trx, input.reportsToId, null);
  const now = nowIso();
  const status = input.status ?? 'active';
  const row: EmployeesTable = {
    id: newId(),
    employee_code: code,
    full_name: input.fullName,
    user_id: input.userId ?? null,
    department_id: input.department ? await namedId(trx, 'departments', input.department, actor) : null,
    designation_id: input.designation ? await namedId(trx, 'designations', input.designation, actor) : null,
    reports_to_id: input.reportsToId ?? null,
    date_of_joining: input.dateOfJoining ?? null,
    status,
    left_on: status === 'left' ? today() : null,
    created_by: actor.id,
    created_at: now,
    updated_at: now,
  };
  // A concurrent insert of the same code or user lands on the unique indexes: DO NOTHING keeps the
  // transaction usable on PostgreSQL, and the re-read says which one.
  const inserted = await trx.insertInto('employees').values(row).onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst();
  if (!inserted) {
    const byCode = await trx.selectFrom('employees').select('id').where('employee_code', '=', code).executeTakeFirst();
    if (byCode) throw codeTaken(code);
    const byUser = row.user_id ? await trx.selectFrom('employees').select('id').where('user_id', '=', row.user_id).executeTakeFirst() : undefined;
    throw userLinked(byUser?.id ?? '');
  }
  const employee = (await findEmployee(trx, row.id))!;
  await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'employee', entityId: row.id, after: employee });
  await ctx.hooks.emit('employee.created', trx, { employeeId: row.id, userId: row.user_id, actorId: actor.id });
  return employee;
}

export async function createEmployee(ctx: AppContext, actor: Actor, input: CreateEmployeeInput): Promise<Employee> {
  return ctx.db.transaction().execute((trx) => insertEmployee(ctx, trx, actor, input));
}

export async function getEmployee(ctx: AppContext, id: string): Promise<Employee> {
  const e = await findEmployee(ctx.db, id);
  if (!e) throw errors.notFound('The employee');
  return e;
}

export async function updateEmployee(ctx: AppContext, actor: Actor, id: string, patch: UpdateEmployeeInput): Promise<Employee> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findEmployee(trx, id);
    if (!before) throw errors.notFound('The employee');
    const set: Partial<EmployeesTable> = { updated_at: nowIso() };
    if (patch.employeeCode !== undefined && patch.employeeCode.trim() !== before.employeeCode) {
      const code = patch.employeeCode.trim();
      const dup = await trx.selectFrom('employees').select('id').where('employee_code', '=', code).executeTakeFirst();
      if (dup) throw codeTaken(code);
      set.employee_code = code;
    }
    if (patch.fullName !== undefined) set.full_name = patch.fullName;
    if (patch.userId !== undefined && patch.userId !== before.userId) {
      if (patch.userId) await assertUser(trx, patch.userId, id);
      set.user_id = patch.userId;
    }
    if (patch.department !== undefined) set.department_id = patch.department ? await namedId(trx, 'departments', patch.department, actor) : null;
    if (patch.designation !== undefined) set.designation_id = patch.designation ? await namedId(trx, 'designations', patch.designation, actor) : null;
    if (patch.reportsToId !== undefined) {
      if (patch.reportsToId) await assertManager(trx, patch.reportsToId, id);
      set.reports_to_id = patch.reportsToId;
    }
    if (patch.dateOfJoining !== undefined) set.date_of_joining = patch.dateOfJoining;
    if (patch.status !== undefined && patch.status !== before.status) {
      set.status = patch.status;
      set.left_on = patch.status === 'left' ? today() : null;
    }
    if (patch.disableUser && (set.status ?? before.status) !== 'left') {
      throw errors.validation([{ path: 'disableUser', message: 'Only an employee who has left can have their login disabled here.' }]);
    }
    // A concurrent change to the same code or user hits the unique indexes; the error rolls back.
    await trx
      .updateTable('employees')
      .set(set)
      .where('id', '=', id)
      .execute()
      .catch((e: unknown) => {
        throw uniqueToConflict(e, set);
      });
    const userId = set.user_id !== undefined ? set.user_id : before.userId;
    if (patch.disableUser && userId) {
      await trx.updateTable('users').set({ enabled: 0, updated_at: nowIso() }).where('id', '=', userId).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await recordAudit(trx, { actorId: actor.id, action: 'disable', entity: 'user', entityId: userId, after: { enabled: false, reason: 'employee left' } });
    }
    const after = (await findEmployee(trx, id))!;
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'employee', entityId: id, before, after });
    if (set.user_id) await ctx.hooks.emit('employee.user-linked', trx, { employeeId: id, userId: set.user_id, actorId: actor.id });
    if (set.status === 'left') await ctx.hooks.emit('employee.left', trx, { employeeId: id, userId: after.userId, actorId: actor.id, requestId: null });
    if (set.status === 'active' && before.status === 'left') {
      await ctx.hooks.emit('employee.returned', trx, { employeeId: id, userId: after.userId, actorId: actor.id, requestId: null });
    }
    return after;
  });
}

function uniqueToConflict(e: unknown, set: Partial<EmployeesTable>): unknown {
  const err = e as { code?: string; constraint?: string; message?: string };
  const unique = err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE';
  if (!unique) return e;
  const text = `${err.constraint ?? ''} ${err.message ?? ''}`;
  if (text.includes('employee_code')) return codeTaken(set.employee_code ?? '');
  if (text.includes('user')) return userLinked('');
  return e;
}

const EMPLOYEE_SORT_KEYS: SortKeys<(typeof EMPLOYEE_SORTS)[number]> = {
  fullName: { ref: 'employees.full_name', kind: 'text' },
  employeeCode: { ref: 'employees.employee_code', kind: 'text' },
  department: { ref: 'departments.name', kind: 'text', nullable: true },
  designation: { ref: 'designations.name', kind: 'text', nullable: true },
  dateOfJoining: { ref: 'employees.date_of_joining', kind: 'date', nullable: true },
  createdAt: { ref: 'employees.created_at', kind: 'date' },
};

export async function listEmployees(ctx: AppContext, f: EmployeeListFilters) {
  let q = ctx.db.selectFrom('employees');
  if (f.department) {
    const name = f.department;
    q = q.where('employees.department_id', '=', (eb) => eb.selectFrom('departments').select('departments.id').where('departments.name', '=', name));
  }
  if (f.designation) {
    const name = f.designation;
    q = q.where('employees.designation_id', '=', (eb) => eb.selectFrom('designations').select('designations.id').where('designations.name', '=', name));
  }
  if (f.status) q = q.where('employees.status', '=', f.status);
  if (f.q) {
    const text = f.q;
    q = q.where((eb) => eb.or([containsCi(eb.ref('employees.full_name'), text), containsCi(eb.ref('employees.employee_code'), text)]));
  }
  const page = q
    .leftJoin('departments', 'departments.id', 'employees.department_id')
    .leftJoin('designations', 'designations.id', 'employees.designation_id')
    .selectAll('employees')
    .select(['departments.name as department', 'designations.name as designation']);
  const order = keysetOrder(f.sort, EMPLOYEE_SORT_KEYS, 'employees.id');
  const rows = await applyKeyset(page, order, ctx.dialect, f.cursor).limit(f.limit + 1).execute();
  const { page: shown, nextCursor } = keysetPage(order, rows, f.limit);
  const items = shown.map(toEmployee);
  let total: number | undefined;
  if (f.withTotal) {
    const c = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    total = Number(c.n);
  }
  return { items, nextCursor, ...(total !== undefined ? { total } : {}) };
}

/** Departments or designations by name, with how many active employees each has. Keyset on the name. */
export async function listNamed(ctx: AppContext, table: 'departments' | 'designations', f: { limit: number; cursor?: string | undefined; q?: string | undefined }) {
  const column = table === 'departments' ? 'employees.department_id' : 'employees.designation_id';
  let q = ctx.db
    .selectFrom(table)
    .select(['id', 'name'])
    .select((eb) =>
      eb
        .selectFrom('employees')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef(column, '=', `${table}.id`)
        .where('employees.status', '=', 'active')
        .as('employees'),
    );
  if (f.q) {
    const text = f.q;
    q = q.where((eb) => containsCi(eb.ref('name'), text));
  }
  if (f.cursor) q = q.where('name', '>', f.cursor);
  const rows = await q.orderBy('name').limit(f.limit + 1).execute();
  const items = rows.slice(0, f.limit).map((r) => ({ id: r.id, name: r.name, employees: Number(r.employees ?? 0) }));
  return { items, nextCursor: rows.length > f.limit ? (items[items.length - 1]?.name ?? null) : null };
}

/** Global search: employees whose name or code contains `q`, by name. */
export async function searchEmployees(ctx: AppContext, q: string, limit: number): Promise<SearchResult[]> {
  const { items } = await listEmployees(ctx, { q, limit, withTotal: false, sort: 'fullName' });
  return items.map((e) => ({
    kind: 'employee',
    id: e.id,
    title: e.fullName,
    subtitle: [e.employeeCode, e.department, e.designation].filter(Boolean).join(' · '),
    url: `/app/employee/${e.id}`,
  }));
}
