/**
 * Notification templates: a subject and a Markdown body per event with {{placeholders}}. Defaults
 * live here; System Managers may replace them (notification_templates). A template becomes one SQL
 * expression (literal parts and placeholder columns joined by ||), so a job renders thousands of
 * notifications in one INSERT ... SELECT.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Dialect, Executor } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { NOTIFICATION_EVENTS, type NotificationEvent, type Template } from '../../../contract/notifications.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { getSettings } from '../../platform/settings.service.ts';
import { htmlPartToRead } from '../../platform/mail/index.ts';
import { markdownToPlainText } from '../../platform/markdown.ts';
import { readableDay, readableDaySql } from '../../platform/readable-instant.ts';

interface TemplateDefault {
  subject: string;
  body: string;
  placeholders: readonly string[];
  /** What the preview fills in. */
  sample: Record<string, string>;
}

const COMMON = ['recipientName', 'organisationName', 'link'] as const;

export const TEMPLATE_DEFAULTS: Record<NotificationEvent, TemplateDefault> = {
  enrolled: {
    subject: 'You are enrolled in {{courseTitle}}',
    body: 'Hello {{recipientName}},\n\nYou are now enrolled in **{{courseTitle}}**.\n\n[Open the course]({{link}})',
    placeholders: [...COMMON, 'courseTitle'],
    sample: { courseTitle: 'Fire Safety Basics' },
  },
  'assignment.created': {
    subject: 'New training: {{courseTitle}}, due {{dueDate}}',
    body: 'Hello {{recipientName}},\n\nYou have been assigned **{{courseTitle}}**. Please complete it by **{{dueDate}}**.\n\n[Open the course]({{link}})',
    placeholders: [...COMMON, 'courseTitle', 'dueDate'],
    sample: { courseTitle: 'Fire Safety Basics', dueDate: '2026-12-31' },
  },
  'assignment.due-date-moved': {
    subject: 'New due date for {{courseTitle}}: {{dueDate}}',
    body: 'Hello {{recipientName}},\n\n**{{courseTitle}}** is now due on **{{dueDate}}** (it was due on {{previousDueDate}}).\n\n[Open the course]({{link}})',
    placeholders: [...COMMON, 'courseTitle', 'dueDate', 'previousDueDate'],
    sample: { courseTitle: 'Fire Safety Basics', dueDate: '2027-01-15', previousDueDate: '2026-12-31' },
  },
  'assignment.due-soon': {
    subject: 'Reminder: {{courseTitle}} is due on {{dueDate}}',
    body: 'Hello {{recipientName}},\n\n**{{courseTitle}}** is due on **{{dueDate}}** and is not complete yet.\n\n[Continue the course]({{link}})',
    placeholders: [...COMMON, 'courseTitle', 'dueDate'],
    sample: { courseTitle: 'Fire Safety Basics', dueDate: '2026-12-31' },
  },
  'assignment.overdue': {
    subject: 'Overdue: {{courseTitle}} was due on {{dueDate}}',
    body: 'Hello {{recipientName}},\n\n**{{courseTitle}}** was due on **{{dueDate}}** and is not complete. Please finish it as soon as you can.\n\n[Continue the course]({{link}})',
    placeholders: [...COMMON, 'courseTitle', 'dueDate'],
    sample: { courseTitle: 'Fire Safety Basics', dueDate: '2026-11-30' },
  },
  'assignment.escalated': {
    subject: 'Overdue training: {{learnerName}} has not completed {{courseTitle}}',
    body: 'Hello {{recipientName}},\n\n{{learnerName}} was due to complete **{{courseTitle}}** on **{{dueDate}}** and has not done so yet.\n\n[See the assignment]({{link}})',
    placeholders: [...COMMON, 'learnerName', 'courseTitle', 'dueDate'],
    sample: { learnerName: 'Alex Morgan', courseTitle: 'Fire Safety Basics', dueDate: '2026-11-30' },
  },
  'certificate.issued': {
    subject: 'Your certificate for {{courseTitle}}',
    body: 'Hello {{recipientName}},\n\nCongratulations: you earned the certificate for **{{courseTitle}}**.\n\n[Download the certificate (PDF)]({{link}})',
    placeholders: [...COMMON, 'courseTitle'],
    sample: { courseTitle: 'Fire Safety Basics' },
  },
  'certificate.expiring': {
    subject: 'Your certificate for {{courseTitle}} expires on {{expiryDate}}',
    body: 'Hello {{recipientName}},\n\nYour certificate for **{{courseTitle}}** expires on **{{expiryDate}}**. Renew it by completing the course again before then.\n\n[Your certificates]({{link}})',
    placeholders: [...COMMON, 'courseTitle', 'expiryDate'],
    sample: { courseTitle: 'Fire Safety Basics', expiryDate: '2027-01-31' },
  },
  'certificate.expired': {
    subject: 'Your certificate for {{courseTitle}} has expired',
    body: 'Hello {{recipientName}},\n\nYour certificate for **{{courseTitle}}** expired on **{{expiryDate}}**.\n\n[Your certificates]({{link}})',
    placeholders: [...COMMON, 'courseTitle', 'expiryDate'],
    sample: { courseTitle: 'Fire Safety Basics', expiryDate: '2026-11-30' },
  },
  'submission.graded': {
    subject: 'Your answers to {{quizTitle}} were graded: {{result}}',
    body: 'Hello {{recipientName}},\n\nYour submission to **{{quizTitle}}** was graded: {{percentage}}%, {{result}}.\n\n[Open the course]({{link}})',
    placeholders: [...COMMON, 'quizTitle', 'percentage', 'result'],
    sample: { quizTitle: 'Fire Safety Check', percentage: '85', result: 'passed' },
  },
  'assignment-submission.graded': {
    subject: 'Your assignment {{assignmentTitle}} was graded: {{result}}',
    body:
      'Hello {{recipientName}},\n\n{{graderName}} graded your submission to **{{assignmentTitle}}**: **{{result}}** (score: {{score}}).\n\nComment: {{comment}}\n\n[Open the assignment]({{link}})',
    placeholders: [...COMMON, 'assignmentTitle', 'result', 'score', 'comment', 'graderName'],
    sample: { assignmentTitle: 'Write a risk register', result: 'passed', score: '90', comment: 'Clear and complete.', graderName: 'Eve Evaluator' },
  },
  'evaluation.scheduled': {
    subject: 'Evaluation for {{courseTitle}} on {{startsAt}}',
    body:
      'Hello {{recipientName}},\n\nThe certificate evaluation of {{learnerName}} for **{{courseTitle}}** with {{evaluatorName}} is scheduled for **{{startsAt}}**.\n\nMeeting: {{meetingUrl}}\n\n[See the evaluation]({{link}})',
    placeholders: [...COMMON, 'courseTitle', 'learnerName', 'evaluatorName', 'startsAt', 'meetingUrl'],
    sample: {
      courseTitle: 'Fire Safety Basics',
      learnerName: 'Alex Morgan',
      evaluatorName: 'Eve Evaluator',
      startsAt: '09:00 on 7 December 2026 (Asia/Kolkata), 03:30 UTC',
      meetingUrl: 'https://meet.example.com/eve',
    },
  },
  'document.expiring': {
    subject: 'Document expiring: {{documentTitle}} of {{employeeName}} on {{expiryDate}}',
    body: 'Hello {{recipientName}},\n\nThe document **{{documentTitle}}** of {{employeeName}} expires on **{{expiryDate}}**.\n\n[See the document]({{link}})',
    placeholders: [...COMMON, 'documentTitle', 'employeeName', 'expiryDate'],
    sample: { documentTitle: 'Forklift licence', employeeName: 'Alex Morgan', expiryDate: '2027-01-31' },
  },
  'live-class.starting': {
    subject: 'Live class soon: {{classTitle}} at {{startsAt}}',
    body: 'Hello {{recipientName}},\n\nThe live class **{{classTitle}}** of {{batchTitle}} starts at **{{startsAt}}**.\n\n[Open the batch]({{link}})',
    placeholders: [...COMMON, 'classTitle', 'batchTitle', 'startsAt'],
    sample: { classTitle: 'Week 2: Negotiation', batchTitle: 'Autumn Cohort', startsAt: '14:00 UTC on 6 December 2026' },
  },
  'payment.needs-attention': {
    subject: 'A payment needs attention: {{learnerName}} paid for {{batchTitle}}, which is full',
    body:
      'Hello {{recipientName}},\n\n{{learnerName}} paid for **{{batchTitle}}**, but every seat was taken by the time the payment arrived, so they were not added to the batch. ' +
      'The payment stays paid: refund it, or free a seat for them and add them.\n\n[See the payment]({{link}})',
    placeholders: [...COMMON, 'learnerName', 'batchTitle'],
    sample: { learnerName: 'Alex Morgan', batchTitle: 'Autumn Cohort' },
  },
  digest: {
    subject: 'Your notifications of {{day}}',
    body: 'Hello {{recipientName}},\n\nHere is what happened on {{day}}:\n\n{{items}}\n\n[See all notifications]({{link}})',
    placeholders: [...COMMON, 'day', 'items'],
    sample: {
      day: '2026-12-06',
      items: '- **You are enrolled in Fire Safety Basics**\n- **New training: Data Protection, due 2026-12-31**',
    },
  },
  // Sent to the person alone (never a digest or an in-app notification): {{link}} is a one-time
  // set-password link that works until {{expiresAt}}.
  'account.invitation': {
    subject: '{{inviterName}} invites you to {{organisationName}} training',
    body:
      'Hello {{recipientName}},\n\n{{inviterName}} created an account for you ({{email}}) on the training site of {{organisationName}}.\n\n' +
      '[Choose your password]({{link}})\n\nThe link works once, until {{expiresAt}}. If it has expired, ask for a new one with "Forgot password?" on the login page.',
    placeholders: [...COMMON, 'email', 'inviterName', 'expiresAt'],
    sample: { email: 'sam.taylor@example.com', inviterName: 'Alex Morgan', expiresAt: '13 December 2026, 14:00 UTC' },
  },
  'account.password-reset': {
    subject: 'Reset your password for {{organisationName}} training',
    body:
      'Hello {{recipientName}},\n\nSomeone (we hope you) asked to reset the password of {{email}}.\n\n[Choose a new password]({{link}})\n\n' +
      'The link works once, until {{expiresAt}}. If you did not ask for it, ignore this message: your password stays as it is.',
    placeholders: [...COMMON, 'email', 'expiresAt'],
    sample: { email: 'sam.taylor@example.com', expiresAt: '6 December 2026, 15:00 UTC' },
  },
};

