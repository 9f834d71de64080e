/**
 * The batch statements that touch many rows: the back-fill of a course into every member of a
 * batch (one INSERT ... SELECT with its audit entries written set-based in the same transaction).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Dialect, Executor } from '../../db/database.ts';
import { newId } from '../../db/ids.ts';

/**
 * Ids for rows a statement inserts: one fresh id (time-ordered, 80 random bits) followed by the
 * row's number within the statement, zero-padded; unique and sorted by creation like newId()'s.
 */
function rowIds(dialect: Dialect, base: string, orderBy: RawBuilder<unknown>): RawBuilder<string> {
  const n = sql`row_number() over (order by ${orderBy})`;
  return dialect === 'postgres' ? sql<string>`${base} || lpad((${n})::text, 8, '0')` : sql<string>`${base} || printf('%08d', ${n})`;
}

/** The JSON an enrollment's create audit entry holds (the enrollment as the API shows it). */
function enrollmentJson(dialect: Dialect, e: string): RawBuilder<string> {
  const c = (name: string) => sql.ref(`${e}.${name}`);
  const pairs = sql.join([
    sql`'id'`, c('id'),
    sql`'memberId'`, c('member_id'),
    sql`'courseId'`, c('course_id'),
    sql`'progress'`, sql`0`,
    sql`'currentLessonId'`, sql`null`,
    sql`'source'`, c('source'),
    sql`'batchId'`, c('batch_id'),
    sql`'paymentId'`, sql`null`,
    sql`'completedAt'`, sql`null`,
    sql`'createdAt'`, c('created_at'),
    sql`'createdBy'`, c('created_by'),
    sql`'lastActivityAt'`, c('last_activity_at'),
    sql`'status'`, sql`'active'`,
    sql`'suspendedAt'`, sql`null`,
    sql`'suspendedBy'`, sql`null`,
    sql`'suspendReason'`, sql`null`,
    sql`'completedManuallyAt'`, sql`null`,
    sql`'completedManuallyBy'`, sql`null`,
    sql`'completedManuallyReason'`, sql`null`,
    sql`'completionEvidenceFileId'`, sql`null`,
  ]);
  return dialect === 'postgres' ? sql<string>`json_build_object(${pairs})::text` : sql<string>`json_object(${pairs})`;
}

export interface BackfillArgs {
  batchId: string;
  courseId: string;
  actorId: string | null;
  requestId: string | null;
  now: string;
}

/**
 * Enrolls every member of the batch in the course (source cohort, with the batch) in one
 * INSERT ... SELECT; members already enrolled keep their row (ON CONFLICT DO NOTHING). Each new
 * enrollment gets its create audit entry, set-based: on PostgreSQL in the same statement (a
 * data-modifying WITH), on SQLite by a second INSERT ... SELECT over the rows just made. Returns
 * how many enrollments were created. Runs inside the caller's transaction.
 */
export async function backfillCourse(db: Executor, dialect: Dialect, a: BackfillArgs): Promise<number> {
  const base = newId();
  const auditBase = newId();
  const insert = sql`
    insert into enrollments (id, member_id, course_id, completed_lessons, current_lesson_id, source, batch_id, payment_id,
                             completed_at, last_activity_at, created_by, created_at)
    select ${rowIds(dialect, base, sql`bm.id`)}, bm.member_id, ${a.courseId}, 0, null, 'cohort', ${a.batchId}, null,
           null, ${a.now}, ${a.actorId}, ${a.now}
    from batch_members bm
    where bm.batch_id = ${a.batchId}
    on conflict (member_id, course_id) do nothing`;
  const auditSelect = (from: RawBuilder<unknown>, alias: string) => sql`
    insert into audit_log (id, at, actor_id, action, entity, entity_id, before_json, after_json, request_id, import_id)
    select ${rowIds(dialect, auditBase, sql.ref(`${alias}.id`))}, ${a.now}, ${a.actorId}, 'create', 'enrollment', ${sql.ref(`${alias}.id`)},
           null, ${enrollmentJson(dialect, alias)}, ${a.requestId}, null
    from ${from}`;
  if (dialect === 'postgres') {
    const r = await sql<{ n: string }>`
      with ins as (${insert} returning *),
           aud as (${auditSelect(sql`ins`, 'ins')} returning 1)
      select count(*) as n from aud`.execute(db);
    return Number(r.rows[0]?.n ?? 0);
  }
  const r = await sql`${insert}`.execute(db);
  const created = Number(r.numAffectedRows ?? 0);
  if (created > 0) {
    await sql`${auditSelect(sql`enrollments e`, 'e')}
      where e.course_id = ${a.courseId} and e.id > ${base} and e.id < ${base + 'a'}`.execute(db);
  }
  return created;
}
