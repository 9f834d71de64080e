/**
 * Assignment submissions: every version is kept (a new one after a fail), late ones are marked
 * against the due date of the member's batch assessment, and graders (see assignment.policy.ts)
 * grade each version once: the grade is a conditional update, so of two graders at the same moment
 * one wins and the other is told (409 ALREADY_GRADED). A pass completes the assignment's lesson
 * through the enrollments' progress path.
 */
import { sql, type Selectable } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { AssignmentSubmissionsTable } from '../../db/schema-assignments.ts';
import { isUniqueViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { discardBlob, getFileRow, insertFileRow, type FileRow, type StoredBlob, type UploadRule } from '../../platform/files.service.ts';
import type { GradeInput, Submission, SubmissionListFilters } from '../../../contract/assignments.ts';
import { assertEnrollmentActive, lockForCompletion, markLessonComplete } from '../enrollments/index.ts';
import { gradedByActor } from './assignment.policy.ts';
import { visibleAssignment } from './assignment.service.ts';

declare module '../../platform/hooks.ts' {
  interface HookEvents {
    /** Fires once when an assignment submission is graded (passed or failed), inside the grading transaction. */
    'assignment-submission.graded': { submissionId: string; memberId: string; actorId: string | null };
  }
}

/** What a file submission may be. */
export const SUBMISSION_FILE_RULE: UploadRule = {
  accept: ['application/pdf', 'image/png', 'image/jpeg'],
  maxBytes: 20 * 1024 * 1024,
  label: 'a PDF document or a PNG or JPEG image',
  purpose: 'assignment-submission',
};

/** The calendar date of an instant in a time zone (YYYY-MM-DD). */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

type SubmissionRow = Selectable<AssignmentSubmissionsTable> & {
  assignment_title: string;
  member_name: string;
  grader_name: string | null;
  filename: string | null;
  file_size: number | null;
};

function selectSubmissions(db: Executor) {
  return db
    .selectFrom('assignment_submissions as s')
    .innerJoin('assignments as a', 'a.id', 's.assignment_id')
    .innerJoin('users as m', 'm.id', 's.member_id')
    .leftJoin('users as g', 'g.id', 's.graded_by')
    .leftJoin('files as f', 'f.id', 's.file_id')
    .selectAll('s')
    .select(['a.title as assignment_title', 'm.full_name as member_name', 'g.full_name as grader_name', 'f.filename', 'f.size as file_size']);
}

export function toSubmission(r: SubmissionRow): Submission {
  return {
    id: r.id,
    assignmentId: r.assignment_id,
    assignmentTitle: r.assignment_title,
    memberId: r.member_id,
    memberName: r.member_name,
    version: Number(r.version),
    status: r.status as Submission['status'],
    text: r.text,
    url: r.url,
    file: r.file_id ? { id: r.file_id, filename: r.filename ?? 'file', size: Number(r.file_size ?? 0), url: `/api/assignment-submissions/${r.id}/file` } : null,
    batchId: r.batch_id,
    dueDate: r.due_date,
    late: r.late === 1,
    score: r.score === null ? null : Number(r.score),
    comment: r.comment,
    gradedBy: r.graded_by,
    gradedByName: r.grader_name,
    gradedAt: r.graded_at,
    submittedAt: r.submitted_at,
  };
}

export interface SubmitContent {
  text?: string | undefined;
  url?: string | undefined;
  blob?: StoredBlob | undefined;
}

const PENDING = { index: 'assignment_submissions_pending_uq', columns: 'assignment_submissions.assignment_id, assignment_submissions.member_id' };

/** The caller submits (a new version of) their work. */
export async function submit(ctx: AppContext, actor: Actor, assignmentId: string, content: SubmitContent, requestId: string | null): Promise<Submission> {
  try {
    return await submitOnce(ctx, actor, assignmentId, content, requestId);
  } catch (e) {
    if (content.blob) await discardBlob(ctx, content.blob.storageKey);
    // A second submission at the same moment: the first one is waiting for its grade.
    if (isUniqueViolation(e, PENDING) || isUniqueViolation(e)) {
      throw errors.conflict('SUBMISSION_PENDING', 'Your previous submission is still waiting for its grade.');
    }
    throw e;
  }
}

async function submitOnce(ctx: AppContext, actor: Actor, assignmentId: string, content: SubmitContent, requestId: string | null): Promise<Submission> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  return ctx.db.transaction().execute(async (trx) => {
    const { row: assignment } = await visibleAssignment(trx, actor, assignmentId);
    const taker = await trx
      .selectFrom('assignments as a')
      .select(sql<number>`case when exists (select 1 from enrollments e where e.course_id = a.course_id and e.member_id = ${memberId}) then 1 else 0 end`.as('enrolled'))
      .where('a.id', '=', assignmentId)
      .executeTakeFirstOrThrow();
    const assessment = await trx
      .selectFrom('batch_assessments as ba')
      .innerJoin('batch_members as bm', (j) => j.onRef('bm.batch_id', '=', 'ba.batch_id').on('bm.member_id', '=', memberId))
      .innerJoin('batches as b', 'b.id', 'ba.batch_id')
      .select(['ba.batch_id', 'ba.due_date', 'b.timezone'])
      .where('ba.assignment_id', '=', assignmentId)
      .orderBy('ba.due_date')
      .orderBy('ba.id')
      .executeTakeFirst();
    if (Number(taker.enrolled) !== 1 && !assessment) throw errors.notFound('The assignment');
    if (assignment.course_id) await assertEnrollmentActive(trx, memberId, assignment.course_id);
    checkContent(assignment.submission_kind, content);
    const previous = await trx
      .selectFrom('assignment_submissions')
      .select(['status', 'version'])
      .where('assignment_id', '=', assignmentId)
      .where('member_id', '=', memberId)
      .orderBy('version', 'desc')
      .execute();
    if (previous.some((p) => p.status === 'passed')) throw errors.conflict('ALREADY_PASSED', 'You have passed this assignment already.');
    if (previous.some((p) => p.status === 'submitted')) throw errors.conflict('SUBMISSION_PENDING', 'Your previous submission is still waiting for its grade.');
    const now = new Date();
    let fileId: string | null = null;
    if (content.blob) fileId = (await insertFileRow(trx, content.blob, { purpose: SUBMISSION_FILE_RULE.purpose, createdBy: memberId })).id;
    const id = newId();
    await trx
      .insertInto('assignment_submissions')
      .values({
        id,
        assignment_id: assignmentId,
        member_id: memberId,
        version: (previous[0] ? Number(previous[0].version) : 0) + 1,
        text: content.text ?? null,
        url: content.url ?? null,
        file_id: fileId,
        batch_id: assessment?.batch_id ?? null,
        due_date: assessment?.due_date ?? null,
        late: assessment && localDate(now, assessment.timezone) > assessment.due_date ? 1 : 0,
        status: 'submitted',
        score: null,
        comment: null,
        graded_by: null,
        graded_at: null,
        submitted_at: now.toISOString(),
      })
      .execute();
    const created = toSubmission(await selectSubmissions(trx).where('s.id', '=', id).executeTakeFirstOrThrow());
    await recordAudit(trx, { actorId: memberId, action: 'submit', entity: 'assignment_submission', entityId: id, after: created, requestId });
    return created;
  });
}

