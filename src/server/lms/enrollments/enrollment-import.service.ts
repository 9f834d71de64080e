/**
 * The "enrollments" kind of the CSV import engine (platform/imports.service.ts), and the
 * enrollment CSV export.
 *
 * Columns: memberEmail | employeeCode (the member), courseId | courseTitle (exact title), and
 * optional source (default import), dueDate (YYYY-MM-DD: the row also gets an open training
 * assignment due then), batchId. Same rules as enroll(): only
 * published courses, one enrollment per member + course (a row already enrolled is skipped, not an
 * error). Course Creators import into the courses they teach only.
 */
import { z } from 'zod';
import type { Executor, Tx } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { hasAnyRole } from '../../http/access.ts';
import { IdSchema, IsoDate } from '../../../contract/common.ts';
import { ENROLLMENT_IMPORT_COLUMNS } from '../../../contract/imports.ts';
import { ENROLLMENT_SOURCES, type EnrollmentSource } from '../../../contract/enrollments.ts';
import { oneBatchOnSqlite, type ImportKind, type ImportKindRun, type ImportRow, type ImportRunContext, type RowOutcome } from '../../platform/imports-kind.ts';
import type { AuditEntryInput } from '../../platform/audit.service.ts';
import type { CsvColumn } from '../../platform/list-export.ts';
import { normalizeEmail } from '../../platform/users.service.ts';
import { isCourseAdmin } from '../courses/index.ts';
import { newEnrollmentRow} from './enrollment.service.ts';
import { assignCourse } from '../training/index.ts';
import type { listEnrollments } from './enrollment-list.service.ts';

/** Template columns plus the optional batch. */
export const ENROLLMENT_COLUMNS = [...ENROLLMENT_IMPORT_COLUMNS, 'batchId'] as const;

/** Sources a file may give; `self` is what a learner does, never an import. */
export const IMPORTABLE_SOURCES = ENROLLMENT_SOURCES.filter((s) => s !== 'self');

/**
 * Employee code -> user id, read from the HR `employees` table through the shared DB type (lms/
 * does not import hr/ modules). Only employees linked to a user account can be enrolled.
 */
async function usersByEmployeeCode(db: Executor, codes: readonly string[]): Promise<Map<string, { userId: string | null }>> {
  const out = new Map<string, { userId: string | null }>();
  for (const part of chunks(codes)) {
    const rows = await db.selectFrom('employees').select(['employee_code', 'user_id']).where('employee_code', 'in', part).execute();
    for (const r of rows) out.set(r.employee_code, { userId: r.user_id });
  }
  return out;
}

/**
 * The member of each import row: the user with the email (memberEmail), else the user linked to
 * the HR employee code (employeeCode). A few IN queries for the whole batch; one result per row,
 * with a row error when nobody matches. Rows whose email is already known to be bad get neither.
 */
export async function resolveImportMembers(
  db: Executor,
  refs: readonly { email: string; code: string; emailValid: boolean }[],
): Promise<{ memberId?: string; error?: { column: string; message: string } }[]> {
  const emails = [...new Set(refs.filter((r) => r.email && r.emailValid).map((r) => r.email))];
  const byEmail = new Map<string, string>();
  for (const part of chunks(emails)) {
    const users = await db.selectFrom('users').select(['id', 'email']).where('email', 'in', part).execute();
    for (const u of users) byEmail.set(u.email, u.id);
  }
  const byCode = await usersByEmployeeCode(db, [...new Set(refs.filter((r) => !r.email && r.code).map((r) => r.code))]);
  return refs.map((r) => {
    if (r.email) {
      if (!r.emailValid) return {};
      const memberId = byEmail.get(r.email);
      return memberId ? { memberId } : { error: { column: 'memberEmail', message: `No user has the email ${r.email}.` } };
    }
    if (!r.code) return {};
    const employee = byCode.get(r.code);
    if (!employee) return { error: { column: 'employeeCode', message: `No employee has the code "${r.code}".` } };
    if (!employee.userId) return { error: { column: 'employeeCode', message: `The employee "${r.code}" has no user account.` } };
    return { memberId: employee.userId };
  });
}

export interface EnrollmentImportItem {
  line: number;
  memberId: string;
  courseId: string;
  source: EnrollmentSource;
  batchId: string | null;
  dueDate: string | null;
}

const Email = z.email();
/** Bound parameters of one enrollments row: 12 columns; 2000 rows = 24000 < 32766. */
const WRITE_BATCH = 2000;
/** Values per IN (...) list. */
const IN_CHUNK = 900;

