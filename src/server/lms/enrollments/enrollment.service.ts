/**
 * The hub: enroll() is the one entry point of every enrollment path (self, admin, cohort,
 * onboarding, assignment, import); reading one enrollment (ending one: enrollment-removal.service.ts).
 */
import type { Actor, AppContext } from '../../context.ts';
import { prepared, type Executor, type Tx } from '../../db/database.ts';
import type { NewEnrollmentsRow } from '../../db/schema.ts';
import { isForeignKeyViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { auditRow, recordAudit, type AuditEntryInput, type AuditRow } from '../../platform/audit.service.ts';
import { normalizeEmail } from '../../platform/users.service.ts';
import { ENROLLMENT_SOURCES, type Enrollment, type EnrollmentSource, type EnrollmentWithNames } from '../../../contract/enrollments.ts';
import { canSeeLearnersOf, isCourseAdmin } from '../courses/index.ts';
import { progressSql, type EnrollmentRow } from './progress.service.ts';
import { hasAnyRole } from '../../http/access.ts';
import { readableInstant } from '../../platform/readable-instant.ts';

declare module '../../platform/hooks.ts' {
  interface HookEvents {
    /** New enrollments (any path), inside the transaction that made them. */
    'enrollments.created': { enrollmentIds: string[]; actorId: string | null };
  }
}

export function toEnrollment(r: EnrollmentRow): Enrollment {
  return {
    id: r.id,
    memberId: r.member_id,
    courseId: r.course_id,
    progress: Number(r.progress),
    currentLessonId: r.current_lesson_id,
    source: r.source as EnrollmentSource,
    batchId: r.batch_id,
    paymentId: r.payment_id,
    completedAt: r.completed_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    lastActivityAt: r.last_activity_at,
    status: r.suspended_at !== null ? 'suspended' : r.completed_at !== null ? 'completed' : 'active',
    suspendedAt: r.suspended_at,
    suspendedBy: r.suspended_by,
    suspendReason: r.suspend_reason,
    completedManuallyAt: r.completed_manually_at,
    completedManuallyBy: r.completed_manually_by,
    completedManuallyReason: r.completed_manually_reason,
    completionEvidenceFileId: r.completion_evidence_file_id,
  };
}

/** The suspension and manual-completion columns of a row that has neither. */
export const NOT_SUSPENDED_OR_MARKED = {
  suspended_at: null,
  suspended_by: null,
  suspend_reason: null,
  completed_manually_at: null,
  completed_manually_by: null,
  completed_manually_reason: null,
  completion_evidence_file_id: null,
} as const;

/** A row as every enrollment path inserts it: no lesson complete yet, no current lesson. */
export function newEnrollmentRow(
  input: {
    memberId: string;
    courseId: string;
    source: EnrollmentSource;
    actorId: string | null;
    batchId?: string | null;
    paymentId?: string | null;
  },
  now = nowIso(),
): NewEnrollmentsRow {
  return {
    id: newId(),
    member_id: input.memberId,
    course_id: input.courseId,
    completed_lessons: 0,
    current_lesson_id: null,
    source: input.source,
    batch_id: input.batchId ?? null,
    payment_id: input.paymentId ?? null,
    completed_at: null,
    last_activity_at: now,
    created_by: input.actorId,
    created_at: now,
  };
}

/** A row just inserted by newEnrollmentRow, as the API shows it (no lesson complete: progress 0). */
export function toNewEnrollment(r: NewEnrollmentsRow): Enrollment {
  return toEnrollment({ ...r, ...NOT_SUSPENDED_OR_MARKED, progress: 0 });
}

/** Paths on which a person asked for the row: a second attempt is a 409, not a silent reuse. */
const PERSON_SOURCES: ReadonlySet<EnrollmentSource> = new Set(['self', 'admin']);
/**
 * Paths that may only enroll into published courses: every one. An enrollment opens the course's
 * lessons to the learner, so a draft stays closed whoever enrolls (staff, assignments, imports).
 */
export const NEEDS_PUBLISHED: ReadonlySet<EnrollmentSource> = new Set<EnrollmentSource>(ENROLLMENT_SOURCES);

export interface EnrollInput {
  memberId: string;
  courseId: string;
  source: EnrollmentSource;
  actorId: string | null;
  batchId?: string | null;
  paymentId?: string | null;
  importId?: string | null;
  /**
   * The member paid for this course (the payment named by paymentId is paid): the enrollment is
   * owed even when the course was unpublished or closed to self-enrollment after the checkout began.
   */
  paid?: boolean;
}

export interface EnrollResult {
  enrollment: Enrollment;
  created: boolean;
}

export function alreadyEnrolled(enrollmentId: string): AppError {
  return errors.conflict('ALREADY_ENROLLED', 'This member is already enrolled in the course.', { enrollmentId });
}

function courseFull(): AppError {
  return errors.conflict('COURSE_FULL', 'This course is full: every place has been taken.');
}

/** 422 ENROLLMENT_CLOSED before the course's enrollment opens and from when it closes. */
function assertEnrollmentWindow(c: { enrollment_opens_at: string | null; enrollment_closes_at: string | null }, now: string): void {
  if (c.enrollment_opens_at !== null && now < c.enrollment_opens_at) {
    throw errors.unprocessable('ENROLLMENT_CLOSED', `Enrollment in this course opens on ${readableInstant(c.enrollment_opens_at)}.`, {
      enrollmentOpensAt: c.enrollment_opens_at,
    });
  }
  if (c.enrollment_closes_at !== null && now >= c.enrollment_closes_at) {
    throw errors.unprocessable('ENROLLMENT_CLOSED', `Enrollment in this course closed on ${readableInstant(c.enrollment_closes_at)}.`, {
      enrollmentClosesAt: c.enrollment_closes_at,
    });
  }
}

/** 409 COURSE_FULL when the course's enrollments have reached its maximum (none: no limit). */
async function assertCoursePlace(db: Executor, c: { id: string; max_enrollments: number | null }): Promise<void> {
  if (c.max_enrollments === null) return;
  const { n } = await db
    .selectFrom('enrollments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('course_id', '=', c.id)
    .executeTakeFirstOrThrow();
  if (Number(n) >= Number(c.max_enrollments)) throw courseFull();
}

/** The course columns the self-enrollment window and capacity read. */
export interface SelfEnrollmentLimits {
  id: string;
  enrollment_opens_at: string | null;
  enrollment_closes_at: string | null;
  max_enrollments: number | null;
}

/**
 * What holds self-enrollment, and a checkout before the learner pays: the course's enrollment
 * window (422 ENROLLMENT_CLOSED) and its maximum (409 COURSE_FULL). Self-enrollment checks the
 * maximum again under the course row's lock (enroll()); a paid learner, let in here, is not held.
 */
export async function assertSelfEnrollmentOpen(db: Executor, c: SelfEnrollmentLimits, now = nowIso()): Promise<void> {
  assertEnrollmentWindow(c, now);
  await assertCoursePlace(db, c);
}

/** The member's paid payment for the course (the one named, when paymentId is given), or null. */
export async function hasCompletedPayment(db: Executor, memberId: string, courseId: string, paymentId?: string | null): Promise<string | null> {
  let q = db
    .selectFrom('payments')
    .select('id')
    .where('member_id', '=', memberId)
    .where('course_id', '=', courseId)
    .where('status', '=', 'paid');
  if (paymentId) q = q.where('id', '=', paymentId);
  const p = await q.orderBy('id', 'desc').executeTakeFirst();
  return p?.id ?? null;
}

// enroll()'s statements, compiled once (see prepared()).
/** The course and the member's existing row (if any) in one read. */
const courseForEnroll = prepared((db, a: { memberId: string; courseId: string }) =>
  db
    .selectFrom('courses')
    .leftJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'courses.id').on('enrollments.member_id', '=', a.memberId))
    .select([
      'courses.id',
      'courses.published',
      'courses.paid',
      'courses.disable_self_enrollment',
      'courses.enrollment_opens_at',
      'courses.enrollment_closes_at',
      'courses.max_enrollments',
      'enrollments.id as existing_id',
    ])
    .where('courses.id', '=', a.courseId),
);

