/** Live classes of a batch, their attendance, and the calendar feeds (per batch; personal secret feed). */
import { createHash } from 'node:crypto';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { LiveClassesTable } from '../../db/schema-batches.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId, newSecret } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import type { LiveClass } from '../../../contract/batches.ts';
import { isBatchStaff, type BatchRelation } from './batch.policy.ts';
import { visibleBatch } from './batch.service.ts';
import { renderCalendar, type CalendarEvent } from './calendar.ts';

export interface LiveClassInput {
  title: string;
  startsAt: string;
  durationMinutes: number;
  joinUrl: string;
  description?: string | undefined;
}

export function toLiveClass(r: LiveClassesTable, timezone: string, presentMemberIds?: string[]): LiveClass {
  return {
    id: r.id,
    batchId: r.batch_id,
    title: r.title,
    description: r.description,
    startsAt: r.starts_at,
    endsAt: new Date(Date.parse(r.starts_at) + r.duration_minutes * 60_000).toISOString(),
    durationMinutes: Number(r.duration_minutes),
    joinUrl: r.join_url,
    timezone,
    ...(presentMemberIds ? { presentMemberIds } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Members and staff of the batch read its schedule; others get 404. */
async function scheduleReader(db: Executor, actor: Actor, batchId: string): Promise<{ timezone: string; title: string; rel: BatchRelation }> {
  const { row, rel } = await visibleBatch(db, actor, batchId);
  if (!rel.isMember && !isBatchStaff(rel)) throw errors.notFound('The batch');
  return { timezone: row.timezone, title: row.title, rel };
}

/** Those who manage the batch and its instructors run its live classes. */
async function instructorOf(db: Executor, actor: Actor, batchId: string) {
  const v = await visibleBatch(db, actor, batchId);
  if (!v.rel.instructs) throw errors.forbidden('Only the batch’s instructors and managers run its live classes.');
  return v;
}

function iso(v: string): string {
  return new Date(v).toISOString();
}

export async function createLiveClass(ctx: AppContext, actor: Actor, batchId: string, input: LiveClassInput, requestId: string | null): Promise<LiveClass> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row: batch } = await instructorOf(trx, actor, batchId);
    const now = nowIso();
    const row: LiveClassesTable = {
      id: newId(),
      batch_id: batch.id,
      title: input.title,
      description: input.description ?? '',
      starts_at: iso(input.startsAt),
      duration_minutes: input.durationMinutes,
      join_url: input.joinUrl,
      sequence: 0,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('live_classes').values(row).execute();
    const out = toLiveClass(row, batch.timezone);
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'live_class', entityId: row.id, after: out, requestId });
    return out;
  });
}

export async function listLiveClasses(ctx: AppContext, actor: Actor, batchId: string): Promise<LiveClass[]> {
  const { timezone, rel } = await scheduleReader(ctx.db, actor, batchId);
  const rows = await ctx.db.selectFrom('live_classes').selectAll().where('batch_id', '=', batchId).orderBy('starts_at').orderBy('id').execute();
  if (!isBatchStaff(rel)) return rows.map((r) => toLiveClass(r, timezone));
  const present = rows.length
    ? await ctx.db.selectFrom('live_class_attendance').select(['live_class_id', 'member_id']).where('live_class_id', 'in', rows.map((r) => r.id)).execute()
    : [];
  return rows.map((r) =>
    toLiveClass(
      r,
      timezone,
      present.filter((p) => p.live_class_id === r.id).map((p) => p.member_id),
    ),
  );
}

async function liveClassFor(db: Executor, actor: Actor, id: string) {
  const row = await db.selectFrom('live_classes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The live class');
  let batch;
  try {
    batch = await instructorOf(db, actor, row.batch_id);
  } catch (e) {
    // Members who may not run the class learn that they may not; strangers that it does not exist.
    const v = await visibleBatch(db, actor, row.batch_id).catch(() => null);
    if (!v || (!v.rel.isMember && !isBatchStaff(v.rel))) throw errors.notFound('The live class');
    throw e;
  }
  return { row, batch: batch.row };
}

export async function updateLiveClass(ctx: AppContext, actor: Actor, id: string, input: Partial<LiveClassInput>, requestId: string | null): Promise<LiveClass> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row, batch } = await liveClassFor(trx, actor, id);
    const next: LiveClassesTable = {
      ...row,
      title: input.title ?? row.title,
      description: input.description ?? row.description,
      starts_at: input.startsAt ? iso(input.startsAt) : row.starts_at,
      duration_minutes: input.durationMinutes ?? row.duration_minutes,
      join_url: input.joinUrl ?? row.join_url,
      sequence: Number(row.sequence) + 1,
      updated_at: nowIso(),
    };
    const { id: _i, batch_id: _b, created_by: _c, created_at: _ca, ...changes } = next;
    await trx.updateTable('live_classes').set(changes).where('id', '=', id).execute();
    const out = toLiveClass(next, batch.timezone);
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'live_class', entityId: id, before: toLiveClass(row, batch.timezone), after: out, requestId });
    return out;
  });
}

export async function deleteLiveClass(ctx: AppContext, actor: Actor, id: string, requestId: string | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { row, batch } = await liveClassFor(trx, actor, id);
    const present = await trx.selectFrom('live_class_attendance').select('member_id').where('live_class_id', '=', id).execute();
    await trx.deleteFrom('live_classes').where('id', '=', id).execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'delete',
      entity: 'live_class',
      entityId: id,
      before: toLiveClass(row, batch.timezone, present.map((p) => p.member_id)),
      requestId,
    });
  });
}

