/**
 * One course's audit trail for a date range (for auditors): every audit entry about the course
 * itself, its chapters, lessons and quizzes, its enrollments, quiz attempts, certificates,
 * training assignments and attestations, as a page (JSON), CSV and PDF.
 *
 * An entry belongs to the course when
 * - it is about the course (entity `course`, its id), or
 * - its before or after image names the course (`"courseId":"<id>"`: chapters, lessons,
 *   enrollments, certificates, assignments, attestations; also entries about rows deleted since), or
 * - it is about a quiz of the course (made for it, or placed in one of its lessons), or a quiz
 *   attempt made in the course.
 * Audit ids are time-ordered, so the date range also bounds the primary key (with a day's margin
 * on each side; the exact range is applied to the entry's time).
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import { idAtTime } from '../../db/ids.ts';
import { DAY_MS, likePattern } from '../../db/dialect.ts';
import { errors } from '../../http/errors.ts';
import { listAudit } from '../../platform/audit.service.ts';
import { chainHead } from '../../platform/audit-chain.ts';
import { getSettings } from '../../platform/settings.service.ts';
import { renderPdf, type PdfContent, type PdfDocDefinition } from '../../platform/pdf.ts';
import { actionInWords, changesOf, fieldInWords } from '../../../contract/audit.ts';
import { canManageCourse } from './course.policy.ts';

/** The most entries one PDF holds; a longer trail is downloaded as CSV. */
export const COURSE_AUDIT_PDF_MAX = 5000;

export interface CourseAuditQuery {
  /** First day (UTC), inclusive. */
  from?: string | undefined;
  /** Last day (UTC), inclusive. */
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

type AuditPage = Awaited<ReturnType<typeof listAudit>>;
export type CourseAuditEntry = AuditPage['items'][number];

/** The course, when the actor may read its audit trail (its managers: Moderators, System Managers, its instructors); else 404. */
async function courseForAudit(ctx: AppContext, actor: Actor, courseId: string) {
  const course = await ctx.db.selectFrom('courses').select(['id', 'title']).where('id', '=', courseId).executeTakeFirst();
  if (!course || !(await canManageCourse(ctx.db, actor, course.id))) throw errors.notFound('The course');
  return course;
}

function range(q: { from?: string | undefined; to?: string | undefined }) {
  if (q.from && q.to && q.to < q.from) {
    throw errors.validation([{ path: 'querystring.to', message: 'The last day comes before the first day: swap them or choose a later last day.' }]);
  }
  return {
    from: q.from ? `${q.from}T00:00:00.000Z` : undefined,
    // The last day is inclusive: the range ends at the next midnight.
    to: q.to ? new Date(Date.parse(`${q.to}T00:00:00.000Z`) + DAY_MS).toISOString() : undefined,
  };
}

function courseScope(courseId: string, r: { from?: string | undefined; to?: string | undefined }): RawBuilder<SqlBool> {
  const mentions = likePattern(`"courseId":${JSON.stringify(courseId)}`);
  const ids: RawBuilder<SqlBool>[] = [];
  if (r.from) ids.push(sql<SqlBool>`audit_log.id >= ${idAtTime(Date.parse(r.from) - DAY_MS)}`);
  if (r.to) ids.push(sql<SqlBool>`audit_log.id < ${idAtTime(Date.parse(r.to) + DAY_MS)}`);
  const about = sql<SqlBool>`(
    (audit_log.entity = 'course' and audit_log.entity_id = ${courseId})
    or audit_log.after_json like ${mentions} escape '\\'
    or audit_log.before_json like ${mentions} escape '\\'
    or (audit_log.entity = 'quiz' and audit_log.entity_id in (
      select q.id from quizzes q where q.course_id = ${courseId}
      union select l.quiz_id from lessons l where l.course_id = ${courseId} and l.quiz_id is not null))
    or (audit_log.entity = 'quiz_submission' and audit_log.entity_id in (
      select s.id from quiz_submissions s where s.course_id = ${courseId}))
  )`;
  return ids.length === 0 ? about : sql<SqlBool>`(${sql.join(ids, sql` and `)} and ${about})`;
}

/** A page of the course's audit trail, newest first. */
export async function courseAuditPage(ctx: AppContext, actor: Actor, courseId: string, q: CourseAuditQuery): Promise<AuditPage> {
  const course = await courseForAudit(ctx, actor, courseId);
  const r = range(q);
  return listAudit(ctx.db, { limit: q.limit, cursor: q.cursor, from: r.from, to: r.to }, courseScope(course.id, r));
}

/** What a reader needs to name an entry: the names of the people it involves, in one query. */
export async function auditNames(ctx: AppContext, items: readonly CourseAuditEntry[]): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const e of items) {
    if (e.actorId) ids.add(e.actorId);
    const member = memberOf(e);
    if (member) ids.add(member);
  }
  if (ids.size === 0) return new Map();
  const rows = await ctx.db.selectFrom('users').select(['id', 'full_name']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, r.full_name]));
}

