import { z } from 'zod';
import { VisibleText } from './common.ts';

/** The chat-completions URL of an OpenAI-compatible provider that may re-rank recommendations. */
const ProviderEndpoint = z
  .url({ protocol: /^https?$/, error: 'Use an http:// or https:// URL' })
  .max(2000)
  .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'Put credentials in the key, not in the URL');

export const SettingsSchema = z.object({
  organisationName: VisibleText(200, 'The organisation name'),
  defaultDueDays: z.number().int().min(1).max(3650),
  certificateExpiryWarningDays: z.number().int().min(1).max(365),
  supportEmail: z.email().nullable(),
  recommendationEndpoint: ProviderEndpoint.nullable(),
  recommendationModel: z.string().trim().min(1).max(200).nullable(),
  /** The provider key is write-only: reads only tell whether one is set. */
  recommendationApiKey: z.object({ set: z.boolean() }),
  /** Training assignment reminders go this many days before the due date (each once; a change takes at most MAX_REMINDER_DAYS). */
  reminderDays: z.array(z.number().int().min(1).max(365)).max(10),
  /** Days overdue before the learner's manager is told (HR Managers after twice as many). */
  escalateAfterDays: z.number().int().min(1).max(365),
  /** The sender address of every mail. */
  mailFrom: z.email().nullable(),
  /** The SMTP server URL is write-only (it carries a password): reads only tell whether one is set. */
  smtpUrl: z.object({ set: z.boolean() }),
  /** How paid courses and batches are paid: Stripe Checkout, or invoices staff mark paid. */
  paymentGateway: z.enum(['stripe', 'manual']),
  /** The Stripe keys are write-only: reads only tell whether one is set. */
  stripeSecretKey: z.object({ set: z.boolean() }),
  stripeWebhookSecret: z.object({ set: z.boolean() }),
  /** The organisation's logo (PUT/DELETE /api/settings/logo): its public address, or null. */
  logo: z.object({ url: z.string(), updatedAt: z.string() }).nullable(),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** What the login page shows before anyone logs in: the organisation's name and logo, nothing else. */
export const BrandSchema = SettingsSchema.pick({ organisationName: true, logo: true });
export type Brand = z.infer<typeof BrandSchema>;

export const SETTINGS_DEFAULTS: Settings = {
  organisationName: 'Smooth LMS',
  defaultDueDays: 30,
  certificateExpiryWarningDays: 30,
  supportEmail: null,
  recommendationEndpoint: null,
  recommendationModel: null,
  recommendationApiKey: { set: false },
  reminderDays: [7, 1],
  escalateAfterDays: 3,
  mailFrom: null,
  smtpUrl: { set: false },
  paymentGateway: 'manual',
  stripeSecretKey: { set: false },
  stripeWebhookSecret: { set: false },
  logo: null,
};

/** smtp:// or smtps:// (TLS from the first byte); STARTTLS is used on smtp:// when the server offers it. */
export const SmtpUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((u) => /^smtps?:\/\/[^/\s]+/i.test(u), 'Use an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.com:465');

/** Most reminder days an organisation may set. */
export const MAX_REMINDER_DAYS = 5;

/** Reminder days as written: whole days from 1 to 365, each once, at most five (an empty list sends no due-soon reminder). */
export const ReminderDays = z
  .array(
    z
      .number({ error: 'Write whole numbers of days, e.g. 7, 1.' })
      .int('Write whole numbers of days, e.g. 7, 1.')
      .min(1, 'Each reminder day must be at least 1.')
      .max(365, 'Each reminder day must be at most 365.'),
    { error: 'Write whole numbers of days, e.g. 7, 1.' },
  )
  .max(MAX_REMINDER_DAYS, `At most ${MAX_REMINDER_DAYS} reminder days.`)
  .refine((days) => new Set(days).size === days.length, 'Write each day only once.');

export const SettingsPatch = z.strictObject({
  organisationName: SettingsSchema.shape.organisationName.optional(),
  defaultDueDays: SettingsSchema.shape.defaultDueDays.optional(),
  certificateExpiryWarningDays: SettingsSchema.shape.certificateExpiryWarningDays.optional(),
  supportEmail: SettingsSchema.shape.supportEmail.optional(),
  recommendationEndpoint: SettingsSchema.shape.recommendationEndpoint.optional(),
  recommendationModel: SettingsSchema.shape.recommendationModel.optional(),
  /** A new key, or null to remove it. */
  recommendationApiKey: z.string().trim().min(1).max(500).nullable().optional(),
  reminderDays: ReminderDays.optional(),
  escalateAfterDays: SettingsSchema.shape.escalateAfterDays.optional(),
  mailFrom: SettingsSchema.shape.mailFrom.optional(),
  /** A new SMTP server URL, or null to remove it. */
  smtpUrl: SmtpUrl.nullable().optional(),
  paymentGateway: SettingsSchema.shape.paymentGateway.optional(),
  /** A new Stripe secret key (sk_...), or null to remove it. */
  stripeSecretKey: z
    .string()
    .trim()
    .regex(/^(sk|rk)_[A-Za-z0-9_]+$/, 'A Stripe secret key starts with sk_ or rk_')
    .max(500)
    .nullable()
    .optional(),
  /** A new Stripe webhook signing secret (whsec_...), or null to remove it. */
  stripeWebhookSecret: z
    .string()
    .trim()
    .regex(/^whsec_[A-Za-z0-9_]+$/, 'A webhook signing secret starts with whsec_')
    .max(500)
    .nullable()
    .optional(),
});
export type SettingsPatchInput = z.infer<typeof SettingsPatch>;
