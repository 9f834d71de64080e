import { sql, type QueryCreator, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Actor, AppContext } from '../context.ts';
import { prepared, type Executor, type Tx } from '../db/database.ts';
import type { DB, EnrollmentsTable, LessonCompletionsTable } from '../db/schema.ts';
import { containsCi, isForeignKeyViolation, nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../db/keyset.ts';
import { AppError, errors } from '../http/errors.ts';
import { hasAnyRole } from '../http/access.ts';
import { auditRow, recordAudit, type AuditEntryInput, type AuditRow } from '../platform/audit.service.ts';
import { normalizeEmail } from '../platform/users.service.ts';
import type { Enrollment, EnrollmentListFilters, EnrollmentSource, ENROLLMENT_SORTS } from '../../contract/enrollments.ts';
import { HR_READERS, canManageCourse, canSeeCourse, canSeeLearnersOf, isCourseAdmin, readableByMemberOrInstructor } from './course-access.ts';
import { countCompletion, progressSql, type EnrollmentRow } from './progress.service.ts';

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
  };
}

/** A row as every enrollment path inserts it: no lesson complete yet, no current lesson. */
export function newEnrollmentRow(
  input: { memberId: string; courseId: string; source: EnrollmentSource; actorId: string | null; batchId?: string | null; paymentId?: string | null },
  now = nowIso(),
): EnrollmentsTable {
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
export function toNewEnrollment(r: EnrollmentsTable): Enrollment {
  return toEnrollment({ ...r, progress: 0 });
}

/** Paths on which a person asked for the row: a second attempt is a 409, not a silent reuse. */
const PERSON_SOURCES: ReadonlySet<EnrollmentSource> = new Set(['self', 'admin']);
/** Paths that may only enroll into published courses. */
const NEEDS_PUBLISHED: ReadonlySet<EnrollmentSource> = new Set(['self', 'cohort', 'onboarding']);

export interface EnrollInput {
  memberId: string;
  courseId: string;
  source: EnrollmentSource;
  actorId: string | null;
  batchId?: string | null;
  paymentId?: string | null;
  importId?: string | null;
}

export interface EnrollResult {
  enrollment: Enrollment;
  created: boolean;
}

export function alreadyEnrolled(enrollmentId: string): AppError {
  return errors.conflict('ALREADY_ENROLLED', 'This member is already enrolled in the course.', { enrollmentId });
}

export async function hasCompletedPayment(db: Executor, memberId: string, courseId: string): Promise<string | null> {
  const p = await db
    .selectFrom('payments')
    .select('id')
    .where('member_id', '=', memberId)
    .where('course_id', '=', courseId)
    .where('status', '=', 'completed')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return p?.id ?? null;
}

// enroll()'s statements, compiled once (see prepared()).
/** The course and the member's existing row (if any) in one read. */
const courseForEnroll = prepared((db, a: { memberId: string; courseId: string }) =>
  db
    .selectFrom('courses')
    .leftJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'courses.id').on('enrollments.member_id', '=', a.memberId))
    .select(['courses.id', 'courses.published', 'courses.paid', 'courses.disable_self_enrollment', 'enrollments.id as existing_id'])
    .where('courses.id', '=', a.courseId),
);

/** What the insert asks of the course (1 = asked): published; open to self-enrollment without payment. */
interface CourseAsked {
  ask_published: number;
  ask_open: number;
}
const ASK_NOTHING: CourseAsked = { ask_published: 0, ask_open: 0 };

/**
 * Inserts the row when its course exists and is as asked; nothing when it is not, or when the
 * member already has a row (the unique index decides).
 */
