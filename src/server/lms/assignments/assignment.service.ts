/** Assignments (LMS Assignment): create, read, list; the lesson an assignment is. */
import { sql } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { AssignmentsTable } from '../../db/schema-assignments.ts';
import { isUniqueViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { renderMarkdown } from '../../platform/markdown.ts';
import type { Assignment, CreateAssignmentInput } from '../../../contract/assignments.ts';
import { canManageCourse } from '../courses/index.ts';
import { managedByActor, takenByActor } from './assignment.policy.ts';

type Row = AssignmentsTable & { course_title: string | null };

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
    createdAt: r.created_at,
  };
}

function selectAssignments(db: Executor) {
  return db.selectFrom('assignments as a').leftJoin('courses', 'courses.id', 'a.course_id').selectAll('a').select('courses.title as course_title');
}

export async function createAssignment(ctx: AppContext, actor: Actor, input: CreateAssignmentInput, requestId: string | null): Promise<Assignment> {
  return ctx.db.transaction().execute(async (trx) => {
    let courseId = input.courseId ?? null;
    if (input.lessonId) {
      const lesson = await trx.selectFrom('lessons').select(['id', 'course_id', 'kind']).where('id', '=', input.lessonId).executeTakeFirst();
      if (!lesson) throw errors.validation([{ path: 'lessonId', message: 'No lesson has this id.' }], 'No lesson has this id.');
      if (lesson.kind !== 'assignment')
        throw errors.validation([{ path: 'lessonId', message: 'Only a lesson of kind assignment can be an assignment.' }], 'The lesson is not an assignment lesson.');
      if (courseId && courseId !== lesson.course_id)
        throw errors.validation([{ path: 'lessonId', message: 'The lesson belongs to another course.' }], 'The lesson belongs to another course.');
      courseId = lesson.course_id;
    }
    if (courseId) {
      const course = await trx.selectFrom('courses').select('id').where('id', '=', courseId).executeTakeFirst();
      if (!course) throw errors.validation([{ path: 'courseId', message: 'No course has this id.' }], 'No course has this id.');
      if (!(await canManageCourse(trx, actor, courseId))) throw errors.forbidden('You may only add assignments to courses you manage.');
    }
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
      if (isUniqueViolation(e)) {
        throw errors.validation([{ path: 'lessonId', message: 'This lesson already has its assignment.' }], 'This lesson already has its assignment.');
      }
      throw e;
    }
    const created = toAssignment({ ...row, course_title: null });
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
