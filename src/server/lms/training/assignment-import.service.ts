/**
 * The "training-assignments" kind of the CSV import engine (platform/imports.service.ts).
 *
 * Columns: memberEmail | employeeCode (the member, found as the enrollment import finds them),
 * courseId | courseTitle (exact title of a published course), dueDate (required, YYYY-MM-DD, not in the past). Each row
 * is written by assignCourse, the same step as POST /api/training-assignments: it ensures the
 * enrollment (source assignment) and one open assignment per member and course. A member who
 * already has an open assignment for the course, or has completed it, is skipped.
 */
import type { Executor, Tx } from '../../db/database.ts';
import { today } from '../../db/dialect.ts';
import { IdSchema, IsoDate } from '../../../contract/common.ts';
import { TRAINING_ASSIGNMENT_IMPORT_COLUMNS } from '../../../contract/imports.ts';
import { oneBatchOnSqlite, type ImportKind, type ImportKindRun, type ImportRow, type ImportRunContext, type RowOutcome } from '../../platform/imports-kind.ts';
import { normalizeEmail } from '../../platform/users.service.ts';
import { z } from 'zod';
import { ImportCourses, memberAndCourseHeaderErrors, pairsFound, resolveImportMembers, type RowError } from '../enrollments/index.ts';
import { isCourseAdmin } from '../courses/index.ts';
import { assignCourse } from './assignment.service.ts';

export interface AssignmentImportItem {
  line: number;
  memberId: string;
  courseId: string;
  dueDate: string;
}

const Email = z.email();
/** Rows per write call (assignCourse chunks its own statements). */
const WRITE_BATCH = 2000;

class AssignmentImportRun implements ImportKindRun<AssignmentImportItem> {
  // As the API answers: a course the importer may not see (a draft they do not manage) is unknown;
  // a draft they see is refused as unpublished.
  private readonly courses: ImportCourses;
  private readonly on = today();

  constructor(private readonly ic: ImportRunContext) {
    const admin = isCourseAdmin(ic.actor);
    this.courses = new ImportCourses(ic.ctx.db, (rows) =>
      Promise.resolve(
        rows.map((r) => ({ id: r.id, title: r.title, published: r.published === 1, manageable: admin, visible: r.published === 1 || admin })),
      ),
    );
  }

  private get db(): Executor {
    return this.ic.ctx.db;
  }

