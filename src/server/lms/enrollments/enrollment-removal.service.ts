/**
 * Ending an enrollment: staff delete any, a course's instructors remove their learners with a
 * reason, and self-enrolled learners leave a course they chose when nothing requires it of them.
 * Each removal deletes the row and its lesson progress and records the before-image (row and
 * completed lessons) in the audit log, in the same transaction.
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { canManageCourse, canSeeLearnersOf, isCourseAdmin } from '../courses/index.ts';
import { progressSql, type EnrollmentRow } from './progress.service.ts';
import { toEnrollment } from './enrollment.service.ts';

/** Why a learner may not leave a course themselves. */
export type LeaveRefusal = 'mandatory' | 'not_self_enrolled' | 'assigned';

const LEAVE_REFUSALS: Record<LeaveRefusal, string> = {
  mandatory: 'This course is mandatory, so you cannot leave it.',
  not_self_enrolled: 'You were enrolled in this course by someone else. Ask them to remove you.',
  assigned: 'You have an open training assignment for this course, so you cannot leave it.',
};

/** The enrollment row, locked first on PostgreSQL (a completion in flight finishes before its progress is read and deleted). */
async function lockedEnrollment(ctx: AppContext, trx: Tx, where: { id: string } | { memberId: string; courseId: string }) {
  let read = trx.selectFrom('enrollments').selectAll().select(progressSql().as('progress'));
  read = 'id' in where ? read.where('id', '=', where.id) : read.where('member_id', '=', where.memberId).where('course_id', '=', where.courseId);
  return (ctx.dialect === 'postgres' ? read.forUpdate() : read).executeTakeFirst();
}

/** Deletes the enrollment and its lesson progress; the audit entry keeps both. */
async function removeEnrollment(
  trx: Tx,
  row: EnrollmentRow,
  audit: { actorId: string | null; action: 'delete' | 'leave'; reason: string | null; requestId: string | null },
): Promise<void> {
  const completions = await trx
    .selectFrom('lesson_completions')
    .select(['lesson_id', 'completed_at'])
    .where('member_id', '=', row.member_id)
    .where('course_id', '=', row.course_id)
    .orderBy('completed_at')
    .execute();
  await trx.deleteFrom('lesson_completions').where('member_id', '=', row.member_id).where('course_id', '=', row.course_id).execute();
  await trx.deleteFrom('enrollments').where('id', '=', row.id).execute();
  await recordAudit(trx, {
    actorId: audit.actorId,
    action: audit.action,
    entity: 'enrollment',
    entityId: row.id,
    before: { ...toEnrollment(row), lessonProgress: completions.map((c) => ({ lessonId: c.lesson_id, completedAt: c.completed_at })) },
    ...(audit.reason !== null ? { after: { reason: audit.reason } } : {}),
    requestId: audit.requestId,
  });
}

/**
 * Ends an enrollment inside the caller's transaction (a refund that revokes access): the row and
 * its lesson progress are deleted, the audit entry keeps both with the reason. False when the
 * enrollment no longer exists.
 */
export async function revokeEnrollment(
  ctx: AppContext,
  trx: Tx,
  enrollmentId: string,
  audit: { actorId: string | null; reason: string; requestId: string | null },
): Promise<boolean> {
  const row = await lockedEnrollment(ctx, trx, { id: enrollmentId });
  if (!row) return false;
  await removeEnrollment(trx, row, { actorId: audit.actorId, action: 'delete', reason: audit.reason, requestId: audit.requestId });
  return true;
}

/**
 * DELETE /api/enrollments/:id. Moderators and System Managers delete any enrollment (a reason is
 * optional); a Course Creator removes enrollments of courses they teach and gives the reason.
 * Anyone else who may read the enrollment gets 403; an enrollment they may not read is 404.
 */
export async function deleteEnrollment(ctx: AppContext, actor: Actor, id: string, reason: string | null, requestId: string | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockedEnrollment(ctx, trx, { id });
    const own = actor.id !== null && row?.member_id === actor.id;
    if (!row || !(own || (await canSeeLearnersOf(trx, actor, row.course_id)))) throw errors.notFound('The enrollment');
    if (!isCourseAdmin(actor)) {
      if (!(await canManageCourse(trx, actor, row.course_id))) {
        throw errors.forbidden("Only Moderators, System Managers and the course's instructors may remove enrollments.");
      }
      if (reason === null) {
        throw errors.validation([{ path: 'reason', message: 'Give the reason for removing this learner.' }], 'Give the reason for removing this learner.');
      }
    }
    await removeEnrollment(trx, row, { actorId: actor.id, action: 'delete', reason, requestId });
  });
}

/**
 * POST /api/courses/:id/leave: the caller leaves a course they enrolled in themselves, unless the
 * course is mandatory or a training assignment for it is open (422 LEAVE_NOT_ALLOWED with
 * `reason`); 404 when they are not enrolled.
 */
export async function leaveCourse(ctx: AppContext, actor: Actor, courseId: string, requestId: string | null): Promise<void> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockedEnrollment(ctx, trx, { memberId, courseId });
    if (!row) throw errors.notFound('Your enrollment in this course');
    const refusal = await leaveRefusal(trx, row);
    if (refusal) throw errors.unprocessable('LEAVE_NOT_ALLOWED', LEAVE_REFUSALS[refusal], { reason: refusal });
    await removeEnrollment(trx, row, { actorId: memberId, action: 'leave', reason: null, requestId });
  });
}

/** Why the member may not leave this enrollment themselves, or null when they may (one read). */
export async function leaveRefusal(db: Tx | AppContext['db'], row: Pick<EnrollmentRow, 'member_id' | 'course_id' | 'source'>): Promise<LeaveRefusal | null> {
  const facts = await db
    .selectFrom('courses')
    .select((eb) => [
      'courses.mandatory',
      eb
        .exists(
          eb
            .selectFrom('training_assignments')
            .select('training_assignments.id')
            .where('training_assignments.member_id', '=', row.member_id)
            .whereRef('training_assignments.course_id', '=', 'courses.id')
            .where('training_assignments.status', '=', 'open'),
        )
        .as('assigned'),
    ])
    .where('courses.id', '=', row.course_id)
    .executeTakeFirstOrThrow();
  if (Number(facts.mandatory) === 1) return 'mandatory';
  if (row.source !== 'self') return 'not_self_enrolled';
  if (facts.assigned === true || Number(facts.assigned) === 1) return 'assigned';
  return null;
}
