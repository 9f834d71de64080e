/**
 * Issuing certificates: once per member + course, automatically when a course completes, claimed by
 * the learner at 100%, or by staff (never to themselves, never before the enrollment without a
 * reason).
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { CertificatesTable } from '../../db/schema-certificates.ts';
import { nowIso, today } from '../../db/dialect.ts';
import { newId, newSecret } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { hasAnyRole } from '../../http/access.ts';
import { recordAuditMany } from '../../platform/audit.service.ts';
import type { Certificate, CertificateSource } from '../../../contract/certificates.ts';
import { canManageCourse, canSeeCourse } from '../courses/index.ts';
import { progressSql } from '../enrollments/index.ts';
import { hasCurrentAttestation, membersWhoAttested } from './attestation.service.ts';
import { addMonths, present, rowOf, withNames } from './certificate.service.ts';

// ---------------------------------------------------------------------------------------------
// Issuing

export interface IssueInput {
  memberId: string;
  courseId: string;
  source: CertificateSource;
  actorId: string | null;
  issueDate?: string | undefined;
  requestId?: string | null;
  /** The batch the certificate was earned in (an evaluation of a batch member). */
  batchId?: string | null;
  /** Why a manual certificate carries an earlier issue date than the enrollment: kept in the audit entry. */
  reason?: string | undefined;
}

/** Members per insert when issuing many certificates at once. */
const ISSUE_CHUNK = 500;

/**
 * Issues the members' certificates for one course inside the caller's transaction, set-based
 * (a few statements per 500 members), and returns each member's certificate, new or existing.
 * The unique index on (member, course) decides races: the insert does nothing where a row is
 * there, and that row is returned with created = false.
 */
async function issueManyInTx(
  ctx: AppContext,
  trx: Tx,
  input: Omit<IssueInput, 'memberId'> & { memberIds: readonly string[] },
): Promise<Map<string, { certificate: Certificate; created: boolean }>> {
  const out = new Map<string, { certificate: Certificate; created: boolean }>();
  if (input.memberIds.length === 0) return out;
  const course = await trx
    .selectFrom('courses')
    .leftJoin('certificate_templates', 'certificate_templates.id', 'courses.certificate_template_id')
    .select(['certificate_templates.id as template_id', 'courses.certificate_validity_months'])
    .where('courses.id', '=', input.courseId)
    .executeTakeFirstOrThrow();
  const issueDate = input.issueDate ?? today();
  const months = course.certificate_validity_months === null ? null : Number(course.certificate_validity_months);
  const expiryDate = months && months > 0 ? addMonths(issueDate, months) : null;
  const now = nowIso();
  for (let i = 0; i < input.memberIds.length; i += ISSUE_CHUNK) {
    const members = input.memberIds.slice(i, i + ISSUE_CHUNK);
    const rows: CertificatesTable[] = members.map((memberId) => ({
      batch_id: input.batchId ?? null,
      id: newId(),
      member_id: memberId,
      course_id: input.courseId,
      template_id: course.template_id,
      issue_date: issueDate,
      expiry_date: expiryDate,
      // 120 random bits, URL-safe: cannot be guessed or enumerated.
      verification_code: newSecret(15),
      source: input.source,
      // A person who issued it: staff by hand, or the evaluator's result. One the course gave on
      // completion (or the learner claimed) was issued by nobody: the learner only finished it.
      issued_by: input.source === 'manual' || input.source === 'evaluation' ? input.actorId : null,
      revoked_at: null,
      revoked_by: null,
      revoke_reason: null,
      expiry_notice: null,
      expiry_notice_at: null,
      superseded_at: null,
      created_at: now,
    }));
    const inserted = new Set(
      (
        await trx
          .insertInto('certificates')
          .values(rows)
          .onConflict((oc) => oc.columns(['member_id', 'course_id']).where('superseded_at', 'is', null).doNothing())
          .returning('id')
          .execute()
      ).map((r) => r.id),
    );
    const current = await withNames(trx.selectFrom('certificates'))
      .where('certificates.course_id', '=', input.courseId)
      .where('certificates.member_id', 'in', members)
      .where('certificates.superseded_at', 'is', null)
      .execute();
    const created: Certificate[] = [];
    for (const r of current) {
      const certificate = present(ctx, r);
      out.set(r.member_id, { certificate, created: inserted.has(r.id) });
      if (inserted.has(r.id)) created.push(certificate);
    }
    await recordAuditMany(
      trx,
      created.map((c) => ({
        actorId: input.actorId,
        action: 'issue',
        entity: 'certificate',
        entityId: c.id,
        after: input.reason ? { ...c, issueReason: input.reason } : c,
        requestId: input.requestId ?? null,
      })),
    );
    for (const c of created) {
      await ctx.hooks.emit('certificate.issued', trx, {
        certificateId: c.id,
        memberId: c.memberId,
        courseId: c.courseId,
        source: input.source,
        actorId: input.actorId,
      });
    }
  }
  return out;
}

