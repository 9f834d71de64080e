/**
 * Certificate requests: a learner books an evaluator's free slot for a course (or one of its
 * batches); the slot is taken by the insert itself (a unique index on evaluator + start among
 * scheduled requests), so two learners never hold the same slot. The evaluator records the
 * result; a pass issues the certificate through the certificates feature, noting the batch.
 */
import { sql, type Selectable } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { CertificateRequestsTable } from '../../db/schema-assignments.ts';
import { isUniqueViolation, nowIso, today } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { hasAnyRole } from '../../http/access.ts';
import { recordAudit, recordAuditMany } from '../../platform/audit.service.ts';
import type { BookInput, CertificateRequest, EvaluationCourse, RequestListFilters, Slot } from '../../../contract/assignments.ts';
import type { Certificate } from '../../../contract/certificates.ts';
import { managedBatch } from '../batches/index.ts';
import { issueInTx } from '../certificates/index.ts';
import { canManageCourse, isCourseAdmin } from '../courses/index.ts';
import { freeSlots, offeredSlot, plansOf, type EvaluatorPlan } from './availability.service.ts';

declare module '../../platform/hooks.ts' {
  interface HookEvents {
    /** Fires when a certificate evaluation gets a slot (booked or rescheduled), inside that transaction. */
    'evaluation.scheduled': { requestId: string; memberId: string; actorId: string | null };
  }
}

type RequestRow = Selectable<CertificateRequestsTable> & { member_name: string; course_title: string; evaluator_name: string | null };

function selectRequests(db: Executor) {
  return db
    .selectFrom('certificate_requests as r')
    .innerJoin('users as m', 'm.id', 'r.member_id')
    .innerJoin('courses as c', 'c.id', 'r.course_id')
    .leftJoin('users as ev', 'ev.id', 'r.evaluator_id')
    .selectAll('r')
    .select(['m.full_name as member_name', 'c.title as course_title', 'ev.full_name as evaluator_name']);
}

export function toRequest(r: RequestRow): CertificateRequest {
  return {
    id: r.id,
    memberId: r.member_id,
    memberName: r.member_name,
    courseId: r.course_id,
    courseTitle: r.course_title,
    batchId: r.batch_id,
    evaluatorId: r.evaluator_id,
    evaluatorName: r.evaluator_name,
    status: r.status as CertificateRequest['status'],
    date: r.date,
    startTime: r.start_time,
    timezone: r.timezone,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    meetingUrl: r.meeting_url,
    summary: r.summary,
    reason: r.reason,
    certificateId: r.certificate_id,
    createdAt: r.created_at,
  };
}

const SLOT_TAKEN = { index: 'certificate_requests_slot_uq', columns: 'certificate_requests.evaluator_id, certificate_requests.starts_at' };
const OPEN_TAKEN = { index: 'certificate_requests_open_uq', columns: 'certificate_requests.member_id, certificate_requests.course_id' };

/**
 * The evaluators who may evaluate this member for this course: those of the batch given (which must
 * hold the course and the member), otherwise those of the member's batches holding the course,
 * otherwise every Batch Evaluator.
 */
