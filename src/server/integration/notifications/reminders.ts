/**
 * The training assignment reminders job (notifications.reminders), set-based: one INSERT ... SELECT
 * per kind over every open assignment, whatever their number.
 *
 * - due soon: the learner, on each of `reminderDays` days before the due date;
 * - overdue: the learner, on the first day past due and then at most once a week;
 * - escalation: the learner's manager (the employee's reports-to, through its linked user) once
 *   `escalateAfterDays` have passed, linking to My team in the portal, then every HR Manager after
 *   twice as many, linking to the assignment in the desk.
 *
 * A learner's reminder carries the dedupe key reminder:<assignment>:<day>, unique per user, so an
 * assignment never reminds its learner twice on one day, whatever runs the job or how often. An
 * escalation's key ends in the due date (escalation:<assignment>:<due date>): once per due date, so
 * an assignment whose date was moved and that falls overdue again escalates again. Only open
 * assignments are read: completion stops every reminder.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { today } from '../../db/dialect.ts';
import { addDays } from '../../hr/index.ts';
import { getSettings } from '../../platform/settings.service.ts';
import type { JobDefinition } from '../../platform/jobs.ts';
import { fanOut } from './fanout.ts';

export interface RemindersResult {
  dueSoon: number;
  overdue: number;
  escalatedToManager: number;
  escalatedToHr: number;
}

/** Days between overdue reminders to the learner. */
export const OVERDUE_EVERY_DAYS = 7;

export async function runReminders(ctx: AppContext, on = today()): Promise<RemindersResult> {
  const settings = await getSettings(ctx.db);
  const m = settings.escalateAfterDays;
  const dueDates = [...new Set(settings.reminderDays)].map((d) => addDays(on, d));
  const weekAgo = addDays(on, -OVERDUE_EVERY_DAYS);
  const learner = sql`ta.member_id as user_id, 'reminder:' || ta.id || ':' || ${on} as dedupe_key, '/lms/courses/' || c.id as link,
    u.full_name as "recipientName", c.title as "courseTitle", ta.due_date as "dueDate"`;
  const result: RemindersResult = { dueSoon: 0, overdue: 0, escalatedToManager: 0, escalatedToHr: 0 };

  await ctx.db.transaction().execute(async (trx) => {
    if (dueDates.length > 0) {
      result.dueSoon = await fanOut(ctx, trx, 'assignment.due-soon', {
        select: sql`
          select ${learner}
            from training_assignments ta
            join courses c on c.id = ta.course_id
            join users u on u.id = ta.member_id
           where ta.status = 'open' and ta.due_date in (${sql.join(dueDates)}) and u.enabled = 1`,
      });
    }
    // Overdue: no overdue reminder in the last week (the keys of those days sort between the bounds).
    result.overdue = await fanOut(ctx, trx, 'assignment.overdue', {
      select: sql`
        select ${learner}
          from training_assignments ta
          join courses c on c.id = ta.course_id
          join users u on u.id = ta.member_id
         where ta.status = 'open' and ta.due_date < ${on} and u.enabled = 1
           and not exists (
             select 1 from notifications n
              where n.user_id = ta.member_id
                and n.dedupe_key > 'reminder:' || ta.id || ':' || ${weekAgo}
                and n.dedupe_key < 'reminder:' || ta.id || ':' || ${on}
                and n.kind = 'assignment.overdue')`,
    });
    result.escalatedToManager = await fanOut(ctx, trx, 'assignment.escalated', {
      select: sql`
        select mu.id as user_id, 'escalation:' || ta.id || ':' || ta.due_date as dedupe_key, '/lms/team' as link,
               mu.full_name as "recipientName", u.full_name as "learnerName", c.title as "courseTitle", ta.due_date as "dueDate"
          from training_assignments ta
          join courses c on c.id = ta.course_id
          join users u on u.id = ta.member_id
          join employees e on e.user_id = ta.member_id
          join employees mgr on mgr.id = e.reports_to_id
          join users mu on mu.id = mgr.user_id
         where ta.status = 'open' and ta.due_date <= ${addDays(on, -m)} and mu.enabled = 1`,
    });
    result.escalatedToHr = await fanOut(ctx, trx, 'assignment.escalated', {
      select: sql`
        select hr.id as user_id, 'escalation-hr:' || ta.id || ':' || ta.due_date as dedupe_key, '/app/lms-training-assignment/' || ta.id as link,
               hr.full_name as "recipientName", u.full_name as "learnerName", c.title as "courseTitle", ta.due_date as "dueDate"
          from training_assignments ta
          join courses c on c.id = ta.course_id
          join users u on u.id = ta.member_id
          cross join (select hu.id, hu.full_name from users hu join user_roles r on r.user_id = hu.id and r.role = 'HR Manager' where hu.enabled = 1) hr
         where ta.status = 'open' and ta.due_date <= ${addDays(on, -2 * m)}`,
    });
  });
  return result;
}

/** Daily at 06:00 UTC. */
export const remindersJob: JobDefinition = {
  name: 'notifications.reminders',
  schedule: '0 6 * * *',
  run: (ctx) => runReminders(ctx),
};
