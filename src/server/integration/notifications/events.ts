/**
 * Events that tell people something, subscribed to the domain hooks: each writes its in-app
 * notifications and queues their mail in the transaction of the change that fired it. New
 * enrollments are told by a job a minute later instead (notifyRecentEnrollments).
 */
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import { DAY_MS } from '../../db/dialect.ts';
import { idAtTime } from '../../db/ids.ts';
import { nextTurn } from '../../platform/event-loop.ts';
import { readableDaySql } from '../../platform/readable-instant.ts';
import type { JobDefinition } from '../../platform/jobs.ts';
import { PAYMENT_STAFF } from '../../lms/payments/index.ts';
import { fanOut } from './fanout.ts';

const CHUNK = 1000;

function chunks<T>(all: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < all.length; i += CHUNK) out.push(all.slice(i, i + CHUNK));
  return out;
}

/** The job that tells learners of their new enrollments. */
export const ENROLLED_JOB = 'notifications.enrolled';
/** Each pass looks this far back past the start of the previous one (transactions that committed late). */
const ENROLLED_OVERLAP_MS = 5 * 60_000;
/** The first pass (no previous run) looks back one day. */
const ENROLLED_FIRST_LOOKBACK_MS = DAY_MS;
/** Enrollments per transaction of a pass. */
const ENROLLED_CHUNK = 500;

/**
 * New enrollments (job notifications.enrolled, every minute): the learner is told, with the course
 * link. Written by a set-based pass after the fact, not in the enrolling request: the enrollment is
 * the hub's hottest write, and telling in the same request took half of its throughput. Ids are
 * time-ordered, so "since the last pass" is a primary-key range; the dedupe key makes overlapping
 * passes harmless. Enrollments made for a training assignment or an onboarding are told by the
 * assignment's own message.
 */
export async function notifyRecentEnrollments(ctx: AppContext, now = new Date()): Promise<{ told: number }> {
  const last = await ctx.db
    .selectFrom('job_runs')
    .select((eb) => eb.fn.max('started_at').as('started_at'))
    .where('name', '=', ENROLLED_JOB)
    .where('status', '=', 'done')
    .executeTakeFirst();
  const since = last?.started_at ? Date.parse(last.started_at) - ENROLLED_OVERLAP_MS : now.getTime() - ENROLLED_FIRST_LOOKBACK_MS;
  // After an import of 100,000 enrollments one statement over all of them ran for seconds (on
  // SQLite synchronously, holding every request): the pass goes by ranges of ENROLLED_CHUNK ids,
  // a transaction each, and other requests get a turn between two.
  let told = 0;
  let after: string | null = null;
  for (;;) {
    const from: RawBuilder<unknown> = after === null ? sql`e.id >= ${idAtTime(since)}` : sql`e.id > ${after}`;
    const end = await sql<{ id: string }>`
      select e.id from enrollments e where ${from} order by e.id limit 1 offset ${ENROLLED_CHUNK - 1}`.execute(ctx.db);
    const upTo: string | null = end.rows[0]?.id ?? null;
    told += await ctx.db.transaction().execute((trx) =>
      fanOut(ctx, trx, 'enrolled', {
        select: sql`
          select e.member_id as user_id, 'enrolled:' || e.id as dedupe_key, '/lms/courses/' || c.id as link,
                 u.full_name as "recipientName", c.title as "courseTitle"
            from enrollments e
            join courses c on c.id = e.course_id
            join users u on u.id = e.member_id
           where ${from} ${upTo === null ? sql`` : sql`and e.id <= ${upTo}`} and e.source not in ('assignment', 'onboarding')`,
      }),
    );
    if (upTo === null) return { told };
    after = upTo;
    await nextTurn();
  }
}

export const enrolledJob: JobDefinition = {
  name: ENROLLED_JOB,
  schedule: '* * * * *',
  run: (ctx) => notifyRecentEnrollments(ctx),
};

/** New training assignments: the learner is told the course, the due date and the link. */
export async function notifyAssigned(ctx: AppContext, trx: Tx, assignmentIds: readonly string[]): Promise<void> {
  for (const part of chunks(assignmentIds)) {
    await fanOut(ctx, trx, 'assignment.created', {
      select: sql`
        select ta.member_id as user_id, 'assigned:' || ta.id as dedupe_key, '/lms/courses/' || c.id as link,
               u.full_name as "recipientName", c.title as "courseTitle", ta.due_date as "dueDate"
          from training_assignments ta
          join courses c on c.id = ta.course_id
          join users u on u.id = ta.member_id
         where ta.id in (${sql.join(part)})`,
    });
  }
}

/**
 * An open assignment's due date was moved: the learner is told the new date and the one it
 * replaces. The key holds the new date, so moving it again tells again.
 */
export async function notifyDueDateMoved(ctx: AppContext, trx: Tx, assignmentId: string, previousDueDate: string): Promise<void> {
  await fanOut(ctx, trx, 'assignment.due-date-moved', {
    select: sql`
      select ta.member_id as user_id, 'due-date:' || ta.id || ':' || ta.due_date as dedupe_key, '/lms/courses/' || c.id as link,
             u.full_name as "recipientName", c.title as "courseTitle", ta.due_date as "dueDate", cast(${previousDueDate} as text) as "previousDueDate"
        from training_assignments ta
        join courses c on c.id = ta.course_id
        join users u on u.id = ta.member_id
       where ta.id = ${assignmentId} and ta.status = 'open'`,
  });
}