async function candidates(db: Executor, memberId: string, courseId: string, batchId: string | undefined): Promise<string[]> {
  const enrolled = await db.selectFrom('enrollments').select('id').where('member_id', '=', memberId).where('course_id', '=', courseId).executeTakeFirst();
  if (!enrolled) throw errors.notFound('The course');
  let q = db
    .selectFrom('batch_staff as bs')
    .innerJoin('batch_members as bm', (j) => j.onRef('bm.batch_id', '=', 'bs.batch_id').on('bm.member_id', '=', memberId))
    .innerJoin('batch_courses as bc', (j) => j.onRef('bc.batch_id', '=', 'bs.batch_id').on('bc.course_id', '=', courseId))
    .select('bs.user_id')
    .distinct()
    .where('bs.role', '=', 'evaluator');
  if (batchId) {
    const inBatch = await db
      .selectFrom('batch_members as bm')
      .innerJoin('batch_courses as bc', (j) => j.onRef('bc.batch_id', '=', 'bm.batch_id').on('bc.course_id', '=', courseId))
      .select('bm.id')
      .where('bm.batch_id', '=', batchId)
      .where('bm.member_id', '=', memberId)
      .executeTakeFirst();
    if (!inBatch) throw errors.notFound('The batch');
    q = q.where('bs.batch_id', '=', batchId);
  }
  const ids = (await q.execute()).map((r) => r.user_id);
  if (ids.length || batchId) return ids.filter((id) => id !== memberId).sort();
  const all = await db.selectFrom('user_roles').select('user_id').where('role', '=', 'Batch Evaluator').execute();
  return all.map((r) => r.user_id).filter((id) => id !== memberId).sort();
}

/**
 * The statuses that hold a slot: a booked evaluation, and one whose result is recorded (it took
 * place there, so the slot never opens again). Only a cancelled request gives its slot back.
 */
const HOLDS_SLOT = ['scheduled', 'passed', 'failed'] as const;

