/**
 * Employee onboarding: what it enrolled, what it skipped and why.
 */
import { z } from 'zod';
import { IdSchema, IsoDate, PageQuery, VisibleText } from './common.ts';

// ---------------------------------------------------------------------------------------------
// Onboarding

export const OnboardingActivitySchema = z.strictObject({
  title: VisibleText(200, 'The title'),
  ownerId: IdSchema.nullable().optional(),
  dueOffsetDays: z.number().int().min(0, 'An activity cannot be due before the onboarding date').max(3650).default(0),
  done: z.boolean().default(false),
});

export const ONBOARDING_STATUSES = ['pending', 'in_progress', 'completed'] as const;
export const OnboardingStatusSchema = z.enum(ONBOARDING_STATUSES);

export const SKIP_REASONS = ['no linked user', 'course unpublished', 'already completed'] as const;

export const OnboardingResultSchema = z.object({
  enrolled: z.array(z.object({ courseId: z.string(), enrollmentId: z.string(), reused: z.boolean() })),
  skipped: z.array(z.object({ courseId: z.string(), reason: z.enum(SKIP_REASONS) })),
  assignments: z.array(
    z.object({ id: z.string(), courseId: z.string(), enrollmentId: z.string().nullable(), dueDate: z.string(), reused: z.boolean() }),
  ),
});
export type OnboardingResult = z.infer<typeof OnboardingResultSchema>;

export const OnboardingSchema = OnboardingResultSchema.extend({
  id: z.string(),
  employeeId: z.string(),
  onboardingDate: z.string(),
  status: OnboardingStatusSchema,
  activities: z.array(
    z.object({
      title: z.string(),
      ownerId: z.string().nullable(),
      dueOffsetDays: z.number().int(),
      dueDate: z.string(),
      done: z.boolean(),
    }),
  ),
  createdAt: z.string(),
});
export type Onboarding = z.infer<typeof OnboardingSchema>;

export const CreateOnboardingBody = z.strictObject({
  employeeId: IdSchema,
  onboardingDate: IsoDate.optional(),
  activities: z.array(OnboardingActivitySchema).max(100).optional(),
});

export const UpdateOnboardingBody = z.strictObject({
  status: OnboardingStatusSchema.optional(),
  activities: z.array(OnboardingActivitySchema).max(100).optional(),
});

export const OnboardingListQuery = z.strictObject({
  ...PageQuery,
  employeeId: IdSchema.optional(),
  status: OnboardingStatusSchema.optional(),
});
