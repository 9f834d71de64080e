import { sql, type Kysely } from 'kysely';

/**
 * Escalations of overdue training are told once per due date (the dedupe key ends in it:
 * escalation:<assignment>:<due date>, escalation-hr:<assignment>:<due date>) now that a due date
 * can be moved. The escalations already sent get their assignment's current due date, so the
 * reminders job does not tell managers and HR a second time about what they already know.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const prefix of ['escalation:', 'escalation-hr:']) {
    const idFrom = prefix.length + 1;
    await sql`
      update notifications
         set dedupe_key = dedupe_key || ':' || (select ta.due_date from training_assignments ta where ta.id = substr(notifications.dedupe_key, ${sql.lit(idFrom)}))
       where kind = 'assignment.escalated'
         and substr(dedupe_key, 1, ${sql.lit(prefix.length)}) = ${sql.lit(prefix)}
         and exists (select 1 from training_assignments ta where ta.id = substr(notifications.dedupe_key, ${sql.lit(idFrom)}))`.execute(db);
  }
}
