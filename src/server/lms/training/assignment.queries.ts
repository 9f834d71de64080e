/**
 * Reading training assignments: the list (filters, keyset pages, the department filter through an
 * AudienceResolver), one record with names and progress, a member's own.
 */
import { sql } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { TrainingAssignmentsTable } from '../../db/schema-hr.ts';
import { today } from '../../db/dialect.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../../db/keyset.ts';
import type { ASSIGNMENT_SORTS, AssignmentListFilters, TrainingAssignment } from '../../../contract/training-assignments.ts';
import { errors } from '../../http/errors.ts';
import { hasAnyRole } from '../../http/access.ts';
import { progressSql } from '../enrollments/index.ts';
import { ASSIGNERS, toAssignment, type AudienceResolver } from './assignment.service.ts';

function canSeeAll(actor: Actor): boolean {
  return hasAnyRole(actor.roles, ASSIGNERS);
}

const ASSIGNMENT_SORT_KEYS: SortKeys<(typeof ASSIGNMENT_SORTS)[number]> = {
  dueDate: { ref: 'ta.due_date', kind: 'date' },
  createdAt: { ref: 'ta.created_at', kind: 'date' },
  memberName: { ref: 'u.full_name', kind: 'text' },
  courseTitle: { ref: 'c.title', kind: 'text' },
};

function assignmentsFrom(db: Executor) {
  return db.selectFrom('training_assignments as ta');
}

/** Assignments with the member's name, the course's title and the enrollment's progress. */
function withNames(q: ReturnType<typeof assignmentsFrom>) {
  return q
    .innerJoin('users as u', 'u.id', 'ta.member_id')
    .innerJoin('courses as c', 'c.id', 'ta.course_id')
    .leftJoin('enrollments as e', 'e.id', 'ta.enrollment_id')
    .selectAll('ta')
    .select([
      'u.full_name as member_name',
      'c.title as course_title',
      sql<number | null>`case when e.id is null then null else ${progressSql('e', 'c')} end`.as('progress'),
    ]);
}

function toNamedAssignment(r: TrainingAssignmentsTable & { member_name: string; course_title: string; progress: number | null }, on: string) {
  return { ...toAssignment(r, on), memberName: r.member_name, courseTitle: r.course_title, progress: r.progress === null ? null : Number(r.progress) };
}

export async function listAssignments(ctx: AppContext, actor: Actor, f: AssignmentListFilters, audience: AudienceResolver | null) {
  const on = today();
  let q = assignmentsFrom(ctx.db);
  if (!canSeeAll(actor)) q = q.where('ta.member_id', '=', actor.id ?? '');
  if (f.memberId) q = q.where('ta.member_id', '=', f.memberId);
  if (f.courseId) q = q.where('ta.course_id', '=', f.courseId);
  if (f.status === 'completed') q = q.where('ta.status', '=', 'completed');
  if (f.status === 'open') q = q.where('ta.status', '=', 'open').where('ta.due_date', '>=', on);
  if (f.status === 'overdue') q = q.where('ta.status', '=', 'open').where('ta.due_date', '<', on);
  if (f.dueFrom) q = q.where('ta.due_date', '>=', f.dueFrom);
  if (f.dueTo) q = q.where('ta.due_date', '<=', f.dueTo);
  if (f.department) {
    if (!audience) throw errors.unprocessable('AUDIENCE_UNAVAILABLE', 'Department filters need the HR module.');
    const department = f.department;
    q = q.where((eb) => audience.inDepartment(eb.ref('ta.member_id'), department));
  }
  const page = withNames(q);
  const order = keysetOrder(f.sort, ASSIGNMENT_SORT_KEYS, 'ta.id');
  const rows = await applyKeyset(page, order, ctx.dialect, f.cursor)
    .limit(f.limit + 1)
    .execute();
  const { page: shown, nextCursor } = keysetPage(order, rows, f.limit);
  const items = shown.map((r) => toNamedAssignment(r, on));
  let total: number | undefined;
  if (f.withTotal) {
    const c = await q.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    total = Number(c.n);
  }
  return {
    items,
    nextCursor,
    ...(total !== undefined ? { total } : {}),
  };
}

/** One assignment with the member's name, the course's title and the progress (the desk's record, the audit log). */
export async function getAssignment(ctx: AppContext, actor: Actor, id: string) {
  const row = await withNames(assignmentsFrom(ctx.db)).where('ta.id', '=', id).executeTakeFirst();
  if (!row || (!canSeeAll(actor) && row.member_id !== actor.id)) throw errors.notFound('The training assignment');
  return toNamedAssignment(row, today());
}

/** The open and overdue assignments of one member (My Courses due dates, the portal profile). */
export async function assignmentsOf(db: Executor, memberId: string): Promise<TrainingAssignment[]> {
  const rows = await db
    .selectFrom('training_assignments')
    .selectAll()
    .where('member_id', '=', memberId)
    .orderBy('id', 'desc')
    .limit(500)
    .execute();
  const on = today();
  return rows.map((r) => toAssignment(r, on));
}
