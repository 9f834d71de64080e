/** An evaluator's weekly availability (in their time zone), unavailable dates, and the free slots it offers. */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { nowIso, today } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { hasAnyRole } from '../../http/access.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import type { Availability, AvailabilityInput, Slot } from '../../../contract/assignments.ts';
import { isCourseAdmin } from '../courses/index.ts';
import { addDays, slotEnd, slotStarts, zonedInstant } from './slots.ts';

export const DEFAULT_SLOT_MINUTES = 30;

async function readAvailability(db: Executor, userId: string): Promise<Availability> {
  const [settings, windows, off] = await Promise.all([
    db.selectFrom('evaluator_settings').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    db.selectFrom('evaluator_availability').select(['weekday', 'start_time', 'end_time']).where('user_id', '=', userId).orderBy('weekday').orderBy('start_time').execute(),
    db.selectFrom('evaluator_unavailable_dates').select('date').where('user_id', '=', userId).orderBy('date').execute(),
  ]);
  return {
    userId,
    timezone: settings?.timezone ?? null,
    slotMinutes: settings ? Number(settings.slot_minutes) : DEFAULT_SLOT_MINUTES,
    meetingUrl: settings?.meeting_url ?? null,
    slots: windows.map((w) => ({ weekday: Number(w.weekday), start: w.start_time, end: w.end_time })),
    unavailableDates: off.map((d) => d.date),
  };
}

/** The evaluator themselves or Moderators / System Managers; anyone else is told the evaluator is not there. */
async function evaluatorFor(db: Executor, actor: Actor, userId: string): Promise<void> {
  if (actor.id !== userId && !isCourseAdmin(actor)) throw errors.notFound('The evaluator');
  const roles = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute();
  if (!hasAnyRole(roles.map((r) => r.role), ['Batch Evaluator', 'Moderator'])) throw errors.notFound('The evaluator');
}

export async function getAvailability(ctx: AppContext, actor: Actor, userId: string): Promise<Availability> {
  await evaluatorFor(ctx.db, actor, userId);
  return readAvailability(ctx.db, userId);
}

/** Replaces the evaluator's weekly windows, time zone and unavailable dates; audited with before and after. */
export async function putAvailability(ctx: AppContext, actor: Actor, userId: string, input: AvailabilityInput, requestId: string | null): Promise<Availability> {
  const overlapping = findOverlap(input.slots);
  if (overlapping !== null) {
    throw errors.validation([{ path: `slots.${overlapping}`, message: 'This window overlaps another one on the same day.' }], 'Two availability windows overlap.');
  }
  return ctx.db.transaction().execute(async (trx) => {
    await evaluatorFor(trx, actor, userId);
    const before = await readAvailability(trx, userId);
    const now = nowIso();
    const settings = {
      timezone: input.timezone,
      slot_minutes: input.slotMinutes ?? before.slotMinutes,
      meeting_url: input.meetingUrl === undefined ? before.meetingUrl : input.meetingUrl,
      updated_at: now,
    };
    await trx
      .insertInto('evaluator_settings')
      .values({ user_id: userId, ...settings })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(settings))
      .execute();
    await trx.deleteFrom('evaluator_availability').where('user_id', '=', userId).execute();
    if (input.slots.length) {
      await trx
        .insertInto('evaluator_availability')
        .values(input.slots.map((s) => ({ id: newId(), user_id: userId, weekday: s.weekday, start_time: s.start, end_time: s.end })))
        .execute();
    }
    if (input.unavailableDates) {
      await trx.deleteFrom('evaluator_unavailable_dates').where('user_id', '=', userId).execute();
      const dates = [...new Set(input.unavailableDates)];
      if (dates.length) await trx.insertInto('evaluator_unavailable_dates').values(dates.map((date) => ({ user_id: userId, date }))).execute();
    }
    const after = await readAvailability(trx, userId);
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'evaluator_availability', entityId: userId, before, after, requestId });
    return after;
  });
}

function findOverlap(slots: AvailabilityInput['slots']): number | null {
  for (let i = 0; i < slots.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = slots[i]!;
      const b = slots[j]!;
      if (a.weekday === b.weekday && a.start < b.end && b.start < a.end) return i;
    }
  }
  return null;
}

export interface EvaluatorPlan {
  userId: string;
  fullName: string;
  availability: Availability;
}

/** Availability of many evaluators, in three queries. */
export async function plansOf(db: Executor, userIds: readonly string[]): Promise<EvaluatorPlan[]> {
  if (userIds.length === 0) return [];
  const ids = [...userIds];
  const [users, settings, windows, off] = await Promise.all([
    db.selectFrom('users').select(['id', 'full_name']).where('id', 'in', ids).orderBy('id').execute(),
    db.selectFrom('evaluator_settings').selectAll().where('user_id', 'in', ids).execute(),
    db.selectFrom('evaluator_availability').selectAll().where('user_id', 'in', ids).orderBy('weekday').orderBy('start_time').execute(),
    db.selectFrom('evaluator_unavailable_dates').selectAll().where('user_id', 'in', ids).where('date', '>=', addDays(today(), -2)).execute(),
  ]);
  const s = new Map(settings.map((x) => [x.user_id, x]));
  return users
    .filter((u) => s.has(u.id))
    .map((u) => ({
      userId: u.id,
      fullName: u.full_name,
      availability: {
        userId: u.id,
        timezone: s.get(u.id)!.timezone,
        slotMinutes: Number(s.get(u.id)!.slot_minutes),
        meetingUrl: s.get(u.id)!.meeting_url,
        slots: windows.filter((w) => w.user_id === u.id).map((w) => ({ weekday: Number(w.weekday), start: w.start_time, end: w.end_time })),
        unavailableDates: off.filter((d) => d.user_id === u.id).map((d) => d.date),
      },
    }));
}

/** The slot (local date and start) when the evaluator offers it, with its instants; null when they do not. */
export function offeredSlot(plan: EvaluatorPlan, date: string, startTime: string): { startsAt: Date; endsAt: Date } | null {
  const a = plan.availability;
  if (!a.timezone || a.unavailableDates.includes(date)) return null;
  if (!slotStarts(a.slots, date, a.slotMinutes).includes(startTime)) return null;
  const startsAt = zonedInstant(date, startTime, a.timezone);
  return { startsAt, endsAt: slotEnd(startsAt, a.slotMinutes) };
}

/** Free slots of the evaluators over `days` days from `from` (their local dates), future ones only, by start. */
export function freeSlots(plans: readonly EvaluatorPlan[], booked: ReadonlySet<string>, from: string, days: number, now = Date.now()): Slot[] {
  const out: Slot[] = [];
  for (const p of plans) {
    for (let i = 0; i < days; i++) {
      const date = addDays(from, i);
      for (const startTime of slotStarts(p.availability.slots, date, p.availability.slotMinutes)) {
        const slot = offeredSlot(p, date, startTime);
        if (!slot || slot.startsAt.getTime() <= now) continue;
        const startsAt = slot.startsAt.toISOString();
        if (booked.has(`${p.userId}/${startsAt}`)) continue;
        out.push({ evaluatorId: p.userId, evaluatorName: p.fullName, date, startTime, timezone: p.availability.timezone!, startsAt, endsAt: slot.endsAt.toISOString() });
      }
    }
  }
  return out.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.evaluatorId.localeCompare(b.evaluatorId));
}
