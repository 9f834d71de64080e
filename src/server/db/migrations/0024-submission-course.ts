import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Quiz attempts of a quiz created without a course belong to the course through which the member
 * took it: the course they are enrolled in whose quiz lesson links the quiz (the earliest
 * enrollment when there are several). Attempts recorded without a course get it, in one statement.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await sql`
    update quiz_submissions
       set course_id = (
         select l.course_id
           from lessons l
           join enrollments e on e.course_id = l.course_id and e.member_id = quiz_submissions.member_id
          where l.quiz_id = quiz_submissions.quiz_id
            and l.kind = 'quiz'
          order by e.created_at, l.course_id
          limit 1)
     where course_id is null`.execute(db);
}
