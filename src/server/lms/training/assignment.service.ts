/**
 * LMS Training Assignments: "this person must complete this course by this date". Each one
 * ensures the member's enrollment exists (source assignment or onboarding); it is completed in the
 * transaction that brings the enrollment to 100% (hook enrollment.completed). Status open and
 * completed are stored; overdue is derived (open and due_date < today).
 *
 * This module knows nothing of HR: who is in a department is answered by an AudienceResolver that
 * integration/ supplies.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { EnrollmentsTable } from '../../db/schema.ts';
import type { TrainingAssignmentsTable } from '../../db/schema-hr.ts';
import { nowIso, today } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit, recordAuditMany, type AuditEntryInput } from '../../platform/audit.service.ts';
import type { Role } from '../../../contract/roles.ts';
import type { EnrollmentSource } from '../../../contract/enrollments.ts';
import type {
  AssignmentSource,
  CreateAssignmentInput,
  TrainingAssignment,
  UpdateAssignmentInput,
} from '../../../contract/training-assignments.ts';
import { newEnrollmentRow, toNewEnrollment } from '../enrollments/index.ts';
import { canSeeCourse } from '../courses/index.ts';
import { ownCommit } from '../../db/database.ts';

/** Roles that assign training and read every assignment. */
declare module '../../platform/hooks.ts' {
  interface HookEvents {
    /** New training assignments, inside the transaction that made them. */
    'training-assignments.created': { assignmentIds: string[]; actorId: string | null };
    /** An open assignment's due date was moved, inside the transaction that moved it. */
    'training-assignment.due-date-moved': { assignmentId: string; previousDueDate: string; actorId: string | null };
  }
}

export const ASSIGNERS: readonly Role[] = ['System Manager', 'Moderator', 'HR Manager', 'HR User'];

/** Rows per statement in bulk writes (keeps every engine under its bound-parameter limit). */
const CHUNK = 1000;

export interface AudienceTarget {
  department?: string | undefined;
  designation?: string | undefined;
}

