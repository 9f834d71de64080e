/**
 * Suspension and manual completion of an enrollment. Staff (Moderators, System Managers) and the
 * course's instructors suspend an enrollment with a reason and resume it; a suspended learner keeps
 * the row and its lesson progress but may not open lessons or submit anything (assertEnrollmentActive,
 * called on every learner write path). They also mark a course complete by hand (classroom or
 * external training) with a reason and an optional evidence file: the enrollment completes through
 * `enrollment.completed`, as any completion does, so certificates and training assignments follow.
 * Every change writes its audit entry, with the before-image, in the same transaction.
 */
import { sql } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit, recordAuditMany } from '../../platform/audit.service.ts';
import type { Enrollment, MarkCompleteInput } from '../../../contract/enrollments.ts';
import { canManageCourse, canSeeLearnersOf, isCourseAdmin } from '../courses/index.ts';
import { progressSql, type EnrollmentRow } from './progress.service.ts';
import { toEnrollment } from './enrollment.service.ts';

/** The upload purpose of an evidence file (POST /api/files). */
export const EVIDENCE_PURPOSE = 'evidence';

export function enrollmentSuspended(reason: string | null): ReturnType<typeof errors.unprocessable> {
  return errors.unprocessable(
    'ENROLLMENT_SUSPENDED',
    reason ? `Your enrollment in this course is suspended: ${reason}` : 'Your enrollment in this course is suspended.',
    { reason },
  );
}

/**
 * 422 ENROLLMENT_SUSPENDED when the member's enrollment in the course is suspended; nothing when it
 * is not, or when there is none (the caller's own checks answer that).
 */
export async function assertEnrollmentActive(db: Executor, memberId: string, courseId: string): Promise<void> {
  const row = await db
    .selectFrom('enrollments')
    .select(['suspended_at', 'suspend_reason'])
    .where('member_id', '=', memberId)
    .where('course_id', '=', courseId)
    .executeTakeFirst();
  if (row?.suspended_at) throw enrollmentSuspended(row.suspend_reason);
}

/**
 * 422 ENROLLMENT_SUSPENDED when the member has enrollments in some of these courses and every one
 * of them is suspended (a quiz used in several courses stays open through an active one).
 */
export async function assertSomeEnrollmentActive(db: Executor, memberId: string, courseIds: readonly string[]): Promise<void> {
  if (courseIds.length === 0) return;
  const rows = await db
    .selectFrom('enrollments')
    .select(['suspended_at', 'suspend_reason'])
    .where('member_id', '=', memberId)
    .where('course_id', 'in', [...new Set(courseIds)])
    .execute();
  if (rows.length > 0 && rows.every((r) => r.suspended_at !== null)) throw enrollmentSuspended(rows[0]!.suspend_reason);
}

/**
 * The enrollment, locked for this change. PostgreSQL takes the course (key share), the member's
 * user row (key share) and then the enrollment (no key update), the order every lesson completion
 * locks in (completion.service.ts), so a suspension or a manual completion cannot deadlock with a
 * completion, a change of the course's lessons or a change of the member's employee record.
 */
async function lockedForChange(ctx: AppContext, trx: Tx, id: string): Promise<EnrollmentRow | undefined> {
  if (ctx.dialect === 'postgres') {
    await sql`select e.id from enrollments e join courses c on c.id = e.course_id join users u on u.id = e.member_id
               where e.id = ${id}
               for key share of c, u for no key update of e`.execute(trx);
  }
  const row = await trx.selectFrom('enrollments').selectAll().select(progressSql().as('progress')).where('id', '=', id).executeTakeFirst();
  return row ? { ...row, progress: Number(row.progress) } : undefined;
}

/**
 * The enrollment when the actor may change it: 404 when they may not read it (or it does not
 * exist), 403 when they read it but neither administer courses nor teach this one.
 */
async function changeableEnrollment(ctx: AppContext, trx: Tx, actor: Actor, id: string, verb: string): Promise<EnrollmentRow> {
  const row = await lockedForChange(ctx, trx, id);
  const own = actor.id !== null && row?.member_id === actor.id;
  if (!row || !(own || (await canSeeLearnersOf(trx, actor, row.course_id)))) throw errors.notFound('The enrollment');
  if (!isCourseAdmin(actor) && !(await canManageCourse(trx, actor, row.course_id))) {
    throw errors.forbidden(`Only Moderators, System Managers and the course's instructors may ${verb} enrollments.`);
  }
  return row;
}

async function reread(trx: Tx, id: string): Promise<Enrollment> {
  const row = await trx.selectFrom('enrollments').selectAll().select(progressSql().as('progress')).where('id', '=', id).executeTakeFirstOrThrow();
  return toEnrollment(row);
}

/** POST /api/enrollments/:id/suspend. 409 ALREADY_SUSPENDED when it is suspended already. */
export async function suspendEnrollment(ctx: AppContext, actor: Actor, id: string, reason: string, requestId: string | null): Promise<Enrollment> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await changeableEnrollment(ctx, trx, actor, id, 'suspend');
    if (row.suspended_at !== null) {
      throw errors.conflict('ALREADY_SUSPENDED', 'This enrollment is suspended already.', { suspendedAt: row.suspended_at });
    }
    const now = nowIso();
    await trx
      .updateTable('enrollments')
      .set({ suspended_at: now, suspended_by: actor.id, suspend_reason: reason })
      .where('id', '=', id)
      .where('suspended_at', 'is', null)
      .execute();
    const after = await reread(trx, id);
    await recordAudit(trx, { actorId: actor.id, action: 'suspend', entity: 'enrollment', entityId: id, before: toEnrollment(row), after, requestId });
    return after;
  });
}