/** `evaluatorId/startsAt` of the future slots held by a request (see HOLDS_SLOT). */
async function bookedSet(db: Executor, evaluatorIds: readonly string[]): Promise<Set<string>> {
  if (evaluatorIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('certificate_requests')
    .select(['evaluator_id', 'starts_at'])
    .where('status', 'in', [...HOLDS_SLOT])
    .where('evaluator_id', 'in', [...evaluatorIds])
    .where('starts_at', '>=', nowIso())
    .execute();
  return new Set(rows.map((r) => `${r.evaluator_id}/${r.starts_at}`));
}

/** Free slots the caller may book for the course (and batch). */
export async function listSlots(ctx: AppContext, actor: Actor, q: { courseId: string; batchId?: string | undefined; from?: string | undefined; days: number }): Promise<Slot[]> {
  if (!actor.id) throw errors.unauthenticated();
  const ids = await candidates(ctx.db, actor.id, q.courseId, q.batchId);
  const plans = await plansOf(ctx.db, ids);
  return freeSlots(plans, await bookedSet(ctx.db, ids), q.from ?? today(), q.days);
}

/**
 * The courses the caller may book an evaluation for: those they are enrolled in that certify only
 * through one (`evaluationRequired`), and any other where staff sent them a request or they have one
 * booked. Each says how many evaluators could take it (the same ones as `candidates`, counting those
 * who set when they are available), the caller's open request and whether they are certified already.
 */
export async function evaluationCourses(ctx: AppContext, actor: Actor): Promise<EvaluationCourse[]> {
  if (!actor.id) throw errors.unauthenticated();
  const me = actor.id;
  const db = ctx.db;
  const courses = await db
    .selectFrom('enrollments as e')
    .innerJoin('courses as c', 'c.id', 'e.course_id')
    .select(['c.id', 'c.title', 'c.evaluation_required'])
    .where('e.member_id', '=', me)
    .where((eb) =>
      eb.or([
        eb('c.evaluation_required', '=', 1),
        eb.exists(
          eb
            .selectFrom('certificate_requests as r')
            .select('r.id')
            .whereRef('r.course_id', '=', 'c.id')
            .where('r.member_id', '=', me)
            .where('r.status', 'in', ['requested', 'scheduled']),
        ),
      ]),
    )
    .orderBy('c.title')
    .orderBy('c.id')
    .execute();
  if (courses.length === 0) return [];
  const courseIds = courses.map((c) => c.id);
  // The evaluators and certificate of each course as booking finds them (`candidates`, `hasValidCertificate`).
  const [open, perCourse] = await Promise.all([
    selectRequests(db).where('r.member_id', '=', me).where('r.course_id', 'in', courseIds).where('r.status', 'in', ['requested', 'scheduled']).execute(),
    Promise.all(courses.map(async (c) => ({ evaluators: await candidates(db, me, c.id, undefined), certified: await hasValidCertificate(db, me, c.id) }))),
  ]);
  const plans = await plansOf(db, [...new Set(perCourse.flatMap((p) => p.evaluators))]);
  const available = new Set(plans.filter((p) => p.availability.timezone && p.availability.slots.length > 0).map((p) => p.userId));
  return courses.map((c, i) => {
    const request = open.find((r) => r.course_id === c.id);
    return {
      courseId: c.id,
      courseTitle: c.title,
      evaluationRequired: Number(c.evaluation_required) === 1,
      evaluatorCount: perCourse[i]!.evaluators.filter((id) => available.has(id)).length,
      openRequest: request ? toRequest(request) : null,
      certified: perCourse[i]!.certified,
    };
  });
}

async function hasValidCertificate(db: Executor, memberId: string, courseId: string): Promise<boolean> {
  const row = await db
    .selectFrom('certificates')
    .select('id')
    .where('member_id', '=', memberId)
    .where('course_id', '=', courseId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expiry_date', 'is', null), eb('expiry_date', '>=', today())]))
    .executeTakeFirst();
  return !!row;
}

function pastSlot(): AppError {
  return errors.validation([{ path: 'startTime', message: 'This slot has already begun: choose a later one.' }], 'The slot is in the past.');
}

/** The learner books a slot. 409 SLOT_UNAVAILABLE when no candidate evaluator offers it free. */
export async function book(ctx: AppContext, actor: Actor, input: BookInput, requestId: string | null): Promise<CertificateRequest> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  let ids = await candidates(ctx.db, memberId, input.courseId, input.batchId);
  if (input.evaluatorId) ids = ids.filter((id) => id === input.evaluatorId);
  if (await hasValidCertificate(ctx.db, memberId, input.courseId)) throw errors.conflict('ALREADY_PASSED', 'You hold a valid certificate for this course already.');
  const open = await ctx.db.selectFrom('certificate_requests').select(['id', 'status']).where('member_id', '=', memberId).where('course_id', '=', input.courseId).where('status', 'in', ['requested', 'scheduled']).executeTakeFirst();
  if (open?.status === 'scheduled') throw errors.conflict('EVALUATION_PENDING', 'You have an evaluation booked for this course already: reschedule or cancel it.', { requestId: open.id });
  const offers = (await plansOf(ctx.db, ids)).flatMap((plan) => {
    const slot = offeredSlot(plan, input.date, input.startTime);
    return slot ? [{ plan, slot }] : [];
  });
  if (offers.length === 0) throw errors.conflict('SLOT_UNAVAILABLE', 'No evaluator is available at this time: choose one of the free slots.');
  if (offers[0]!.slot.startsAt.getTime() <= Date.now()) throw pastSlot();
  // A booked slot is refused here; one booked at the same moment, by the unique index on insert.
  const held = await bookedSet(ctx.db, offers.map((o) => o.plan.userId));
  const free = offers.filter((o) => !held.has(`${o.plan.userId}/${o.slot.startsAt.toISOString()}`));
  if (free.length === 0) throw errors.conflict('SLOT_UNAVAILABLE', 'This slot is booked already: choose another one.');
  for (const { plan, slot } of free) {
    try {
      return await takeSlot(ctx, memberId, open?.id ?? null, input, plan, slot, requestId);
    } catch (e) {
      if (isUniqueViolation(e, SLOT_TAKEN)) continue;
      if (isUniqueViolation(e, OPEN_TAKEN)) throw errors.conflict('EVALUATION_PENDING', 'You have an evaluation booked for this course already.');
      throw e;
    }
  }
  throw errors.conflict('SLOT_UNAVAILABLE', 'This slot was just booked by someone else: choose another one.');
}

async function takeSlot(
  ctx: AppContext,
  memberId: string,
  requestedId: string | null,
  input: BookInput,
  plan: EvaluatorPlan,
  slot: { startsAt: Date; endsAt: Date },
  requestId: string | null,
): Promise<CertificateRequest> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = nowIso();
    const fields = {
      evaluator_id: plan.userId,
      date: input.date,
      start_time: input.startTime,
      starts_at: slot.startsAt.toISOString(),
      ends_at: slot.endsAt.toISOString(),
      timezone: plan.availability.timezone,
      meeting_url: plan.availability.meetingUrl,
      status: 'scheduled',
      updated_at: now,
    };
    let id = requestedId;
    if (id) {
      // The group request staff sent becomes this booking.
      const updated = await trx.updateTable('certificate_requests').set(fields).where('id', '=', id).where('status', '=', 'requested').returning('id').executeTakeFirst();
      if (!updated) id = null;
    }
    if (!id) {
      id = newId();
      await trx
        .insertInto('certificate_requests')
        .values({
          id,
          member_id: memberId,
          course_id: input.courseId,
          batch_id: input.batchId ?? null,
          ...fields,
          summary: null,
          reason: null,
          certificate_id: null,
          requested_by: memberId,
          result_by: null,
          result_at: null,
          created_at: now,
        })
        .execute();
    }
    await ctx.hooks.emit('evaluation.scheduled', trx, { requestId: id, memberId, actorId: memberId });
    const after = toRequest(await selectRequests(trx).where('r.id', '=', id).executeTakeFirstOrThrow());
    await recordAudit(trx, { actorId: memberId, action: 'book', entity: 'certificate_request', entityId: id, after, requestId });
    return after;
  });
}

