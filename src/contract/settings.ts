import { z } from 'zod';

export const SettingsSchema = z.object({
  organisationName: z.string().trim().min(1).max(200),
  defaultDueDays: z.number().int().min(1).max(3650),
  certificateExpiryWarningDays: z.number().int().min(1).max(365),
  supportEmail: z.email().nullable(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SETTINGS_DEFAULTS: Settings = {
  organisationName: 'Smooth LMS',
  defaultDueDays: 30,
  certificateExpiryWarningDays: 30,
  supportEmail: null,
};

export const SettingsPatch = z.strictObject({
  organisationName: SettingsSchema.shape.organisationName.optional(),
  defaultDueDays: SettingsSchema.shape.defaultDueDays.optional(),
  certificateExpiryWarningDays: SettingsSchema.shape.certificateExpiryWarningDays.optional(),
  supportEmail: SettingsSchema.shape.supportEmail.optional(),
});