export type Part = { text: string } | { name: string };

/** Placeholders holding a calendar day (YYYY-MM-DD), written in words: "6 January 2027". */
const DAY_PLACEHOLDERS: ReadonlySet<string> = new Set(['dueDate', 'previousDueDate', 'expiryDate', 'day']);

/** "Hi {{recipientName}}!" → literal and placeholder parts; a name the event does not know stays literal. */
export function parseTemplate(template: string, known: readonly string[]): Part[] {
  const parts: Part[] = [];
  const re = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
  let at = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    const name = m[1] ?? '';
    if (!known.includes(name)) continue;
    if (m.index > at) parts.push({ text: template.slice(at, m.index) });
    parts.push({ name });
    at = m.index + m[0].length;
  }
  if (at < template.length) parts.push({ text: template.slice(at) });
  return parts;
}

/** Fills a parsed template (parse once, fill per recipient). */
export function fillParts(parts: readonly Part[], values: Record<string, string>): string {
  return parts
    .map((p) => {
      if ('text' in p) return p.text;
      const v = values[p.name] ?? '';
      return DAY_PLACEHOLDERS.has(p.name) ? readableDay(v) : v;
    })
    .join('');
}

/** Fills a template in memory (previews, digests). */
export function fillTemplate(template: string, known: readonly string[], values: Record<string, string>): string {
  return fillParts(parseTemplate(template, known), values);
}

