/**
 * Batch members: staff add people, learners join published batches that allow it; each membership
 * enrolls the member in every course of the batch through the one enrollment entry point. The seat
 * limit is a database fact: the member count rises only while it is below the seats, and a CHECK
 * holds it there.
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import type { BatchesTable } from '../../db/schema-batches.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { normalizeEmail } from '../../platform/users.service.ts';
import type { BatchMembership } from '../../../contract/batches.ts';
import { enroll } from '../enrollments/index.ts';
import { lockBatch, managedBatch, visibleBatch } from './batch.service.ts';

function seatsFull(): AppError {
  return errors.conflict('SEATS_FULL', 'Every seat of this batch is taken.');
}

/** Inside the transaction that holds the batch row: the membership, the seat, the enrollments. */
async function admit(ctx: AppContext, trx: Tx, batch: BatchesTable, memberId: string, actor: Actor, requestId: string | null): Promise<BatchMembership> {
  const existing = await trx.selectFrom('batch_members').select('id').where('batch_id', '=', batch.id).where('member_id', '=', memberId).executeTakeFirst();
  if (existing) {
    throw errors.conflict('ALREADY_IN_BATCH', 'This person is already a member of the batch.', { batchMemberId: existing.id });
  }
  // Takes a seat only while one is free: decided by the database, atomically with the row lock.
  const taken = await trx
    .updateTable('batches')
    .set((eb) => ({ member_count: eb('member_count', '+', 1) }))
    .where('id', '=', batch.id)
    .where((eb) => eb.or([eb('seat_count', 'is', null), eb('member_count', '<', eb.ref('seat_count'))]))
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) === 0) throw seatsFull();
  const now = nowIso();
  const batchMemberId = newId();
  await trx.insertInto('batch_members').values({ id: batchMemberId, batch_id: batch.id, member_id: memberId, added_by: actor.id, joined_at: now }).execute();
  const courses = await trx.selectFrom('batch_courses').select('course_id').where('batch_id', '=', batch.id).orderBy('position').orderBy('course_id').execute();
  const enrollments: BatchMembership['enrollments'] = [];
  for (const c of courses) {
    const r = await enroll(ctx, trx, { memberId, courseId: c.course_id, source: 'cohort', batchId: batch.id, actorId: actor.id });
    enrollments.push({ courseId: c.course_id, enrollmentId: r.enrollment.id, created: r.created });
  }
  await recordAudit(trx, {
    actorId: actor.id,
    action: 'create',
    entity: 'batch_member',
    entityId: batchMemberId,
    after: { batchId: batch.id, memberId, joinedAt: now, enrollments },
    requestId,
  });
  return { batchMemberId, enrollments };
}

/** Staff add a person (by id or email) to a batch they manage. */
export async function addBatchMember(
  ctx: AppContext,
  actor: Actor,
  batchId: string,
  input: { memberId?: string | undefined; memberEmail?: string | undefined },
  requestId: string | null,
): Promise<BatchMembership> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row } = await managedBatch(trx, actor, batchId, await lockBatch(ctx, trx, batchId));
    let memberId = input.memberId;
    if (!memberId && input.memberEmail) {
      const u = await trx.selectFrom('users').select('id').where('email', '=', normalizeEmail(input.memberEmail)).executeTakeFirst();
      if (!u) throw errors.validation([{ path: 'memberEmail', message: 'No user has this email.' }], 'No user has this email.');
      memberId = u.id;
    }
    if (!memberId) throw errors.validation([{ path: 'memberId', message: 'Give memberId or memberEmail.' }]);
    const user = await trx.selectFrom('users').select('id').where('id', '=', memberId).executeTakeFirst();
    if (!user) throw errors.validation([{ path: 'memberId', message: 'No user has this id.' }], 'No user has this id.');
    return admit(ctx, trx, row, memberId, actor, requestId);
  });
}

