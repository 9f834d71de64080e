import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Actor } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { hasAnyRole } from '../../http/access.ts';
import type { Role } from '../../../contract/roles.ts';

/** Roles that manage every course, enrollment and submission. */
export const COURSE_ADMINS: readonly Role[] = ['System Manager', 'Moderator'];
/** Roles that may read LMS records of employees to file them (read-only). */
export const HR_READERS: readonly Role[] = ['HR Manager', 'HR User'];

export function isCourseAdmin(actor: Actor): boolean {
  return hasAnyRole(actor.roles, COURSE_ADMINS);
}

export async function isInstructor(db: Executor, actor: Actor, courseId: string): Promise<boolean> {
  if (!actor.id) return false;
  const row = await db
    .selectFrom('course_instructors')
    .select('user_id')
    .where('course_id', '=', courseId)
    .where('user_id', '=', actor.id)
    .executeTakeFirst();
  return row !== undefined;
}

/** Moderators and System Managers manage all courses; Course Creators the courses they teach. */
export async function canManageCourse(db: Executor, actor: Actor, courseId: string): Promise<boolean> {
  if (isCourseAdmin(actor)) return true;
  return hasAnyRole(actor.roles, ['Course Creator']) && (await isInstructor(db, actor, courseId));
}

/** Published courses are visible to everyone logged in; unpublished ones to their managers. */
export async function canSeeCourse(db: Executor, actor: Actor, course: { id: string; published: number }): Promise<boolean> {
  if (course.published === 1) return true;
  return canManageCourse(db, actor, course.id);
}

/** Reads enrollments/progress of a course's learners: admins, HR readers, the course's instructors. */
export async function canSeeLearnersOf(db: Executor, actor: Actor, courseId: string): Promise<boolean> {
  if (isCourseAdmin(actor) || hasAnyRole(actor.roles, HR_READERS)) return true;
  return isInstructor(db, actor, courseId);
}

/**
 * The row rule for tables of one member in one course (enrollments, certificates, quiz submissions):
 * null when the actor reads every row; otherwise own rows, plus the rows of courses they teach for
 * Course Creators.
 */
export function readableByMemberOrInstructor(
  table: 'enrollments' | 'certificates' | 'quiz_submissions',
  actor: Actor,
  readsAll: boolean,
): RawBuilder<SqlBool> | null {
  if (readsAll) return null;
  const me = actor.id ?? '';
  const member = sql.ref(`${table}.member_id`);
  if (!hasAnyRole(actor.roles, ['Course Creator'])) return sql<SqlBool>`${member} = ${me}`;
  const course = sql.ref(`${table}.course_id`);
  return sql<SqlBool>`(${member} = ${me} or exists (select 1 from course_instructors ci where ci.course_id = ${course} and ci.user_id = ${me}))`;
}
