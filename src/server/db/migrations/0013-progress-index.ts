import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Progress writes, cheaper:
 * - recomputing a course counts its completions per member: with only (member_id, ...) indexes
 *   that read every completion of every course; (course_id, member_id) reads the course's;
 * - (member_id, last_activity_at) was rewritten by every lesson opened or completed, and served
 *   only My Courses, which reads a member's few rows through (member_id, course_id) and sorts them.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('lesson_completions_course_member_idx').on('lesson_completions').columns(['course_id', 'member_id']).execute();
  await sql`drop index enrollments_member_activity_idx`.execute(db);
}
