/**
 * Attestation: a course with `requires_attestation` issues its certificate only after the learner
 * has completed it and signed its statement by re-entering their password. The attestation binds
 * the member, the course, the statement, a hash of the course content as it stood (so an auditor
 * can tell which version was read), the time and the client address.
 */
import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { confirmPassword } from '../../platform/auth.service.ts';
import { DEFAULT_ATTESTATION_TEXT } from '../../../contract/courses.ts';
import { canSeeCourse } from '../courses/index.ts';
import { progressSql } from '../enrollments/index.ts';
import { issueInTx } from './issue.service.ts';

export interface AttestationView {
  id: string;
  memberId: string;
  courseId: string;
  statement: string;
  contentHash: string;
  signedAt: string;
  clientAddress: string | null;
}

type AttestationRow = {
  id: string;
  member_id: string;
  course_id: string;
  statement: string;
  content_hash: string;
  signed_at: string;
  client_address: string | null;
};

function present(r: AttestationRow): AttestationView {
  return {
    id: r.id,
    memberId: r.member_id,
    courseId: r.course_id,
    statement: r.statement,
    contentHash: r.content_hash,
    signedAt: r.signed_at,
    clientAddress: r.client_address,
  };
}

/**
 * sha256 (hex) of what a learner of the course reads: its title, description and statement, its
 * chapters and lessons in order with their content, and the version (last change) of each quiz
 * its lessons show. Any edit to those gives another hash.
 */