/** The caller joins a published batch that allows self-enrollment. */
export async function joinBatch(ctx: AppContext, actor: Actor, batchId: string, requestId: string | null): Promise<BatchMembership> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  return ctx.db.transaction().execute(async (trx) => {
    const { row } = await visibleBatch(trx, actor, batchId, await lockBatch(ctx, trx, batchId));
    if (row.published !== 1 || row.allow_self_enrollment !== 1) {
      throw errors.unprocessable('SELF_ENROLLMENT_DISABLED', 'This batch does not take self-enrollment. Ask your training team to add you.');
    }
    if (row.paid === 1) throw new AppError(402, 'PAYMENT_REQUIRED', 'This is a paid batch: complete the payment to join it.');
    return admit(ctx, trx, row, memberId, actor, requestId);
  });
}

/**
 * A paid seat: the member of a paid payment joins the batch, inside the payments feature's
 * transaction (which marked the payment paid). A member who is already in the batch keeps their
 * membership (created: false); a full batch answers 409 SEATS_FULL.
 */
export async function admitPaidMember(
  ctx: AppContext,
  trx: Tx,
  input: { batchId: string; memberId: string; actorId: string | null },
): Promise<BatchMembership & { created: boolean }> {
  const batch = await lockBatch(ctx, trx, input.batchId);
  if (!batch) throw errors.notFound('The batch');
  const existing = await trx.selectFrom('batch_members').select('id').where('batch_id', '=', batch.id).where('member_id', '=', input.memberId).executeTakeFirst();
  if (existing) return { batchMemberId: existing.id, enrollments: [], created: false };
  const m = await admit(ctx, trx, batch, input.memberId, { id: input.actorId, roles: new Set() }, null);
  return { ...m, created: true };
}

/**
 * Ends a paid membership inside the payments feature's transaction (a refund that revokes access):
 * the seat frees up, the enrollments and their progress stay (audited). False when it is gone.
 */
export async function removePaidMember(
  trx: Tx,
  input: { batchMemberId: string; actorId: string | null; reason: string; requestId: string | null },
): Promise<boolean> {
  const member = await trx.selectFrom('batch_members').selectAll().where('id', '=', input.batchMemberId).executeTakeFirst();
  if (!member) return false;
  await trx.deleteFrom('batch_members').where('id', '=', member.id).execute();
  await trx
    .updateTable('batches')
    .set((eb) => ({ member_count: eb('member_count', '-', 1), updated_at: nowIso() }))
    .where('id', '=', member.batch_id)
    .execute();
  await recordAudit(trx, {
    actorId: input.actorId,
    action: 'delete',
    entity: 'batch_member',
    entityId: member.id,
    before: { batchId: member.batch_id, memberId: member.member_id, joinedAt: member.joined_at },
    after: { reason: input.reason },
    requestId: input.requestId,
  });
  return true;
}

/** Removes a member: their seat frees up; their enrollments and progress stay (audited). */
export async function removeBatchMember(ctx: AppContext, actor: Actor, batchId: string, memberId: string, requestId: string | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { row } = await managedBatch(trx, actor, batchId, await lockBatch(ctx, trx, batchId));
    const member = await trx.selectFrom('batch_members').selectAll().where('batch_id', '=', row.id).where('member_id', '=', memberId).executeTakeFirst();
    if (!member) throw errors.notFound('The batch member');
    const kept = await trx
      .selectFrom('enrollments')
      .select(['id', 'course_id', 'completed_lessons', 'completed_at'])
      .where('member_id', '=', memberId)
      .where('course_id', 'in', (eb) => eb.selectFrom('batch_courses').select('course_id').where('batch_id', '=', row.id))
      .execute();
    await trx.deleteFrom('batch_members').where('id', '=', member.id).execute();
    await trx
      .updateTable('batches')
      .set((eb) => ({ member_count: eb('member_count', '-', 1), updated_at: nowIso() }))
      .where('id', '=', row.id)
      .execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'delete',
      entity: 'batch_member',
      entityId: member.id,
      before: {
        batchId: row.id,
        memberId,
        joinedAt: member.joined_at,
        keptEnrollments: kept.map((e) => ({ enrollmentId: e.id, courseId: e.course_id, completedLessons: Number(e.completed_lessons), completedAt: e.completed_at })),
      },
      requestId,
    });
  });
}
