/** Who may manage SCORM packages, and who may open a package's files. */
import { sql, type SqlBool } from 'kysely';
import type { Actor } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { hasAnyRole } from '../../http/access.ts';
import { errors } from '../../http/errors.ts';
import type { Role } from '../../../contract/roles.ts';
import { isCourseAdmin } from '../courses/index.ts';

/** Roles that upload packages (System Managers too): those who manage courses. */
export const SCORM_MANAGERS: readonly Role[] = ['Moderator', 'Course Creator'];

/** Moderators and System Managers manage every package; a Course Creator the packages they uploaded. */
export function canManagePackage(actor: Actor, pkg: { created_by: string | null }): boolean {
  if (isCourseAdmin(actor)) return true;
  return !!actor.id && hasAnyRole(actor.roles, ['Course Creator']) && pkg.created_by === actor.id;
}

/**
 * Whether the actor may open the package's files and see it: its managers, the instructors of a
 * course with a lesson that uses it, and members enrolled in such a course (not suspended).
 */
export async function canOpenPackage(db: Executor, actor: Actor, pkg: { id: string; created_by: string | null }): Promise<boolean> {
  if (canManagePackage(actor, pkg)) return true;
  if (!actor.id) return false;
  const me = actor.id;
  const row = await db
    .selectFrom('lessons as l')
    .select('l.id')
    .where('l.scorm_package_id', '=', pkg.id)
    .where(
      sql<SqlBool>`(exists (select 1 from enrollments e where e.course_id = l.course_id and e.member_id = ${me} and e.suspended_at is null)
        or exists (select 1 from course_instructors ci where ci.course_id = l.course_id and ci.user_id = ${me}))`,
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Moderators and System Managers read every attempt; others only those of courses they teach (and their own). */
export function readsAllAttempts(actor: Actor): boolean {
  return isCourseAdmin(actor);
}

/**
 * A lesson may point at a package the actor manages or already teaches with; anything else answers
 * as if the package did not exist (400 on the lesson's field).
 */
export async function assertPackageLinkable(db: Executor, actor: Actor, packageId: string): Promise<void> {
  const pkg = await db.selectFrom('scorm_packages').select(['id', 'created_by']).where('id', '=', packageId).executeTakeFirst();
  if (pkg && (await canOpenPackage(db, actor, pkg))) return;
  throw errors.validation([{ path: 'scormPackageId', message: 'There is no SCORM package with this id that you may use.' }]);
}