/**
 * The template as one SQL text expression over the source row `s`: literals are parameters,
 * placeholders are the source's columns of the same name (null reads as empty; days in words).
 */
export function templateSql(dialect: Dialect, template: string, known: readonly string[], fixed: Record<string, string>): RawBuilder<string> {
  const parts = parseTemplate(template, known).map((p) => {
    if ('text' in p) return sql`cast(${p.text} as text)`;
    const day = DAY_PLACEHOLDERS.has(p.name);
    if (p.name in fixed) return sql`cast(${day ? readableDay(fixed[p.name] ?? '') : fixed[p.name]} as text)`;
    const column = sql.ref(`s.${p.name === 'link' ? 'abs_link' : p.name}`);
    return sql`coalesce(${day ? readableDaySql(dialect, column) : sql`cast(${column} as text)`}, '')`;
  });
  if (parts.length === 0) return sql<string>`cast('' as text)`;
  return sql<string>`(${sql.join(parts, sql` || `)})`;
}

/** The template in force for an event: the edited one, or the default. */
export async function templateOf(db: Executor, event: NotificationEvent): Promise<{ subject: string; body: string }> {
  const row = await db.selectFrom('notification_templates').select(['subject', 'body']).where('event', '=', event).executeTakeFirst();
  return row ?? TEMPLATE_DEFAULTS[event];
}

