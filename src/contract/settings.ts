import { z } from 'zod';

/** The chat-completions URL of an OpenAI-compatible provider that may re-rank recommendations. */
const ProviderEndpoint = z
  .url({ protocol: /^https?$/, error: 'Use an http:// or https:// URL' })
  .max(2000)
  .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'Put credentials in the key, not in the URL');

export const SettingsSchema = z.object({
  organisationName: z.string().trim().min(1).max(200),
  defaultDueDays: z.number().int().min(1).max(3650),
  certificateExpiryWarningDays: z.number().int().min(1).max(365),
  supportEmail: z.email().nullable(),
  recommendationEndpoint: ProviderEndpoint.nullable(),
  recommendationModel: z.string().trim().min(1).max(200).nullable(),
  /** The provider key is write-only: reads only tell whether one is set. */
  recommendationApiKey: z.object({ set: z.boolean() }),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SETTINGS_DEFAULTS: Settings = {
  organisationName: 'Smooth LMS',
  defaultDueDays: 30,
  certificateExpiryWarningDays: 30,
  supportEmail: null,
  recommendationEndpoint: null,
  recommendationModel: null,
  recommendationApiKey: { set: false },
};

export const SettingsPatch = z.strictObject({
  organisationName: SettingsSchema.shape.organisationName.optional(),
  defaultDueDays: SettingsSchema.shape.defaultDueDays.optional(),
  certificateExpiryWarningDays: SettingsSchema.shape.certificateExpiryWarningDays.optional(),
  supportEmail: SettingsSchema.shape.supportEmail.optional(),
  recommendationEndpoint: SettingsSchema.shape.recommendationEndpoint.optional(),
  recommendationModel: SettingsSchema.shape.recommendationModel.optional(),
  /** A new key, or null to remove it. */
  recommendationApiKey: z.string().trim().min(1).max(500).nullable().optional(),
});
export type SettingsPatchInput = z.infer<typeof SettingsPatch>;
