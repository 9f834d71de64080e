import { sql } from 'kysely';
import type { z } from 'zod';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { ComplianceTypesTable, EmployeeComplianceTable } from '../../db/schema-hr.ts';
import { nowIso, today } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import type { AppError} from '../../http/errors.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit, recordAuditMany } from '../../platform/audit.service.ts';
import type { JobDefinition } from '../../platform/jobs.ts';
import type { CreateComplianceTypeBody, EmployeeCompliance, EmployeeComplianceListQuery, UpdateComplianceTypeBody } from '../../../contract/compliance.ts';
import { addDays, addMonths } from '../dates.ts';

// ---------------------------------------------------------------------------------------------
// Compliance types

export function toComplianceType(r: ComplianceTypesTable) {
  return { id: r.id, name: r.name, renewalMonths: r.renewal_months, reminderLeadDays: r.reminder_lead_days };
}

function nameTaken(): AppError {
  return errors.conflict('NAME_TAKEN', 'A compliance type with this name already exists.', { errors: [{ path: 'name', message: 'Already used.' }] });
}

export async function createComplianceType(ctx: AppContext, actor: Actor, input: z.infer<typeof CreateComplianceTypeBody>) {
  return ctx.db.transaction().execute(async (trx) => {
    const now = nowIso();
    const row: ComplianceTypesTable = {
      id: newId(),
      name: input.name,
      renewal_months: input.renewalMonths ?? null,
      reminder_lead_days: input.reminderLeadDays,
      created_at: now,
      updated_at: now,
    };
    const ins = await trx.insertInto('compliance_types').values(row).onConflict((oc) => oc.column('name').doNothing()).returning('id').executeTakeFirst();
    if (!ins) throw nameTaken();
    const view = toComplianceType(row);
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'compliance_type', entityId: row.id, after: view });
    return view;
  });
}

export async function updateComplianceType(ctx: AppContext, actor: Actor, id: string, patch: z.infer<typeof UpdateComplianceTypeBody>) {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('compliance_types').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw errors.notFound('The compliance type');
    if (patch.name !== undefined && patch.name !== row.name) {
      const dup = await trx.selectFrom('compliance_types').select('id').where('name', '=', patch.name).executeTakeFirst();
      if (dup) throw nameTaken();
    }
    const updated = await trx
      .updateTable('compliance_types')
      .set({
        updated_at: nowIso(),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.renewalMonths !== undefined ? { renewal_months: patch.renewalMonths } : {}),
        ...(patch.reminderLeadDays !== undefined ? { reminder_lead_days: patch.reminderLeadDays } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const after = toComplianceType(updated);
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'compliance_type', entityId: id, before: toComplianceType(row), after });
    return after;
  });
}

export async function getComplianceType(ctx: AppContext, id: string) {
  const row = await ctx.db.selectFrom('compliance_types').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The compliance type');
  return toComplianceType(row);
}

export async function listComplianceTypes(ctx: AppContext) {
  const rows = await ctx.db.selectFrom('compliance_types').selectAll().orderBy('name').limit(1000).execute();
  return rows.map(toComplianceType);
}

// ---------------------------------------------------------------------------------------------
// Employee compliance rows

type RowWithType = EmployeeComplianceTable & { type_name: string };