function enrollmentInsert(db: Executor, a: EnrollmentsTable & CourseAsked) {
  const { ask_published, ask_open, ...row } = a;
  const columns = Object.keys(row) as (keyof EnrollmentsTable)[];
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
          eb.or([eb(eb.val(ask_open), '=', eb.lit(0)), eb.and([eb('courses.disable_self_enrollment', '=', 0), eb('courses.paid', '=', 0)])]),
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
const insertEnrollmentAudited = prepared((db, a: EnrollmentsTable & CourseAsked & AuditArgs) => {
  const enrollment = Object.fromEntries(Object.entries(a).filter(([k]) => !k.startsWith('audit_'))) as EnrollmentsTable & CourseAsked;
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
async function insertAudited(ctx: AppContext, db: Executor, row: EnrollmentsTable, asked: CourseAsked, importId: string | null): Promise<Enrollment | undefined> {
  const enrollment = toNewEnrollment(row);
  const entry: AuditEntryInput = { actorId: row.created_by, action: 'create', entity: 'enrollment', entityId: row.id, after: enrollment, importId };
  if (ctx.dialect === 'postgres') {
    const audit = Object.fromEntries(Object.entries(auditRow(entry)).map(([k, v]) => [`audit_${k}`, v])) as AuditArgs;
    return (await insertEnrollmentAudited(db, { ...row, ...asked, ...audit })).length > 0 ? enrollment : undefined;
  }
  if ((await insertEnrollment(db, { ...row, ...asked })).length === 0) return undefined;
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
  const asked: CourseAsked = { ask_published: NEEDS_PUBLISHED.has(input.source) ? 1 : 0, ask_open: input.source === 'self' ? 1 : 0 };
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

    if (NEEDS_PUBLISHED.has(input.source) && course.published !== 1) {
      throw errors.unprocessable('COURSE_NOT_PUBLISHED', 'The course is not published, so nobody can enroll in it yet.');
    }
    if (input.source === 'self') {
      if (course.disable_self_enrollment === 1) {
        throw errors.unprocessable('SELF_ENROLLMENT_DISABLED', 'This course does not allow self-enrollment. Ask your training team to enroll you.');
      }
      if (course.paid === 1) {
        row.payment_id = await hasCompletedPayment(db, input.memberId, input.courseId);
        if (!row.payment_id) throw new AppError(402, 'PAYMENT_REQUIRED', 'This is a paid course: complete the payment before enrolling.');
      }
    }

    // Checked: the insert asks nothing more of the course.
    inserted = await insertAudited(ctx, db, row, ASK_NOTHING, input.importId ?? null);
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

export async function adminEnroll(
  ctx: AppContext,
  actor: Actor,
  input: { courseId: string; memberId?: string | undefined; memberEmail?: string | undefined },
): Promise<Enrollment> {
  return ctx.db.transaction().execute(async (trx) => {
    const course = await trx.selectFrom('courses').select(['id', 'published']).where('id', '=', input.courseId).executeTakeFirst();
    if (!course || !(await canSeeCourse(trx, actor, course))) throw errors.notFound('The course');
    if (!(await canManageCourse(trx, actor, course.id))) throw errors.forbidden('You may only enroll people in courses you manage.');
    let memberId = input.memberId;
    if (!memberId && input.memberEmail) {
      const u = await trx.selectFrom('users').select('id').where('email', '=', normalizeEmail(input.memberEmail)).executeTakeFirst();
      if (!u) throw errors.validation([{ path: 'memberEmail', message: 'No user has this email.' }], 'No user has this email.');
      memberId = u.id;
    }
    if (!memberId) throw errors.validation([{ path: 'memberId', message: 'Give memberId or memberEmail.' }]);
    const exists = await trx.selectFrom('users').select('id').where('id', '=', memberId).executeTakeFirst();
    if (!exists) throw errors.validation([{ path: 'memberId', message: 'No user has this id.' }], 'No user has this id.');
    return (await enroll(ctx, trx, { memberId, courseId: course.id, source: 'admin', actorId: actor.id })).enrollment;
  });
}

async function canSeeEnrollment(db: Executor, actor: Actor, e: { member_id: string; course_id: string }): Promise<boolean> {
  if (actor.id && e.member_id === actor.id) return true;
  return canSeeLearnersOf(db, actor, e.course_id);
}

export async function getEnrollment(ctx: AppContext, actor: Actor, id: string): Promise<Enrollment> {
  const row = await ctx.db.selectFrom('enrollments').selectAll().select(progressSql().as('progress')).where('id', '=', id).executeTakeFirst();
  if (!row || !(await canSeeEnrollment(ctx.db, actor, row))) throw errors.notFound('The enrollment');
  return toEnrollment(row);
}

export async function deleteEnrollment(ctx: AppContext, actor: Actor, id: string, requestId: string | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    // Locked first on PostgreSQL: a completion in flight finishes before the completions are read
    // and deleted, and one that comes later waits and then finds no enrollment (lockForCompletion).
    const read = trx.selectFrom('enrollments').selectAll().select(progressSql().as('progress')).where('id', '=', id);
    const row = await (ctx.dialect === 'postgres' ? read.forUpdate() : read).executeTakeFirst();
    if (!row || !(await canSeeEnrollment(trx, actor, row))) throw errors.notFound('The enrollment');
    if (!isCourseAdmin(actor)) throw errors.forbidden('Only Moderators and System Managers may delete enrollments.');
    const completions = await trx
      .selectFrom('lesson_completions')
      .select(['lesson_id', 'completed_at'])
      .where('member_id', '=', row.member_id)
      .where('course_id', '=', row.course_id)
      .orderBy('completed_at')
      .execute();
    await trx.deleteFrom('lesson_completions').where('member_id', '=', row.member_id).where('course_id', '=', row.course_id).execute();
    await trx.deleteFrom('enrollments').where('id', '=', id).execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'delete',
      entity: 'enrollment',
      entityId: id,
      before: { ...toEnrollment(row), lessonProgress: completions.map((c) => ({ lessonId: c.lesson_id, completedAt: c.completed_at })) },
      requestId,
    });
  });
}