/** Issues one member's certificate for the course inside the caller's transaction, or returns the one that exists. */
export async function issueInTx(ctx: AppContext, trx: Tx, input: IssueInput): Promise<{ certificate: Certificate; created: boolean }> {
  const { memberId, ...rest } = input;
  const r = (await issueManyInTx(ctx, trx, { ...rest, memberIds: [memberId] })).get(memberId);
  if (!r) throw new Error('certificate vanished after insert');
  return r;
}

/** The enrollment.completed subscriber: courses issuing automatically get their members' certificates now. */
export async function issueOnCompletion(
  ctx: AppContext,
  trx: Tx,
  p: { courseId: string; memberIds: readonly string[]; actorId: string | null },
): Promise<void> {
  const course = await trx
    .selectFrom('courses')
    .select(['enable_certification', 'certificate_issue_mode', 'requires_attestation', 'evaluation_required'])
    .where('id', '=', p.courseId)
    .executeTakeFirst();
  if (!course || course.enable_certification !== 1 || course.certificate_issue_mode !== 'auto') return;
  // Such a course certifies through a passing evaluation only (certificate requests).
  if (course.evaluation_required === 1) return;
  let memberIds = p.memberIds;
  // A course that asks for an attestation issues when the learner attests (attestation.service.ts).
  if (course.requires_attestation === 1) {
    const attested = await membersWhoAttested(trx, p.courseId, memberIds);
    memberIds = memberIds.filter((m) => attested.has(m));
  }
  await issueManyInTx(ctx, trx, { courseId: p.courseId, memberIds, source: 'auto', actorId: p.actorId });
}

async function visibleCourse(db: Executor, actor: Actor, courseId: string) {
  const course = await db
    .selectFrom('courses')
    .select(['id', 'published', 'enable_certification', 'certificate_issue_mode', 'requires_attestation', 'evaluation_required'])
    .where('id', '=', courseId)
    .executeTakeFirst();
  if (!course) throw errors.notFound('The course');
  const enrolled =
    actor.id !== null &&
    (await db
      .selectFrom('enrollments')
      .select('id')
      .where('member_id', '=', actor.id)
      .where('course_id', '=', courseId)
      .executeTakeFirst()) !== undefined;
  // Learners keep access to the certificate of a course that was unpublished after they enrolled.
  if (!enrolled && !(await canSeeCourse(db, actor, course))) throw errors.notFound('The course');
  return course;
}

/** The caller claims the certificate of a course they completed (also returns one issued automatically). */
export async function claimCertificate(
  ctx: AppContext,
  actor: Actor,
  courseId: string,
  requestId: string | null,
): Promise<{ certificate: Certificate; created: boolean }> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  return ctx.db.transaction().execute(async (trx) => {
    const course = await visibleCourse(trx, actor, courseId);
    if (course.enable_certification !== 1) {
      throw errors.unprocessable('CERTIFICATION_DISABLED', 'This course does not issue certificates.');
    }
    const existing = await rowOf(trx, memberId, courseId);
    if (existing) return { certificate: present(ctx, existing), created: false };
    if (course.evaluation_required === 1) {
      throw errors.unprocessable('EVALUATION_REQUIRED', 'This course issues its certificate after a passing certificate evaluation: book one with an evaluator.');
    }
    const enrollment = await trx
      .selectFrom('enrollments')
      .select(progressSql().as('progress'))
      .where('member_id', '=', memberId)
      .where('course_id', '=', courseId)
      .executeTakeFirst();
    if (!enrollment || Number(enrollment.progress) < 100) {
      const progress = enrollment ? Number(enrollment.progress) : 0;
      throw errors.unprocessable(
        'COURSE_NOT_COMPLETED',
        enrollment
          ? `The certificate is issued at 100% progress; you are at ${progress}%. Complete the remaining lessons first.`
          : 'You are not enrolled in this course, so there is no completion to certify.',
        { progress },
      );
    }
    if (course.requires_attestation === 1 && !(await hasCurrentAttestation(trx, memberId, courseId))) {
      throw errors.unprocessable(
        'ATTESTATION_REQUIRED',
        'This course asks you to attest that you have read and understood it before its certificate is issued: sign the statement on the course page.',
      );
    }
    return issueInTx(ctx, trx, { memberId, courseId, source: 'claim', actorId: memberId, requestId });
  });
}

