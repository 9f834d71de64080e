/**
 * POST /api/enrollments/batch: up to 1,000 enrollments in one request, the way an HR system syncs.
 *
 * The same rows and rules as one enrollment by staff (adminEnroll): the course must be one the
 * caller manages (a course they cannot see is NOT_FOUND, a published one they do not manage is
 * FORBIDDEN), the member is found by id, email or HR employee code (resolveImportMembers, as the
 * enrollment import does), and an existing row is reused, never doubled. Set-based like the
 * import: a few IN queries to check every item, one INSERT ... ON CONFLICT DO NOTHING for the
 * rows (newEnrollmentRow), their audit entries in the same transaction. A failed item carries its
 * problem and writes nothing; the others are done.
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { hasAnyRole } from '../../http/access.ts';
import { recordAuditMany, type AuditEntryInput } from '../../platform/audit.service.ts';
import { normalizeEmail } from '../../platform/users.service.ts';
import type { BatchEnrollmentItem, BatchItemResult, EnrollmentSource } from '../../../contract/enrollments.ts';
import { isCourseAdmin } from '../courses/index.ts';
import { chunks, resolveImportMembers } from './enrollment-import.service.ts';
import { NEEDS_PUBLISHED, newEnrollmentRow, toNewEnrollment } from './enrollment.service.ts';

type Problem = NonNullable<BatchItemResult['problem']>;


interface CourseInfo {
  published: boolean;
  manageable: boolean;
}

async function describeCourses(trx: Tx, actor: Actor, ids: readonly string[]): Promise<Map<string, CourseInfo>> {
  const out = new Map<string, CourseInfo>();
  const admin = isCourseAdmin(actor);
  const creator = !admin && actor.id !== null && hasAnyRole(actor.roles, ['Course Creator']);
  for (const part of chunks(ids)) {
    const rows = await trx
      .selectFrom('courses')
      .select(['courses.id', 'courses.published'])
      .$if(creator, (q) =>
        q.select((eb) =>
          eb
            .exists(
              eb
                .selectFrom('course_instructors')
                .select('course_instructors.user_id')
                .whereRef('course_instructors.course_id', '=', 'courses.id')
                .where('course_instructors.user_id', '=', actor.id ?? ''),
            )
            .as('teaches'),
        ),
      )
      .where('courses.id', 'in', part)
      .execute();
    for (const r of rows) {
      const teaches = Number(r.teaches ?? 0) === 1;
      out.set(r.id, { published: r.published === 1, manageable: admin || (creator && teaches) });
    }
  }
  return out;
}

/** The member of each item (by id, email or employee code), or the item's problem. */
async function resolveMembers(trx: Tx, items: readonly BatchEnrollmentItem[]): Promise<({ memberId: string } | { problem: Problem })[]> {
  const ids = [...new Set(items.flatMap((it) => (it.memberId ? [it.memberId] : [])))];
  const known = new Set<string>();
  for (const part of chunks(ids)) {
    for (const u of await trx.selectFrom('users').select('id').where('id', 'in', part).execute()) known.add(u.id);
  }
  const refs = items.map((it) => ({ email: it.memberEmail ? normalizeEmail(it.memberEmail) : '', code: it.employeeCode ?? '', emailValid: true }));
  const byRef = await resolveImportMembers(
    trx,
    refs.map((r, i) => (items[i]!.memberId ? { email: '', code: '', emailValid: true } : r)),
  );
  return items.map((it, i) => {
    if (it.memberId) {
      return known.has(it.memberId)
        ? { memberId: it.memberId }
        : { problem: { code: 'NOT_FOUND', path: 'memberId', detail: `No user has the id ${it.memberId}.` } };
    }
    const r = byRef[i]!;
    if (r.memberId) return { memberId: r.memberId };
    return { problem: { code: 'NOT_FOUND', path: r.error?.column ?? 'memberId', detail: r.error?.message ?? 'No user matches.' } };
  });
}

function courseProblem(course: CourseInfo | undefined, courseId: string, source: EnrollmentSource): Problem | null {
  if (!course || (!course.published && !course.manageable))
    return { code: 'NOT_FOUND', path: 'courseId', detail: `No course has the id ${courseId}.` };
  if (!course.manageable) return { code: 'FORBIDDEN', path: 'courseId', detail: 'You may only enroll people in courses you manage.' };
  if (!course.published && NEEDS_PUBLISHED.has(source))
    return { code: 'COURSE_NOT_PUBLISHED', path: 'courseId', detail: 'The course is not published, so nobody can enroll in it yet.' };
  return null;
}

