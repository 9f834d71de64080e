import { z } from 'zod';
import { LimitSchema } from './common.ts';

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;

/** A message of the mail outbox as System Managers see it ('pending' includes a send in progress). */
export const OutboxItemSchema = z.object({
  id: z.string(),
  to: z.string(),
  /** The recipient's name when the message was written for a user (null for an address alone). */
  toName: z.string().nullable(),
  subject: z.string(),
  event: z.string(),
  status: z.enum(OUTBOX_STATUSES),
  attempts: z.number().int(),
  sentAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  /** The SMTP server's last refusal or the connection error, kept for failed and retried messages. */
  lastError: z.string().nullable(),
  createdAt: z.string(),
});
export type OutboxItem = z.infer<typeof OutboxItemSchema>;

/** One message as it goes (or went) out: its plain-text part and its HTML part (a set-password link's token hidden). */
export const OutboxMessageSchema = OutboxItemSchema.extend({
  text: z.string(),
  html: z.string(),
});
export type OutboxMessage = z.infer<typeof OutboxMessageSchema>;

export const OutboxQuery = z.strictObject({
  status: z.enum(OUTBOX_STATUSES).optional(),
  limit: LimitSchema,
  cursor: z.string().max(200).optional(),
});

/** The outbox list carries whether mail can leave at all. */
export const OutboxPageSchema = z.object({
  items: z.array(OutboxItemSchema),
  nextCursor: z.string().nullable(),
  smtpConfigured: z.boolean(),
});

export const NotificationPreferencesSchema = z.object({
  /** Mail at all (in-app notifications are always kept). */
  email: z.boolean(),
  /** "daily": one mail a day with the day's notifications instead of one mail each. */
  digest: z.enum(['off', 'daily']),
});
export type NotificationPreferences = z.infer<typeof NotificationPreferencesSchema>;
export const NotificationPreferencesPatch = z.strictObject({
  email: z.boolean().optional(),
  digest: z.enum(['off', 'daily']).optional(),
});

export const UnreadCountSchema = z.object({ count: z.number().int() });

export const JobSchema = z.object({
  name: z.string(),
  schedule: z.string(),
  lastRun: z
    .object({
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
      durationMs: z.number().int().nullable(),
      status: z.enum(['running', 'done', 'failed']),
      outcome: z.string().nullable(),
    })
    .nullable(),
});
export type Job = z.infer<typeof JobSchema>;
export const JobListSchema = z.object({ items: z.array(JobSchema) });
export const JobNameParams = z.strictObject({ name: z.string().min(1).max(100).regex(/^[a-z0-9.-]+$/, 'Not a job name') });
export const JobRunSchema = z.object({
  name: z.string(),
  ran: z.boolean(),
  status: z.enum(['done', 'failed', 'skipped']),
  durationMs: z.number().int(),
  outcome: z.string().nullable(),
});

export const NOTIFICATION_EVENTS = [
  'enrolled',
  'assignment.created',
  'assignment.due-date-moved',
  'assignment.due-soon',
  'assignment.overdue',
  'assignment.escalated',
  'certificate.issued',
  'certificate.expiring',
  'certificate.expired',
  'submission.graded',
  'assignment-submission.graded',
  'evaluation.scheduled',
  'document.expiring',
  'live-class.starting',
  'payment.needs-attention',
  'digest',
  'account.invitation',
  'account.password-reset',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Each event in words, for the desk (templates, outbox). */
export const NOTIFICATION_EVENT_WORDS: Record<NotificationEvent, string> = {
  enrolled: 'Enrolled in a course',
  'assignment.created': 'Training assigned',
  'assignment.due-date-moved': 'Due date moved',
  'assignment.due-soon': 'Training due soon',
  'assignment.overdue': 'Training overdue',
  'assignment.escalated': 'Overdue training, to the manager or HR',
  'certificate.issued': 'Certificate issued',
  'certificate.expiring': 'Certificate expiring',
  'certificate.expired': 'Certificate expired',
  'submission.graded': 'Quiz answers graded',
  'assignment-submission.graded': 'Assignment submission graded',
  'evaluation.scheduled': 'Certificate evaluation scheduled',
  'document.expiring': 'HR document expiring',
  'live-class.starting': 'Live class starting',
  'payment.needs-attention': 'A payment needs attention (staff)',
  digest: 'Daily digest',
  'account.invitation': 'Invitation to set a password',
  'account.password-reset': 'Password reset link',
};

/** Every event an outbox message can be written for: the templated ones and the compliance job's own. */
const OUTBOX_EVENT_WORDS: Record<string, string> = {
  ...NOTIFICATION_EVENT_WORDS,
  'compliance.expiring': 'Compliance record expiring',
  'compliance.expired': 'Compliance record expired',
};

/** An outbox message's event in words (messages keep the event they were written for, whatever it was). */
export function notificationEventInWords(event: string): string {
  return OUTBOX_EVENT_WORDS[event] ?? event;
}

export const TemplateSchema = z.object({
  event: z.enum(NOTIFICATION_EVENTS),
  subject: z.string(),
  body: z.string(),
  /** The placeholders the event fills in, e.g. courseTitle for {{courseTitle}}. */
  placeholders: z.array(z.string()),
  customised: z.boolean(),
  updatedAt: z.string().nullable(),
});
export type Template = z.infer<typeof TemplateSchema>;
export const TemplateListSchema = z.object({ items: z.array(TemplateSchema) });
export const TemplateParams = z.strictObject({ event: z.enum(NOTIFICATION_EVENTS) });
export const TemplateBody = z.strictObject({
  subject: z.string().trim().min(1, 'Write a subject').max(300),
  body: z.string().trim().min(1, 'Write the message').max(20000),
});
export const TemplatePreviewSchema = z.object({ subject: z.string(), text: z.string(), html: z.string() });

/** One cycle of an enrollment (recertification): closed ones keep their completions, attempts and certificate. */
export const EnrollmentCycleSchema = z.object({
  cycle: z.number().int(),
  startedAt: z.string(),
  completedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  current: z.boolean(),
  certificate: z.object({ id: z.string(), verificationCode: z.string(), issueDate: z.string(), expiryDate: z.string().nullable() }).nullable(),
  completions: z.array(z.object({ lessonId: z.string(), lessonTitle: z.string(), completedAt: z.string() })),
  /** Quiz attempts started within the cycle's dates (an attempt still open has no submittedAt). */
  attemptCount: z.number().int(),
  attempts: z.array(
    z.object({ quizTitle: z.string(), percentage: z.number().nullable(), passed: z.boolean(), startedAt: z.string(), submittedAt: z.string().nullable() }),
  ),
});
export type EnrollmentCycle = z.infer<typeof EnrollmentCycleSchema>;
export const EnrollmentCyclesSchema = z.object({ items: z.array(EnrollmentCycleSchema) });