export function toCompliance(r: RowWithType): EmployeeCompliance {
  return {
    id: r.id,
    employeeId: r.employee_id,
    complianceTypeId: r.compliance_type_id,
    complianceTypeName: r.type_name,
    status: r.status,
    completedOn: r.completed_on,
    renewalDate: r.renewal_date,
    evidenceDocumentId: r.evidence_document_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function complianceQuery(db: Executor) {
  return db
    .selectFrom('employee_compliance')
    .innerJoin('compliance_types', 'compliance_types.id', 'employee_compliance.compliance_type_id')
    .selectAll('employee_compliance')
    .select('compliance_types.name as type_name');
}

export async function findCompliance(db: Executor, id: string): Promise<EmployeeCompliance | null> {
  const r = await complianceQuery(db).where('employee_compliance.id', '=', id).executeTakeFirst();
  return r ? toCompliance(r) : null;
}

export async function createCompliance(ctx: AppContext, actor: Actor, input: { employeeId: string; complianceTypeId: string }): Promise<EmployeeCompliance> {
  return ctx.db.transaction().execute(async (trx) => {
    const emp = await trx.selectFrom('employees').select('id').where('id', '=', input.employeeId).executeTakeFirst();
    if (!emp) throw errors.validation([{ path: 'employeeId', message: 'No employee has this id.' }], 'No employee has this id.');
    const type = await trx.selectFrom('compliance_types').select('id').where('id', '=', input.complianceTypeId).executeTakeFirst();
    if (!type) throw errors.validation([{ path: 'complianceTypeId', message: 'No compliance type has this id.' }], 'No compliance type has this id.');
    const now = nowIso();
    const row: EmployeeComplianceTable = {
      id: newId(),
      employee_id: input.employeeId,
      compliance_type_id: input.complianceTypeId,
      status: 'pending',
      completed_on: null,
      renewal_date: null,
      evidence_document_id: null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    const ins = await trx
      .insertInto('employee_compliance')
      .values(row)
      .onConflict((oc) => oc.columns(['employee_id', 'compliance_type_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!ins) {
      const existing = await trx
        .selectFrom('employee_compliance')
        .select('id')
        .where('employee_id', '=', input.employeeId)
        .where('compliance_type_id', '=', input.complianceTypeId)
        .executeTakeFirstOrThrow();
      throw errors.conflict('COMPLIANCE_EXISTS', 'This employee already has a row for this compliance type.', { complianceId: existing.id });
    }
    const view = (await findCompliance(trx, row.id))!;
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'employee_compliance', entityId: row.id, after: view });
    return view;
  });
}

/**
 * HR marks a row complete (nothing flips it automatically from LMS: the product's rule). The
 * renewal date follows from the type's renewal period; the evidence must be a document of the
 * same employee.
 */
export async function completeCompliance(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: { completedOn: string; evidenceDocumentId?: string | null | undefined },
): Promise<EmployeeCompliance> {
  if (input.completedOn > today()) {
    throw errors.validation([{ path: 'completedOn', message: 'The completion date is in the future.' }], 'The completion date is in the future.');
  }
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findCompliance(trx, id);
    if (!before) throw errors.notFound('The compliance row');
    if (input.evidenceDocumentId) {
      const doc = await trx.selectFrom('employee_documents').select(['id', 'employee_id']).where('id', '=', input.evidenceDocumentId).executeTakeFirst();
      if (!doc || doc.employee_id !== before.employeeId) {
        throw errors.validation([{ path: 'evidenceDocumentId', message: "No document of this employee has this id." }], "No document of this employee has this id.");
      }
    }
    const type = await trx.selectFrom('compliance_types').selectAll().where('id', '=', before.complianceTypeId).executeTakeFirstOrThrow();
    const renewal = type.renewal_months ? addMonths(input.completedOn, type.renewal_months) : null;
    const on = today();
    const status = renewal === null ? 'complete' : renewal < on ? 'expired' : addDays(renewal, -type.reminder_lead_days) <= on ? 'expiring' : 'complete';
    await trx
      .updateTable('employee_compliance')
      .set({
        status,
        completed_on: input.completedOn,
        renewal_date: renewal,
        evidence_document_id: input.evidenceDocumentId ?? before.evidenceDocumentId,
        updated_at: nowIso(),
      })
      .where('id', '=', id)
      .execute();
    const after = (await findCompliance(trx, id))!;
    await recordAudit(trx, { actorId: actor.id, action: 'complete', entity: 'employee_compliance', entityId: id, before, after });
    return after;
  });
}

export async function listCompliance(ctx: AppContext, f: z.infer<typeof EmployeeComplianceListQuery>) {
  let q = ctx.db.selectFrom('employee_compliance');
  if (f.employeeId) q = q.where('employee_compliance.employee_id', '=', f.employeeId);
  if (f.complianceTypeId) q = q.where('employee_compliance.compliance_type_id', '=', f.complianceTypeId);
  if (f.status) q = q.where('employee_compliance.status', '=', f.status);
  if (f.department) {
    const name = f.department;
    q = q.where('employee_compliance.employee_id', 'in', (eb) =>
      eb
        .selectFrom('employees')
        .innerJoin('departments', 'departments.id', 'employees.department_id')
        .select('employees.id')
        .where('departments.name', '=', name),
    );
  }
  let page = q
    .innerJoin('compliance_types', 'compliance_types.id', 'employee_compliance.compliance_type_id')
    .selectAll('employee_compliance')
    .select('compliance_types.name as type_name');
  if (f.cursor) page = page.where('employee_compliance.id', '<', f.cursor);
  const rows = await page.orderBy('employee_compliance.id', 'desc').limit(f.limit + 1).execute();
  const items = rows.slice(0, f.limit).map(toCompliance);
  let total: number | undefined;
  if (f.withTotal) total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { items, nextCursor: rows.length > f.limit ? (items[items.length - 1]?.id ?? null) : null, ...(total !== undefined ? { total } : {}) };
}

export async function complianceOfEmployee(db: Executor, employeeId: string): Promise<EmployeeCompliance[]> {
  const rows = await complianceQuery(db).where('employee_compliance.employee_id', '=', employeeId).orderBy('employee_compliance.id').limit(500).execute();
  return rows.map(toCompliance);
}

// ---------------------------------------------------------------------------------------------
// Daily job

interface Flipped {
  id: string;
  employee_id: string;
  status: 'expiring' | 'expired';
  renewal_date: string | null;
}

/**
 * Moves complete rows whose renewal date is within the type's reminder lead time to `expiring`, and
 * rows past their renewal date to `expired` (two set-based updates), then records one in-app
 * alert per flipped row for every HR user and for the employee's own user (set-based insert; the
 * (user, dedupe key) index makes a re-run alert nobody twice). E-mail comes with notifications.
 */
export async function runComplianceExpiry(ctx: AppContext, on = today()): Promise<{ expiring: number; expired: number; alerts: number }> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = nowIso();
    const expired = await sql<Flipped>`
      update employee_compliance
         set status = 'expired', updated_at = ${now}
       where status in ('complete', 'expiring')
         and renewal_date is not null
         and renewal_date < ${on}
      returning id, employee_id, status, renewal_date`.execute(trx);
    // "Lead days before the renewal date" on both engines: compare the renewal date with on + lead.
    const leadLimit =
      ctx.dialect === 'postgres'
        ? sql`to_char(cast(${on} as date) + ct.reminder_lead_days, 'YYYY-MM-DD')`
        : sql`date(${on}, '+' || ct.reminder_lead_days || ' days')`;
    const expiring = await sql<Flipped>`
      update employee_compliance
         set status = 'expiring', updated_at = ${now}
        from compliance_types ct
       where ct.id = employee_compliance.compliance_type_id
         and employee_compliance.status = 'complete'
         and employee_compliance.renewal_date is not null
         and employee_compliance.renewal_date <= ${leadLimit}
      returning employee_compliance.id, employee_compliance.employee_id, employee_compliance.status, employee_compliance.renewal_date`.execute(trx);
    const flipped = [...expired.rows, ...expiring.rows];
    await recordAuditMany(
      trx,
      flipped.map((r) => ({ actorId: null, action: r.status === 'expired' ? 'expire' : 'expiring', entity: 'employee_compliance', entityId: r.id, after: { status: r.status } })),
    );
    let alerts = 0;
    if (flipped.length) {
      const hrUsers = await trx
        .selectFrom('user_roles')
        .innerJoin('users', 'users.id', 'user_roles.user_id')
        .select('user_roles.user_id')
        .distinct()
        .where('user_roles.role', 'in', ['HR Manager', 'HR User'])
        .where('users.enabled', '=', 1)
        .execute();
      const ids = flipped.map((r) => r.id);
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await trx
          .selectFrom('employee_compliance as ec')
          .innerJoin('compliance_types as ct', 'ct.id', 'ec.compliance_type_id')
          .innerJoin('employees as e', 'e.id', 'ec.employee_id')
          .select(['ec.id', 'ec.status', 'ec.renewal_date', 'ct.name as type_name', 'e.full_name', 'e.user_id'])
          .where('ec.id', 'in', ids.slice(i, i + 500))
          .execute();
        const values = rows.flatMap((r) => {
          const title = `${r.status === 'expired' ? 'Compliance expired' : 'Compliance expiring'}: ${r.type_name} (${r.full_name})`;
          const recipients = new Set(hrUsers.map((u) => u.user_id));
          if (r.user_id) recipients.add(r.user_id);
          return [...recipients].map((userId) => ({
            id: newId(),
            user_id: userId,
            kind: `compliance.${r.status}`,
            title,
            body: r.renewal_date ? `Renewal date ${r.renewal_date}.` : '',
            link: `/app/employee-compliance/${r.id}`,
            dedupe_key: `compliance:${r.id}:${r.status}:${r.renewal_date ?? ''}`,
            created_at: now,
            read_at: null,
          }));
        });
        for (let j = 0; j < values.length; j += 500) {
          const res = await trx
            .insertInto('notifications')
            .values(values.slice(j, j + 500))
            .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
            .executeTakeFirst();
          alerts += Number(res.numInsertedOrUpdatedRows ?? 0);
        }
      }
    }
    return { expiring: expiring.rows.length, expired: expired.rows.length, alerts };
  });
}

/** Register in main.ts: jobs.register(complianceExpiryJob). Runs daily at 05:10 UTC. */
export const complianceExpiryJob: JobDefinition = {
  name: 'hr.compliance-expiry',
  schedule: '10 5 * * *',
  run: (ctx) => runComplianceExpiry(ctx),
};