/**
 * Enrolls every valid item in one transaction; answers one result per item, in the order sent.
 * Rows are inserted in (member, course) order so concurrent batches naming the same pairs wait on
 * each other instead of deadlocking; the unique index on (member, course) decides who creates.
 */
export async function batchEnroll(
  ctx: AppContext,
  actor: Actor,
  items: readonly BatchEnrollmentItem[],
  requestId: string | null,
): Promise<BatchItemResult[]> {
  return ctx.db.transaction().execute(async (trx) => {
    const courses = await describeCourses(trx, actor, [...new Set(items.map((it) => it.courseId))]);
    const members = await resolveMembers(trx, items);

    const results: BatchItemResult[] = items.map((_, index) => ({ index, status: 'failed' }));
    const pending = new Map<string, { memberId: string; courseId: string; source: BatchEnrollmentItem['source']; indexes: number[] }>();
    items.forEach((it, i) => {
      const source = it.source ?? 'admin';
      const problem = courseProblem(courses.get(it.courseId), it.courseId, source);
      const member = members[i]!;
      if (problem || 'problem' in member) {
        results[i]!.problem = problem ?? (member as { problem: Problem }).problem;
        return;
      }
      const key = `${member.memberId}|${it.courseId}`;
      const entry = pending.get(key) ?? { memberId: member.memberId, courseId: it.courseId, source, indexes: [] };
      entry.indexes.push(i);
      pending.set(key, entry);
    });
    if (pending.size === 0) return results;

    const now = nowIso();
    const rows = [...pending.values()]
      .map((p) => newEnrollmentRow({ memberId: p.memberId, courseId: p.courseId, source: p.source ?? 'admin', actorId: actor.id }, now))
      .sort((a, b) => (a.member_id < b.member_id ? -1 : a.member_id > b.member_id ? 1 : a.course_id < b.course_id ? -1 : a.course_id > b.course_id ? 1 : 0));
    const inserted = await trx
      .insertInto('enrollments')
      .values(rows)
      .onConflict((oc) => oc.columns(['member_id', 'course_id']).doNothing())
      .returning(['id', 'member_id', 'course_id'])
      .execute();
    const createdIds = new Map(inserted.map((r) => [`${r.member_id}|${r.course_id}`, r.id]));
    const audit: AuditEntryInput[] = rows
      .filter((r) => createdIds.get(`${r.member_id}|${r.course_id}`) === r.id)
      .map((r) => ({ actorId: actor.id, action: 'create', entity: 'enrollment', entityId: r.id, after: toNewEnrollment(r), requestId }));
    await recordAuditMany(trx, audit);
    await ctx.hooks.emit('enrollments.created', trx, { enrollmentIds: inserted.map((r) => r.id), actorId: actor.id });

    // Pairs that already had a row: read their ids (a few IN queries).
    const existing = new Map<string, string>();
    const left = [...pending.values()].filter((p) => !createdIds.has(`${p.memberId}|${p.courseId}`));
    if (left.length > 0) {
      const courseIds = [...new Set(left.map((p) => p.courseId))];
      for (const memberPart of chunks([...new Set(left.map((p) => p.memberId))])) {
        for (const coursePart of chunks(courseIds)) {
          const found = await trx
            .selectFrom('enrollments')
            .select(['id', 'member_id', 'course_id'])
            .where('member_id', 'in', memberPart)
            .where('course_id', 'in', coursePart)
            .execute();
          for (const r of found) existing.set(`${r.member_id}|${r.course_id}`, r.id);
        }
      }
    }

    for (const [key, p] of pending) {
      const created = createdIds.get(key);
      p.indexes.forEach((index, n) => {
        const r = results[index]!;
        if (created) {
          r.status = n === 0 ? 'created' : 'existing';
          r.enrollmentId = created;
        } else {
          r.status = 'existing';
          const id = existing.get(key);
          if (id) r.enrollmentId = id;
        }
      });
    }
    return results;
  });
}
