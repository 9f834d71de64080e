/**
 * The demo a year on: Fire Safety at Work is renewed every year (certificates valid 12 months, a
 * new cycle 30 days before they expire). Two learners' completions are moved back in time, with
 * everything that dates them (enrollment, lessons, quiz attempts, certificate), so their history
 * reads in order: one completed 345 days ago (the certificate expires in 20 days, so the
 * recertification job opens the next cycle and assigns the course, due on that day), one 320 days
 * ago (expires in 45 days: not due yet).
 */
import type { AppContext } from './context.ts';
import { DAY_MS } from './db/dialect.ts';
import { addDays, addMonths } from './hr/index.ts';
import { runRecertification } from './integration/recertification.ts';

function earlier(iso: string | null, days: number): string | null {
  return iso === null ? null : new Date(Date.parse(iso) - days * DAY_MS).toISOString();
}

/** Moves one learner's completion of a course `days` back, with its certificate (issued then, valid as the course says). */
async function backdate(ctx: AppContext, memberId: string, courseId: string, days: number, validityMonths: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const e = await trx
      .selectFrom('enrollments')
      .select(['id', 'created_at', 'completed_at', 'last_activity_at'])
      .where('member_id', '=', memberId)
      .where('course_id', '=', courseId)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('enrollments')
      .set({ created_at: earlier(e.created_at, days)!, completed_at: earlier(e.completed_at, days), last_activity_at: earlier(e.last_activity_at, days)! })
      .where('id', '=', e.id)
      .execute();
    for (const l of await trx.selectFrom('lesson_completions').select(['id', 'completed_at']).where('member_id', '=', memberId).where('course_id', '=', courseId).execute()) {
      await trx.updateTable('lesson_completions').set({ completed_at: earlier(l.completed_at, days)! }).where('id', '=', l.id).execute();
    }
    const subs = await trx.selectFrom('quiz_submissions').select(['id', 'started_at', 'submitted_at', 'graded_at']).where('member_id', '=', memberId).where('course_id', '=', courseId).execute();
    for (const s of subs) {
      await trx
        .updateTable('quiz_submissions')
        .set({ started_at: earlier(s.started_at, days)!, submitted_at: earlier(s.submitted_at, days), graded_at: earlier(s.graded_at, days) })
        .where('id', '=', s.id)
        .execute();
    }
    const cert = await trx.selectFrom('certificates').select('issue_date').where('member_id', '=', memberId).where('course_id', '=', courseId).executeTakeFirstOrThrow();
    const issued = addDays(cert.issue_date.slice(0, 10), -days);
    await trx
      .updateTable('certificates')
      .set({ issue_date: issued, expiry_date: addMonths(issued, validityMonths) })
      .where('member_id', '=', memberId)
      .where('course_id', '=', courseId)
      .execute();
  });
}

/** Two Fire Safety certificates near renewal, and the recertification job's run on them. */
export async function seedDemoRenewals(ctx: AppContext, courseId: string, validityMonths: number): Promise<void> {
  const holders = await ctx.db.selectFrom('certificates').select('member_id').where('course_id', '=', courseId).orderBy('member_id').limit(2).execute();
  for (const [i, h] of holders.entries()) await backdate(ctx, h.member_id, courseId, [345, 320][i]!, validityMonths);
  await runRecertification(ctx);
}
