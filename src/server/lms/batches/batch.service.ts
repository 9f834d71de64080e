/** Batches (LMS Batch): create, read, list, update, delete, and adding a course to a batch. */
import { sql, type SqlBool } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { BatchesTable } from '../../db/schema-batches.ts';
import { bool, containsCi, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { hasAnyRole } from '../../http/access.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import type { Batch, BatchListFilters, CreateBatchInput, UpdateBatchInput } from '../../../contract/batches.ts';
import { canManageCourse, isCourseAdmin } from '../courses/index.ts';
import { BATCH_CREATORS, canManageBatch, canSeeBatch, relationTo, type BatchRelation } from './batch.policy.ts';
import { backfillCourse } from './batch.queries.ts';

export interface BatchFacts {
  row: BatchesTable;
  courses: { id: string; title: string }[];
  staff: { user_id: string; role: string; full_name: string }[];
}

/** Courses (in order) and staff of many batches, in two queries. */
export async function batchFactsMany(db: Executor, rows: readonly BatchesTable[]): Promise<BatchFacts[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [courses, staff] = await Promise.all([
    db
      .selectFrom('batch_courses')
      .innerJoin('courses', 'courses.id', 'batch_courses.course_id')
      .select(['batch_courses.batch_id', 'courses.id', 'courses.title'])
      .where('batch_courses.batch_id', 'in', ids)
      .orderBy('batch_courses.position')
      .orderBy('courses.id')
      .execute(),
    db
      .selectFrom('batch_staff')
      .innerJoin('users', 'users.id', 'batch_staff.user_id')
      .select(['batch_staff.batch_id', 'batch_staff.user_id', 'batch_staff.role', 'users.full_name'])
      .where('batch_staff.batch_id', 'in', ids)
      .orderBy('users.full_name')
      .orderBy('users.id')
      .execute(),
  ]);
  return rows.map((row) => ({
    row,
    courses: courses.filter((c) => c.batch_id === row.id).map((c) => ({ id: c.id, title: c.title })),
    staff: staff.filter((x) => x.batch_id === row.id).map((x) => ({ user_id: x.user_id, role: x.role, full_name: x.full_name })),
  }));
}

export async function batchFacts(db: Executor, row: BatchesTable): Promise<BatchFacts> {
  return (await batchFactsMany(db, [row]))[0]!;
}

export function toBatch(f: BatchFacts, rel: Pick<BatchRelation, 'isMember' | 'manages'>): Batch {
  const r = f.row;
  const instructors = f.staff.filter((s) => s.role === 'instructor');
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    startDate: r.start_date,
    endDate: r.end_date,
    timezone: r.timezone,
    seatCount: r.seat_count,
    memberCount: Number(r.member_count),
    seatsLeft: r.seat_count === null ? null : Math.max(0, r.seat_count - Number(r.member_count)),
    published: r.published === 1,
    allowSelfEnrollment: r.allow_self_enrollment === 1,
    paid: r.paid === 1,
    price: r.price,
    currency: r.currency,
    courseIds: f.courses.map((c) => c.id),
    courses: f.courses,
    instructorIds: instructors.map((s) => s.user_id),
    evaluatorIds: f.staff.filter((s) => s.role === 'evaluator').map((s) => s.user_id),
    instructors: instructors.map((s) => ({ id: s.user_id, fullName: s.full_name })),
    isMember: rel.isMember,
    canManage: rel.manages,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The batch row, locked for the transaction on PostgreSQL (SQLite serialises writers). */
export async function lockBatch(ctx: AppContext, trx: Executor, id: string): Promise<BatchesTable | undefined> {
  const q = trx.selectFrom('batches').selectAll().where('id', '=', id);
  return (ctx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
}

/** The batch and the caller's relation to it; 404 when it is unknown or hidden from the caller. */
export async function visibleBatch(db: Executor, actor: Actor, id: string, row?: BatchesTable): Promise<{ row: BatchesTable; rel: BatchRelation }> {
  const found = row ?? (await db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst());
  if (!found) throw errors.notFound('The batch');
  const rel = await relationTo(db, actor, found);
  if (!canSeeBatch(rel, found)) throw errors.notFound('The batch');
  return { row: found, rel };
}

/** As visibleBatch, and the caller must manage the batch (403 for those who only see it). */
export async function managedBatch(db: Executor, actor: Actor, id: string, row?: BatchesTable): Promise<{ row: BatchesTable; rel: BatchRelation }> {
  const v = await visibleBatch(db, actor, id, row);
  if (!v.rel.manages) throw errors.forbidden('Only the batch’s creator and Moderators may change it.');
  return v;
}

/**
 * Checks the courses a batch is to hold: each exists (400), is published (422
 * COURSE_NOT_PUBLISHED: members could not be enrolled) and, for a Course Creator, is one they manage.
 */
async function checkCourses(db: Executor, actor: Actor, courseIds: readonly string[], path: string): Promise<void> {
  if (courseIds.length === 0) return;
  const rows = await db.selectFrom('courses').select(['id', 'published']).where('id', 'in', [...courseIds]).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const unknown = courseIds.flatMap((id, i) => (byId.has(id) ? [] : [{ path: `${path}.${i}`, message: 'No course has this id.' }]));
  if (unknown.length) throw errors.validation(unknown, 'A course of the batch does not exist.');
  const unpublished = rows.filter((r) => r.published !== 1);
  if (unpublished.length) {
    throw errors.unprocessable('COURSE_NOT_PUBLISHED', 'A course of the batch is not published, so its members could not be enrolled in it.', {
      courseIds: unpublished.map((r) => r.id),
    });
  }
  if (!isCourseAdmin(actor)) {
    for (const id of courseIds) {
      if (!(await canManageCourse(db, actor, id))) throw errors.forbidden('You may only add courses you manage to a batch.');
    }
  }
}

async function checkUsers(db: Executor, ids: readonly string[], path: string): Promise<void> {
  if (ids.length === 0) return;
  const rows = await db.selectFrom('users').select('id').where('id', 'in', [...ids]).execute();
  const known = new Set(rows.map((r) => r.id));
  const bad = ids.flatMap((id, i) => (known.has(id) ? [] : [{ path: `${path}.${i}`, message: 'No user has this id.' }]));
  if (bad.length) throw errors.validation(bad, 'A named person does not exist.');
}

function distinct(ids: readonly string[] | undefined): string[] {
  return [...new Set(ids ?? [])];
}

async function writeStaff(trx: Tx, batchId: string, role: 'instructor' | 'evaluator', ids: readonly string[]): Promise<void> {
  await trx.deleteFrom('batch_staff').where('batch_id', '=', batchId).where('role', '=', role).execute();
  if (ids.length) await trx.insertInto('batch_staff').values(ids.map((user_id) => ({ batch_id: batchId, user_id, role }))).execute();
}

export async function createBatch(ctx: AppContext, actor: Actor, input: CreateBatchInput, requestId: string | null): Promise<Batch> {
  if (!hasAnyRole(actor.roles, BATCH_CREATORS)) throw errors.forbidden();
  const courseIds = distinct(input.courseIds);
  const instructorIds = distinct(input.instructorIds);
  const evaluatorIds = distinct(input.evaluatorIds);
  return ctx.db.transaction().execute(async (trx) => {
    await checkCourses(trx, actor, courseIds, 'courseIds');
    await checkUsers(trx, instructorIds, 'instructorIds');
    await checkUsers(trx, evaluatorIds, 'evaluatorIds');
    const now = nowIso();
    const row: BatchesTable = {
      id: newId(),
      title: input.title,
      description: input.description ?? '',
      start_date: input.startDate,
      end_date: input.endDate,
      timezone: input.timezone,
      seat_count: input.seatCount ?? null,
      member_count: 0,
      published: bool(input.published ?? false),
      allow_self_enrollment: bool(input.allowSelfEnrollment ?? false),
      paid: bool(input.paid ?? false),
      price: input.price ?? null,
      currency: input.currency ?? null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('batches').values(row).execute();
    if (courseIds.length) {
      await trx
        .insertInto('batch_courses')
        .values(courseIds.map((course_id, position) => ({ batch_id: row.id, course_id, position, added_at: now })))
        .execute();
    }
    await writeStaff(trx, row.id, 'instructor', instructorIds);
    await writeStaff(trx, row.id, 'evaluator', evaluatorIds);
    const batch = toBatch(await batchFacts(trx, row), { isMember: false, manages: true });
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'batch', entityId: row.id, after: batch, requestId });
    return batch;
  });
}

export async function getBatch(ctx: AppContext, actor: Actor, id: string): Promise<Batch> {
  const { row, rel } = await visibleBatch(ctx.db, actor, id);
  return toBatch(await batchFacts(ctx.db, row), rel);
}

export async function listBatches(ctx: AppContext, actor: Actor, q: BatchListFilters): Promise<{ items: Batch[]; nextCursor: string | null; total?: number }> {
  const me = actor.id ?? '';
  let query = ctx.db.selectFrom('batches').selectAll();
  if (!isCourseAdmin(actor)) {
    const own = hasAnyRole(actor.roles, ['Course Creator']) ? sql<SqlBool>`batches.created_by = ${me}` : sql<SqlBool>`1 = 0`;
    query = query.where(
      sql<SqlBool>`(batches.published = 1 or ${own}
        or exists (select 1 from batch_staff s where s.batch_id = batches.id and s.user_id = ${me})
        or exists (select 1 from batch_members m where m.batch_id = batches.id and m.member_id = ${me}))`,
    );
  }
  if (q.mine === 'true') query = query.where(sql<SqlBool>`exists (select 1 from batch_members m where m.batch_id = batches.id and m.member_id = ${me})`);
  if (q.published) query = query.where('batches.published', '=', q.published === 'true' ? 1 : 0);
  if (q.q) query = query.where(containsCi(sql.ref('batches.title'), q.q));
  let total: number | undefined;
  if (q.withTotal) {
    const t = await query.clearSelect().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    total = Number(t.n);
  }
  if (q.cursor) query = query.where('batches.id', '<', q.cursor);
  const rows = await query.orderBy('batches.id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  // The caller's memberships of the page's batches, in one query (staff roles come with the facts).
  const ids = page.map((r) => r.id);
  const memberOf = new Set(
    ids.length && actor.id
      ? (await ctx.db.selectFrom('batch_members').select('batch_id').where('member_id', '=', actor.id).where('batch_id', 'in', ids).execute()).map((m) => m.batch_id)
      : [],
  );
  const items = (await batchFactsMany(ctx.db, page)).map((f) =>
    toBatch(f, { isMember: memberOf.has(f.row.id), manages: canManageBatch(actor, f.row) }),
  );
  return { items, nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null, ...(total !== undefined ? { total } : {}) };
}

export async function updateBatch(ctx: AppContext, actor: Actor, id: string, input: UpdateBatchInput, requestId: string | null): Promise<Batch> {
  return ctx.db.transaction().execute(async (trx) => {
    const { row, rel } = await managedBatch(trx, actor, id, await lockBatch(ctx, trx, id));
    const before = toBatch(await batchFacts(trx, row), rel);
    const startDate = input.startDate ?? row.start_date;
    const endDate = input.endDate ?? row.end_date;
    if (endDate < startDate) throw errors.validation([{ path: 'endDate', message: 'The end date must not be before the start date.' }]);
    const seatCount = input.seatCount === undefined ? row.seat_count : input.seatCount;
    if (seatCount !== null && seatCount < Number(row.member_count)) {
      throw errors.unprocessable('SEATS_BELOW_MEMBERS', `The batch has ${row.member_count} members: it needs at least as many seats.`, {
        memberCount: Number(row.member_count),
      });
    }
    const courseIds = input.courseIds ? distinct(input.courseIds) : null;
    const added = courseIds ? courseIds.filter((c) => !before.courseIds.includes(c)) : [];
    if (courseIds) await checkCourses(trx, actor, added, 'courseIds');
    if (input.instructorIds) await checkUsers(trx, distinct(input.instructorIds), 'instructorIds');
    if (input.evaluatorIds) await checkUsers(trx, distinct(input.evaluatorIds), 'evaluatorIds');
    const now = nowIso();
    const next: BatchesTable = {
      ...row,
      title: input.title ?? row.title,
      description: input.description ?? row.description,
      start_date: startDate,
      end_date: endDate,
      timezone: input.timezone ?? row.timezone,
      seat_count: seatCount,
      published: input.published === undefined ? row.published : bool(input.published),
      allow_self_enrollment: input.allowSelfEnrollment === undefined ? row.allow_self_enrollment : bool(input.allowSelfEnrollment),
      paid: input.paid === undefined ? row.paid : bool(input.paid),
      price: input.price === undefined ? row.price : input.price,
      currency: input.currency === undefined ? row.currency : input.currency,
      updated_at: now,
    };
    const { id: _id, created_by: _c, created_at: _ca, member_count: _m, ...changes } = next;
    await trx.updateTable('batches').set(changes).where('id', '=', id).execute();
    if (courseIds) {
      await trx.deleteFrom('batch_courses').where('batch_id', '=', id).execute();
      if (courseIds.length) {
        const addedAt = new Map((await batchFacts(trx, row)).courses.map((c) => [c.id, now]));
        await trx
          .insertInto('batch_courses')
          .values(courseIds.map((course_id, position) => ({ batch_id: id, course_id, position, added_at: addedAt.get(course_id) ?? now })))
          .execute();
      }
      for (const courseId of added) await backfillCourse(trx, ctx.dialect, { batchId: id, courseId, actorId: actor.id, requestId, now });
    }
    if (input.instructorIds) await writeStaff(trx, id, 'instructor', distinct(input.instructorIds));
    if (input.evaluatorIds) await writeStaff(trx, id, 'evaluator', distinct(input.evaluatorIds));
    const after = toBatch(await batchFacts(trx, next), rel);
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'batch', entityId: id, before, after, requestId });
    return after;
  });
}

export async function deleteBatch(ctx: AppContext, actor: Actor, id: string, requestId: string | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { row, rel } = await managedBatch(trx, actor, id, await lockBatch(ctx, trx, id));
    const members = await trx.selectFrom('batch_members').select('id').where('batch_id', '=', id).limit(1).execute();
    if (members.length > 0 || Number(row.member_count) > 0) {
      throw errors.conflict('BATCH_HAS_MEMBERS', 'The batch has members; remove them first, or unpublish the batch instead.');
    }
    const before = toBatch(await batchFacts(trx, row), rel);
    await trx.deleteFrom('batches').where('id', '=', id).execute();
    await recordAudit(trx, { actorId: actor.id, action: 'delete', entity: 'batch', entityId: id, before, requestId });
  });
}