export async function listTemplates(ctx: AppContext): Promise<Template[]> {
  const rows = await ctx.db.selectFrom('notification_templates').selectAll().execute();
  const edited = new Map(rows.map((r) => [r.event, r]));
  return NOTIFICATION_EVENTS.map((event) => {
    const d = TEMPLATE_DEFAULTS[event];
    const r = edited.get(event);
    return {
      event,
      subject: r?.subject ?? d.subject,
      body: r?.body ?? d.body,
      placeholders: [...d.placeholders],
      customised: Boolean(r),
      updatedAt: r?.updated_at ?? null,
    };
  });
}

/**
 * Refuses a subject or body naming a placeholder the event does not fill (a typo such as
 * {{courseName}} would reach every recipient as written): 400 on the field, naming the ones to use.
 */
function refuseUnknownPlaceholders(event: NotificationEvent, input: { subject: string; body: string }): void {
  const known = TEMPLATE_DEFAULTS[event].placeholders;
  const fieldErrors: { path: string; message: string }[] = [];
  for (const path of ['subject', 'body'] as const) {
    const unknown = [...new Set([...input[path].matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1] ?? ''))].filter((n) => !known.includes(n));
    if (unknown.length === 0) continue;
    const names = unknown.map((n) => `{{${n}}}`).join(', ');
    fieldErrors.push({
      path,
      message: `${names} ${unknown.length === 1 ? 'is not a placeholder' : 'are not placeholders'} of this message. Use ${known.map((n) => `{{${n}}}`).join(', ')}.`,
    });
  }
  if (fieldErrors.length > 0) throw errors.validation(fieldErrors, fieldErrors[0]!.message);
}

/** Replaces an event's template (audited); the same words again change nothing and log nothing. */
export async function saveTemplate(
  ctx: AppContext,
  actor: Actor,
  event: NotificationEvent,
  input: { subject: string; body: string },
): Promise<Template> {
  refuseUnknownPlaceholders(event, input);
  await ctx.db.transaction().execute(async (trx) => {
    const before = await templateOf(trx, event);
    if (before.subject === input.subject && before.body === input.body) return;
    const now = nowIso();
    await trx
      .insertInto('notification_templates')
      .values({ event, subject: input.subject, body: input.body, updated_by: actor.id, updated_at: now })
      .onConflict((oc) =>
        oc.column('event').doUpdateSet({ subject: input.subject, body: input.body, updated_by: actor.id, updated_at: now }),
      )
      .execute();
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'notification_template', entityId: event, before, after: input });
  });
  const t = (await listTemplates(ctx)).find((x) => x.event === event);
  if (!t) throw new Error('template vanished');
  return t;
}

/** Puts an event's default template back (audited). */
export async function resetTemplate(ctx: AppContext, actor: Actor, event: NotificationEvent): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await templateOf(trx, event);
    await trx.deleteFrom('notification_templates').where('event', '=', event).execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'reset',
      entity: 'notification_template',
      entityId: event,
      before,
      after: TEMPLATE_DEFAULTS[event],
    });
  });
}

/** A template (saved or being edited) filled with the event's sample data: subject, plain text and HTML. */
export async function previewTemplate(ctx: AppContext, event: NotificationEvent, input: { subject: string; body: string }) {
  refuseUnknownPlaceholders(event, input);
  const d = TEMPLATE_DEFAULTS[event];
  const settings = await getSettings(ctx.db);
  const values: Record<string, string> = {
    recipientName: 'Sam Taylor',
    organisationName: settings.organisationName,
    link: `${ctx.config.publicUrl ?? 'http://localhost'}/lms/courses/example`,
    ...d.sample,
  };
  const subject = fillTemplate(input.subject, d.placeholders, values);
  const body = fillTemplate(input.body, d.placeholders, values);
  return { subject, text: markdownToPlainText(body), html: await htmlPartToRead(ctx, subject, body) };
}
