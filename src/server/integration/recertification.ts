/**
 * Recertification (job `recertification`, daily): a course with a certificate validity and
 * recertifyDaysBefore opens a new cycle for each member whose current certificate expires within
 * that many days. The closed cycle keeps its dates, its lesson completions (cycle_lesson_completions)
 * and its certificate (superseded, still verifiable until it expires); quiz attempts stay where
 * they are. The enrollment starts again at 0 and a training assignment is due on the old
 * certificate's expiry date (its notification tells the learner). Set-based per course; the unique
 * certificate of a cycle makes a second run (or a second process) open nothing twice.
 */
import { sql } from 'kysely';
import type { Actor, AppContext } from '../context.ts';
import { today } from '../db/dialect.ts';
import { addDays } from '../hr/index.ts';
import { recordAuditMany } from '../platform/audit.service.ts';
import type { JobDefinition } from '../platform/jobs.ts';
import { getEnrollment } from '../lms/enrollments/index.ts';
import { assignCourse } from '../lms/training/index.ts';
import { sqlNewId } from './notifications/index.ts';

export async function runRecertification(ctx: AppContext, on = today()): Promise<{ cycles: number; assignments: number }> {
  const courses = await ctx.db
    .selectFrom('courses')
    .select(['id', 'recertify_days_before'])
    .where('recertify_days_before', 'is not', null)
    .where('certificate_validity_months', 'is not', null)
    .execute();
  const out = { cycles: 0, assignments: 0 };
  for (const course of courses) {
    const until = addDays(on, Number(course.recertify_days_before));
    await ctx.db.transaction().execute(async (trx) => {
      const now = new Date().toISOString();
      // 1. One closed cycle per current certificate due for renewal (the unique certificate decides races).
      const opened = await sql<{ id: string; enrollment_id: string; member_id: string; certificate_id: string; cycle: number }>`
        insert into enrollment_cycles (id, enrollment_id, member_id, course_id, cycle, started_at, completed_at, certificate_id, closed_at)
        select ${sqlNewId(ctx)}, e.id, e.member_id, e.course_id,
               coalesce((select max(cy.cycle) from enrollment_cycles cy where cy.enrollment_id = e.id), 0) + 1,
               coalesce((select max(cy.closed_at) from enrollment_cycles cy where cy.enrollment_id = e.id), e.created_at),
               e.completed_at, cert.id, ${now}
          from certificates cert
          join enrollments e on e.member_id = cert.member_id and e.course_id = cert.course_id
         where cert.course_id = ${course.id} and cert.superseded_at is null and cert.revoked_at is null
           and cert.expiry_date is not null and cert.expiry_date <= ${until}
        on conflict (certificate_id) do nothing
        returning id, enrollment_id, member_id, certificate_id, cycle`.execute(trx);
      const cycles = opened.rows;
      if (cycles.length === 0) return;
      const cycleIds = cycles.map((c) => c.id);
      const memberIds = cycles.map((c) => c.member_id);
      // 2. The cycle keeps its lesson completions; the enrollment starts again at 0.
      await sql`
        insert into cycle_lesson_completions (cycle_id, lesson_id, completed_at)
        select cy.id, lc.lesson_id, lc.completed_at
          from enrollment_cycles cy
          join lesson_completions lc on lc.member_id = cy.member_id and lc.course_id = cy.course_id
         where cy.id in (${sql.join(cycleIds)})`.execute(trx);
      await trx.deleteFrom('lesson_completions').where('course_id', '=', course.id).where('member_id', 'in', memberIds).execute();
      await trx
        .updateTable('enrollments')
        .set({
          completed_lessons: 0,
          completed_at: null,
          current_lesson_id: null,
          // A completion marked by hand belonged to the closed cycle.
          completed_manually_at: null,
          completed_manually_by: null,
          completed_manually_reason: null,
          completion_evidence_file_id: null,
        })
        .where('id', 'in', cycles.map((c) => c.enrollment_id))
        .execute();
      // 3. The old certificate is superseded (a new one can be earned in this cycle).
      await trx.updateTable('certificates').set({ superseded_at: now }).where('id', 'in', cycles.map((c) => c.certificate_id)).execute();
      await recordAuditMany(
        trx,
        // The cycle closed (its number) and the certificate it keeps.
        cycles.map((c) => ({ actorId: null, action: 'recertify', entity: 'enrollment', entityId: c.enrollment_id, after: { closedCycle: Number(c.cycle), certificateId: c.certificate_id } })),
      );
      // 4. A training assignment due on the old certificate's expiry, grouped by that date.
      const expiries = await trx.selectFrom('certificates').select(['member_id', 'expiry_date']).where('id', 'in', cycles.map((c) => c.certificate_id)).execute();
      const byDue = new Map<string, string[]>();
      for (const r of expiries) {
        const due = r.expiry_date && r.expiry_date > on ? r.expiry_date : on;
        byDue.set(due, [...(byDue.get(due) ?? []), r.member_id]);
      }
      for (const [dueDate, members] of byDue) {
        const r = await assignCourse(ctx, trx, { courseId: course.id, memberIds: members, dueDate, source: 'manual', actorId: null });
        out.assignments += r.created;
      }
      out.cycles += cycles.length;
    });
  }
  return out;
}