/** Who sees a request: its learner, its evaluator, the staff of its course, Moderators and System Managers. */
async function visibleRequest(db: Executor, actor: Actor, id: string): Promise<{ row: RequestRow; staff: boolean }> {
  const row = await selectRequests(db).where('r.id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The certificate request');
  const staff = isCourseAdmin(actor) || row.evaluator_id === actor.id || (hasAnyRole(actor.roles, ['Course Creator']) && (await canManageCourse(db, actor, row.course_id)));
  if (!staff && row.member_id !== actor.id) throw errors.notFound('The certificate request');
  return { row, staff };
}

export async function getRequest(ctx: AppContext, actor: Actor, id: string): Promise<CertificateRequest> {
  return toRequest((await visibleRequest(ctx.db, actor, id)).row);
}

function notScheduled(status: string): AppError {
  return errors.unprocessable('REQUEST_NOT_SCHEDULED', `This request is ${status}, not scheduled.`, { status });
}

function notStarted(startsAt: string): AppError {
  return errors.unprocessable('EVALUATION_NOT_STARTED', 'This evaluation has not started yet: record its result once it has begun.', { startsAt });
}

/** The evaluator (or staff) records the result; a pass issues the certificate with the batch noted. */
export async function recordResult(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: { result: 'pass' | 'fail'; summary?: string | undefined },
  requestId: string | null,
): Promise<{ request: CertificateRequest; certificate: Certificate | null }> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row, staff } = await visibleRequest(trx, actor, id);
    if (row.member_id === actor.id) throw new AppError(403, 'SELF_GRADE_FORBIDDEN', 'You cannot evaluate your own certificate request.');
    if (!staff) throw errors.notFound('The certificate request');
    if (row.status !== 'scheduled') throw notScheduled(row.status);
    // A result is what happened at the evaluation: none before it starts (the slot stays held either way).
    if (!row.starts_at || Date.parse(row.starts_at) > Date.now()) throw notStarted(row.starts_at ?? '');
    const before = toRequest(row);
    const now = nowIso();
    const updated = await trx
      .updateTable('certificate_requests')
      .set({ status: input.result === 'pass' ? 'passed' : 'failed', summary: input.summary ?? null, result_by: actor.id, result_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'scheduled')
      .where('starts_at', '=', row.starts_at)
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      // Moved to another time (reschedule) or given its result by someone else a moment ago.
      const moved = await trx.selectFrom('certificate_requests').select(['status', 'starts_at']).where('id', '=', id).executeTakeFirst();
      if (moved?.status === 'scheduled') throw notStarted(moved.starts_at ?? '');
      throw errors.conflict('ALREADY_GRADED', 'The result of this evaluation was recorded a moment ago by someone else.');
    }
    let certificate: Certificate | null = null;
    if (input.result === 'pass') {
      certificate = (
        await issueInTx(ctx, trx, { memberId: row.member_id, courseId: row.course_id, source: 'evaluation', actorId: actor.id, batchId: row.batch_id, requestId })
      ).certificate;
      await trx.updateTable('certificate_requests').set({ certificate_id: certificate.id }).where('id', '=', id).execute();
    }
    const after = toRequest(await selectRequests(trx).where('r.id', '=', id).executeTakeFirstOrThrow());
    await recordAudit(trx, { actorId: actor.id, action: 'result', entity: 'certificate_request', entityId: id, before, after, requestId });
    return { request: after, certificate };
  });
}