function checkContent(kind: string, c: SubmitContent): void {
  const wrong = (path: string, message: string) => errors.validation([{ path, message }], message);
  if (kind === 'text') {
    if (!c.text) throw wrong('text', 'Write your answer in the text.');
    if (c.url || c.blob) throw wrong(c.url ? 'url' : 'file', 'This assignment takes a text answer only.');
  } else if (kind === 'url') {
    if (!c.url) throw wrong('url', 'Give the web address of your work.');
    if (c.text || c.blob) throw wrong(c.text ? 'text' : 'file', 'This assignment takes a web address only.');
  } else {
    if (!c.blob) throw wrong('file', 'Attach your work as a file (multipart part "file").');
  }
}

/** A submission the actor may read: their own, or one they grade. */
async function readable(db: Executor, actor: Actor, id: string): Promise<{ row: SubmissionRow; grades: boolean }> {
  const scope = gradedByActor(actor);
  const row = await selectSubmissions(db)
    .select(scope === null ? sql<number>`1`.as('grades') : sql<number>`case when ${scope} then 1 else 0 end`.as('grades'))
    .where('s.id', '=', id)
    .executeTakeFirst();
  if (!row) throw errors.notFound('The submission');
  const { grades, ...rest } = row;
  if (rest.member_id !== actor.id && Number(grades) !== 1) throw errors.notFound('The submission');
  return { row: rest, grades: Number(grades) === 1 };
}

export async function getSubmission(ctx: AppContext, actor: Actor, id: string): Promise<Submission> {
  return toSubmission((await readable(ctx.db, actor, id)).row);
}