/**
 * What the insert asks of the course (1 = asked): published; open to self-enrollment without
 * payment, inside its enrollment window at `ask_now` and without a maximum (a course with one
 * takes the checked path, which counts under the course row's lock).
 */
interface CourseAsked {
  ask_published: number;
  ask_open: number;
  ask_now: string;
}
const ASK_NOTHING: CourseAsked = { ask_published: 0, ask_open: 0, ask_now: '' };

/**
 * Inserts the row when its course exists and is as asked; nothing when it is not, or when the
 * member already has a row (the unique index decides).
 */
function enrollmentInsert(db: Executor, a: NewEnrollmentsRow & CourseAsked) {
  const { ask_published, ask_open, ask_now, ...row } = a;
  const columns = Object.keys(row) as (keyof NewEnrollmentsRow)[];
  return db
    .insertInto('enrollments')
    .columns(columns)
    .expression(
      db
        .selectFrom('courses')
        .select((eb) => columns.map((c) => (c === 'course_id' ? eb.ref('courses.id').as(c) : eb.val(row[c]).as(c))))
        .where('courses.id', '=', row.course_id)
        .where((eb) => eb.or([eb(eb.val(ask_published), '=', eb.lit(0)), eb('courses.published', '=', 1)]))
        .where((eb) =>
          eb.or([
            eb(eb.val(ask_open), '=', eb.lit(0)),
            eb.and([
              eb('courses.disable_self_enrollment', '=', 0),
              eb('courses.paid', '=', 0),
              eb('courses.max_enrollments', 'is', null),
              eb.or([eb('courses.enrollment_opens_at', 'is', null), eb('courses.enrollment_opens_at', '<=', eb.val(ask_now))]),
              eb.or([eb('courses.enrollment_closes_at', 'is', null), eb('courses.enrollment_closes_at', '>', eb.val(ask_now))]),
            ]),
          ]),
        ),
    )
    .onConflict((oc) => oc.columns(['member_id', 'course_id']).doNothing())
    .returning('id');
}
const insertEnrollment = prepared(enrollmentInsert);