/** A certificate was issued: the member is told, with the PDF link. */
export async function notifyCertificateIssued(ctx: AppContext, trx: Tx, certificateId: string): Promise<void> {
  await fanOut(ctx, trx, 'certificate.issued', {
    select: sql`
      select cert.member_id as user_id, 'certificate:' || cert.id as dedupe_key, '/api/certificates/' || cert.id || '/pdf' as link,
             u.full_name as "recipientName", c.title as "courseTitle"
        from certificates cert
        join courses c on c.id = cert.course_id
        join users u on u.id = cert.member_id
       where cert.id = ${certificateId}`,
  });
}

/** A submission was graded: the member is told the score and whether it passed. */
export async function notifySubmissionGraded(ctx: AppContext, trx: Tx, submissionId: string): Promise<void> {
  await fanOut(ctx, trx, 'submission.graded', {
    select: sql`
      select qs.member_id as user_id, 'graded:' || qs.id as dedupe_key,
             case when qs.course_id is null then null else '/lms/courses/' || qs.course_id end as link,
             u.full_name as "recipientName", q.title as "quizTitle", coalesce(qs.percentage, 0) as "percentage",
             case when qs.passed = 1 then 'passed' else 'not passed' end as "result"
        from quiz_submissions qs
        join quizzes q on q.id = qs.quiz_id
        join users u on u.id = qs.member_id
       where qs.id = ${submissionId}`,
  });
}

/** An assignment submission was graded: the member is told the result, score and comment. */
export async function notifyAssignmentGraded(ctx: AppContext, trx: Tx, submissionId: string): Promise<void> {
  await fanOut(ctx, trx, 'assignment-submission.graded', {
    select: sql`
      select s.member_id as user_id, 'assignment-graded:' || s.id as dedupe_key, '/lms/assignments/' || a.id as link,
             u.full_name as "recipientName", a.title as "assignmentTitle",
             case when s.status = 'passed' then 'passed' else 'not passed' end as "result",
             case when s.score is null then '-'
                  when s.score = round(s.score) then cast(cast(s.score as integer) as text)
                  else cast(s.score as text) end as "score",
             coalesce(s.comment, '-') as "comment", coalesce(g.full_name, 'Your evaluator') as "graderName"
        from assignment_submissions s
        join assignments a on a.id = s.assignment_id
        join users u on u.id = s.member_id
        left join users g on g.id = s.graded_by
       where s.id = ${submissionId} and s.status in ('passed', 'failed')`,
  });
}

/**
 * A certificate evaluation was scheduled (booked or moved): the learner and the evaluator are told
 * the slot in the evaluator's time zone and in UTC. The key holds the start, so a new slot tells again.
 */
export async function notifyEvaluationScheduled(ctx: AppContext, trx: Tx, requestId: string): Promise<void> {
  const fields = sql`c.title as "courseTitle", m.full_name as "learnerName", ev.full_name as "evaluatorName",
    r.start_time || ' on ' || ${readableDaySql(ctx.dialect, sql`r.date`)} || ' (' || r.timezone || '), ' || substr(r.starts_at, 12, 5) || ' UTC' as "startsAt",
    coalesce(nullif(r.meeting_url, ''), 'to be announced') as "meetingUrl"`;
  const from = sql`from certificate_requests r
        join courses c on c.id = r.course_id
        join users m on m.id = r.member_id
        join users ev on ev.id = r.evaluator_id
       where r.id = ${requestId} and r.status = 'scheduled' and r.starts_at is not null`;
  await fanOut(ctx, trx, 'evaluation.scheduled', {
    select: sql`
      select r.member_id as user_id, 'evaluation:' || r.id || ':' || r.starts_at as dedupe_key, '/lms/evaluations' as link,
             m.full_name as "recipientName", ${fields} ${from}
      union all
      select r.evaluator_id as user_id, 'evaluation:' || r.id || ':' || r.starts_at as dedupe_key, '/lms/evaluations/calendar' as link,
             ev.full_name as "recipientName", ${fields} ${from}`,
  });
}

/**
 * A paid payment needs staff (the batch was full when it arrived): every enabled payment staff
 * member (System Manager, Moderator) is told, with the payment's desk page.
 */
export async function notifyPaymentNeedsAttention(ctx: AppContext, trx: Tx, paymentId: string): Promise<void> {
  await fanOut(ctx, trx, 'payment.needs-attention', {
    select: sql`
      select s.id as user_id, 'payment-attention:' || p.id as dedupe_key, '/app/lms-payment/' || p.id as link,
             s.full_name as "recipientName", m.full_name as "learnerName", coalesce(b.title, c.title, '') as "batchTitle"
        from payments p
        join users m on m.id = p.member_id
        left join batches b on b.id = p.batch_id
        left join courses c on c.id = p.course_id
        cross join users s
       where p.id = ${paymentId} and p.attention is not null and s.enabled = 1
         and s.id in (select r.user_id from user_roles r where r.role in (${sql.join(PAYMENT_STAFF)}))`,
  });
}

export function registerNotificationHooks(ctx: AppContext): void {
  ctx.hooks.on('payment.needs-attention', (trx, p) => notifyPaymentNeedsAttention(ctx, trx, p.paymentId));
  ctx.hooks.on('training-assignments.created', (trx, p) => notifyAssigned(ctx, trx, p.assignmentIds));
  ctx.hooks.on('training-assignment.due-date-moved', (trx, p) => notifyDueDateMoved(ctx, trx, p.assignmentId, p.previousDueDate));
  ctx.hooks.on('certificate.issued', (trx, p) => notifyCertificateIssued(ctx, trx, p.certificateId));
  ctx.hooks.on('submission.graded', (trx, p) => notifySubmissionGraded(ctx, trx, p.submissionId));
  ctx.hooks.on('assignment-submission.graded', (trx, p) => notifyAssignmentGraded(ctx, trx, p.submissionId));
  ctx.hooks.on('evaluation.scheduled', (trx, p) => notifyEvaluationScheduled(ctx, trx, p.requestId));
}