export const recertificationJob: JobDefinition = {
  name: 'recertification',
  schedule: '40 4 * * *',
  run: (ctx) => runRecertification(ctx),
};

export interface EnrollmentCycle {
  cycle: number;
  startedAt: string;
  completedAt: string | null;
  closedAt: string | null;
  current: boolean;
  certificate: { id: string; verificationCode: string; issueDate: string; expiryDate: string | null } | null;
  completions: { lessonId: string; lessonTitle: string; completedAt: string }[];
  /** Quiz attempts started within the cycle's dates. */
  attemptCount: number;
  attempts: CycleAttempt[];
}

interface CycleAttempt {
  quizTitle: string;
  percentage: number | null;
  passed: boolean;
  startedAt: string;
  submittedAt: string | null;
}

function withCount(attempts: CycleAttempt[]): { attemptCount: number; attempts: CycleAttempt[] } {
  return { attemptCount: attempts.length, attempts };
}

/** The enrollment's closed cycles and its current one, oldest first (whoever may read the enrollment). */
export async function enrollmentCycles(ctx: AppContext, actor: Actor, enrollmentId: string): Promise<{ items: EnrollmentCycle[] }> {
  const e = await getEnrollment(ctx, actor, enrollmentId);
  const rows = await ctx.db
    .selectFrom('enrollment_cycles as cy')
    .innerJoin('certificates as cert', 'cert.id', 'cy.certificate_id')
    .select(['cy.id', 'cy.cycle', 'cy.started_at', 'cy.completed_at', 'cy.closed_at', 'cert.id as cert_id', 'cert.verification_code', 'cert.issue_date', 'cert.expiry_date'])
    .where('cy.enrollment_id', '=', enrollmentId)
    .orderBy('cy.cycle')
    .execute();
  const done = rows.length
    ? await ctx.db
        .selectFrom('cycle_lesson_completions as c')
        .innerJoin('lessons as l', 'l.id', 'c.lesson_id')
        .select(['c.cycle_id', 'c.lesson_id', 'l.title', 'c.completed_at'])
        .where('c.cycle_id', 'in', rows.map((r) => r.id))
        .orderBy('c.completed_at')
        .execute()
    : [];
  const current = await ctx.db
    .selectFrom('lesson_completions as c')
    .innerJoin('lessons as l', 'l.id', 'c.lesson_id')
    .select(['c.lesson_id', 'l.title', 'c.completed_at'])
    .where('c.member_id', '=', e.memberId)
    .where('c.course_id', '=', e.courseId)
    .orderBy('c.completed_at')
    .execute();
  const attempts = await ctx.db
    .selectFrom('quiz_submissions as s')
    .innerJoin('quizzes as q', 'q.id', 's.quiz_id')
    .select(['q.title', 's.percentage', 's.passed', 's.started_at', 's.submitted_at'])
    .where('s.member_id', '=', e.memberId)
    .where('s.course_id', '=', e.courseId)
    .where('s.preview', '=', 0)
    .orderBy('s.started_at')
    .orderBy('s.id')
    .execute();
  const cert = await ctx.db
    .selectFrom('certificates')
    .select(['id', 'verification_code', 'issue_date', 'expiry_date'])
    .where('member_id', '=', e.memberId)
    .where('course_id', '=', e.courseId)
    .where('superseded_at', 'is', null)
    .executeTakeFirst();
  // An attempt belongs to the cycle in which it was started (made), whether or not it was submitted.
  const inCycle = (from: string, to: string | null): CycleAttempt[] =>
    attempts
      .filter((a) => a.started_at >= from && (to === null || a.started_at < to))
      .map((a) => ({
        quizTitle: a.title,
        percentage: a.percentage === null ? null : Number(a.percentage),
        passed: a.passed === 1,
        startedAt: a.started_at,
        submittedAt: a.submitted_at,
      }));
  const items: EnrollmentCycle[] = rows.map((r) => ({
    cycle: r.cycle,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    closedAt: r.closed_at,
    current: false,
    certificate: { id: r.cert_id, verificationCode: r.verification_code, issueDate: r.issue_date, expiryDate: r.expiry_date },
    completions: done.filter((d) => d.cycle_id === r.id).map((d) => ({ lessonId: d.lesson_id, lessonTitle: d.title, completedAt: d.completed_at })),
    ...withCount(inCycle(r.started_at, r.closed_at)),
  }));
  const startedAt = rows.length ? rows[rows.length - 1]!.closed_at : e.createdAt;
  items.push({
    cycle: rows.length + 1,
    startedAt,
    completedAt: e.completedAt,
    closedAt: null,
    current: true,
    certificate: cert ? { id: cert.id, verificationCode: cert.verification_code, issueDate: cert.issue_date, expiryDate: cert.expiry_date } : null,
    completions: current.map((d) => ({ lessonId: d.lesson_id, lessonTitle: d.title, completedAt: d.completed_at })),
    ...withCount(inCycle(startedAt, null)),
  });
  return { items };
}