export async function courseContentHash(db: Executor, courseId: string): Promise<string> {
  const course = await db
    .selectFrom('courses')
    .select(['id', 'title', 'description', 'attestation_text'])
    .where('id', '=', courseId)
    .executeTakeFirstOrThrow();
  const lessons = await db
    .selectFrom('lessons')
    .innerJoin('chapters', 'chapters.id', 'lessons.chapter_id')
    .leftJoin('quizzes', 'quizzes.id', 'lessons.quiz_id')
    .select([
      'chapters.id as chapter_id',
      'chapters.title as chapter_title',
      'lessons.id',
      'lessons.title',
      'lessons.kind',
      'lessons.body',
      'lessons.video_url',
      'lessons.file_id',
      'lessons.quiz_id',
      'lessons.scorm_package_id',
      'quizzes.updated_at as quiz_version',
    ])
    .where('lessons.course_id', '=', courseId)
    .orderBy('chapters.position')
    .orderBy('chapters.id')
    .orderBy('lessons.position')
    .orderBy('lessons.id')
    .execute();
  const canonical = JSON.stringify({
    course: [course.id, course.title, course.description, course.attestation_text ?? DEFAULT_ATTESTATION_TEXT],
    lessons: lessons.map((l) => [
      l.chapter_id,
      l.chapter_title,
      l.id,
      l.title,
      l.kind,
      l.body,
      l.video_url,
      l.file_id,
      l.quiz_id,
      l.scorm_package_id,
      l.quiz_version,
    ]),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The member's current recertification cycle of the course (1 + the cycles closed so far), as SQL
 * over the member and course columns given: an attestation counts in the cycle it was signed in.
 */
function currentCycle(memberId: RawBuilder<unknown> | string, courseId: RawBuilder<unknown> | string): RawBuilder<number> {
  return sql<number>`(1 + (select count(*) from enrollment_cycles cy where cy.member_id = ${memberId} and cy.course_id = ${courseId}))`;
}
const rowsCurrentCycle = currentCycle(sql.ref('attestations.member_id'), sql.ref('attestations.course_id'));

/** Whether the member attested the course as it stands now, in their current cycle (the certificate claim's condition). */
export async function hasCurrentAttestation(db: Executor, memberId: string, courseId: string): Promise<boolean> {
  const hash = await courseContentHash(db, courseId);
  const row = await db
    .selectFrom('attestations')
    .select('id')
    .where('member_id', '=', memberId)
    .where('course_id', '=', courseId)
    .where('content_hash', '=', hash)
    .where('cycle', '=', rowsCurrentCycle)
    .executeTakeFirst();
  return row !== undefined;
}

/** The members of a course who attested it (any version) in their current cycle, of those given. */
export async function membersWhoAttested(db: Executor, courseId: string, memberIds: readonly string[]): Promise<Set<string>> {
  if (memberIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('attestations')
    .select('member_id')
    .distinct()
    .where('course_id', '=', courseId)
    .where('member_id', 'in', [...memberIds])
    .where('cycle', '=', rowsCurrentCycle)
    .execute();
  return new Set(rows.map((r) => r.member_id));
}

/**
 * The caller attests a course they completed. The password is checked first (a wrong one writes
 * nothing); the same content attested again returns the existing attestation (created: false).
 * A course that issues certificates automatically issues it now.
 */
export async function attest(
  ctx: AppContext,
  actor: Actor,
  courseId: string,
  input: { password: string },
  client: { ip: string | null; userAgent: string | null },
  requestId: string | null,
): Promise<{ attestation: AttestationView; created: boolean }> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  const course = await ctx.db
    .selectFrom('courses')
    .select(['id', 'published', 'requires_attestation', 'attestation_text', 'enable_certification', 'certificate_issue_mode', 'evaluation_required'])
    .where('id', '=', courseId)
    .executeTakeFirst();
  const enrollment = course
    ? await ctx.db
        .selectFrom('enrollments')
        .select(progressSql().as('progress'))
        .where('member_id', '=', memberId)
        .where('course_id', '=', courseId)
        .executeTakeFirst()
    : undefined;
  if (!course || (!enrollment && !(await canSeeCourse(ctx.db, actor, course)))) throw errors.notFound('The course');
  if (course.requires_attestation !== 1) {
    throw errors.unprocessable('ATTESTATION_NOT_REQUIRED', 'This course asks for no attestation.');
  }
  const progress = enrollment ? Number(enrollment.progress) : 0;
  if (progress < 100) {
    throw errors.unprocessable(
      'COURSE_NOT_COMPLETED',
      enrollment
        ? `You attest a course once you have completed it; you are at ${progress}%.`
        : 'You are not enrolled in this course, so there is nothing to attest.',
      { progress },
    );
  }
  await confirmPassword(ctx, memberId, input.password);
  const statement = course.attestation_text ?? DEFAULT_ATTESTATION_TEXT;
  return ctx.db.transaction().execute(async (trx) => {
    const contentHash = await courseContentHash(trx, courseId);
    const { cycle } = await trx.selectNoFrom(currentCycle(memberId, courseId).as('cycle')).executeTakeFirstOrThrow();
    const row: AttestationRow & { user_agent: string | null; cycle: number } = {
      id: newId(),
      member_id: memberId,
      course_id: courseId,
      statement,
      content_hash: contentHash,
      signed_at: nowIso(),
      client_address: client.ip,
      user_agent: client.userAgent?.slice(0, 300) ?? null,
      cycle: Number(cycle),
    };
    const inserted = await trx
      .insertInto('attestations')
      .values(row)
      .onConflict((oc) => oc.columns(['member_id', 'course_id', 'cycle', 'content_hash']).doNothing())
      .returning('id')
      .executeTakeFirst();
    const stored = await trx
      .selectFrom('attestations')
      .select(['id', 'member_id', 'course_id', 'statement', 'content_hash', 'signed_at', 'client_address'])
      .where('member_id', '=', memberId)
      .where('course_id', '=', courseId)
      .where('cycle', '=', Number(cycle))
      .where('content_hash', '=', contentHash)
      .executeTakeFirstOrThrow();
    const attestation = present(stored);
    if (!inserted) return { attestation, created: false };
    await recordAudit(trx, {
      actorId: memberId,
      action: 'attest',
      entity: 'attestation',
      entityId: attestation.id,
      after: attestation,
      requestId,
    });
    // A course with evaluation_required certifies through a passing evaluation only.
    if (course.enable_certification === 1 && course.certificate_issue_mode === 'auto' && course.evaluation_required !== 1) {
      await issueInTx(ctx, trx, { memberId, courseId, source: 'auto', actorId: memberId, requestId });
    }
    return { attestation, created: true };
  });
}

/** A member's attestations, newest first (their own, or any member's for staff through the training record). */
export async function attestationsOf(db: Executor, memberId: string, courseId?: string): Promise<AttestationView[]> {
  let q = db
    .selectFrom('attestations')
    .select(['id', 'member_id', 'course_id', 'statement', 'content_hash', 'signed_at', 'client_address'])
    .where('member_id', '=', memberId);
  if (courseId) q = q.where('course_id', '=', courseId);
  return (await q.orderBy('signed_at', 'desc').orderBy('id', 'desc').execute()).map(present);
}
