/**
 * Courses: who may manage or see one, create, read, list, update, delete, instructors, cover image,
 * search.
 *
 * Access (see course.policy.ts): Moderators and System Managers manage every course; Course
 * Creators manage the courses they are instructors of. Everyone logged in sees published courses;
 * an unpublished course is seen by its managers and by members already enrolled in it (unpublishing
 * never takes access away from enrolled learners). A course the caller cannot see answers 404; a
 * course they can see but may not manage answers 403 FORBIDDEN on writes.
 */
import { sql } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { bool, containsCi, isForeignKeyViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../../db/keyset.ts';
import { hasAnyRole } from '../../http/access.ts';
import { errors, type FieldError } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import {
  deleteFileRows,
  replaceFile,
  discardBlobs,
  insertFileRow,
  UPLOAD_RULES,
  type FileRow,
  type StoredBlob,
} from '../../platform/files.service.ts';
import type { Course, CourseListFilters, CreateCourseInput, UpdateCourseInput } from '../../../contract/courses.ts';
import type { COURSE_SORTS } from '../../../contract/courses.ts';
import { LMS_STAFF } from '../../../contract/roles.ts';
import type { SearchResult } from '../../../contract/search.ts';
import { canManageCourse, isCourseAdmin } from './course.policy.ts';
import { assertCertificateTemplate } from '../certificates/index.ts';
import type { CourseRow } from './course.present.ts';
import { normalizeTags, presentCourse, presentCourses, selectCourses } from './course.present.ts';

// ---------------------------------------------------------------------------------------------
// Access

export async function isEnrolled(db: Executor, actor: Actor, courseId: string): Promise<boolean> {
  if (!actor.id) return false;
  const row = await db
    .selectFrom('enrollments')
    .select('id')
    .where('member_id', '=', actor.id)
    .where('course_id', '=', courseId)
    .executeTakeFirst();
  return row !== undefined;
}

async function loadCourse(ctx: AppContext, db: Executor, id: string, lock: boolean): Promise<CourseRow | undefined> {
  let q = db.selectFrom('courses').selectAll().where('id', '=', id);
  // SQLite has no FOR UPDATE; its single writer already serialises structure changes.
  if (lock && ctx.dialect === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

/**
 * The course, when the actor may manage it. 404 when the actor cannot see it (or it does not
 * exist), 403 when they see it but may not change it.
 */
export async function manageableCourse(
  ctx: AppContext,
  db: Executor,
  actor: Actor,
  courseId: string,
  opts: { lock?: boolean; what?: string } = {},
): Promise<CourseRow> {
  const what = opts.what ?? 'The course';
  const course = await loadCourse(ctx, db, courseId, opts.lock ?? false);
  if (!course) throw errors.notFound(what);
  if (await canManageCourse(db, actor, courseId)) return course;
  if (course.published === 1 || (await isEnrolled(db, actor, courseId))) {
    throw errors.forbidden('You do not manage this course.');
  }
  throw errors.notFound(what);
}

/** The course when the actor may see it, else 404. */
async function visibleCourse(db: Executor, actor: Actor, courseId: string, what = 'The course'): Promise<CourseRow> {
  const course = await db.selectFrom('courses').selectAll().where('id', '=', courseId).executeTakeFirst();
  if (!course) throw errors.notFound(what);
  if (course.published === 1) return course;
  if (await canManageCourse(db, actor, courseId)) return course;
  if (await isEnrolled(db, actor, courseId)) return course;
  throw errors.notFound(what);
}

/** For routes: refuse before reading an upload when the actor may not change the course. */
export async function assertCanManageCourse(ctx: AppContext, actor: Actor, courseId: string): Promise<void> {
  await manageableCourse(ctx, ctx.db, actor, courseId);
}

// ---------------------------------------------------------------------------------------------
// Courses

const ISO_CURRENCY_NEEDED: FieldError = {
  path: 'currency',
  message: 'A paid course with a price needs its currency (ISO 4217, e.g. EUR).',
};

export function checkPricing(state: { paid: number; price: number | null; currency: string | null }): void {
  if (state.paid === 1 && state.price !== null && state.currency === null) {
    throw errors.validation([ISO_CURRENCY_NEEDED], ISO_CURRENCY_NEEDED.message);
  }
}

/** The self-enrollment window opens before it closes (the courses_enrollment_window check holds the same). */
export function checkEnrollmentWindow(state: { enrollment_opens_at?: string | null; enrollment_closes_at?: string | null }): void {
  const opens = state.enrollment_opens_at ?? null;
  const closes = state.enrollment_closes_at ?? null;
  if (opens !== null && closes !== null && opens >= closes) {
    const message = 'Enrollment must close after it opens.';
    throw errors.validation([{ path: 'enrollmentClosesAt', message }], message);
  }
}

async function checkUsersExist(db: Executor, ids: readonly string[], field: string): Promise<void> {
  if (!ids.length) return;
  const found = await db
    .selectFrom('users')
    .select('id')
    .where('id', 'in', [...new Set(ids)])
    .execute();
  const known = new Set(found.map((r) => r.id));
  const bad: FieldError[] = [];
  ids.forEach((id, i) => {
    if (!known.has(id)) bad.push({ path: `${field}.${i}`, message: 'No user has this id.' });
  });
  if (bad.length) throw errors.validation(bad, 'Some instructors are not users.');
}

export async function writeInstructors(db: Executor, courseId: string, userIds: readonly string[]): Promise<void> {
  await db.deleteFrom('course_instructors').where('course_id', '=', courseId).execute();
  const unique = [...new Set(userIds)];
  if (unique.length) {
    await db
      .insertInto('course_instructors')
      .values(unique.map((user_id) => ({ course_id: courseId, user_id })))
      .execute();
  }
}

/** The row of a new course from its input (defaults filled), as created by the API and the course import. */
export function newCourseRow(actor: Actor, input: CreateCourseInput, now = nowIso()): CourseRow {
  const published = input.published ?? false;
  return {
    id: newId(),
    title: input.title,
    short_introduction: input.shortIntroduction ?? '',
    description: input.description ?? '',
    image_file_id: null,
    category: input.category ?? null,
    tags: JSON.stringify(normalizeTags(input.tags ?? [])),
    published: bool(published),
    published_at: published ? now : null,
    mandatory: bool(input.mandatory ?? false),
    paid: bool(input.paid ?? false),
    price: input.price ?? null,
    currency: input.currency ?? null,
    enable_certification: bool(input.enableCertification ?? false),
    certificate_issue_mode: input.certificateIssueMode ?? 'auto',
    evaluation_required: bool(input.evaluationRequired ?? false),
    certificate_template_id: input.certificateTemplateId ?? null,
    certificate_validity_months: input.certificateValidityMonths ?? null,
    requires_attestation: bool(input.requiresAttestation ?? false),
    attestation_text: input.attestationText ?? null,
    recertify_days_before: input.recertifyDaysBefore ?? null,
    disable_self_enrollment: bool(input.disableSelfEnrollment ?? false),
    enrollment_opens_at: input.enrollmentOpensAt ?? null,
    enrollment_closes_at: input.enrollmentClosesAt ?? null,
    max_enrollments: input.maxEnrollments ?? null,
    sequential: bool(input.sequential ?? false),
    lesson_count: 0,
    created_by: actor.id,
    created_at: now,
    updated_at: now,
  };
}

export async function createCourse(ctx: AppContext, actor: Actor, input: CreateCourseInput): Promise<Course> {
  const row = newCourseRow(actor, input);
  const id = row.id;
  checkPricing(row);
  checkEnrollmentWindow(row);
  // A Course Creator always teaches what they create (or they could not manage it); an admin
  // who names instructors is not added to them.
  const instructorIds = [...(input.instructorIds ?? [])];
  if (actor.id && (!isCourseAdmin(actor) || input.instructorIds === undefined)) instructorIds.push(actor.id);
  return ctx.db.transaction().execute(async (trx) => {
    await checkUsersExist(trx, input.instructorIds ?? [], 'instructorIds');
    await assertCertificateTemplate(ctx, trx, input.certificateTemplateId);
    await trx.insertInto('courses').values(row).execute();
    await writeInstructors(trx, id, instructorIds);
    const view = await presentCourse(trx, id);
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'course', entityId: id, after: auditCourse(view) });
    return view;
  });
}

/** The audit copy of a course: everything but the rendered HTML. */
function auditCourse(c: Course): Omit<Course, 'descriptionHtml'> {
  const { descriptionHtml: _html, ...rest } = c;
  return rest;
}

export async function getCourse(ctx: AppContext, actor: Actor, id: string): Promise<Course> {
  await visibleCourse(ctx.db, actor, id);
  return presentCourse(ctx.db, id);
}

const COURSE_SORT_KEYS: SortKeys<(typeof COURSE_SORTS)[number]> = {
  title: { ref: 'courses.title', kind: 'text' },
  category: { ref: 'courses.category', kind: 'text', nullable: true },
  createdAt: { ref: 'courses.created_at', kind: 'date' },
};

/**
 * Lists the courses the actor can see, ordered by title (or `sort`) then id (keyset on both). Learners see
 * published courses only; Course Creators also the unpublished ones they teach; admins all.
 */
export async function listCourses(ctx: AppContext, actor: Actor, f: CourseListFilters) {
  let q = selectCourses(ctx.db);
  if (!isCourseAdmin(actor)) {
    const actorId = actor.id;
    if (hasAnyRole(actor.roles, ['Course Creator']) && actorId) {
      q = q.where((eb) =>
        eb.or([
          eb('courses.published', '=', 1),
          eb.exists(
            eb
              .selectFrom('course_instructors')
              .select('course_instructors.user_id')
              .whereRef('course_instructors.course_id', '=', 'courses.id')
              .where('course_instructors.user_id', '=', actorId),
          ),
        ]),
      );
    } else {
      q = q.where('courses.published', '=', 1);
    }
  }
  if (f.q) {
    const text = f.q;
    q = q.where((eb) => containsCi(eb.ref('courses.title'), text));
  }
  if (f.category) q = q.where(sql<string>`lower(${sql.ref('courses.category')})`, '=', f.category.toLowerCase());
  if (f.tag) {
    // Tags are stored as a JSON array: look for the quoted tag in its text.
    const needle = JSON.stringify(f.tag);
    q = q.where((eb) => containsCi(eb.ref('courses.tags'), needle));
  }
  if (f.mandatory !== undefined) q = q.where('courses.mandatory', '=', bool(f.mandatory));
  if (f.published !== undefined) q = q.where('courses.published', '=', bool(f.published));

  let total: number | undefined;
  if (f.withTotal) {
    const r = await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    total = Number(r.n);
  }
  const order = keysetOrder(f.sort ?? 'title', COURSE_SORT_KEYS, 'courses.id');
  const rows = await applyKeyset(q, order, ctx.dialect, f.cursor)
    .limit(f.limit + 1)
    .execute();
  const { page, nextCursor } = keysetPage(order, rows, f.limit);
  return {
    items: await presentCourses(ctx.db, page),
    nextCursor,
    ...(total !== undefined ? { total } : {}),
  };
}

export async function updateCourse(ctx: AppContext, actor: Actor, id: string, patch: UpdateCourseInput): Promise<Course> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await manageableCourse(ctx, trx, actor, id, { lock: true });
    await assertCertificateTemplate(ctx, trx, patch.certificateTemplateId);
    const beforeView = await presentCourse(trx, id);
    const now = nowIso();
    const set: Partial<CourseRow> = { updated_at: now };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.shortIntroduction !== undefined) set.short_introduction = patch.shortIntroduction;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.category !== undefined) set.category = patch.category;
    if (patch.tags !== undefined) set.tags = JSON.stringify(normalizeTags(patch.tags));
    if (patch.published !== undefined) {
      set.published = bool(patch.published);
      // The date of the first publication stays; unpublishing keeps it (and every enrollment).
      if (patch.published && before.published_at === null) set.published_at = now;
    }
    if (patch.mandatory !== undefined) set.mandatory = bool(patch.mandatory);
    if (patch.paid !== undefined) set.paid = bool(patch.paid);
    if (patch.price !== undefined) set.price = patch.price;
    if (patch.currency !== undefined) set.currency = patch.currency;
    if (patch.enableCertification !== undefined) set.enable_certification = bool(patch.enableCertification);
    if (patch.certificateIssueMode !== undefined) set.certificate_issue_mode = patch.certificateIssueMode;
    if (patch.evaluationRequired !== undefined) set.evaluation_required = bool(patch.evaluationRequired);
    if (patch.certificateTemplateId !== undefined) set.certificate_template_id = patch.certificateTemplateId;
    if (patch.certificateValidityMonths !== undefined) set.certificate_validity_months = patch.certificateValidityMonths;
    if (patch.requiresAttestation !== undefined) set.requires_attestation = bool(patch.requiresAttestation);
    if (patch.attestationText !== undefined) set.attestation_text = patch.attestationText;
    if (patch.recertifyDaysBefore !== undefined) set.recertify_days_before = patch.recertifyDaysBefore;
    if (patch.disableSelfEnrollment !== undefined) set.disable_self_enrollment = bool(patch.disableSelfEnrollment);
    if (patch.sequential !== undefined) set.sequential = bool(patch.sequential);
    if (patch.enrollmentOpensAt !== undefined) set.enrollment_opens_at = patch.enrollmentOpensAt;
    if (patch.enrollmentClosesAt !== undefined) set.enrollment_closes_at = patch.enrollmentClosesAt;
    if (patch.maxEnrollments !== undefined) set.max_enrollments = patch.maxEnrollments;
    checkPricing({ ...before, ...set });
    checkEnrollmentWindow({ ...before, ...set });
    await trx.updateTable('courses').set(set).where('id', '=', id).execute();
    const after = await presentCourse(trx, id);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'update',
      entity: 'course',
      entityId: id,
      before: auditCourse(beforeView),
      after: auditCourse(after),
    });
    return after;
  });
}