/** What the course page needs: is there a certificate, can the caller claim one. */
export async function courseCertificateState(ctx: AppContext, actor: Actor, courseId: string) {
  const course = await visibleCourse(ctx.db, actor, courseId);
  const enrollment = actor.id
    ? await ctx.db
        .selectFrom('enrollments')
        .select(progressSql().as('progress'))
        .where('member_id', '=', actor.id)
        .where('course_id', '=', courseId)
        .executeTakeFirst()
    : undefined;
  const row = actor.id ? await rowOf(ctx.db, actor.id, courseId) : undefined;
  const progress = enrollment ? Number(enrollment.progress) : null;
  const attestationRequired = course.requires_attestation === 1;
  const attested =
    attestationRequired && actor.id !== null && enrollment !== undefined && (await hasCurrentAttestation(ctx.db, actor.id, courseId));
  return {
    enabled: course.enable_certification === 1,
    issueMode: course.certificate_issue_mode === 'claim' ? ('claim' as const) : ('auto' as const),
    progress,
    eligible: course.enable_certification === 1 && progress === 100 && (!attestationRequired || attested) && course.evaluation_required !== 1,
    attestationRequired,
    attested,
    certificate: row ? present(ctx, row) : null,
  };
}

/**
 * Staff issue a certificate by hand (evaluated or external training): no completion needed. Never
 * to themselves (403 SELF_ISSUE_FORBIDDEN). The issue date is today or earlier, and not before the
 * member's enrollment in the course (or, without an enrollment, not before today) unless a reason
 * is given, which the audit entry keeps (422 ISSUE_DATE_BEFORE_ENROLLMENT otherwise).
 */
export async function issueManually(
  ctx: AppContext,
  actor: Actor,
  input: { memberId: string; courseId: string; issueDate?: string | undefined; reason?: string | undefined },
  requestId: string | null,
): Promise<Certificate> {
  if (input.issueDate && input.issueDate > today()) {
    throw errors.validation(
      [{ path: 'issueDate', message: 'The issue date cannot be in the future.' }],
      'The issue date cannot be in the future.',
    );
  }
  return ctx.db.transaction().execute(async (trx) => {
    const course = await trx.selectFrom('courses').select(['id', 'published']).where('id', '=', input.courseId).executeTakeFirst();
    if (!course || !(await canSeeCourse(trx, actor, course))) throw errors.notFound('The course');
    if (!hasAnyRole(actor.roles, ['Moderator', 'Batch Evaluator']) && !(await canManageCourse(trx, actor, course.id))) {
      throw errors.forbidden('You may only issue certificates for courses you manage.');
    }
    if (actor.id !== null && actor.id === input.memberId) {
      throw new AppError(403, 'SELF_ISSUE_FORBIDDEN', 'You cannot issue a certificate to yourself: ask another issuer.');
    }
    const member = await trx.selectFrom('users').select('id').where('id', '=', input.memberId).executeTakeFirst();
    if (!member) throw errors.validation([{ path: 'memberId', message: 'No user has this id.' }], 'No user has this id.');
    if (input.issueDate && !input.reason) {
      const enrollment = await trx
        .selectFrom('enrollments')
        .select('created_at')
        .where('member_id', '=', input.memberId)
        .where('course_id', '=', input.courseId)
        .executeTakeFirst();
      const earliest = enrollment ? enrollment.created_at.slice(0, 10) : today();
      if (input.issueDate < earliest) {
        throw errors.unprocessable(
          'ISSUE_DATE_BEFORE_ENROLLMENT',
          enrollment
            ? `The issue date ${input.issueDate} is before the member enrolled in the course (${earliest}). Give a reason to issue it with an earlier date.`
            : `The member is not enrolled in the course, so the issue date cannot be before today (${earliest}) without a reason.`,
          { earliestIssueDate: earliest },
        );
      }
    }
    const { certificate, created } = await issueInTx(ctx, trx, {
      memberId: input.memberId,
      courseId: input.courseId,
      source: 'manual',
      actorId: actor.id,
      issueDate: input.issueDate,
      requestId,
      reason: input.reason,
    });
    if (!created) {
      throw errors.conflict('CERTIFICATE_EXISTS', 'This member already has a certificate for the course.', {
        certificateId: certificate.id,
      });
    }
    return certificate;
  });
}
