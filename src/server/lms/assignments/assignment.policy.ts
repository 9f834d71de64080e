/**
 * Who may see, submit and grade assignments. Graders: Moderators and System Managers everywhere;
 * a Course Creator on the courses they teach and the batches they created; a batch's evaluators
 * and instructors for the members of that batch, on the assignments the batch is assessed on.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Actor } from '../../context.ts';
import { hasAnyRole } from '../../http/access.ts';
import type { Role } from '../../../contract/roles.ts';
import { isCourseAdmin } from '../courses/index.ts';

/** Roles that may grade some submission (which ones is decided per row). */
export const GRADERS: readonly Role[] = ['Moderator', 'Course Creator', 'Batch Evaluator'];
/** Roles that create assignments and batch assessments. */
export const AUTHORS: readonly Role[] = ['Moderator', 'Course Creator'];

/**
 * The rows of `assignment_submissions as s` the actor grades (joined with `assignments as a`), as
 * a set-based condition; null when the actor grades everything.
 */
export function gradedByActor(actor: Actor): Expression<SqlBool> | null {
  if (isCourseAdmin(actor)) return null;
  const me = actor.id ?? '';
  const creator = hasAnyRole(actor.roles, ['Course Creator']);
  return sql<SqlBool>`(
    exists (
      select 1 from batch_assessments ba
      join batch_members bm on bm.batch_id = ba.batch_id and bm.member_id = s.member_id
      join batches b on b.id = ba.batch_id
      where ba.assignment_id = s.assignment_id
        and (exists (select 1 from batch_staff bs where bs.batch_id = ba.batch_id and bs.user_id = ${me})
             or (${creator ? 1 : 0} = 1 and b.created_by = ${me}))
    )
    or (${creator ? 1 : 0} = 1 and exists (
      select 1 from course_instructors ci where ci.course_id = a.course_id and ci.user_id = ${me}
    ))
    or (${creator ? 1 : 0} = 1 and a.created_by = ${me})
  )`;
}

/**
 * The assignments (`assignments as a`) the actor takes as a learner: enrolled in its course, or a
 * member of a batch assessed on it.
 */
export function takenByActor(actor: Actor): Expression<SqlBool> {
  const me = actor.id ?? '';
  return sql<SqlBool>`(
    exists (select 1 from enrollments e where e.course_id = a.course_id and e.member_id = ${me})
    or exists (
      select 1 from batch_assessments ba join batch_members bm on bm.batch_id = ba.batch_id
      where ba.assignment_id = a.id and bm.member_id = ${me}
    )
  )`;
}

/** The assignments (`assignments as a`) the actor manages as staff (sees every submission scope of). */
export function managedByActor(actor: Actor): Expression<SqlBool> | null {
  if (isCourseAdmin(actor)) return null;
  const me = actor.id ?? '';
  const creator = hasAnyRole(actor.roles, ['Course Creator']);
  return sql<SqlBool>`(
    (${creator ? 1 : 0} = 1 and (a.created_by = ${me}
      or exists (select 1 from course_instructors ci where ci.course_id = a.course_id and ci.user_id = ${me})))
    or exists (
      select 1 from batch_assessments ba join batch_staff bs on bs.batch_id = ba.batch_id
      where ba.assignment_id = a.id and bs.user_id = ${me}
    )
    or (${creator ? 1 : 0} = 1 and exists (
      select 1 from batch_assessments ba join batches b on b.id = ba.batch_id
      where ba.assignment_id = a.id and b.created_by = ${me}
    ))
  )`;
}