export function chunks<T>(list: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export interface ImportCourse {
  id: string;
  title: string;
  published: boolean;
  /** The actor may enroll people in it. */
  manageable: boolean;
  /** The actor may see it at all (published, or they manage it). */
  visible: boolean;
}

export type RowError = { column: string | null; message: string };

/**
 * The courses an import's rows name, by id or by exact title, loaded a few IN queries per batch and
 * kept for the rest of the file. `describe` says what the importing actor may do with each.
 */
export class ImportCourses {
  private readonly byId = new Map<string, ImportCourse | null>();
  private readonly byTitle = new Map<string, ImportCourse[]>();

  constructor(
    private readonly db: Executor,
    private readonly describe: (rows: { id: string; title: string; published: number }[]) => Promise<ImportCourse[]>,
  ) {}

  /** Loads the ids and titles not loaded yet. */
  async load(ids: readonly string[], titles: readonly string[]): Promise<void> {
    const newIds = [...new Set(ids)].filter((x) => !this.byId.has(x));
    const newTitles = [...new Set(titles)].filter((x) => !this.byTitle.has(x));
    for (const part of chunks(newIds)) {
      const rows = await this.db.selectFrom('courses').select(['id', 'title', 'published']).where('id', 'in', part).execute();
      for (const c of await this.describe(rows)) this.byId.set(c.id, c);
    }
    for (const id of newIds) if (!this.byId.has(id)) this.byId.set(id, null);
    for (const part of chunks(newTitles)) {
      const rows = await this.db.selectFrom('courses').select(['id', 'title', 'published']).where('title', 'in', part).execute();
      for (const c of await this.describe(rows)) this.byTitle.set(c.title, [...(this.byTitle.get(c.title) ?? []), c]);
    }
    for (const t of newTitles) if (!this.byTitle.has(t)) this.byTitle.set(t, []);
  }

  /**
   * The visible course a row names (a loaded id, or a title only one visible course has), the column
   * that named it, and the row's error otherwise. `idChecked`: the id passed the row's own checks.
   */
  pick(courseId: string, courseTitle: string, idChecked: boolean): { course: ImportCourse | null; column: string; error: RowError | null } {
    if (courseId && idChecked) {
      const course = this.byId.get(courseId);
      if (!course || !course.visible)
        return { course: null, column: 'courseId', error: { column: 'courseId', message: `No course has the id ${courseId}.` } };
      if (courseTitle && courseTitle !== course.title)
        return {
          course: null,
          column: 'courseId',
          error: { column: 'courseTitle', message: `The course ${courseId} is titled "${course.title}", not "${courseTitle}".` },
        };
      return { course, column: 'courseId', error: null };
    }
    if (!courseId && courseTitle) {
      const list = (this.byTitle.get(courseTitle) ?? []).filter((c) => c.visible);
      if (list.length === 1) return { course: list[0]!, column: 'courseTitle', error: null };
      const message =
        list.length === 0
          ? `No course is titled "${courseTitle}".`
          : `${list.length} courses are titled "${courseTitle}": give the courseId instead.`;
      return { course: null, column: 'courseTitle', error: { column: 'courseTitle', message } };
    }
    return { course: null, column: 'courseId', error: null };
  }
}

/**
 * The member|course keys among `pairs` that `find` reports rows for (it gets each chunk of members
 * and courses; a few queries for a whole batch).
 */
export async function pairsFound(
  pairs: readonly { memberId: string; courseId: string }[],
  find: (members: string[], courses: string[]) => Promise<{ member_id: string; course_id: string }[]>,
): Promise<Set<string>> {
  const out = new Set<string>();
  const members = [...new Set(pairs.map((r) => r.memberId))];
  const courses = [...new Set(pairs.map((r) => r.courseId))];
  for (const memberPart of chunks(members)) {
    for (const coursePart of chunks(courses)) {
      for (const r of await find(memberPart, coursePart)) out.add(`${r.member_id}|${r.course_id}`);
    }
  }
  return out;
}

class EnrollmentImportRun implements ImportKindRun<EnrollmentImportItem> {
  private readonly courses: ImportCourses;
  private readonly admin: boolean;

  constructor(private readonly ic: ImportRunContext) {
    this.admin = isCourseAdmin(ic.actor);
    this.courses = new ImportCourses(ic.ctx.db, (rows) => this.courseInfos(rows));
  }

  private get db(): Executor {
    return this.ic.ctx.db;
  }

  private async courseInfos(rows: { id: string; title: string; published: number }[]): Promise<ImportCourse[]> {
    const actor = this.ic.actor;
    let taught = new Set<string>();
    if (!this.admin && actor.id && hasAnyRole(actor.roles, ['Course Creator']) && rows.length > 0) {
      const ids = rows.map((r) => r.id);
      const t = await this.db
        .selectFrom('course_instructors')
        .select('course_id')
        .where('user_id', '=', actor.id)
        .where('course_id', 'in', ids)
        .execute();
      taught = new Set(t.map((x) => x.course_id));
    }
    return rows.map((r) => {
      const manageable = this.admin || taught.has(r.id);
      return { id: r.id, title: r.title, published: r.published === 1, manageable, visible: r.published === 1 || manageable };
    });
  }

  async resolve(rows: readonly ImportRow[]): Promise<RowOutcome<EnrollmentImportItem>[]> {
    type Parsed = {
      errors: { column: string | null; message: string }[];
      email: string;
      code: string;
      courseId: string;
      courseTitle: string;
      source: EnrollmentSource;
      dueDate: string | null;
      batchId: string | null;
    };
    const parsed: Parsed[] = rows.map(({ values: v }) => {
      const errors: Parsed['errors'] = [];
      const email = v.memberEmail ? normalizeEmail(v.memberEmail) : '';
      if (email && !Email.safeParse(email).success)
        errors.push({ column: 'memberEmail', message: `"${v.memberEmail}" is not an email address.` });
      const code = v.employeeCode ?? '';
      if (code.length > 64) errors.push({ column: 'employeeCode', message: 'The employee code is longer than 64 characters.' });
      if (!email && !code) errors.push({ column: 'memberEmail', message: 'Give the member: memberEmail or employeeCode.' });
      const courseId = v.courseId ?? '';
      if (courseId && !IdSchema.safeParse(courseId).success)
        errors.push({ column: 'courseId', message: `"${courseId}" is not a course id.` });
      const courseTitle = v.courseTitle ?? '';
      if (courseTitle.length > 500) errors.push({ column: 'courseTitle', message: 'The course title is longer than 500 characters.' });
      if (!courseId && !courseTitle) errors.push({ column: 'courseId', message: 'Give the course: courseId or courseTitle.' });
      let source: EnrollmentSource = 'import';
      if (v.source) {
        const s = v.source.toLowerCase();
        if ((IMPORTABLE_SOURCES as readonly string[]).includes(s)) source = s as EnrollmentSource;
        else errors.push({ column: 'source', message: `Unknown source "${v.source}". Use one of: ${IMPORTABLE_SOURCES.join(', ')}.` });
      }
      let dueDate: string | null = null;
      if (v.dueDate) {
        if (IsoDate.safeParse(v.dueDate).success) dueDate = v.dueDate;
        else errors.push({ column: 'dueDate', message: `"${v.dueDate}" is not a date (YYYY-MM-DD).` });
      }
      let batchId: string | null = null;
      if (v.batchId) {
        if (IdSchema.safeParse(v.batchId).success) batchId = v.batchId;
        else errors.push({ column: 'batchId', message: `"${v.batchId}" is not a batch id.` });
      }
      return { errors, email, code, courseId, courseTitle, source, dueDate, batchId };
    });

    const memberOf = await resolveImportMembers(
      this.db,
      parsed.map((p) => ({ email: p.email, code: p.code, emailValid: !p.errors.some((e) => e.column === 'memberEmail') })),
    );

    await this.courses.load(
      parsed.filter((p) => p.courseId).map((p) => p.courseId),
      parsed.filter((p) => !p.courseId && p.courseTitle).map((p) => p.courseTitle),
    );

    // Resolve each row, then find the pairs that are already enrolled (one query per chunk).
    const resolved = parsed.map((p, i) => {
      const errors = [...p.errors];
      const member = memberOf[i]!;
      const memberId = member.memberId;
      if (member.error) errors.push(member.error);
      const {
        course,
        column: courseColumn,
        error,
      } = this.courses.pick(p.courseId, p.courseTitle, !p.errors.some((e) => e.column === 'courseId'));
      if (error) errors.push(error);
      if (course) {
        if (!course.manageable) {
          errors.push({ column: courseColumn, message: `You may only enroll people in courses you manage ("${course.title}").` });
        } else if (!course.published) {
          errors.push({ column: courseColumn, message: `The course "${course.title}" is not published, so nobody can enroll in it yet.` });
        }
      }
      return { p, errors, memberId, courseId: course?.id };
    });

    const existing = await pairsFound(
      resolved.flatMap((r) => (r.errors.length === 0 && r.memberId && r.courseId ? [{ memberId: r.memberId, courseId: r.courseId }] : [])),
      (members, courses) =>
        this.db
          .selectFrom('enrollments')
          .select(['member_id', 'course_id'])
          .where('member_id', 'in', members)
          .where('course_id', 'in', courses)
          .execute(),
    );

    return resolved.map((r, i): RowOutcome<EnrollmentImportItem> => {
      if (r.errors.length > 0 || !r.memberId || !r.courseId) return { kind: 'error', errors: r.errors };
      const key = `${r.memberId}|${r.courseId}`;
      if (existing.has(key)) return { kind: 'skip', key };
      return {
        kind: 'ok',
        key,
        item: {
          line: rows[i]!.line,
          memberId: r.memberId,
          courseId: r.courseId,
          source: r.p.source,
          batchId: r.p.batchId,
          dueDate: r.p.dueDate,
        },
      };
    });
  }

  async write(trx: Tx, items: readonly EnrollmentImportItem[]): Promise<AuditEntryInput[]> {
    if (items.length === 0) return [];
    const now = nowIso();
    const actorId = this.ic.actor.id;
    const rows = items.map((it) =>
      newEnrollmentRow({ memberId: it.memberId, courseId: it.courseId, source: it.source, actorId, batchId: it.batchId }, now),
    );
    const inserted = await trx
      .insertInto('enrollments')
      .values(rows)
      .onConflict((oc) => oc.columns(['member_id', 'course_id']).doNothing())
      .returningAll()
      .execute();
    await this.ic.ctx.hooks.emit('enrollments.created', trx, { enrollmentIds: inserted.map((r) => r.id), actorId });
    const lineOf = new Map(items.map((it) => [`${it.memberId}|${it.courseId}`, it]));
    // A due date makes the enrollment mandatory training: one open training assignment per row, set-based per course and date.
    const due = new Map<string, { courseId: string; dueDate: string; memberIds: string[] }>();
    for (const r of inserted) {
      const dueDate = lineOf.get(`${r.member_id}|${r.course_id}`)?.dueDate;
      if (!dueDate) continue;
      const k = `${r.course_id}|${dueDate}`;
      const group = due.get(k) ?? { courseId: r.course_id, dueDate, memberIds: [] };
      group.memberIds.push(r.member_id);
      due.set(k, group);
    }
    for (const g of due.values()) {
      await assignCourse(this.ic.ctx, trx, { ...g, source: 'import', actorId, importId: this.ic.importId });
    }
    return inserted.map((r) => {
      const it = lineOf.get(`${r.member_id}|${r.course_id}`);
      return {
        actorId,
        action: 'create',
        entity: 'enrollment',
        entityId: r.id,
        // What the import set (the rest of a new enrollment is its defaults: progress 0, no lesson, no payment).
        after: {
          memberId: r.member_id,
          courseId: r.course_id,
          source: r.source,
          batchId: r.batch_id,
          importRow: it?.line ?? null,
          ...(it?.dueDate ? { dueDate: it.dueDate } : {}),
        },
        importId: this.ic.importId,
      };
    });
  }
}

/** Header errors of a file whose rows name a member (email or employee code) and a course (id or title). */
export function memberAndCourseHeaderErrors(has: ReadonlySet<string>): { column: string | null; message: string }[] {
  const out: { column: string | null; message: string }[] = [];
  if (!has.has('memberEmail') && !has.has('employeeCode'))
    out.push({ column: null, message: 'The header needs a memberEmail or employeeCode column.' });
  if (!has.has('courseId') && !has.has('courseTitle'))
    out.push({ column: null, message: 'The header needs a courseId or courseTitle column.' });
  return out;
}

export const enrollmentImportKind: ImportKind<EnrollmentImportItem> = {
  name: 'enrollments',
  columns: ENROLLMENT_COLUMNS,
  writeBatch: WRITE_BATCH,
  keyLabel: 'member and course',
  // SQLite: all-or-nothing in one short transaction at most (see employee-import.service.ts).
  allOrNothingLimit: oneBatchOnSqlite(WRITE_BATCH),
  checkHeader: (columns) => memberAndCourseHeaderErrors(new Set(columns)),
  start: (ic) => new EnrollmentImportRun(ic),
};

// ---------------------------------------------------------------------------------------------
// Export.

type ListItem = Awaited<ReturnType<typeof listEnrollments>>['items'][number];

const EXPORT_KEYS = [
  'id',
  'memberName',
  'memberEmail',
  'courseTitle',
  'progress',
  'status',
  'source',
  'createdAt',
  'completedAt',
  'lastActivityAt',
  'memberId',
  'courseId',
  'batchId',
  'suspendedAt',
  'suspendReason',
  'completedManuallyAt',
  'completedManuallyReason',
] as const;

/** The columns of GET /api/enrollments/export.csv (the list's rows, see platform/list-export.ts). */
export const ENROLLMENT_EXPORT_COLUMNS: readonly CsvColumn<ListItem>[] = EXPORT_KEYS.map((key) => ({
  header: key,
  value: (r: ListItem) => r[key],
}));
