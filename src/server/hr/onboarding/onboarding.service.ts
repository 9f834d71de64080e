import type { z } from 'zod';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { EmployeeOnboardingsTable } from '../../db/schema-hr.ts';
import { nowIso, today } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { recordAuditMany } from '../../platform/audit.service.ts';
import type { OnboardingActivitySchema, Onboarding, OnboardingResult, OnboardingStatusSchema } from '../../../contract/onboarding.ts';
import { addDays } from '../dates.ts';
import type { OnboardingHookItem } from '../hr-hooks.ts';
import { ownCommit } from '../../db/database.ts';

type Activity = z.infer<typeof OnboardingActivitySchema>;
interface StoredActivity {
  title: string;
  ownerId: string | null;
  dueOffsetDays: number;
  done: boolean;
}

/** Most onboardings in one batch request. */
export const MAX_ONBOARDING_BATCH = 5000;

function emptyResult(): OnboardingResult {
  return { enrolled: [], skipped: [], assignments: [] };
}

export function toOnboarding(r: EmployeeOnboardingsTable): Onboarding {
  const activities = JSON.parse(r.activities_json) as StoredActivity[];
  const result = { ...emptyResult(), ...(JSON.parse(r.result_json) as Partial<OnboardingResult>) };
  return {
    id: r.id,
    employeeId: r.employee_id,
    onboardingDate: r.onboarding_date,
    status: r.status,
    activities: activities.map((a) => ({ ...a, dueDate: addDays(r.onboarding_date, a.dueOffsetDays) })),
    enrolled: result.enrolled,
    skipped: result.skipped,
    assignments: result.assignments,
    createdAt: r.created_at,
  };
}

function storeActivities(list: readonly Activity[] | undefined): string {
  return JSON.stringify(
    (list ?? []).map((a): StoredActivity => ({ title: a.title, ownerId: a.ownerId ?? null, dueOffsetDays: a.dueOffsetDays, done: a.done })),
  );
}

async function assertOwners(db: Executor, activities: readonly Activity[] | undefined, prefix = 'activities'): Promise<void> {
  const owners = [...new Set((activities ?? []).map((a) => a.ownerId).filter((x): x is string => !!x))];
  if (!owners.length) return;
  const found = new Set((await db.selectFrom('users').select('id').where('id', 'in', owners).execute()).map((r) => r.id));
  const bad = (activities ?? []).flatMap((a, i) =>
    a.ownerId && !found.has(a.ownerId) ? [{ path: `${prefix}.${i}.ownerId`, message: 'No user has this id.' }] : [],
  );
  if (bad.length) throw errors.validation(bad, 'An activity owner is not a user.');
}

export interface OnboardingInput {
  employeeId: string;
  onboardingDate?: string | undefined;
  activities?: Activity[] | undefined;
}

/**
 * Creates onboardings for many employees in one transaction (one request, or an import-sized
 * batch) and fires onboarding.created once for all of them: the integration enrolls each linked
 * user in every published mandatory course and creates the training assignments, set-based. What
 * it did is stored on each onboarding. Everything commits or rolls back together.
 */
