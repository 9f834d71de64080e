/** Assignments (LMS Assignment): create, read, list; the lesson an assignment is. */
import { sql } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { AssignmentsTable } from '../../db/schema-assignments.ts';
import { isUniqueViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { renderMarkdown } from '../../platform/markdown.ts';
import type { Assignment, CreateAssignmentInput, UpdateAssignmentInput } from '../../../contract/assignments.ts';
import { canManageCourse } from '../courses/index.ts';
import { managedByActor, takenByActor } from './assignment.policy.ts';

type Row = AssignmentsTable & { course_title: string | null; lesson_title: string | null };

export function toAssignment(r: Row): Assignment {
  return {
    id: r.id,
    title: r.title,
    instructions: r.instructions,
    instructionsHtml: renderMarkdown(r.instructions),
    submissionKind: r.submission_kind as Assignment['submissionKind'],
    courseId: r.course_id,
    courseTitle: r.course_title,
    lessonId: r.lesson_id,
    lessonTitle: r.lesson_title,
    createdAt: r.created_at,
  };
}

function selectAssignments(db: Executor) {
  return db
    .selectFrom('assignments as a')
    .leftJoin('courses', 'courses.id', 'a.course_id')
    .leftJoin('lessons', 'lessons.id', 'a.lesson_id')
    .selectAll('a')
    .select(['courses.title as course_title', 'lessons.title as lesson_title']);
}

/** The course an assignment belongs to, from its course and lesson: checked to be one the actor manages. */
async function linkedCourse(db: Executor, actor: Actor, courseId: string | null, lessonId: string | null): Promise<string | null> {
  if (lessonId) {
    const lesson = await db.selectFrom('lessons').select(['id', 'course_id', 'kind']).where('id', '=', lessonId).executeTakeFirst();
    if (!lesson) throw errors.validation([{ path: 'lessonId', message: 'No lesson has this id.' }], 'No lesson has this id.');
    if (lesson.kind !== 'assignment')
      throw errors.validation([{ path: 'lessonId', message: 'Only a lesson of kind assignment can be an assignment.' }], 'The lesson is not an assignment lesson.');
    if (courseId && courseId !== lesson.course_id)
      throw errors.validation([{ path: 'lessonId', message: 'The lesson belongs to another course.' }], 'The lesson belongs to another course.');
    courseId = lesson.course_id;
  }
  if (courseId) {
    const course = await db.selectFrom('courses').select('id').where('id', '=', courseId).executeTakeFirst();
    if (!course) throw errors.validation([{ path: 'courseId', message: 'No course has this id.' }], 'No course has this id.');
    if (!(await canManageCourse(db, actor, courseId))) throw errors.forbidden('You may only add assignments to courses you manage.');
  }
  return courseId;
}

const lessonTaken = () => errors.validation([{ path: 'lessonId', message: 'This lesson already has its assignment.' }], 'This lesson already has its assignment.');

export async function createAssignment(ctx: AppContext, actor: Actor, input: CreateAssignmentInput, requestId: string | null): Promise<Assignment> {
  return ctx.db.transaction().execute(async (trx) => {
    const courseId = await linkedCourse(trx, actor, input.courseId ?? null, input.lessonId ?? null);
    const now = nowIso();
    const row: AssignmentsTable = {
      id: newId(),
      title: input.title,
      instructions: input.instructions,
      submission_kind: input.submissionKind,
      course_id: courseId,
      lesson_id: input.lessonId ?? null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    try {
      await trx.insertInto('assignments').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw lessonTaken();
      throw e;
    }
    const created = toAssignment({ ...row, course_title: null, lesson_title: null });
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'assignment', entityId: row.id, after: created, requestId });
    return (await visibleAssignment(trx, actor, row.id)).assignment;
  });
}

/** The assignment when the actor manages it or takes it; 404 otherwise. */
export async function visibleAssignment(db: Executor, actor: Actor, id: string): Promise<{ row: Row; assignment: Assignment; manages: boolean }> {
  const managed = managedByActor(actor);
  const row = await selectAssignments(db)
    .select(managed === null ? sql<number>`1`.as('manages') : sql<number>`case when ${managed} then 1 else 0 end`.as('manages'))
    .select(sql<number>`case when ${takenByActor(actor)} then 1 else 0 end`.as('takes'))
    .where('a.id', '=', id)
    .executeTakeFirst();
  if (!row || (Number(row.manages) !== 1 && Number(row.takes) !== 1)) throw errors.notFound('The assignment');
  const { manages, takes: _takes, ...rest } = row;
  return { row: rest, assignment: toAssignment(rest), manages: Number(manages) === 1 };
}

export async function getAssignment(ctx: AppContext, actor: Actor, id: string): Promise<Assignment> {
  return (await visibleAssignment(ctx.db, actor, id)).assignment;
}

