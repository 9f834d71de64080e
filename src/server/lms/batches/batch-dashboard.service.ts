/**
 * The batch dashboard: members × courses progress, attendance, assessments and who is behind.
 * Fellow members see each other's names only (never emails or progress).
 */
import type { Actor, AppContext } from '../../context.ts';
import type { BatchesTable } from '../../db/schema-batches.ts';
import { DAY_MS, nowIso, today } from '../../db/dialect.ts';
import { errors } from '../../http/errors.ts';
import type { BatchMemberRow } from '../../../contract/batches.ts';
import { progressSql } from '../enrollments/index.ts';
import { isBatchStaff } from './batch.policy.ts';
import { visibleBatch } from './batch.service.ts';
import { assessmentRollup } from './batch-assessment.service.ts';

/** Where the calendar says a member should be (0–100): the share of the batch's days gone by. */
export function expectedProgress(batch: Pick<BatchesTable, 'start_date' | 'end_date'>, on = today()): number {
  const start = Date.parse(`${batch.start_date}T00:00:00Z`);
  const end = Date.parse(`${batch.end_date}T00:00:00Z`) + DAY_MS;
  const now = Date.parse(`${on}T00:00:00Z`);
  if (now <= start) return 0;
  if (now >= end) return 100;
  return Math.floor(((now - start) / (end - start)) * 100);
}

/** Behind: the average progress over the batch's courses trails the expected progress by more than 10 points. */
export function isBehind(progress: readonly (number | null)[], expected: number): boolean {
  if (progress.length === 0) return false;
  const avg = progress.reduce<number>((s, p) => s + (p ?? 0), 0) / progress.length;
  return avg + 10 < expected;
}

export interface MemberPage {
  items: BatchMemberRow[];
  nextCursor: string | null;
  total?: number;
}

export async function listBatchMembers(
  ctx: AppContext,
  actor: Actor,
  batchId: string,
  q: { limit: number; cursor?: string | undefined; withTotal?: boolean | undefined },
  opts: { staffOnly?: boolean } = {},
): Promise<MemberPage> {
  const { row, rel } = await visibleBatch(ctx.db, actor, batchId);
  const staff = isBatchStaff(rel);
  if (opts.staffOnly && !staff) throw errors.forbidden('Only the batch’s staff see its progress.');
  // A learner who is not a member sees that the batch exists, not who is in it.
  if (!staff && !rel.isMember) return { items: [], nextCursor: null };
  let query = ctx.db
    .selectFrom('batch_members')
    .innerJoin('users', 'users.id', 'batch_members.member_id')
    .select(['batch_members.id', 'batch_members.member_id', 'batch_members.joined_at', 'users.full_name'])
    .where('batch_members.batch_id', '=', row.id);
  if (q.cursor) query = query.where('batch_members.id', '>', q.cursor);
  const rows = await query.orderBy('batch_members.id').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  const nextCursor = rows.length > q.limit ? page[page.length - 1]!.id : null;
  const total = q.withTotal ? Number(row.member_count) : undefined;
  const names = page.map((m) => ({ memberId: m.member_id, fullName: m.full_name, joinedAt: m.joined_at }));
  if (!staff) {
    return {
      items: names.map((n) => ({ ...n, courses: [], assessments: { passed: 0, total: 0 }, attendance: { attended: 0, held: 0 }, behind: false })),
      nextCursor,
      ...(total !== undefined ? { total } : {}),
    };
  }
  const memberIds = page.map((m) => m.member_id);
  const courses = await ctx.db.selectFrom('batch_courses').select('course_id').where('batch_id', '=', row.id).orderBy('position').orderBy('course_id').execute();
  const now = nowIso();
  const [progress, held, attended, assessed] = await Promise.all([
    memberIds.length && courses.length
      ? ctx.db
          .selectFrom('enrollments')
          .innerJoin('courses', 'courses.id', 'enrollments.course_id')
          .select(['enrollments.member_id', 'enrollments.course_id', progressSql('enrollments', 'courses').as('progress')])
          .where('enrollments.member_id', 'in', memberIds)
          .where('enrollments.course_id', 'in', courses.map((c) => c.course_id))
          .execute()
      : Promise.resolve([]),
    ctx.db
      .selectFrom('live_classes')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('batch_id', '=', row.id)
      .where('starts_at', '<=', now)
      .executeTakeFirstOrThrow(),
    memberIds.length
      ? ctx.db
          .selectFrom('live_class_attendance')
          .innerJoin('live_classes', 'live_classes.id', 'live_class_attendance.live_class_id')
          .select(['live_class_attendance.member_id', (eb) => eb.fn.countAll().as('n')])
          .where('live_classes.batch_id', '=', row.id)
          .where('live_class_attendance.member_id', 'in', memberIds)
          .groupBy('live_class_attendance.member_id')
          .execute()
      : Promise.resolve([]),
    assessmentRollup(ctx.db, row.id, memberIds),
  ]);
  const byPair = new Map(progress.map((p) => [`${p.member_id}/${p.course_id}`, Number(p.progress)]));
  const attendedBy = new Map(attended.map((a) => [a.member_id, Number(a.n)]));
  const expected = expectedProgress(row);
  const items = names.map((n): BatchMemberRow => {
    const cs = courses.map((c) => ({ courseId: c.course_id, progress: byPair.get(`${n.memberId}/${c.course_id}`) ?? null }));
    return {
      ...n,
      courses: cs,
      assessments: assessed.get(n.memberId) ?? { passed: 0, total: 0 },
      attendance: { attended: attendedBy.get(n.memberId) ?? 0, held: Number(held.n) },
      behind: isBehind(
        cs.map((c) => c.progress),
        expected,
      ),
    };
  });
  return { items, nextCursor, ...(total !== undefined ? { total } : {}) };
}