/**
 * Deletes a course with its chapters, lessons and files. Refused while it has enrollments (or
 * payments): unpublish it instead. The audit entry keeps the deleted course and its structure.
 */
export async function deleteCourse(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  const refuse = () =>
    errors.conflict(
      'COURSE_HAS_ENROLLMENTS',
      "The course has enrollments, so it cannot be deleted. Unpublish it instead: that hides it from the catalog and keeps learners' records.",
    );
  let keys: string[] = [];
  try {
    keys = await ctx.db.transaction().execute(async (trx) => {
      const course = await manageableCourse(ctx, trx, actor, id, { lock: true });
      const enrolled = await trx
        .selectFrom('enrollments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('course_id', '=', id)
        .executeTakeFirstOrThrow();
      if (Number(enrolled.n) > 0) throw refuse();
      const paid = await trx.selectFrom('payments').select('id').where('course_id', '=', id).limit(1).executeTakeFirst();
      if (paid) {
        throw errors.conflict('COURSE_HAS_PAYMENTS', 'Payments were made for this course, so it cannot be deleted. Unpublish it instead.');
      }
      const view = await presentCourse(trx, id);
      const chapters = await trx
        .selectFrom('chapters')
        .select(['id', 'title', 'position'])
        .where('course_id', '=', id)
        .orderBy('position')
        .execute();
      const lessons = await trx
        .selectFrom('lessons')
        .select(['id', 'chapter_id', 'title', 'kind', 'position', 'file_id'])
        .where('course_id', '=', id)
        .orderBy('chapter_id')
        .orderBy('position')
        .execute();
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'delete',
        entity: 'course',
        entityId: id,
        before: { ...auditCourse(view), chapters, lessons },
      });
      await trx.deleteFrom('courses').where('id', '=', id).execute();
      return deleteFileRows(trx, [course.image_file_id, ...lessons.map((l) => l.file_id)]);
    });
  } catch (e) {
    // An enrollment committed between the check and the delete.
    if (isForeignKeyViolation(e)) throw refuse();
    throw e;
  }
  await discardBlobs(ctx, keys);
}