/** An audit row's columns as arguments of one statement (`audit_<column>`). */
type AuditArgs = { [K in Extract<keyof AuditRow, string> as `audit_${K}`]: AuditRow[K] };

/**
 * PostgreSQL: the enrollment and, when it was inserted, its audit entry in one statement (a
 * data-modifying WITH) — atomic on its own, so a self-enrollment needs no transaction round trips.
 */
const insertEnrollmentAudited = prepared((db, a: NewEnrollmentsRow & CourseAsked & AuditArgs) => {
  const enrollment = Object.fromEntries(Object.entries(a).filter(([k]) => !k.startsWith('audit_'))) as NewEnrollmentsRow & CourseAsked;
  const audit = Object.entries(a).filter(([k]) => k.startsWith('audit_')) as [keyof AuditArgs, unknown][];
  return db
    .with('ins', () => enrollmentInsert(db, enrollment))
    .with('aud', (qc) =>
      qc
        .insertInto('audit_log')
        .columns(audit.map(([k]) => k.slice('audit_'.length) as keyof AuditRow))
        .expression((eb) => eb.selectFrom('ins').select((s) => audit.map(([k, v]) => s.val(v).as(k.slice('audit_'.length))))),
    )
    .selectFrom('ins')
    .selectAll();
});

/**
 * Inserts the row as asked and, when it is inserted, its audit entry: one statement on
 * PostgreSQL, two on SQLite (inside the caller's transaction). Returns the enrollment as the API
 * shows it when the row was inserted (the statement hands back only its id: every column is the
 * row's own).
 */
async function insertAudited(
  ctx: AppContext,
  db: Executor,
  row: NewEnrollmentsRow,
  asked: CourseAsked,
  importId: string | null,
): Promise<Enrollment | undefined> {
  const enrollment = toNewEnrollment(row);
  const entry: AuditEntryInput = {
    actorId: row.created_by,
    action: 'create',
    entity: 'enrollment',
    entityId: row.id,
    after: enrollment,
    importId,
  };
  try {
    if (ctx.dialect === 'postgres') {
      const audit = Object.fromEntries(Object.entries(auditRow(entry)).map(([k, v]) => [`audit_${k}`, v])) as AuditArgs;
      return (await insertEnrollmentAudited(db, { ...row, ...asked, ...audit })).length > 0 ? enrollment : undefined;
    }
    if ((await insertEnrollment(db, { ...row, ...asked })).length === 0) return undefined;
  } catch (e) {
    // The member (or batch, payment) was deleted after the caller looked it up: say so, not 500.
    if (isForeignKeyViolation(e))
      throw errors.validation([{ path: 'memberId', message: 'No user has this id.' }], 'No user has this id.');
    throw e;
  }
  await recordAudit(db, entry);
  return enrollment;
}

/**
 * The one entry point every enrollment path uses (self, admin, cohort, onboarding, assignment,
 * import). Runs inside the caller's transaction — except a self-enrollment on PostgreSQL, which
 * runs on its own: keep every write here a single statement (insertAudited). The unique index on (member, course) decides
 * races: the insert does nothing when a row exists, and then automatic paths reuse that row while
 * people get 409 ALREADY_ENROLLED with its id.
 */