/** The assignment a lesson of kind `assignment` is. */
export async function assignmentOfLesson(ctx: AppContext, actor: Actor, lessonId: string): Promise<Assignment> {
  const row = await ctx.db.selectFrom('assignments').select('id').where('lesson_id', '=', lessonId).executeTakeFirst();
  if (!row) throw errors.notFound('The assignment of this lesson');
  return getAssignment(ctx, actor, row.id);
}

export async function listAssignments(
  ctx: AppContext,
  actor: Actor,
  q: { limit: number; cursor?: string | undefined; courseId?: string | undefined },
): Promise<{ items: Assignment[]; nextCursor: string | null }> {
  const managed = managedByActor(actor);
  let query = selectAssignments(ctx.db);
  query = managed === null ? query : query.where((eb) => eb.or([managed, takenByActor(actor)]));
  if (q.courseId) query = query.where('a.course_id', '=', q.courseId);
  if (q.cursor) query = query.where('a.id', '>', q.cursor);
  const rows = await query.orderBy('a.id').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  return { items: page.map(toAssignment), nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null };
}

/** An assignment the actor may change (the route admits authors): 404 when they cannot see it, 403 when they only take it. */
async function managedAssignment(db: Executor, actor: Actor, id: string) {
  const found = await visibleAssignment(db, actor, id);
  if (!found.manages) throw errors.forbidden('Only the assignment’s course managers may change it.');
  const handedIn = await db.selectFrom('assignment_submissions').select(sql<number>`count(*)`.as('n')).where('assignment_id', '=', id).executeTakeFirstOrThrow();
  return { ...found, submissions: Number(handedIn.n) };
}

function hasSubmissions(n: number, what: string): AppError {
  return new AppError(409, 'ASSIGNMENT_HAS_SUBMISSIONS', `${n === 1 ? 'One learner has' : `Learners have handed in ${n} times`} handed in work for this assignment, so ${what}.`);
}

/**
 * Changes an assignment. Title and instructions always; how work is handed in and the course or
 * lesson only while nobody has handed in (409 ASSIGNMENT_HAS_SUBMISSIONS after).
 */
export async function updateAssignment(ctx: AppContext, actor: Actor, id: string, patch: UpdateAssignmentInput, requestId: string | null): Promise<Assignment> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row, assignment, submissions } = await managedAssignment(trx, actor, id);
    const set: Partial<AssignmentsTable> = {};
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.instructions !== undefined) set.instructions = patch.instructions;
    const kindChanges = patch.submissionKind !== undefined && patch.submissionKind !== row.submission_kind;
    const linkChanges =
      (patch.courseId !== undefined && (patch.courseId ?? null) !== row.course_id) || (patch.lessonId !== undefined && (patch.lessonId ?? null) !== row.lesson_id);
    if ((kindChanges || linkChanges) && submissions > 0) {
      throw hasSubmissions(submissions, kindChanges ? 'how it is handed in cannot change' : 'its course and lesson cannot change');
    }
    if (kindChanges) set.submission_kind = patch.submissionKind!;
    if (linkChanges) {
      const lessonId = patch.lessonId !== undefined ? (patch.lessonId ?? null) : row.lesson_id;
      const courseId = patch.courseId !== undefined ? (patch.courseId ?? null) : lessonId ? null : row.course_id;
      set.course_id = await linkedCourse(trx, actor, courseId, lessonId);
      set.lesson_id = lessonId;
    }
    if (Object.keys(set).length === 0) return assignment;
    set.updated_at = nowIso();
    try {
      await trx.updateTable('assignments').set(set).where('id', '=', id).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw lessonTaken();
      throw e;
    }
    const after = (await visibleAssignment(trx, actor, id)).assignment;
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'assignment', entityId: id, before: assignment, after, requestId });
    return after;
  });
}

/** Deletes an assignment nobody handed in and no batch assesses (409 otherwise: the work is evidence). */
export async function deleteAssignment(ctx: AppContext, actor: Actor, id: string, requestId: string | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { assignment, submissions } = await managedAssignment(trx, actor, id);
    if (submissions > 0) throw hasSubmissions(submissions, 'it is kept with their work');
    const assessed = await trx.selectFrom('batch_assessments').select('id').where('assignment_id', '=', id).executeTakeFirst();
    if (assessed) throw new AppError(409, 'ASSIGNMENT_IN_USE', 'A batch assesses its members with this assignment: remove it from the batch’s assessments first.');
    await trx.deleteFrom('assignments').where('id', '=', id).execute();
    await recordAudit(trx, { actorId: actor.id, action: 'delete', entity: 'assignment', entityId: id, before: assignment, requestId });
  });
}