export async function setInstructors(ctx: AppContext, actor: Actor, id: string, userIds: readonly string[]): Promise<Course> {
  return ctx.db.transaction().execute(async (trx) => {
    await manageableCourse(ctx, trx, actor, id, { lock: true });
    if (!isCourseAdmin(actor) && actor.id && !userIds.includes(actor.id)) {
      throw errors.unprocessable(
        'CANNOT_REMOVE_SELF',
        'You would no longer manage this course. Keep yourself in the list, or ask a Moderator to hand the course over.',
      );
    }
    await checkUsersExist(trx, userIds, 'userIds');
    const before = await presentCourse(trx, id);
    await writeInstructors(trx, id, userIds);
    await trx.updateTable('courses').set({ updated_at: nowIso() }).where('id', '=', id).execute();
    const after = await presentCourse(trx, id);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'set-instructors',
      entity: 'course',
      entityId: id,
      before: { instructors: before.instructors },
      after: { instructors: after.instructors },
    });
    return after;
  });
}

/** Stores an uploaded image as the course image; the previous image file is removed. */
export async function setCourseImage(ctx: AppContext, actor: Actor, id: string, blob: StoredBlob): Promise<Course> {
  return replaceFile(ctx, blob, async (trx) => {
    const course = await manageableCourse(ctx, trx, actor, id, { lock: true });
    const file = await insertFileRow(trx, blob, { purpose: UPLOAD_RULES.courseImage.purpose, createdBy: actor.id });
    await trx.updateTable('courses').set({ image_file_id: file.id, updated_at: nowIso() }).where('id', '=', id).execute();
    const oldKeys = await deleteFileRows(trx, [course.image_file_id]);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'set-image',
      entity: 'course',
      entityId: id,
      before: { imageFileId: course.image_file_id },
      after: { imageFileId: file.id, filename: file.filename, contentType: file.content_type, size: file.size, sha256: file.sha256 },
    });
    return { result: await presentCourse(trx, id), replaced: oldKeys };
  });
}