/** Supplied by integration/: turns HR targeting (department, designation) into users. */
export interface AudienceResolver {
  /** User ids of the active employees (with a linked user) that match the target. */
  members(db: Executor, target: AudienceTarget): Promise<string[]>;
  /** A condition on a member id column: the member is an employee of the department. */
  inDepartment(memberId: Expression<string>, department: string): Expression<SqlBool>;
  /** Active employees that match the target but have no user yet (nothing can be assigned to them). */
  withoutLogin(db: Executor, target: AudienceTarget): Promise<{ employeeId: string; fullName: string }[]>;
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function assignmentStatus(row: Pick<TrainingAssignmentsTable, 'status' | 'due_date'>, on = today()): TrainingAssignment['status'] {
  if (row.status === 'completed') return 'completed';
  return row.due_date < on ? 'overdue' : 'open';
}

export function toAssignment(r: TrainingAssignmentsTable, on = today()): TrainingAssignment {
  return {
    id: r.id,
    memberId: r.member_id,
    courseId: r.course_id,
    enrollmentId: r.enrollment_id,
    dueDate: r.due_date,
    status: assignmentStatus(r, on),
    source: r.source,
    onboardingId: r.onboarding_id,
    completedAt: r.completed_at,
    createdAt: r.created_at,
  };
}

/**
 * Ensures every member has an enrollment in the course, set-based (one INSERT ... ON CONFLICT DO
 * NOTHING per chunk): the bulk form of enroll() for the automatic paths, which reuse existing rows.
 * Returns every member's enrollment (new and existing). Writes an audit entry per new row.
 */
export async function ensureEnrollments(
  trx: Tx,
  input: { courseId: string; memberIds: readonly string[]; source: EnrollmentSource; actorId: string | null; importId?: string | null },
): Promise<{ rows: EnrollmentsTable[]; createdIds: Set<string> }> {
  const rows: EnrollmentsTable[] = [];
  const createdIds = new Set<string>();
  for (const part of chunks([...new Set(input.memberIds)])) {
    const now = nowIso();
    const inserted = await trx
      .insertInto('enrollments')
      .values(
        part.map((memberId) => newEnrollmentRow({ memberId, courseId: input.courseId, source: input.source, actorId: input.actorId }, now)),
      )
      .onConflict((oc) => oc.columns(['member_id', 'course_id']).doNothing())
      .returningAll()
      .execute();
    for (const r of inserted) createdIds.add(r.id);
    await recordAuditMany(
      trx,
      inserted.map((r): AuditEntryInput => ({
        actorId: input.actorId,
        action: 'create',
        entity: 'enrollment',
        entityId: r.id,
        after: toNewEnrollment(r),
        importId: input.importId,
      })),
    );
    const all = await trx
      .selectFrom('enrollments')
      .selectAll()
      .where('course_id', '=', input.courseId)
      .where('member_id', 'in', part)
      .execute();
    rows.push(...all);
  }
  return { rows, createdIds };
}

export interface AssignResult {
  created: number;
  reused: number;
  skipped: { memberId: string; reason: string }[];
  assignments: TrainingAssignment[];
  /** Per member: the assignment and whether it already existed. */
  byMember: Map<string, { assignment: TrainingAssignment; reused: boolean }>;
  /** Per member: their enrollment in the course and whether this call created it. */
  enrollments: Map<string, { enrollmentId: string; created: boolean; completed: boolean }>;
}

/**
 * Assigns a course to members with a due date inside `trx`: ensures each enrollment, then creates
 * one open assignment per member unless one is open already (the partial unique index decides
 * races). Members whose enrollment is already complete are skipped. Set-based per chunk.
 */
export async function assignCourse(
  ctx: AppContext,
  trx: Tx,
  input: {
    courseId: string;
    memberIds: readonly string[];
    dueDate: string;
    source: AssignmentSource;
    actorId: string | null;
    /** The onboarding each member's assignment comes from (source onboarding). */
    onboardingOf?: ReadonlyMap<string, string>;
    /** The import the rows come from (source import): carried by their audit entries. */
    importId?: string | null;
  },
): Promise<AssignResult> {
  // Every enrollment path enrolls into published courses only (enroll()): an enrollment opens the
  // course's lessons, so a draft is never assigned. Callers that answer for a person check
  // visibility first (assertAssignable); this guards the automatic paths too.
  const course = await trx.selectFrom('courses').select('published').where('id', '=', input.courseId).executeTakeFirst();
  if (!course) throw errors.notFound('The course');
  if (course.published !== 1) throw courseNotPublished();
  // An enrollment made for an assignment has source assignment, whether the assignment was made by hand or imported.
  const enrollmentSource: EnrollmentSource = input.source === 'onboarding' ? 'onboarding' : 'assignment';
  const { rows: enrollments, createdIds } = await ensureEnrollments(trx, {
    courseId: input.courseId,
    memberIds: input.memberIds,
    source: enrollmentSource,
    actorId: input.actorId,
    importId: input.importId,
  });
  if (createdIds.size > 0) await ctx.hooks.emit('enrollments.created', trx, { enrollmentIds: [...createdIds], actorId: input.actorId });
  const result: AssignResult = { created: 0, reused: 0, skipped: [], assignments: [], byMember: new Map(), enrollments: new Map() };
  for (const e of enrollments) {
    result.enrollments.set(e.member_id, { enrollmentId: e.id, created: createdIds.has(e.id), completed: e.completed_at !== null });
  }
  const on = today();
  const pending = enrollments.filter((e) => {
    if (e.completed_at !== null) {
      result.skipped.push({ memberId: e.member_id, reason: 'already completed' });
      return false;
    }
    return true;
  });
  for (const part of chunks(pending)) {
    const now = nowIso();
    const inserted = await trx
      .insertInto('training_assignments')
      .values(
        part.map((e) => ({
          id: newId(),
          member_id: e.member_id,
          course_id: input.courseId,
          enrollment_id: e.id,
          due_date: input.dueDate,
          status: 'open' as const,
          source: input.source,
          onboarding_id: input.onboardingOf?.get(e.member_id) ?? null,
          completed_at: null,
          created_by: input.actorId,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['member_id', 'course_id'])
          .where(sql<SqlBool>`status = 'open'`)
          .doNothing(),
      )
      .returningAll()
      .execute();
    await recordAuditMany(
      trx,
      inserted.map((r): AuditEntryInput => ({
        actorId: input.actorId,
        action: 'create',
        entity: 'training_assignment',
        entityId: r.id,
        after: toAssignment(r, on),
        importId: input.importId,
      })),
    );
    const createdIds = new Set(inserted.map((r) => r.id));
    if (inserted.length > 0) {
      await ctx.hooks.emit('training-assignments.created', trx, { assignmentIds: [...createdIds], actorId: input.actorId });
    }
    const open = await trx
      .selectFrom('training_assignments')
      .selectAll()
      .where('course_id', '=', input.courseId)
      .where('status', '=', 'open')
      .where(
        'member_id',
        'in',
        part.map((e) => e.member_id),
      )
      .execute();
    for (const r of open) {
      const a = toAssignment(r, on);
      const reused = !createdIds.has(r.id);
      if (reused) result.reused++;
      else result.created++;
      result.assignments.push(a);
      result.byMember.set(r.member_id, { assignment: a, reused });
    }
  }
  return result;
}

function courseNotPublished() {
  return errors.unprocessable('COURSE_NOT_PUBLISHED', 'The course is not published, so nobody can be assigned to it yet.');
}

/**
 * The course of an assignment request, as every enrollment path answers: 404 when the actor may
 * not see it (unpublished and not theirs to manage), 422 COURSE_NOT_PUBLISHED when it is a draft.
 */
async function assertAssignable(db: Executor, actor: Actor, courseId: string): Promise<{ id: string; title: string }> {
  const course = await db.selectFrom('courses').select(['id', 'title', 'published']).where('id', '=', courseId).executeTakeFirst();
  if (!course || !(await canSeeCourse(db, actor, course))) throw errors.notFound('The course');
  if (course.published !== 1) throw courseNotPublished();
  return course;
}

/** The members a create request targets: explicit ids (all must exist) and/or a department/designation. */
async function targetMembers(db: Executor, input: CreateAssignmentInput, audience: AudienceResolver | null): Promise<string[]> {
  const ids = new Set<string>();
  if (input.memberIds) {
    const wanted = [...new Set(input.memberIds)];
    const found = new Set<string>();
    for (const part of chunks(wanted)) {
      const rows = await db.selectFrom('users').select('id').where('id', 'in', part).execute();
      for (const r of rows) found.add(r.id);
    }
    const unknown = wanted.filter((id) => !found.has(id));
    if (unknown.length) {
      throw errors.validation(
        unknown.slice(0, 20).map((id) => ({ path: 'memberIds', message: `No user has the id ${id}.` })),
        `${unknown.length} of the member ids are not users.`,
      );
    }
    for (const id of wanted) ids.add(id);
  }
  if (input.department !== undefined || input.designation !== undefined) {
    if (!audience) throw errors.unprocessable('AUDIENCE_UNAVAILABLE', 'Department and designation targeting needs the HR module.');
    const members = await audience.members(db, { department: input.department, designation: input.designation });
    for (const id of members) ids.add(id);
  }
  return [...ids];
}

export async function previewAssignment(ctx: AppContext, actor: Actor, input: CreateAssignmentInput, audience: AudienceResolver | null) {
  await assertAssignable(ctx.db, actor, input.courseId);
  const members = await targetMembers(ctx.db, input, audience);
  const people: { memberId: string; fullName: string; state: 'new' | 'assigned' | 'completed' }[] = [];
  let alreadyAssigned = 0;
  let alreadyCompleted = 0;
  for (const part of chunks(members)) {
    const rows = await ctx.db
      .selectFrom('users as u')
      .leftJoin('enrollments as e', (j) => j.onRef('e.member_id', '=', 'u.id').on('e.course_id', '=', input.courseId))
      .leftJoin('training_assignments as ta', (j) =>
        j.onRef('ta.member_id', '=', 'u.id').on('ta.course_id', '=', input.courseId).on('ta.status', '=', 'open'),
      )
      .select(['u.id', 'u.full_name', 'e.completed_at', 'ta.id as assignment_id'])
      .where('u.id', 'in', part)
      .orderBy('u.full_name')
      .execute();
    for (const r of rows) {
      const state = r.completed_at !== null ? 'completed' : r.assignment_id ? 'assigned' : 'new';
      if (state === 'completed') alreadyCompleted++;
      if (state === 'assigned') alreadyAssigned++;
      if (people.length < 500) people.push({ memberId: r.id, fullName: r.full_name, state });
    }
  }
  return { preview: true as const, count: members.length, alreadyAssigned, alreadyCompleted, people };
}

/** A due date is today or later: 400 on `dueDate` otherwise. */
function refusePastDueDate(dueDate: string): void {
  if (dueDate < today()) throw errors.validation([{ path: 'dueDate', message: 'The due date is in the past.' }], 'The due date is in the past.');
}

export async function createAssignments(ctx: AppContext, actor: Actor, input: CreateAssignmentInput, audience: AudienceResolver | null) {
  refusePastDueDate(input.dueDate);
  return ownCommit(ctx.db)
    .transaction()
    .execute(async (trx) => {
      await assertAssignable(trx, actor, input.courseId);
      const members = await targetMembers(trx, input, audience);
      const r = await assignCourse(ctx, trx, {
        courseId: input.courseId,
        memberIds: members,
        dueDate: input.dueDate,
        source: 'manual',
        actorId: actor.id,
      });
      const targeted = input.department !== undefined || input.designation !== undefined;
      const withoutLogin = targeted && audience ? await audience.withoutLogin(trx, { department: input.department, designation: input.designation }) : [];
      return { created: r.created, reused: r.reused, skipped: r.skipped, withoutLogin, assignments: r.assignments };
    });
}

/**
 * Moves an open assignment's due date (an extension, or a correction): never into the past, never
 * once completed (409 ASSIGNMENT_COMPLETED, also when the completion lands while this runs). The
 * audit log keeps the old and new date; reminders follow the new one, and the learner is told.
 */
export async function updateAssignmentDueDate(ctx: AppContext, actor: Actor, id: string, input: UpdateAssignmentInput): Promise<TrainingAssignment> {
  refusePastDueDate(input.dueDate);
  const completed = () => errors.conflict('ASSIGNMENT_COMPLETED', 'This training assignment is completed, so its due date no longer changes.');
  // Optimistic: the update holds only if the date is still the one read, so each audit entry's
  // "before" is the date it replaced, whatever runs beside it; a lost race reads again.
  for (;;) {
    const done = await ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('training_assignments').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw errors.notFound('The training assignment');
      if (row.status !== 'open') throw completed();
      if (row.due_date === input.dueDate) return toAssignment(row);
      const updated = await trx
        .updateTable('training_assignments')
        .set({ due_date: input.dueDate, updated_at: nowIso() })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .where('due_date', '=', row.due_date)
        .returningAll()
        .executeTakeFirst();
      if (!updated) return null;
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'update',
        entity: 'training_assignment',
        entityId: id,
        before: { dueDate: row.due_date },
        after: { dueDate: input.dueDate },
      });
      await ctx.hooks.emit('training-assignment.due-date-moved', trx, { assignmentId: id, previousDueDate: row.due_date, actorId: actor.id });
      return toAssignment(updated);
    });
    if (done) return done;
  }
}

