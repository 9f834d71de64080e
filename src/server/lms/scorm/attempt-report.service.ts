/** Staff's view of SCORM attempts: one row per lesson, member and SCO, for reports and the dashboard. */
import { sql, type SqlBool } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { ScormAttemptRow } from '../../../contract/scorm.ts';
import { presentScoAttempt } from './attempt.service.ts';
import { readsAllAttempts } from './scorm.policy.ts';

export interface AttemptListQuery {
  limit: number;
  cursor?: string | undefined;
  lessonId?: string | undefined;
  memberId?: string | undefined;
  courseId?: string | undefined;
}

/**
 * Newest first (keyset on id). Moderators and System Managers read every row; a Course Creator the
 * rows of courses they teach. Filters by lesson, member and course.
 */
export async function listAttempts(ctx: AppContext, actor: Actor, q: AttemptListQuery): Promise<{ items: ScormAttemptRow[]; nextCursor: string | null }> {
  let query = ctx.db
    .selectFrom('scorm_attempts as a')
    .innerJoin('lessons as l', 'l.id', 'a.lesson_id')
    .innerJoin('courses as c', 'c.id', 'a.course_id')
    .innerJoin('users as u', 'u.id', 'a.member_id')
    .leftJoin('scorm_packages as p', 'p.id', 'l.scorm_package_id')
    .leftJoin('scorm_scos as s', (j) => j.onRef('s.package_id', '=', 'p.id').onRef('s.item_id', '=', 'a.sco_id'))
    .selectAll('a')
    .select(['l.title as lesson_title', 'c.title as course_title', 'u.full_name as member_name', 'p.version', 's.title as sco_title', 's.mastery_score', 's.scaled_passing_score'])
    .orderBy('a.id', 'desc')
    .limit(q.limit + 1);
  if (!readsAllAttempts(actor)) {
    const me = actor.id ?? '';
    query = query.where(sql<SqlBool>`exists (select 1 from course_instructors ci where ci.course_id = a.course_id and ci.user_id = ${me})`);
  }
  if (q.lessonId) query = query.where('a.lesson_id', '=', q.lessonId);
  if (q.memberId) query = query.where('a.member_id', '=', q.memberId);
  if (q.courseId) query = query.where('a.course_id', '=', q.courseId);
  if (q.cursor) query = query.where('a.id', '<', q.cursor);
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      ...presentScoAttempt((r.version ?? '1.2') as '1.2' | '2004', r, r.sco_title === null ? null : { title: r.sco_title, mastery_score: r.mastery_score, scaled_passing_score: r.scaled_passing_score }),
      id: r.id,
      lessonId: r.lesson_id,
      lessonTitle: r.lesson_title,
      courseId: r.course_id,
      courseTitle: r.course_title,
      memberId: r.member_id,
      memberName: r.member_name,
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}