function field(image: unknown, key: string): string | null {
  if (!image || typeof image !== 'object') return null;
  const v = (image as Record<string, unknown>)[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The learner an entry is about (enrollments, attempts, certificates, assignments), when it names one. */
export function memberOf(e: { after: unknown; before: unknown }): string | null {
  for (const key of ['memberId', 'userId', 'learnerId']) {
    const v = field(e.after, key) ?? field(e.before, key);
    if (v) return v;
  }
  return null;
}

const ENTITY_WORDS: Record<string, string> = {
  course: 'Course',
  chapter: 'Chapter',
  lesson: 'Lesson',
  quiz: 'Quiz',
  quiz_submission: 'Quiz attempt',
  enrollment: 'Enrollment',
  certificate: 'Certificate',
  certificate_request: 'Certificate evaluation',
  training_assignment: 'Training assignment',
  attestation: 'Attestation',
  employee_onboarding: 'Onboarding',
  payment: 'Payment',
  scorm_package: 'SCORM package',
};

/** "Enrollment of Zoë Łukasiewicz", "Lesson “Extinguishers”": the record an entry is about, in words. */
export function recordInWords(e: CourseAuditEntry, names: Map<string, string>): string {
  const what = ENTITY_WORDS[e.entity] ?? e.entity.replace(/[_-]/g, ' ').replace(/^./, (c) => c.toUpperCase());
  const title = field(e.after, 'title') ?? field(e.before, 'title');
  if (title) return `${what} “${title}”`;
  const member = memberOf(e);
  if (member) return `${what} of ${names.get(member) ?? 'a removed user'}`;
  return what;
}

export function changedFields(e: CourseAuditEntry): string {
  return changesOf(e)
    .map((c) => fieldInWords(c.field))
    .join(', ');
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The course's trail for a range as a PDF (at most COURSE_AUDIT_PDF_MAX entries, oldest first). */
export async function courseAuditPdf(
  ctx: AppContext,
  actor: Actor,
  courseId: string,
  q: { from?: string | undefined; to?: string | undefined },
): Promise<{ pdf: Buffer; filename: string }> {
  const course = await courseForAudit(ctx, actor, courseId);
  const r = range(q);
  // The chain position first: every entry read after it is at least as new.
  const head = await chainHead(ctx.db);
  const page = await listAudit(ctx.db, { limit: COURSE_AUDIT_PDF_MAX, from: r.from, to: r.to }, courseScope(course.id, r));
  if (page.nextCursor) {
    throw errors.validation(
      [
        {
          path: 'querystring.from',
          message: `This range holds more than ${COURSE_AUDIT_PDF_MAX.toLocaleString('en-GB')} entries, more than one PDF holds. Choose a shorter range, or download the CSV.`,
        },
      ],
      'The range is too long for a PDF.',
    );
  }
  const entries = [...page.items].reverse();
  const names = await auditNames(ctx, entries);
  const [settings, by] = await Promise.all([
    getSettings(ctx.db),
    actor.id ? ctx.db.selectFrom('users').select(['full_name', 'email']).where('id', '=', actor.id).executeTakeFirst() : undefined,
  ]);
  const doc = courseAuditDoc({
    organisation: settings.organisationName,
    courseTitle: course.title,
    from: q.from ?? null,
    to: q.to ?? null,
    entries,
    names,
    generatedAt: new Date().toISOString(),
    generatedBy: by ? `${by.full_name} (${by.email})` : 'the system',
    head,
  });
  const slug = course.title.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 60) || 'course';
  return { pdf: await renderPdf(doc), filename: `audit-trail-${slug}${q.from ? `-${q.from}` : ''}${q.to ? `-to-${q.to}` : ''}.pdf` };
}

const GREY = '#666666';

interface CourseAuditDocInput {
  organisation: string;
  courseTitle: string;
  from: string | null;
  to: string | null;
  entries: CourseAuditEntry[];
  names: Map<string, string>;
  generatedAt: string;
  generatedBy: string;
  head: { seq: number; hash: string };
}

function courseAuditDoc(d: CourseAuditDocInput): PdfDocDefinition {
  const period = d.from || d.to ? `${d.from ?? 'the beginning'} to ${d.to ?? 'today'}` : 'All time';
  const counts = new Map<string, number>();
  for (const e of d.entries) {
    const key = `${ENTITY_WORDS[e.entity] ?? e.entity}: ${actionInWords(e.action).toLowerCase()}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows: PdfContent[][] = d.entries.map((e) => [
    { text: `#${e.position ?? '—'}`, color: GREY },
    when(e.at),
    e.actorId ? (d.names.get(e.actorId) ?? 'a removed user') : 'System',
    actionInWords(e.action),
    recordInWords(e, d.names),
    { text: changedFields(e), fontSize: 6.5 },
    { text: (e.hash ?? '').slice(0, 16), fontSize: 6, color: GREY },
  ]);
  return {
    info: { title: `Audit trail — ${d.courseTitle}`, subject: `Audit trail of ${d.courseTitle}, ${period}` },
    pageOrientation: 'landscape',
    pageMargins: [36, 36, 36, 56],
    footer: (page: number, pages: number) => ({
      margin: [36, 8, 36, 0],
      fontSize: 7,
      color: GREY,
      stack: [
        `Generated ${when(d.generatedAt)} by ${d.generatedBy}. The audit log stood at entry ${d.head.seq}, head ${d.head.hash}; ` +
          'each entry’s position and hash can be checked with `smooth audit verify`.',
        { text: `Page ${page} of ${pages}`, alignment: 'right' },
      ],
    }),
    styles: {
      org: { fontSize: 10, color: GREY },
      title: { fontSize: 16, bold: true, margin: [0, 2, 0, 2] },
      h2: { fontSize: 12, bold: true, margin: [0, 10, 0, 4] },
    },
    content: [
      { text: d.organisation, style: 'org' },
      { text: `Audit trail — ${d.courseTitle}`, style: 'title' },
      { text: `${period} (UTC) · ${d.entries.length.toLocaleString('en-GB')} ${d.entries.length === 1 ? 'entry' : 'entries'}`, color: GREY },
      { text: 'Summary', style: 'h2' },
      counts.size === 0
        ? { text: 'Nothing was recorded about this course in this period.', color: GREY }
        : {
            table: { widths: ['*', 60], body: [...counts].sort().map(([k, n]) => [k, { text: String(n), alignment: 'right' }]) },
            layout: 'lightHorizontalLines',
            fontSize: 8,
          },
      ...(d.entries.length === 0
        ? []
        : [
            { text: 'Entries, oldest first', style: 'h2' },
            {
              table: {
                headerRows: 1,
                widths: [40, 70, 90, 55, '*', 120, 62],
                body: [
                  ['Position', 'When', 'By', 'Action', 'Record', 'Changed', 'Hash'].map((h) => ({ text: h, bold: true, fillColor: '#eeeeee' })),
                  ...rows,
                ],
              },
              fontSize: 7.5,
            },
          ]),
    ],
  };
}