export async function submissionFile(ctx: AppContext, actor: Actor, id: string): Promise<FileRow> {
  const { row } = await readable(ctx.db, actor, id);
  const file = row.file_id ? await getFileRow(ctx.db, row.file_id) : undefined;
  if (!file) throw errors.notFound('The file');
  return file;
}

/** A grader grades a waiting submission: pass or fail, with a score and comment. */
export async function grade(ctx: AppContext, actor: Actor, id: string, input: GradeInput, requestId: string | null): Promise<Submission> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row, grades } = await readable(trx, actor, id);
    if (row.member_id === actor.id) throw new AppError(403, 'SELF_GRADE_FORBIDDEN', 'You cannot grade your own submission: ask another evaluator.');
    if (!grades) throw errors.notFound('The submission');
    const before = toSubmission(row);
    const status = input.result === 'pass' ? 'passed' : 'failed';
    const now = nowIso();
    // Only a waiting submission is graded: of two graders at once, the second updates nothing.
    const updated = await trx
      .updateTable('assignment_submissions')
      .set({ status, score: input.score ?? null, comment: input.comment ?? null, graded_by: actor.id, graded_at: now })
      .where('id', '=', id)
      .where('status', '=', 'submitted')
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      throw errors.conflict('ALREADY_GRADED', 'This submission was graded already, perhaps by another evaluator a moment ago. Reload it to see the grade.', {
        status: before.status,
      });
    }
    if (status === 'passed') await completeAssignmentLesson(ctx, trx, row.assignment_id, row.member_id, actor.id);
    await ctx.hooks.emit('assignment-submission.graded', trx, { submissionId: id, memberId: row.member_id, actorId: actor.id });
    const after = toSubmission(await selectSubmissions(trx).where('s.id', '=', id).executeTakeFirstOrThrow());
    await recordAudit(trx, { actorId: actor.id, action: 'grade', entity: 'assignment_submission', entityId: id, before, after, requestId });
    return after;
  });
}

/** A passed assignment completes its lesson for the member (when they are enrolled in its course). */
async function completeAssignmentLesson(ctx: AppContext, trx: Parameters<typeof markLessonComplete>[1], assignmentId: string, memberId: string, actorId: string | null) {
  const a = await trx.selectFrom('assignments').select(['lesson_id', 'course_id']).where('id', '=', assignmentId).executeTakeFirstOrThrow();
  if (!a.lesson_id || !a.course_id) return;
  if (!(await lockForCompletion(ctx, trx, memberId, a.lesson_id))) return;
  const enrolled = await trx.selectFrom('enrollments').select('id').where('member_id', '=', memberId).where('course_id', '=', a.course_id).executeTakeFirst();
  if (!enrolled) return;
  await markLessonComplete(ctx, trx, { memberId, lessonId: a.lesson_id, courseId: a.course_id, actorId });
}

/**
 * Submissions: learners their own; graders the ones they grade (and their own). Oldest first, so
 * `status=submitted` is the grading queue.
 */
export async function listSubmissions(
  ctx: AppContext,
  actor: Actor,
  q: SubmissionListFilters,
): Promise<{ items: Submission[]; nextCursor: string | null; total?: number }> {
  const scope = gradedByActor(actor);
  const me = actor.id ?? '';
  let query = selectSubmissions(ctx.db);
  query = scope === null ? query : query.where((eb) => eb.or([eb('s.member_id', '=', me), scope]));
  if (q.assignmentId) query = query.where('s.assignment_id', '=', q.assignmentId);
  if (q.memberId) query = query.where('s.member_id', '=', q.memberId);
  if (q.status) query = query.where('s.status', '=', q.status);
  if (q.batchId) {
    const batchId = q.batchId;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('batch_members as bm')
          .innerJoin('batch_assessments as ba', (j) => j.onRef('ba.batch_id', '=', 'bm.batch_id').onRef('ba.assignment_id', '=', 's.assignment_id'))
          .select('bm.id')
          .where('bm.batch_id', '=', batchId)
          .whereRef('bm.member_id', '=', 's.member_id'),
      ),
    );
  }
  const total = q.withTotal
    ? Number((await query.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
    : undefined;
  if (q.cursor) query = query.where('s.id', '>', q.cursor);
  const rows = await query.orderBy('s.id').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(toSubmission),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
    ...(total !== undefined ? { total } : {}),
  };
}