export async function enroll(ctx: AppContext, db: Executor, input: EnrollInput): Promise<EnrollResult> {
  const row = newEnrollmentRow(input);
  // Most enrollments pass every check below without a payment: the insert asks the course for
  // what the source needs (published; open to self-enrollment and free) and inserts at once. When
  // it inserts nothing, the checks find out why, in their order. Each ask stands for checks below:
  // a check on the course added there needs its ask here, or the first insert would pass it by.
  const needsPublished = NEEDS_PUBLISHED.has(input.source) && !input.paid;
  const asked: CourseAsked = {
    ask_published: needsPublished ? 1 : 0,
    ask_open: input.source === 'self' ? 1 : 0,
    ask_now: row.created_at,
  };
  let inserted = await insertAudited(ctx, db, row, asked, input.importId ?? null);
  if (!inserted) {
    const [course] = await courseForEnroll(db, { memberId: input.memberId, courseId: input.courseId });
    if (!course) throw errors.notFound('The course');

    if (course.existing_id) {
      if (PERSON_SOURCES.has(input.source)) throw alreadyEnrolled(course.existing_id);
      const existing = await db
        .selectFrom('enrollments')
        .selectAll()
        .select(progressSql().as('progress'))
        .where('id', '=', course.existing_id)
        .executeTakeFirstOrThrow();
      return { enrollment: toEnrollment(existing), created: false };
    }

    if (needsPublished && course.published !== 1) {
      throw errors.unprocessable('COURSE_NOT_PUBLISHED', 'The course is not published, so nobody can enroll in it yet.');
    }
    if (input.source === 'self') {
      if (course.disable_self_enrollment === 1 && !input.paid) {
        throw errors.unprocessable(
          'SELF_ENROLLMENT_DISABLED',
          'This course does not allow self-enrollment. Ask your training team to enroll you.',
        );
      }
      if (course.paid === 1) {
        row.payment_id = await hasCompletedPayment(db, input.memberId, input.courseId, input.paymentId);
        if (!row.payment_id) throw new AppError(402, 'PAYMENT_REQUIRED', 'This is a paid course: complete the payment before enrolling.');
      }
    }

    // The window and capacity hold self-enrollment only; a paid learner (paymentId) was let in at
    // checkout (assertSelfEnrollmentOpen, before the gateway was asked).
    const held = input.source === 'self' && !input.paymentId;
    if (held) assertEnrollmentWindow(course, row.created_at);
    if (held && course.max_enrollments !== null) {
      // Capacity: take the course row's lock, count, insert, all in one transaction, so parallel
      // self-enrollments into a full course queue on the lock and each counts the others' rows.
      const max = Number(course.max_enrollments);
      const take = async (trx: Executor) => {
        await trx.updateTable('courses').set({ max_enrollments: max }).where('id', '=', input.courseId).execute();
        await assertCoursePlace(trx, { id: input.courseId, max_enrollments: max });
        return insertAudited(ctx, trx, row, ASK_NOTHING, input.importId ?? null);
      };
      inserted = db.isTransaction ? await take(db) : await db.transaction().execute(take);
    } else {
      // Checked: the insert asks nothing more of the course.
      inserted = await insertAudited(ctx, db, row, ASK_NOTHING, input.importId ?? null);
    }
    if (!inserted) {
      // A concurrent request inserted the row between our read and our insert.
      const winner = await db
        .selectFrom('enrollments')
        .selectAll()
        .select(progressSql().as('progress'))
        .where('member_id', '=', input.memberId)
        .where('course_id', '=', input.courseId)
        .executeTakeFirstOrThrow();
      if (PERSON_SOURCES.has(input.source)) throw alreadyEnrolled(winner.id);
      return { enrollment: toEnrollment(winner), created: false };
    }
  }
  // Subscribers write with the enrollment. A self-enrollment on PostgreSQL runs on its own (no
  // transaction, see above): their writes then follow the enrollment's single statement.
  await ctx.hooks.emit('enrollments.created', db as Tx, { enrollmentIds: [inserted.id], actorId: input.actorId });
  return { enrollment: inserted, created: true };
}

export async function selfEnroll(ctx: AppContext, actor: Actor, courseId: string): Promise<Enrollment> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  // enroll() answers 404 for an unknown course and 422 COURSE_NOT_PUBLISHED for an unpublished one,
  // so a learner who followed a stale link learns why.
  const input: EnrollInput = { memberId, courseId, source: 'self', actorId: memberId };
  // On PostgreSQL each write of enroll() is one statement with its audit entry, atomic on its own:
  // no transaction round trips. SQLite writes the audit entry separately, so inside one.
  if (ctx.dialect === 'postgres') return (await enroll(ctx, ctx.db, input)).enrollment;
  return ctx.db.transaction().execute(async (trx) => (await enroll(ctx, trx, input)).enrollment);
}