/** A new slot with the same evaluator, with a reason (the learner, the evaluator or staff). */
export async function reschedule(ctx: AppContext, actor: Actor, id: string, input: { date: string; startTime: string; reason: string }, requestId: string | null): Promise<CertificateRequest> {
  const { row } = await visibleRequest(ctx.db, actor, id);
  if (row.status !== 'scheduled') throw notScheduled(row.status);
  const [plan] = await plansOf(ctx.db, [row.evaluator_id!]);
  const slot = plan ? offeredSlot(plan, input.date, input.startTime) : null;
  if (!plan || !slot) throw errors.conflict('SLOT_UNAVAILABLE', 'The evaluator is not available at this time: choose one of the free slots.');
  if (slot.startsAt.getTime() <= Date.now()) throw pastSlot();
  const startsAt = slot.startsAt.toISOString();
  if (startsAt !== row.starts_at && (await bookedSet(ctx.db, [plan.userId])).has(`${plan.userId}/${startsAt}`)) {
    throw errors.conflict('SLOT_UNAVAILABLE', 'This slot is booked already: choose another one.');
  }
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const before = toRequest(row);
      const now = nowIso();
      const updated = await trx
        .updateTable('certificate_requests')
        .set({ date: input.date, start_time: input.startTime, starts_at: slot.startsAt.toISOString(), ends_at: slot.endsAt.toISOString(), reason: input.reason, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'scheduled')
        .returning('id')
        .executeTakeFirst();
      if (!updated) throw notScheduled('no longer scheduled');
      await ctx.hooks.emit('evaluation.scheduled', trx, { requestId: id, memberId: row.member_id, actorId: actor.id });
      const after = toRequest(await selectRequests(trx).where('r.id', '=', id).executeTakeFirstOrThrow());
      await recordAudit(trx, { actorId: actor.id, action: 'reschedule', entity: 'certificate_request', entityId: id, before, after, requestId });
      return after;
    });
  } catch (e) {
    if (isUniqueViolation(e, SLOT_TAKEN)) throw errors.conflict('SLOT_UNAVAILABLE', 'This slot is booked already: choose another one.');
    throw e;
  }
}

export async function cancel(ctx: AppContext, actor: Actor, id: string, reason: string, requestId: string | null): Promise<CertificateRequest> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row } = await visibleRequest(trx, actor, id);
    if (row.status !== 'scheduled' && row.status !== 'requested') throw notScheduled(row.status);
    const before = toRequest(row);
    const updated = await trx
      .updateTable('certificate_requests')
      .set({ status: 'cancelled', reason, updated_at: nowIso() })
      .where('id', '=', id)
      .where('status', 'in', ['scheduled', 'requested'])
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw notScheduled('no longer open');
    const after = toRequest(await selectRequests(trx).where('r.id', '=', id).executeTakeFirstOrThrow());
    await recordAudit(trx, { actorId: actor.id, action: 'cancel', entity: 'certificate_request', entityId: id, before, after, requestId });
    return after;
  });
}