type EnrollmentQuery = SelectQueryBuilder<DB, 'enrollments', object>;

/** The rows of `enrollments` the actor may read, as a query to add filters to. */
function scoped(ctx: AppContext, actor: Actor): EnrollmentQuery {
  const rule = readableByMemberOrInstructor('enrollments', actor, isCourseAdmin(actor) || hasAnyRole(actor.roles, HR_READERS));
  const q = ctx.db.selectFrom('enrollments');
  return rule ? q.where(rule) : q;
}

export function applyEnrollmentFilters(q: EnrollmentQuery, f: Omit<EnrollmentListFilters, 'limit' | 'cursor' | 'withTotal'>): EnrollmentQuery {
  if (f.courseId) q = q.where('enrollments.course_id', '=', f.courseId);
  if (f.memberId) q = q.where('enrollments.member_id', '=', f.memberId);
  if (f.source) q = q.where('enrollments.source', '=', f.source);
  q = progressRange(q, f.courseId, f.progressMin, f.progressMax);
  if (f.completed !== undefined) q = q.where('enrollments.completed_at', f.completed ? 'is not' : 'is', null);
  if (f.q) {
    const text = f.q;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('users as mu')
          .select('mu.id')
          .whereRef('mu.id', '=', 'enrollments.member_id')
          .where((w) => w.or([containsCi(w.ref('mu.full_name'), text), containsCi(w.ref('mu.email'), text)])),
      ),
    );
  }
  return q;
}

/**
 * Progress between min and max (inclusive). Within one course the range is one of completed
 * lesson counts — progress ≥ a ⇔ completed ≥ ceil(a × lessons / 100) and progress ≤ b (< 100) ⇔
 * completed ≤ floor(((b + 1) × lessons − 1) / 100) — which the index (course_id,
 * completed_lessons, id) serves; across courses the derived progress is compared.
 */
function progressRange(q: EnrollmentQuery, courseId: string | undefined, min: number | undefined, max: number | undefined): EnrollmentQuery {
  const from = min !== undefined && min > 0 ? Math.trunc(min) : undefined;
  const to = max !== undefined && max < 100 ? Math.trunc(max) : undefined;
  if (!courseId) {
    // 100% is exactly "completed"; below 100 only incomplete rows qualify.
    if (from === 100) return q.where('enrollments.completed_at', 'is not', null);
    if (to !== undefined) q = q.where('enrollments.completed_at', 'is', null).where(progressSql(), '<=', to);
    if (from !== undefined) q = q.where(progressSql(), '>=', from);
    return q;
  }
  // No lessons: every enrollment is at 0%, so a lower bound above 0 matches none (the bound is out of reach).
  const bound = (count: RawBuilder<number>) =>
    sql<number>`(select case when c.lesson_count = 0 then ${sql.lit(NO_LESSONS)} else ${count} end from courses c where c.id = ${courseId})`;
  if (from !== undefined) q = q.where('enrollments.completed_lessons', '>=', bound(sql<number>`(${sql.lit(from)} * c.lesson_count + 99) / 100`));
  if (to !== undefined) q = q.where('enrollments.completed_lessons', '<=', bound(sql<number>`((${sql.lit(to + 1)} * c.lesson_count) - 1) / 100`));
  return q;
}