export async function createOnboardings(ctx: AppContext, actor: Actor, inputs: readonly OnboardingInput[]): Promise<Onboarding[]> {
  if (inputs.length === 0) return [];
  if (inputs.length > MAX_ONBOARDING_BATCH)
    throw errors.validation([{ path: 'items', message: `At most ${MAX_ONBOARDING_BATCH} onboardings at once.` }]);
  return ownCommit(ctx.db)
    .transaction()
    .execute(async (trx) => {
      const ids = [...new Set(inputs.map((i) => i.employeeId))];
      const employees = new Map<string, { id: string; user_id: string | null; status: string }>();
      for (let i = 0; i < ids.length; i += 1000) {
        const rows = await trx
          .selectFrom('employees')
          .select(['id', 'user_id', 'status'])
          .where('id', 'in', ids.slice(i, i + 1000))
          .execute();
        for (const r of rows) employees.set(r.id, r);
      }
      const now = nowIso();
      const rows: EmployeeOnboardingsTable[] = [];
      const items: OnboardingHookItem[] = [];
      for (const [index, input] of inputs.entries()) {
        const prefix = inputs.length > 1 ? `items.${index}.` : '';
        const employee = employees.get(input.employeeId);
        if (!employee) {
          if (inputs.length === 1) throw errors.notFound('The employee');
          throw errors.validation([{ path: `${prefix}employeeId`, message: 'No employee has this id.' }], 'No employee has this id.');
        }
        if (employee.status !== 'active') {
          throw errors.unprocessable('EMPLOYEE_NOT_ACTIVE', 'This employee has left; onboard an active employee.', {
            errors: [{ path: `${prefix}employeeId`, message: 'The employee has left.' }],
          });
        }
        await assertOwners(trx, input.activities, `${prefix}activities`);
        const row: EmployeeOnboardingsTable = {
          id: newId(),
          employee_id: employee.id,
          onboarding_date: input.onboardingDate ?? today(),
          status: 'pending',
          activities_json: storeActivities(input.activities),
          result_json: '{}',
          created_by: actor.id,
          created_at: now,
          updated_at: now,
        };
        rows.push(row);
        items.push({
          onboardingId: row.id,
          employeeId: employee.id,
          userId: employee.user_id,
          onboardingDate: row.onboarding_date,
          result: emptyResult(),
        });
      }
      // The hook runs first so each row is written once, with its result (set-based, 500 rows a statement).
      await ctx.hooks.emit('onboarding.created', trx, { actorId: actor.id, onboardings: items });
      for (const [i, row] of rows.entries()) row.result_json = JSON.stringify(items[i]!.result);
      for (let i = 0; i < rows.length; i += 500)
        await trx
          .insertInto('employee_onboardings')
          .values(rows.slice(i, i + 500))
          .execute();
      const out = rows.map(toOnboarding);
      await recordAuditMany(
        trx,
        out.map((o) => ({ actorId: actor.id, action: 'create', entity: 'employee_onboarding', entityId: o.id, after: o })),
      );
      return out;
    });
}

export async function getOnboarding(ctx: AppContext, id: string): Promise<Onboarding> {
  const row = await ctx.db.selectFrom('employee_onboardings').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The onboarding');
  return toOnboarding(row);
}

export async function updateOnboarding(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: { status?: z.infer<typeof OnboardingStatusSchema> | undefined; activities?: Activity[] | undefined },
): Promise<Onboarding> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('employee_onboardings').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw errors.notFound('The onboarding');
    await assertOwners(trx, patch.activities);
    const set = {
      updated_at: nowIso(),
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.activities ? { activities_json: storeActivities(patch.activities) } : {}),
    };
    const updated = await trx.updateTable('employee_onboardings').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const before = toOnboarding(row);
    const after = toOnboarding(updated);
    await recordAuditMany(trx, [{ actorId: actor.id, action: 'update', entity: 'employee_onboarding', entityId: id, before, after }]);
    return after;
  });
}

export async function listOnboardings(
  ctx: AppContext,
  f: {
    limit: number;
    cursor?: string | undefined;
    withTotal: boolean;
    employeeId?: string | undefined;
    status?: Onboarding['status'] | undefined;
  },
) {
  let q = ctx.db.selectFrom('employee_onboardings');
  if (f.employeeId) q = q.where('employee_id', '=', f.employeeId);
  if (f.status) q = q.where('status', '=', f.status);
  let page = q.selectAll();
  if (f.cursor) page = page.where('id', '<', f.cursor);
  const rows = await page
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const items = rows.slice(0, f.limit).map(toOnboarding);
  let total: number | undefined;
  if (f.withTotal) total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    items,
    nextCursor: rows.length > f.limit ? (items[items.length - 1]?.id ?? null) : null,
    ...(total !== undefined ? { total } : {}),
  };
}