/** Replaces the attendance of a class with the members named present (each must be a member of the batch). */
export async function setAttendance(ctx: AppContext, actor: Actor, id: string, presentMemberIds: readonly string[], requestId: string | null) {
  return ctx.db.transaction().execute(async (trx) => {
    const { row } = await liveClassFor(trx, actor, id);
    if (Date.parse(row.starts_at) > Date.now()) {
      throw new AppError(422, 'CLASS_NOT_STARTED', 'This class has not started yet: take its attendance once it has begun.', { startsAt: row.starts_at });
    }
    const ids = [...new Set(presentMemberIds)];
    if (ids.length) {
      const members = await trx.selectFrom('batch_members').select('member_id').where('batch_id', '=', row.batch_id).where('member_id', 'in', ids).execute();
      const known = new Set(members.map((m) => m.member_id));
      const bad = presentMemberIds.flatMap((m, i) => (known.has(m) ? [] : [{ path: `presentMemberIds.${i}`, message: 'Not a member of this batch.' }]));
      if (bad.length) throw errors.validation(bad, 'Only members of the batch can attend its classes.');
    }
    const before = await trx.selectFrom('live_class_attendance').select('member_id').where('live_class_id', '=', id).execute();
    await trx.deleteFrom('live_class_attendance').where('live_class_id', '=', id).execute();
    const now = nowIso();
    if (ids.length) {
      await trx.insertInto('live_class_attendance').values(ids.map((member_id) => ({ live_class_id: id, member_id, marked_by: actor.id, marked_at: now }))).execute();
    }
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'attendance',
      entity: 'live_class',
      entityId: id,
      before: { presentMemberIds: before.map((b) => b.member_id) },
      after: { presentMemberIds: ids },
      requestId,
    });
    return { liveClassId: id, presentMemberIds: ids };
  });
}

type EventRow = LiveClassesTable & { batch_title: string; timezone: string };

function toEvent(r: EventRow): CalendarEvent {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    startsAt: r.starts_at,
    durationMinutes: Number(r.duration_minutes),
    joinUrl: r.join_url,
    sequence: Number(r.sequence),
    updatedAt: r.updated_at,
    batchTitle: r.batch_title,
    timezone: r.timezone,
  };
}

function eventsQuery(db: Executor) {
  return db
    .selectFrom('live_classes')
    .innerJoin('batches', 'batches.id', 'live_classes.batch_id')
    .selectAll('live_classes')
    .select(['batches.title as batch_title', 'batches.timezone']);
}

/** The batch's calendar (members and staff). */
export async function batchCalendar(ctx: AppContext, actor: Actor, batchId: string): Promise<string> {
  const { title, timezone } = await scheduleReader(ctx.db, actor, batchId);
  const rows = await eventsQuery(ctx.db).where('live_classes.batch_id', '=', batchId).orderBy('live_classes.starts_at').orderBy('live_classes.id').execute();
  return renderCalendar(title, timezone, rows.map(toEvent));
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function feedUrl(ctx: AppContext, token: string): string {
  const base = (ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`).replace(/\/+$/, '');
  return `${base}/api/calendar/${token}/live-classes.ics`;
}

export async function calendarFeedState(ctx: AppContext, actor: Actor) {
  if (!actor.id) throw errors.unauthenticated();
  const row = await ctx.db.selectFrom('calendar_feeds').select('created_at').where('user_id', '=', actor.id).executeTakeFirst();
  return { active: !!row, url: null, createdAt: row?.created_at ?? null };
}

/** Creates the caller's personal feed, or renews its secret (the old address stops working). */
export async function renewCalendarFeed(ctx: AppContext, actor: Actor, requestId: string | null) {
  if (!actor.id) throw errors.unauthenticated();
  const userId = actor.id;
  const token = newSecret(32);
  const now = nowIso();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('calendar_feeds')
      .values({ user_id: userId, token_hash: hashToken(token), created_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ token_hash: hashToken(token), created_at: now }))
      .execute();
    await recordAudit(trx, { actorId: userId, action: 'renew', entity: 'calendar_feed', entityId: userId, requestId });
  });
  return { active: true, url: feedUrl(ctx, token), createdAt: now };
}

export async function revokeCalendarFeed(ctx: AppContext, actor: Actor, requestId: string | null): Promise<void> {
  if (!actor.id) throw errors.unauthenticated();
  const userId = actor.id;
  await ctx.db.transaction().execute(async (trx) => {
    const r = await trx.deleteFrom('calendar_feeds').where('user_id', '=', userId).executeTakeFirst();
    if (Number(r.numDeletedRows) > 0) await recordAudit(trx, { actorId: userId, action: 'revoke', entity: 'calendar_feed', entityId: userId, requestId });
  });
}

/** The personal feed behind a secret: live classes of the batches the person belongs to or teaches. 404 for an unknown or revoked secret. */
export async function personalCalendar(ctx: AppContext, token: string): Promise<string> {
  const feed = await ctx.db
    .selectFrom('calendar_feeds')
    .innerJoin('users', 'users.id', 'calendar_feeds.user_id')
    .select(['calendar_feeds.user_id', 'users.full_name', 'users.enabled'])
    .where('calendar_feeds.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!feed || feed.enabled !== 1) throw errors.notFound('The calendar');
  const me = feed.user_id;
  const rows = await eventsQuery(ctx.db)
    .where((eb) =>
      eb.or([
        eb('live_classes.batch_id', 'in', eb.selectFrom('batch_members').select('batch_id').where('member_id', '=', me)),
        eb('live_classes.batch_id', 'in', eb.selectFrom('batch_staff').select('batch_id').where('user_id', '=', me).where('role', '=', 'instructor')),
      ]),
    )
    .orderBy('live_classes.starts_at')
    .orderBy('live_classes.id')
    .execute();
  return renderCalendar(`Live classes — ${feed.full_name}`, null, rows.map(toEvent));
}