  async resolve(rows: readonly ImportRow[]): Promise<RowOutcome<AssignmentImportItem>[]> {
    const parsed = rows.map(({ values: v }) => {
      const errors: RowError[] = [];
      const email = v.memberEmail ? normalizeEmail(v.memberEmail) : '';
      if (email && !Email.safeParse(email).success)
        errors.push({ column: 'memberEmail', message: `"${v.memberEmail}" is not an email address.` });
      const code = (v.employeeCode ?? '').trim();
      if (code.length > 64) errors.push({ column: 'employeeCode', message: 'The employee code is longer than 64 characters.' });
      if (!email && !code) errors.push({ column: 'memberEmail', message: 'Give the member: memberEmail or employeeCode.' });
      const courseId = (v.courseId ?? '').trim();
      if (courseId && !IdSchema.safeParse(courseId).success)
        errors.push({ column: 'courseId', message: `"${courseId}" is not a course id.` });
      const courseTitle = v.courseTitle ?? '';
      if (courseTitle.length > 500) errors.push({ column: 'courseTitle', message: 'The course title is longer than 500 characters.' });
      if (!courseId && !courseTitle) errors.push({ column: 'courseId', message: 'Give the course: courseId or courseTitle.' });
      const due = (v.dueDate ?? '').trim();
      let dueDate = '';
      if (!due) errors.push({ column: 'dueDate', message: 'The due date is empty: every assignment needs one (YYYY-MM-DD).' });
      else if (!IsoDate.safeParse(due).success) errors.push({ column: 'dueDate', message: `"${v.dueDate}" is not a date (YYYY-MM-DD).` });
      else if (due < this.on) errors.push({ column: 'dueDate', message: `The due date ${due} is in the past.` });
      else dueDate = due;
      return { errors, email, code, courseId, courseTitle, dueDate };
    });

    const members = await resolveImportMembers(
      this.db,
      parsed.map((p) => ({ email: p.email, code: p.code, emailValid: !p.errors.some((e) => e.column === 'memberEmail') })),
    );
    await this.courses.load(
      parsed.filter((p) => p.courseId && !p.errors.some((e) => e.column === 'courseId')).map((p) => p.courseId),
      parsed.filter((p) => !p.courseId && p.courseTitle).map((p) => p.courseTitle),
    );

    const resolved = parsed.map((p, i) => {
      const errors = [...p.errors];
      const member = members[i]!;
      if (member.error) errors.push(member.error);
      const { course, column, error } = this.courses.pick(p.courseId, p.courseTitle, !p.errors.some((e) => e.column === 'courseId'));
      if (error) errors.push(error);
      else if (course && !course.published)
        errors.push({ column, message: `The course "${course.title}" is not published, so nobody can be assigned to it yet.` });
      return { p, errors, memberId: member.memberId, courseId: course?.id };
    });

    // Pairs that need nothing: an open assignment exists, or the member completed the course.
    const pairs = resolved.flatMap((r) =>
      r.errors.length === 0 && r.memberId && r.courseId ? [{ memberId: r.memberId, courseId: r.courseId }] : [],
    );
    const done = await pairsFound(pairs, async (members, courses) => [
      ...(await this.db
        .selectFrom('training_assignments')
        .select(['member_id', 'course_id'])
        .where('status', '=', 'open')
        .where('member_id', 'in', members)
        .where('course_id', 'in', courses)
        .execute()),
      ...(await this.db
        .selectFrom('enrollments')
        .select(['member_id', 'course_id'])
        .where('completed_at', 'is not', null)
        .where('member_id', 'in', members)
        .where('course_id', 'in', courses)
        .execute()),
    ]);

    return resolved.map((r, i): RowOutcome<AssignmentImportItem> => {
      if (r.errors.length > 0 || !r.memberId || !r.courseId) return { kind: 'error', errors: r.errors };
      const key = `${r.memberId}|${r.courseId}`;
      if (done.has(key)) return { kind: 'skip', key };
      return { kind: 'ok', key, item: { line: rows[i]!.line, memberId: r.memberId, courseId: r.courseId, dueDate: r.p.dueDate } };
    });
  }

  /** One assignCourse per course and due date in the batch; it records the audit entries (with the import id). */
  async write(trx: Tx, items: readonly AssignmentImportItem[]): Promise<{ created: number; audit: [] }> {
    const groups = new Map<string, { courseId: string; dueDate: string; memberIds: string[] }>();
    for (const it of items) {
      const k = `${it.courseId}|${it.dueDate}`;
      const g = groups.get(k) ?? { courseId: it.courseId, dueDate: it.dueDate, memberIds: [] };
      g.memberIds.push(it.memberId);
      groups.set(k, g);
    }
    let created = 0;
    for (const g of groups.values()) {
      const r = await assignCourse(this.ic.ctx, trx, {
        courseId: g.courseId,
        memberIds: g.memberIds,
        dueDate: g.dueDate,
        source: 'import',
        actorId: this.ic.actor.id,
        importId: this.ic.importId,
      });
      created += r.created;
    }
    return { created, audit: [] };
  }
}

export const trainingAssignmentImportKind: ImportKind<AssignmentImportItem> = {
  name: 'training-assignments',
  columns: TRAINING_ASSIGNMENT_IMPORT_COLUMNS,
  writeBatch: WRITE_BATCH,
  keyLabel: 'member and course',
  // SQLite: all-or-nothing in one short transaction at most (see employee-import.service.ts).
  allOrNothingLimit: oneBatchOnSqlite(WRITE_BATCH),
  checkHeader(columns) {
    const has = new Set(columns);
    const out = memberAndCourseHeaderErrors(has);
    if (!has.has('dueDate')) out.push({ column: null, message: 'The header needs a dueDate column.' });
    return out;
  },
  start: (ic) => new AssignmentImportRun(ic),
};