/** POST /api/enrollments/:id/resume. 409 NOT_SUSPENDED when it is not suspended. */
export async function resumeEnrollment(ctx: AppContext, actor: Actor, id: string, requestId: string | null): Promise<Enrollment> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await changeableEnrollment(ctx, trx, actor, id, 'resume');
    if (row.suspended_at === null) throw errors.conflict('NOT_SUSPENDED', 'This enrollment is not suspended.');
    await trx
      .updateTable('enrollments')
      .set({ suspended_at: null, suspended_by: null, suspend_reason: null, last_activity_at: nowIso() })
      .where('id', '=', id)
      .execute();
    const after = await reread(trx, id);
    await recordAudit(trx, { actorId: actor.id, action: 'resume', entity: 'enrollment', entityId: id, before: toEnrollment(row), after, requestId });
    return after;
  });
}

/**
 * POST /api/enrollments/:id/mark-complete. 409 ALREADY_COMPLETED when the enrollment is complete;
 * 400 VALIDATION_FAILED when evidenceFileId is not an evidence file the caller uploaded. The
 * enrollment shows progress 100 and completes through `enrollment.completed` in this transaction.
 */
export async function markEnrollmentComplete(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: MarkCompleteInput,
  requestId: string | null,
): Promise<Enrollment> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await changeableEnrollment(ctx, trx, actor, id, 'mark complete');
    if (row.completed_at !== null) {
      throw errors.conflict('ALREADY_COMPLETED', 'This enrollment is complete already.', { completedAt: row.completed_at });
    }
    if (input.evidenceFileId !== undefined) {
      const file = await trx
        .selectFrom('files')
        .select('id')
        .where('id', '=', input.evidenceFileId)
        .where('created_by', '=', actor.id ?? '')
        .where('purpose', '=', EVIDENCE_PURPOSE)
        .executeTakeFirst();
      if (!file) {
        const message = 'Choose an evidence file you uploaded yourself.';
        throw errors.validation([{ path: 'evidenceFileId', message }], message);
      }
    }
    const now = nowIso();
    await trx
      .updateTable('enrollments')
      .set({
        completed_at: now,
        last_activity_at: now,
        completed_manually_at: now,
        completed_manually_by: actor.id,
        completed_manually_reason: input.reason,
        completion_evidence_file_id: input.evidenceFileId ?? null,
      })
      .where('id', '=', id)
      .where('completed_at', 'is', null)
      .execute();
    const after = await reread(trx, id);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'mark-complete',
      entity: 'enrollment',
      entityId: id,
      before: toEnrollment(row),
      after,
      requestId,
    });
    await ctx.hooks.emit('enrollment.completed', trx, {
      courseId: row.course_id,
      completedAt: now,
      actorId: actor.id,
      completions: [{ enrollmentId: row.id, memberId: row.member_id }],
    });
    return after;
  });
}

type MemberSuspensionInput = { memberId: string; reason: string; actorId: string | null; requestId?: string | null };

/**
 * Suspends every enrollment of a member that is not suspended yet, inside the caller's transaction
 * (an employee who left): one statement, an audit entry with the before-image per row. Returns the
 * ids suspended.
 */
export function suspendMemberEnrollments(trx: Tx, input: MemberSuspensionInput): Promise<string[]> {
  return changeMemberEnrollments(trx, input, 'suspend');
}

/**
 * Resumes a member's enrollments that were suspended for `reason` (a returning leaver's: not those
 * staff suspended for another reason), with an audit entry each. Returns the ids resumed.
 */
export function resumeMemberEnrollments(trx: Tx, input: MemberSuspensionInput): Promise<string[]> {
  return changeMemberEnrollments(trx, input, 'resume');
}

/** The one path of both: read the rows with their before-image, change those still as read, audit each. */
async function changeMemberEnrollments(trx: Tx, input: MemberSuspensionInput, action: 'suspend' | 'resume'): Promise<string[]> {
  const suspend = action === 'suspend';
  const before = await trx
    .selectFrom('enrollments')
    .selectAll()
    .select(progressSql().as('progress'))
    .where('member_id', '=', input.memberId)
    .$if(suspend, (q) => q.where('suspended_at', 'is', null))
    .$if(!suspend, (q) => q.where('suspended_at', 'is not', null).where('suspend_reason', '=', input.reason))
    .execute();
  if (before.length === 0) return [];
  const now = nowIso();
  const set = suspend
    ? { suspended_at: now, suspended_by: input.actorId, suspend_reason: input.reason }
    : { suspended_at: null, suspended_by: null, suspend_reason: null, last_activity_at: now };
  const updated = await trx
    .updateTable('enrollments')
    .set(set)
    .where('id', 'in', before.map((r) => r.id))
    .where('suspended_at', suspend ? 'is' : 'is not', null)
    .returning('id')
    .execute();
  const done = new Set(updated.map((r) => r.id));
  await recordAuditMany(
    trx,
    before
      .filter((r) => done.has(r.id))
      .map((r) => ({
        actorId: input.actorId,
        action,
        entity: 'enrollment',
        entityId: r.id,
        before: toEnrollment(r),
        after: toEnrollment({ ...r, ...set }),
        requestId: input.requestId ?? null,
      })),
  );
  return [...done];
}

/** The evidence file of a manual completion, for whoever may read the enrollment. */
export async function evidenceFileOf(ctx: AppContext, enrollment: Enrollment) {
  if (!enrollment.completionEvidenceFileId) throw errors.notFound('The evidence file');
  const file = await ctx.db.selectFrom('files').selectAll().where('id', '=', enrollment.completionEvidenceFileId).executeTakeFirst();
  if (!file) throw errors.notFound('The evidence file');
  return file;
}