/** Beyond any count of completed lessons (an int4). */
const NO_LESSONS = 2_147_483_647;

const ENROLLMENT_SORT_KEYS: SortKeys<(typeof ENROLLMENT_SORTS)[number]> = {
  createdAt: { ref: 'enrollments.created_at', kind: 'date' },
  progress: { ref: 'enrollments.progress', sql: progressSql(), kind: 'number', integer: true },
  completedAt: { ref: 'enrollments.completed_at', kind: 'date', nullable: true },
  memberName: { ref: 'sort_member.full_name', kind: 'text' },
  courseTitle: { ref: 'sort_course.title', kind: 'text' },
};

export async function listEnrollments(ctx: AppContext, actor: Actor, f: EnrollmentListFilters) {
  const base = applyEnrollmentFilters(scoped(ctx, actor), f);
  // The page's ids come from enrollments alone (an index walk in the sort order; a name sort joins
  // that one table); names are joined for those rows only.
  const order = keysetOrder(f.sort, ENROLLMENT_SORT_KEYS, 'enrollments.id');
  const ids = base
    .select('enrollments.id')
    .$if(order.key?.ref.startsWith('sort_member.') === true, (qb) => qb.innerJoin('users as sort_member', 'sort_member.id', 'enrollments.member_id'))
    .$if(order.key?.ref.startsWith('sort_course.') === true, (qb) => qb.innerJoin('courses as sort_course', 'sort_course.id', 'enrollments.course_id'));
  const idRows = await applyKeyset(ids, order, ctx.dialect, f.cursor).limit(f.limit + 1).execute();
  const { page: shownRows, nextCursor } = keysetPage(order, idRows, f.limit);
  const shown = shownRows.map((r) => r.id);
  const position = new Map(shown.map((id, i) => [id, i]));
  const rows = shown.length
    ? await ctx.db
        .selectFrom('enrollments')
        .innerJoin('users', 'users.id', 'enrollments.member_id')
        .innerJoin('courses', 'courses.id', 'enrollments.course_id')
        .selectAll('enrollments')
        .select([progressSql('enrollments', 'courses').as('progress'), 'users.full_name as member_name', 'users.email as member_email', 'courses.title as course_title'])
        .where('enrollments.id', 'in', shown)
        .execute()
    : [];
  rows.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
  const items = rows.map((r) => ({
    ...toEnrollment(r),
    memberName: r.member_name,
    memberEmail: r.member_email,
    courseTitle: r.course_title,
  }));
  let total: number | undefined;
  if (f.withTotal) {
    const c = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    total = Number(c.n);
  }
  return {
    items,
    nextCursor,
    ...(total !== undefined ? { total } : {}),
  };
}

interface LessonRow {
  id: string;
  course_id: string;
  chapter_id: string;
  kind: string;
  position: number;
  /** The course's "take lessons in order" flag. */
  sequential: number;
}

/**
 * The lesson, its course's order flag and the caller's enrollment in that course, in one read;
 * a lesson of a course the caller is not in is not there.
 */
async function lessonAndEnrollment(db: Executor, actor: Actor, lessonId: string): Promise<{ lesson: LessonRow; enrollment: { id: string; member_id: string } }> {
  if (!actor.id) throw errors.notFound('The lesson');
  const memberId = actor.id;
  const [row] = await selectLessonAndEnrollment(db, { memberId, lessonId });
  if (!row?.enrollment_id) throw errors.notFound('The lesson');
  const { enrollment_id, ...lesson } = row;
  return { lesson, enrollment: { id: enrollment_id, member_id: memberId } };
}

