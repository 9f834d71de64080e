/**
 * Enrollment lists: the rows a caller may read with their filters and sorts (keyset paging), My
 * Courses, a course's learners and its progress statistics.
 */
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { containsCi } from '../../db/dialect.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../../db/keyset.ts';
import { errors } from '../../http/errors.ts';
import { hasAnyRole } from '../../http/access.ts';
import type { EnrollmentListFilters, EnrollmentSource, ENROLLMENT_SORTS } from '../../../contract/enrollments.ts';
import { HR_READERS, canSeeCourse, canSeeLearnersOf, isCourseAdmin, readableByMemberOrInstructor } from '../courses/index.ts';
import { progressSql } from './progress.service.ts';
import { toEnrollment } from './enrollment.service.ts';

type EnrollmentQuery = SelectQueryBuilder<DB, 'enrollments', object>;

/** The rows of `enrollments` the actor may read, as a query to add filters to. */
function scoped(ctx: AppContext, actor: Actor): EnrollmentQuery {
  const rule = readableByMemberOrInstructor('enrollments', actor, isCourseAdmin(actor) || hasAnyRole(actor.roles, HR_READERS));
  const q = ctx.db.selectFrom('enrollments');
  return rule ? q.where(rule) : q;
}

export function applyEnrollmentFilters(
  q: EnrollmentQuery,
  f: Omit<EnrollmentListFilters, 'limit' | 'cursor' | 'withTotal'>,
): EnrollmentQuery {
  if (f.courseId) q = q.where('enrollments.course_id', '=', f.courseId);
  if (f.memberId) q = q.where('enrollments.member_id', '=', f.memberId);
  if (f.source) q = q.where('enrollments.source', '=', f.source);
  q = progressRange(q, f.courseId, f.progressMin, f.progressMax);
  if (f.completed !== undefined) q = q.where('enrollments.completed_at', f.completed ? 'is not' : 'is', null);
  // Status as the enrollment shows it: suspended first, then completed, else active.
  if (f.status === 'suspended') q = q.where('enrollments.suspended_at', 'is not', null);
  else if (f.status === 'completed') q = q.where('enrollments.suspended_at', 'is', null).where('enrollments.completed_at', 'is not', null);
  else if (f.status === 'active') q = q.where('enrollments.suspended_at', 'is', null).where('enrollments.completed_at', 'is', null);
  if (f.q) {
    const text = f.q;
    // The member's name or email, or the course's title.
    q = q.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('users as mu')
            .select('mu.id')
            .whereRef('mu.id', '=', 'enrollments.member_id')
            .where((w) => w.or([containsCi(w.ref('mu.full_name'), text), containsCi(w.ref('mu.email'), text)])),
        ),
        eb.exists(
          eb
            .selectFrom('courses as qc')
            .select('qc.id')
            .whereRef('qc.id', '=', 'enrollments.course_id')
            .where((w) => containsCi(w.ref('qc.title'), text)),
        ),
      ]),
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
function progressRange(
  q: EnrollmentQuery,
  courseId: string | undefined,
  min: number | undefined,
  max: number | undefined,
): EnrollmentQuery {
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
  if (from !== undefined)
    q = q.where('enrollments.completed_lessons', '>=', bound(sql<number>`(${sql.lit(from)} * c.lesson_count + 99) / 100`));
  if (to !== undefined)
    q = q.where('enrollments.completed_lessons', '<=', bound(sql<number>`((${sql.lit(to + 1)} * c.lesson_count) - 1) / 100`));
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
    .$if(order.key?.ref.startsWith('sort_member.') === true, (qb) =>
      qb.innerJoin('users as sort_member', 'sort_member.id', 'enrollments.member_id'),
    )
    .$if(order.key?.ref.startsWith('sort_course.') === true, (qb) =>
      qb.innerJoin('courses as sort_course', 'sort_course.id', 'enrollments.course_id'),
    );
  const idRows = await applyKeyset(ids, order, ctx.dialect, f.cursor)
    .limit(f.limit + 1)
    .execute();
  const { page: shownRows, nextCursor } = keysetPage(order, idRows, f.limit);
  const shown = shownRows.map((r) => r.id);
  const position = new Map(shown.map((id, i) => [id, i]));
  const rows = shown.length
    ? await ctx.db
        .selectFrom('enrollments')
        .innerJoin('users', 'users.id', 'enrollments.member_id')
        .innerJoin('courses', 'courses.id', 'enrollments.course_id')
        .selectAll('enrollments')
        .select([
          progressSql('enrollments', 'courses').as('progress'),
          'users.full_name as member_name',
          'users.email as member_email',
          'courses.title as course_title',
        ])
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

export async function myCourses(ctx: AppContext, actor: Actor) {
  if (!actor.id) throw errors.unauthenticated();
  const rows = await ctx.db
    .selectFrom('enrollments')
    .innerJoin('courses', 'courses.id', 'enrollments.course_id')
    .selectAll('enrollments')
    .select([
      progressSql('enrollments', 'courses').as('progress'),
      'courses.title',
      'courses.short_introduction',
      'courses.image_file_id',
      'courses.mandatory',
      'courses.lesson_count',
    ])
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
  const rows = await q
    .orderBy('enrollments.id', 'desc')
    .limit(f.limit + 1)
    .execute();
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