/**
 * enrollment.completed: the open assignments of the completed members for the course are completed
 * in the same transaction, set-based (one update and one audit insert per chunk of members).
 */
export async function completeAssignmentsFor(
  trx: Tx,
  p: { courseId: string; completedAt: string; actorId: string | null; memberIds: readonly string[] },
): Promise<number> {
  const now = nowIso();
  let done = 0;
  for (let i = 0; i < p.memberIds.length; i += CHUNK) {
    const rows = await trx
      .updateTable('training_assignments')
      .set({ status: 'completed', completed_at: p.completedAt, updated_at: now })
      .where('course_id', '=', p.courseId)
      .where('member_id', 'in', p.memberIds.slice(i, i + CHUNK))
      .where('status', '=', 'open')
      .returningAll()
      .execute();
    await recordAuditMany(
      trx,
      rows.map((r) => ({ actorId: p.actorId, action: 'complete', entity: 'training_assignment', entityId: r.id, after: toAssignment(r) })),
    );
    done += rows.length;
  }
  return done;
}

export function registerTrainingAssignmentHooks(ctx: AppContext): void {
  ctx.hooks.on('enrollment.completed', async (trx, p) => {
    await completeAssignmentsFor(trx, {
      courseId: p.courseId,
      completedAt: p.completedAt,
      actorId: p.actorId,
      memberIds: p.completions.map((c) => c.memberId),
    });
  });
}