/**
 * The group request: one open request per member of the batch without a valid certificate for the
 * course (and without an open request for it), in one insert.
 */
export async function groupRequest(ctx: AppContext, actor: Actor, batchId: string, courseId: string, requestId: string | null): Promise<CertificateRequest[]> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row: batch } = await managedBatch(trx, actor, batchId);
    const inBatch = await trx.selectFrom('batch_courses').select('course_id').where('batch_id', '=', batch.id).where('course_id', '=', courseId).executeTakeFirst();
    if (!inBatch) throw errors.validation([{ path: 'courseId', message: 'The batch does not hold this course.' }], 'The batch does not hold this course.');
    const members = await trx
      .selectFrom('batch_members as bm')
      .select('bm.member_id')
      .where('bm.batch_id', '=', batch.id)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('certificates as c')
              .select('c.id')
              .whereRef('c.member_id', '=', 'bm.member_id')
              .where('c.course_id', '=', courseId)
              .where('c.revoked_at', 'is', null)
              .where((x) => x.or([x('c.expiry_date', 'is', null), x('c.expiry_date', '>=', today())])),
          ),
        ),
      )
      .orderBy('bm.member_id')
      .execute();
    const now = nowIso();
    const rows = members.map((m) => ({
      id: newId(),
      member_id: m.member_id,
      course_id: courseId,
      batch_id: batch.id,
      evaluator_id: null,
      date: null,
      start_time: null,
      starts_at: null,
      ends_at: null,
      timezone: null,
      meeting_url: null,
      status: 'requested',
      summary: null,
      reason: null,
      certificate_id: null,
      requested_by: actor.id,
      result_by: null,
      result_at: null,
      created_at: now,
      updated_at: now,
    }));
    const ids: string[] = [];
    for (let i = 0; i < rows.length; i += 500) {
      // A member with an open request keeps it (the partial unique index decides).
      const inserted = await trx.insertInto('certificate_requests').values(rows.slice(i, i + 500)).onConflict((oc) => oc.doNothing()).returning('id').execute();
      ids.push(...inserted.map((r) => r.id));
    }
    const created = ids.length ? (await selectRequests(trx).where('r.id', 'in', ids).orderBy('r.id').execute()).map(toRequest) : [];
    await recordAuditMany(
      trx,
      created.map((r) => ({ actorId: actor.id, action: 'group-request', entity: 'certificate_request', entityId: r.id, after: r, requestId })),
    );
    return created;
  });
}

/** Requests: learners their own, evaluators theirs and their batches', Moderators every one. */
export async function listRequests(ctx: AppContext, actor: Actor, q: RequestListFilters): Promise<{ items: CertificateRequest[]; nextCursor: string | null }> {
  const me = actor.id ?? '';
  let query = selectRequests(ctx.db);
  if (!isCourseAdmin(actor)) {
    query = query.where(
      sql<boolean>`(r.member_id = ${me} or r.evaluator_id = ${me}
        or exists (select 1 from batch_staff bs where bs.batch_id = r.batch_id and bs.user_id = ${me})
        or exists (select 1 from batches b where b.id = r.batch_id and b.created_by = ${me}))`,
    );
  }
  if (q.status) query = query.where('r.status', '=', q.status);
  if (q.evaluatorId) query = query.where('r.evaluator_id', '=', q.evaluatorId);
  if (q.memberId) query = query.where('r.member_id', '=', q.memberId);
  if (q.batchId) query = query.where('r.batch_id', '=', q.batchId);
  if (q.courseId) query = query.where('r.course_id', '=', q.courseId);
  if (q.cursor) query = query.where('r.id', '>', q.cursor);
  const rows = await query.orderBy('r.id').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  return { items: page.map(toRequest), nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null };
}