// Lesson completion's statements, compiled once (see prepared()).
const selectLessonAndEnrollment = prepared((db, a: { memberId: string; lessonId: string }) =>
  db
    .selectFrom('lessons')
    .innerJoin('courses', 'courses.id', 'lessons.course_id')
    .leftJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'lessons.course_id').on('enrollments.member_id', '=', a.memberId))
    .select(['lessons.id', 'lessons.course_id', 'lessons.chapter_id', 'lessons.kind', 'lessons.position', 'courses.sequential', 'enrollments.id as enrollment_id'])
    .where('lessons.id', '=', a.lessonId),
);
const insertCompletion = prepared((db, row: LessonCompletionsTable) =>
  db
    .insertInto('lesson_completions')
    .values(row)
    .onConflict((oc) => oc.columns(['member_id', 'lesson_id']).doNothing())
    .returning('id'),
);

/** Lessons of a course in reading order (chapter position, lesson position). */
export async function lessonOrder(db: Executor, courseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('lessons')
    .innerJoin('chapters', 'chapters.id', 'lessons.chapter_id')
    .select('lessons.id')
    .where('lessons.course_id', '=', courseId)
    .orderBy('chapters.position')
    .orderBy('chapters.id')
    .orderBy('lessons.position')
    .orderBy('lessons.id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Records a lesson as complete for a member and recomputes that enrollment's progress in the
 * same transaction. Idempotent (unique member + lesson). Used by "Mark complete", by passing a
 * quiz and by a SCORM package reporting completion.
 */
export async function markLessonComplete(
  ctx: AppContext,
  trx: Tx,
  input: { memberId: string; lessonId: string; courseId: string; actorId: string | null },
): Promise<EnrollmentRow> {
  const [inserted] = await insertCompletion(trx, {
    id: newId(),
    member_id: input.memberId,
    lesson_id: input.lessonId,
    course_id: input.courseId,
    completed_at: nowIso(),
  });
  return countCompletion(ctx, trx, { memberId: input.memberId, courseId: input.courseId, actorId: input.actorId, counted: inserted !== undefined });
}

/**
 * The lesson when the member may complete it with "Mark complete" straight away: enrolled in its
 * course, a text, video or PDF lesson (quizzes and SCORM packages complete themselves), in a course
 * taken in any order. Anything else goes through lessonAndEnrollment and its checks.
 */
function openLesson(qc: QueryCreator<DB>, a: { memberId: string; lessonId: string }) {
  return lessonOfMember(qc, a)
    .select(['lessons.id as lesson_id', 'lessons.course_id', 'e.id as enrollment_id', 'c.lesson_count'])
    .where('lessons.kind', 'not in', [sql.lit('quiz'), sql.lit('scorm')])
    .where('c.sequential', '=', 0);
}

/** The lesson with its course (`c`) and the member's enrollment in it (`e`); nothing when not enrolled. */
function lessonOfMember(qc: QueryCreator<DB>, a: { memberId: string; lessonId: string }) {
  return qc
    .selectFrom('lessons')
    .innerJoin('courses as c', 'c.id', 'lessons.course_id')
    .innerJoin('enrollments as e', (j) => j.onRef('e.course_id', '=', 'lessons.course_id').on('e.member_id', '=', a.memberId))
    .where('lessons.id', '=', a.lessonId);
}

/** The row locks every completion takes before it writes, in this order (see lockCompletionRows). */
const COMPLETION_LOCKS = sql`for key share of c for no key update of e`;
type WithOpenLesson = QueryCreator<DB & { l: { lesson_id: string; course_id: string; enrollment_id: string; lesson_count: number } }>;

/** The completion row of the open lesson `l`, unless the member has it already. */
function insertCompletionOf(qc: WithOpenLesson, a: { id: string; memberId: string; now: string }) {
  return qc
    .insertInto('lesson_completions')
    .columns(['id', 'member_id', 'lesson_id', 'course_id', 'completed_at'])
    .expression((eb) =>
      eb
        .selectFrom('l')
        .select((s) => [s.val(a.id).as('id'), s.val(a.memberId).as('member_id'), 'l.lesson_id', 'l.course_id', s.val(a.now).as('completed_at')])
        // SQLite reads ON after a FROM without WHERE as a join constraint.
        .where(sql<boolean>`true`),
    )
    .onConflict((oc) => oc.columns(['member_id', 'lesson_id']).doNothing())
    .returning(['id', 'course_id']);
}

/**
 * PostgreSQL, first in a transaction that completes a lesson: the course (key share), then the
 * member's enrollment in it (no key update). Every completion takes them in this order before it
 * writes, as the single statement does, and after the course the deletion of a lesson or an
 * enrollment and the recompute come (they lock the course for update first, or the enrollment):
 * without it the completion row's foreign keys would lock the lesson before the course, and a
 * completion and a lesson deletion could each wait for the other. Nothing is locked when the member
 * is not enrolled.
 */
const lockCompletionRows = prepared((db, a: { memberId: string; lessonId: string }) => lessonOfMember(db, a).select('e.id').modifyEnd(COMPLETION_LOCKS));

/** Whether the member is still enrolled (SQLite runs one transaction at a time: always true there). */
export async function lockForCompletion(ctx: AppContext, trx: Tx, memberId: string, lessonId: string): Promise<boolean> {
  if (ctx.dialect !== 'postgres') return true;
  return (await lockCompletionRows(trx, { memberId, lessonId })).length > 0;
}

/** Inside completeLesson's transaction: the completion row of an open lesson (none when it is not open or done already). */
const insertOpenCompletion = prepared((db, a: { id: string; memberId: string; lessonId: string; now: string }) =>
  insertCompletionOf(
    db.with('l', (qc) => openLesson(qc, a)),
    a,
  ),
);

/**
 * PostgreSQL: a completion of an open lesson that does not finish the course, as one statement,
 * atomic on its own (no transaction round trips). It locks the course (key share: the recompute
 * waits for this completion; a recompute in flight is waited for and its lesson count read as
 * committed) and then the enrollment (a concurrent completion of the same member is waited for and
 * its count read), checks the count again on the rows as locked, inserts the completion row and
 * counts it. When any of that does not hold (a lesson being added may already fail the check on the
 * count it started with), it changes nothing and returns no row, and completeLesson takes the
 * transactional path, which gives the errors and runs the `enrollment.completed` subscribers inside
 * the transaction that finishes the course. Lock order: see lockForCompletion.
 */
const completeWithoutFinishing = prepared((db, a: { id: string; memberId: string; lessonId: string; now: string }) =>
  db
    .with('l', (qc) =>
      openLesson(qc, a).where(sql`e.completed_lessons + 1`, '<', sql.ref('c.lesson_count')).modifyEnd(COMPLETION_LOCKS),
    )
    .with('ins', (qc) => insertCompletionOf(qc, a))
    .updateTable('enrollments as e')
    .from('l')
    .set({ completed_lessons: sql`e.completed_lessons + (select count(*) from ins)`, last_activity_at: a.now })
    .whereRef('e.id', '=', 'l.enrollment_id')
    .returningAll('e')
    .returning(progressSql('e', 'l').as('progress')),
);

/**
 * "Mark complete". Most completions are of open lessons (see openLesson), so the completion row is
 * inserted first and the lesson looked at closer only when nothing was inserted: on PostgreSQL in
 * one statement when it does not finish the course (completeWithoutFinishing), otherwise in a
 * transaction that also runs the `enrollment.completed` subscribers.
 */
export async function completeLesson(ctx: AppContext, actor: Actor, lessonId: string): Promise<Enrollment> {
  try {
    return await completeLessonOnce(ctx, actor, lessonId);
  } catch (e) {
    // The lesson (or its course) was deleted while this ran: nothing was written.
    if (isForeignKeyViolation(e) && LESSON_GONE.has((e as { constraint?: string }).constraint ?? '')) throw errors.notFound('The lesson');
    throw e;
  }
}
/** The foreign keys a completion row loses when its lesson is deleted (PostgreSQL names them). */
const LESSON_GONE = new Set(['lesson_completions_lesson_id_fkey', 'lesson_completions_course_id_fkey']);

async function completeLessonOnce(ctx: AppContext, actor: Actor, lessonId: string): Promise<Enrollment> {
  const memberId = actor.id;
  if (ctx.dialect === 'postgres' && memberId) {
    const [row] = await completeWithoutFinishing(ctx.db, { id: newId(), memberId, lessonId, now: nowIso() });
    if (row) return toEnrollment(row);
  }
  return ctx.db.transaction().execute(async (trx) => {
    if (memberId) {
      await lockForCompletion(ctx, trx, memberId, lessonId);
      const [inserted] = await insertOpenCompletion(trx, { id: newId(), memberId, lessonId, now: nowIso() });
      if (inserted) return toEnrollment(await countCompletion(ctx, trx, { memberId, courseId: inserted.course_id, actorId: memberId, counted: true }));
    }
    const { lesson, enrollment } = await lessonAndEnrollment(trx, actor, lessonId);
    if (lesson.kind === 'quiz') {
      throw errors.unprocessable('LESSON_REQUIRES_QUIZ', 'This lesson completes when you pass its quiz.');
    }
    if (lesson.kind === 'scorm') {
      throw errors.unprocessable('LESSON_REQUIRES_SCORM', 'This lesson completes when the SCORM package reports completion.');
    }
    await assertUnlocked(trx, lesson, enrollment.member_id, lesson.sequential);
    const updated = await markLessonComplete(ctx, trx, {
      memberId: enrollment.member_id,
      lessonId: lesson.id,
      courseId: lesson.course_id,
      actorId: actor.id,
    });
    return toEnrollment(updated);
  });
}

/** In a sequential course a lesson opens when every lesson before it is complete. */
export async function assertUnlocked(
  db: Executor,
  lesson: Pick<LessonRow, 'id' | 'course_id'>,
  memberId: string,
  /** The course's flag when the caller has it already. */
  sequential?: number,
): Promise<void> {
  const flag = sequential ?? (await db.selectFrom('courses').select('sequential').where('id', '=', lesson.course_id).executeTakeFirstOrThrow()).sequential;
  if (flag !== 1) return;
  const order = await lessonOrder(db, lesson.course_id);
  const before = order.slice(0, order.indexOf(lesson.id));
  if (before.length === 0) return;
  const done = await db
    .selectFrom('lesson_completions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('member_id', '=', memberId)
    .where('lesson_id', 'in', before)
    .executeTakeFirstOrThrow();
  if (Number(done.n) < before.length) {
    throw errors.unprocessable('LESSON_LOCKED', 'Complete the previous lessons first: this course is taken in order.');
  }
}

export async function setCurrentLesson(ctx: AppContext, actor: Actor, lessonId: string): Promise<Enrollment> {
  return ctx.db.transaction().execute(async (trx) => {
    const { lesson, enrollment } = await lessonAndEnrollment(trx, actor, lessonId);
    const updated = await trx
      .updateTable('enrollments')
      .set({ current_lesson_id: lesson.id, last_activity_at: nowIso() })
      .where('id', '=', enrollment.id)
      .returningAll()
      .returning(progressSql().as('progress'))
      .executeTakeFirstOrThrow();
    return toEnrollment(updated);
  });
}

export async function myCourses(ctx: AppContext, actor: Actor) {
  if (!actor.id) throw errors.unauthenticated();
  const rows = await ctx.db
    .selectFrom('enrollments')
    .innerJoin('courses', 'courses.id', 'enrollments.course_id')
    .selectAll('enrollments')
    .select([progressSql('enrollments', 'courses').as('progress'), 'courses.title', 'courses.short_introduction', 'courses.image_file_id', 'courses.mandatory', 'courses.lesson_count'])
    .where('enrollments.member_id', '=', actor.id)
    .orderBy('enrollments.last_activity_at', 'desc')
    .orderBy('enrollments.id', 'desc')
    .execute();
  return rows.map((r) => ({
    enrollment: toEnrollment(r),
    course: {
      id: r.course_id,
      title: r.title,
      shortIntroduction: r.short_introduction,
      imageUrl: r.image_file_id ? `/api/courses/${r.course_id}/image` : null,
      mandatory: r.mandatory === 1,
      lessonCount: Number(r.lesson_count ?? 0),
    },
  }));
}

export interface LearnerQuery {
  q?: string | undefined;
  progressMin?: number | undefined;
  progressMax?: number | undefined;
  completed?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** A course's learners with progress and last activity: the instructor dashboard's data. */
export async function courseLearners(ctx: AppContext, actor: Actor, courseId: string, f: LearnerQuery) {
  const course = await ctx.db.selectFrom('courses').select(['id', 'published']).where('id', '=', courseId).executeTakeFirst();
  if (!course || !(await canSeeCourse(ctx.db, actor, course)) || !(await canSeeLearnersOf(ctx.db, actor, courseId))) {
    throw errors.notFound('The course');
  }
  let q = applyEnrollmentFilters(ctx.db.selectFrom('enrollments'), { ...f, courseId })
    .innerJoin('users', 'users.id', 'enrollments.member_id')
    .selectAll('enrollments')
    .select([progressSql().as('progress'), 'users.full_name', 'users.email']);
  if (f.cursor) q = q.where('enrollments.id', '<', f.cursor);
  const rows = await q.orderBy('enrollments.id', 'desc').limit(f.limit + 1).execute();
  const items = rows.slice(0, f.limit).map((r) => ({
    enrollmentId: r.id,
    memberId: r.member_id,
    fullName: r.full_name,
    email: r.email,
    progress: Number(r.progress),
    completedLessons: Number(r.completed_lessons ?? 0),
    source: r.source as EnrollmentSource,
    currentLessonId: r.current_lesson_id,
    lastActivityAt: r.last_activity_at,
    completedAt: r.completed_at,
    enrolledAt: r.created_at,
  }));
  return { items, nextCursor: rows.length > f.limit ? (items[items.length - 1]?.enrollmentId ?? null) : null };
}

/** Progress distribution (buckets of 10) and per-lesson completion of a course, for charts. */
export async function courseProgressStats(ctx: AppContext, actor: Actor, courseId: string) {
  const course = await ctx.db.selectFrom('courses').select(['id', 'published']).where('id', '=', courseId).executeTakeFirst();
  if (!course || !(await canSeeCourse(ctx.db, actor, course)) || !(await canSeeLearnersOf(ctx.db, actor, courseId))) {
    throw errors.notFound('The course');
  }
  const buckets = await ctx.db
    .selectFrom('enrollments')
    .select([sql<number>`${progressSql()} / 10`.as('bucket'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('course_id', '=', courseId)
    .groupBy(sql`${progressSql()} / 10`)
    .execute();
  const distribution = Array.from({ length: 11 }, (_, i) => ({
    range: i === 10 ? '100' : `${i * 10}-${i * 10 + 9}`,
    learners: Number(buckets.find((b) => Number(b.bucket) === i)?.n ?? 0),
  }));
  const lessons = await ctx.db
    .selectFrom('lessons')
    .innerJoin('chapters', 'chapters.id', 'lessons.chapter_id')
    .leftJoin('lesson_completions', 'lesson_completions.lesson_id', 'lessons.id')
    .select(['lessons.id', 'lessons.title', (eb) => eb.fn.count<number>('lesson_completions.id').as('completed')])
    .where('lessons.course_id', '=', courseId)
    .groupBy(['lessons.id', 'lessons.title', 'chapters.position', 'chapters.id', 'lessons.position'])
    .orderBy('chapters.position')
    .orderBy('chapters.id')
    .orderBy('lessons.position')
    .execute();
  const enrolled = await ctx.db
    .selectFrom('enrollments')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('completed_at').as('done')])
    .where('course_id', '=', courseId)
    .executeTakeFirstOrThrow();
  return {
    enrolled: Number(enrolled.n),
    completed: Number(enrolled.done),
    distribution,
    lessons: lessons.map((l) => ({ lessonId: l.id, title: l.title, completed: Number(l.completed) })),
  };
}