/** Removes the course image (nothing to do without one); its file goes once the change has committed. */
export async function removeCourseImage(ctx: AppContext, actor: Actor, id: string): Promise<Course> {
  const done = await ctx.db.transaction().execute(async (trx) => {
    const course = await manageableCourse(ctx, trx, actor, id, { lock: true });
    if (!course.image_file_id) return { course: await presentCourse(trx, id), oldKeys: [] as string[] };
    await trx.updateTable('courses').set({ image_file_id: null, updated_at: nowIso() }).where('id', '=', id).execute();
    const oldKeys = await deleteFileRows(trx, [course.image_file_id]);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'remove-image',
      entity: 'course',
      entityId: id,
      before: { imageFileId: course.image_file_id },
      after: { imageFileId: null },
    });
    return { course: await presentCourse(trx, id), oldKeys };
  });
  await discardBlobs(ctx, done.oldKeys);
  return done.course;
}

export async function getCourseImage(ctx: AppContext, actor: Actor, id: string): Promise<FileRow> {
  const course = await visibleCourse(ctx.db, actor, id);
  const file = course.image_file_id
    ? await ctx.db.selectFrom('files').selectAll().where('id', '=', course.image_file_id).executeTakeFirst()
    : undefined;
  if (!file) throw errors.notFound('The course image');
  return file;
}

/** Global search: the courses the actor can see whose title contains `q` (desk link for LMS staff). */
export async function searchCourses(ctx: AppContext, actor: Actor, q: string, limit: number): Promise<SearchResult[]> {
  const { items } = await listCourses(ctx, actor, { q, limit, withTotal: false });
  const staff = hasAnyRole(actor.roles, LMS_STAFF);
  return items.map((c) => ({
    kind: 'course',
    id: c.id,
    title: c.title,
    subtitle: [c.published ? 'Published' : 'Draft', c.category].filter(Boolean).join(' · '),
    url: staff ? `/app/lms-course/${c.id}` : `/lms/courses/${c.id}`,
  }));
}