/**
 * What a staff enrollment needs to know, in one read: the course (published), whether the actor
 * teaches it, and the member (by id or by email). Compiled once per member column.
 */
function adminEnrollLookup(column: 'id' | 'email') {
  return prepared((db, a: { courseId: string; actorId: string; member: string }) =>
    db
      .selectFrom('courses')
      .select(['courses.id', 'courses.published'])
      .select((eb) => [
        eb
          .exists(
            eb
              .selectFrom('course_instructors')
              .select('course_instructors.user_id')
              .whereRef('course_instructors.course_id', '=', 'courses.id')
              .where('course_instructors.user_id', '=', a.actorId),
          )
          .as('teaches'),
        eb.selectFrom('users').select('users.id').where(`users.${column}`, '=', a.member).as('member_id'),
      ])
      .where('courses.id', '=', a.courseId),
  );
}
const adminLookupById = adminEnrollLookup('id');
const adminLookupByEmail = adminEnrollLookup('email');

/**
 * Staff enroll a member (source admin): the route HR systems call one record at a time. A course
 * admin naming the member by id goes straight to enroll()'s insert; others first read what the
 * checks need (course visible to the actor, managed by them, member known) in one statement. On PostgreSQL both are single statements, atomic on their own (as selfEnroll); SQLite
 * runs them in one transaction.
 */
export async function adminEnroll(
  ctx: AppContext,
  actor: Actor,
  input: { courseId: string; memberId?: string | undefined; memberEmail?: string | undefined },
): Promise<Enrollment> {
  const byEmail = !input.memberId && !!input.memberEmail;
  const member = input.memberId ?? (input.memberEmail ? normalizeEmail(input.memberEmail) : undefined);
  if (!member) throw errors.validation([{ path: 'memberId', message: 'Give memberId or memberEmail.' }]);
  const run = async (db: Executor): Promise<Enrollment> => {
    if (isCourseAdmin(actor) && !byEmail) {
      // A course admin manages every course, and the member is named by id: nothing to look up
      // first. enroll()'s insert finds the course (404 when there is none, 422 when it is a draft)
      // and the member (the foreign key: 400 on memberId), as the lookup below would.
      return (await enroll(ctx, db, { memberId: member, courseId: input.courseId, source: 'admin', actorId: actor.id })).enrollment;
    }
    const [row] = await (byEmail ? adminLookupByEmail : adminLookupById)(db, { courseId: input.courseId, actorId: actor.id ?? '', member });
    const manages = isCourseAdmin(actor) || (hasAnyRole(actor.roles, ['Course Creator']) && Number(row?.teaches ?? 0) === 1);
    if (!row || (row.published !== 1 && !manages)) throw errors.notFound('The course');
    if (!manages) throw errors.forbidden('You may only enroll people in courses you manage.');
    if (!row.member_id) {
      const message = byEmail ? 'No user has this email.' : 'No user has this id.';
      throw errors.validation([{ path: byEmail ? 'memberEmail' : 'memberId', message }], message);
    }
    return (await enroll(ctx, db, { memberId: row.member_id, courseId: row.id, source: 'admin', actorId: actor.id })).enrollment;
  };
  if (ctx.dialect === 'postgres') return run(ctx.db);
  return ctx.db.transaction().execute(run);
}

async function canSeeEnrollment(db: Executor, actor: Actor, e: { member_id: string; course_id: string }): Promise<boolean> {
  if (actor.id && e.member_id === actor.id) return true;
  return canSeeLearnersOf(db, actor, e.course_id);
}

/** One enrollment with the member's and the course's names (the desk's record, the audit log). */
export async function getEnrollment(ctx: AppContext, actor: Actor, id: string): Promise<EnrollmentWithNames> {
  const row = await ctx.db
    .selectFrom('enrollments')
    .innerJoin('users', 'users.id', 'enrollments.member_id')
    .innerJoin('courses', 'courses.id', 'enrollments.course_id')
    .selectAll('enrollments')
    .select([progressSql('enrollments', 'courses').as('progress'), 'users.full_name as member_name', 'users.email as member_email', 'courses.title as course_title'])
    .where('enrollments.id', '=', id)
    .executeTakeFirst();
  if (!row || !(await canSeeEnrollment(ctx.db, actor, row))) throw errors.notFound('The enrollment');
  return { ...toEnrollment(row), memberName: row.member_name, memberEmail: row.member_email, courseTitle: row.course_title };
}
