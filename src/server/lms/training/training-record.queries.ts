import { sql } from 'kysely';
import type { Executor } from '../../db/database.ts';
import { today } from '../../db/dialect.ts';
import { progressSql } from '../enrollments/index.ts';
import type { TrainingRecordCourse } from '../../../contract/training-record.ts';
import { inCurrentCycle } from '../quizzes/index.ts';

/**
 * One learner's whole training history on the LMS side: every published mandatory course, every
 * course assigned to them and every course they are enrolled in, each with its status, due date,
 * completion, quiz attempts (best score) and certificates. Four reads, whatever the history's size.
 */
export async function trainingHistoryOf(db: Executor, memberId: string): Promise<TrainingRecordCourse[]> {
  const on = today();
  const [courses, attempts, certificates, attestations] = await Promise.all([
    db
      .selectFrom('courses')
      .leftJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'courses.id').on('enrollments.member_id', '=', memberId))
      .select([
        'courses.id',
        'courses.title',
        'courses.mandatory',
        'enrollments.id as enrollment_id',
        'enrollments.created_at as enrolled_at',
        'enrollments.completed_at',
        'enrollments.completed_lessons',
        'enrollments.suspended_at',
        'enrollments.suspend_reason',
        'enrollments.completed_manually_at',
        'enrollments.completed_manually_reason',
        'enrollments.completion_evidence_file_id',
        (eb) => eb.selectFrom('users as mu').select('mu.full_name').whereRef('mu.id', '=', 'enrollments.completed_manually_by').as('completed_manually_by_name'),
        sql<number>`case when enrollments.id is null then 0 else ${progressSql('enrollments', 'courses')} end`.as('progress'),
        // The due date of the open assignment (the earliest, when several are open); with none open,
        // the latest one's: a completed assignment's old date never hides a moved or renewed one.
        sql<string | null>`(select coalesce(min(case when ta.status = 'open' then ta.due_date end), max(ta.due_date))
                              from training_assignments ta
                             where ta.course_id = courses.id and ta.member_id = ${memberId})`.as('due_date'),
        (eb) =>
          eb
            .selectFrom('training_assignments as ta')
            .select((s) => s.fn.count<number>('ta.id').as('n'))
            .whereRef('ta.course_id', '=', 'courses.id')
            .where('ta.member_id', '=', memberId)
            .where('ta.status', '=', 'open')
            .where('ta.due_date', '<', on)
            .as('overdue'),
      ])
      .where((eb) =>
        eb.or([
          eb('enrollments.id', 'is not', null),
          eb.and([eb('courses.mandatory', '=', 1), eb('courses.published', '=', 1)]),
          eb.exists(
            eb
              .selectFrom('training_assignments as t2')
              .select('t2.id')
              .whereRef('t2.course_id', '=', 'courses.id')
              .where('t2.member_id', '=', memberId),
          ),
        ]),
      )
      .orderBy('courses.title')
      .orderBy('courses.id')
      .execute(),
    db
      .selectFrom('quiz_submissions as s')
      .innerJoin('quizzes as q', 'q.id', 's.quiz_id')
      .select([
        's.id',
        's.quiz_id',
        'q.title',
        's.course_id',
        's.attempt',
        's.status',
        's.score',
        's.max_score',
        's.percentage',
        's.passed',
        's.submitted_at',
        inCurrentCycle('s').as('in_cycle'),
      ])
      .where('s.member_id', '=', memberId)
      .where('s.preview', '=', 0)
      .orderBy('q.title')
      .orderBy('s.quiz_id')
      .orderBy('s.attempt')
      .execute(),
    db
      .selectFrom('certificates')
      .select(['id', 'course_id', 'issue_date', 'expiry_date', 'verification_code', 'revoked_at'])
      .where('member_id', '=', memberId)
      .orderBy('issue_date')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('attestations')
      .select(['id', 'course_id', 'statement', 'content_hash', 'signed_at'])
      .where('member_id', '=', memberId)
      .orderBy('signed_at')
      .orderBy('id')
      .execute(),
  ]);
  return courses.map((c) => {
    const mine = attempts.filter((a) => a.course_id === c.id);
    // Every attempt stays on the record; the best score is the current recertification cycle's.
    const graded = mine
      .filter((a) => Boolean(a.in_cycle))
      .map((a) => a.percentage).filter((p): p is number => p !== null && p !== undefined);
    const status: TrainingRecordCourse['status'] = !c.enrollment_id
      ? 'not-enrolled'
      : c.completed_at
        ? 'completed'
        : Number(c.completed_lessons ?? 0) > 0
          ? 'in-progress'
          : 'enrolled';
    return {
      courseId: c.id,
      title: c.title,
      mandatory: c.mandatory === 1,
      assigned: c.due_date !== null && c.due_date !== undefined,
      status,
      progress: Number(c.progress),
      enrollmentId: c.enrollment_id ?? null,
      enrolledAt: c.enrolled_at ?? null,
      dueDate: c.due_date ?? null,
      overdue: Number(c.overdue ?? 0) > 0,
      completedAt: c.completed_at ?? null,
      suspendedAt: c.suspended_at ?? null,
      suspendReason: c.suspend_reason ?? null,
      manualCompletion: c.completed_manually_at
        ? {
            at: c.completed_manually_at,
            byName: c.completed_manually_by_name ?? null,
            reason: c.completed_manually_reason ?? '',
            evidenceFileId: c.completion_evidence_file_id ?? null,
          }
        : null,
      attempts: mine.map((a) => ({
        id: a.id,
        quizId: a.quiz_id,
        quizTitle: a.title,
        attempt: a.attempt,
        status: a.status,
        score: a.score,
        maxScore: a.max_score,
        percentage: a.percentage,
        passed: a.passed === null ? null : a.passed === 1,
        submittedAt: a.submitted_at,
      })),
      bestPercentage: graded.length ? Math.max(...graded) : null,
      certificates: certificates
        .filter((x) => x.course_id === c.id)
        .map((x) => ({
          id: x.id,
          issueDate: x.issue_date,
          expiryDate: x.expiry_date,
          verificationCode: x.verification_code,
          revoked: x.revoked_at !== null,
        })),
      attestations: attestations
        .filter((x) => x.course_id === c.id)
        .map((x) => ({ id: x.id, statement: x.statement, contentHash: x.content_hash, signedAt: x.signed_at })),
    };
  });
}