/**
 * Adds a course to the batch and enrolls every member in it at once (one set-based statement);
 * members already enrolled keep their enrollment. A course already in the batch changes nothing.
 */
export async function addBatchCourse(
  ctx: AppContext,
  actor: Actor,
  id: string,
  courseId: string,
  requestId: string | null,
): Promise<Batch & { backfill: { created: number; reused: number } }> {
  return ctx.db.transaction().execute(async (trx) => {
    // The batch row is locked: a member joining meanwhile waits and then sees the new course.
    const { row, rel } = await managedBatch(trx, actor, id, await lockBatch(ctx, trx, id));
    const exists = await trx.selectFrom('batch_courses').select('course_id').where('batch_id', '=', id).where('course_id', '=', courseId).executeTakeFirst();
    if (exists) return { ...toBatch(await batchFacts(trx, row), rel), backfill: { created: 0, reused: 0 } };
    const course = await trx.selectFrom('courses').select('id').where('id', '=', courseId).executeTakeFirst();
    if (!course) throw errors.validation([{ path: 'courseId', message: 'No course has this id.' }], 'No course has this id.');
    await checkCourses(trx, actor, [courseId], 'courseId');
    const now = nowIso();
    const last = await trx
      .selectFrom('batch_courses')
      .select((eb) => eb.fn.max('position').as('p'))
      .where('batch_id', '=', id)
      .executeTakeFirst();
    const position = last?.p === null || last?.p === undefined ? 0 : Number(last.p) + 1;
    await trx.insertInto('batch_courses').values({ batch_id: id, course_id: courseId, position, added_at: now }).execute();
    await trx.updateTable('batches').set({ updated_at: now }).where('id', '=', id).execute();
    const created = await backfillCourse(trx, ctx.dialect, { batchId: id, courseId, actorId: actor.id, requestId, now });
    const backfill = { created, reused: Number(row.member_count) - created };
    await recordAudit(trx, { actorId: actor.id, action: 'add-course', entity: 'batch', entityId: id, after: { courseId, ...backfill }, requestId });
    return { ...toBatch(await batchFacts(trx, { ...row, updated_at: now }), rel), backfill };
  });
}

