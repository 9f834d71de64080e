import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * - Quiz attempts count per recertification cycle: an attempt is in its course's current cycle when
 *   it started after the member's last closed cycle of that course. That maximum is read for every
 *   attempt counted, so the cycles are indexed by member, course and close.
 * - The outbox's dedupe key is set only on messages not tied to one notification (digests): the
 *   unique index becomes partial, so the many notification messages a job queues (every reminder)
 *   no longer write a NULL entry into it. ON CONFLICT (dedupe_key) names the same WHERE.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('enrollment_cycles_member_course_idx').on('enrollment_cycles').columns(['member_id', 'course_id', 'closed_at']).execute();
  await db.schema.dropIndex('mail_outbox_dedupe_uq').execute();
  await sql`create unique index mail_outbox_dedupe_uq on mail_outbox (dedupe_key) where dedupe_key is not null`.execute(db);
}
