import { z } from 'zod';

export const RECOMMENDATION_LIMIT_DEFAULT = 8;
export const RECOMMENDATION_LIMIT_MAX = 20;

export const RecommendationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(RECOMMENDATION_LIMIT_MAX).default(RECOMMENDATION_LIMIT_DEFAULT),
});

/**
 * Why a course is suggested, strongest first: mandatory training not taken yet, what colleagues
 * of the same department or designation took, likeness to the learner's own courses or role,
 * popularity, or simply new in the catalog.
 */
export const RECOMMENDATION_KINDS = ['mandatory', 'department', 'designation', 'similar', 'role', 'popular', 'catalog'] as const;
export type RecommendationKind = (typeof RECOMMENDATION_KINDS)[number];

/** What a recommendation card shows of a course. */
export const RecommendedCourseSchema = z.object({
  id: z.string(),
  title: z.string(),
  shortIntroduction: z.string(),
  imageUrl: z.string().nullable(),
  category: z.string().nullable(),
  tags: z.array(z.string()),
  mandatory: z.boolean(),
  paid: z.boolean(),
  price: z.number().nullable(),
  currency: z.string().nullable(),
  disableSelfEnrollment: z.boolean(),
  lessonCount: z.number().int(),
});

export const RecommendationSchema = z.object({
  course: RecommendedCourseSchema,
  /** A sentence for the learner, e.g. "Taken by 12 people in Finance". */
  reason: z.string(),
  kind: z.enum(RECOMMENDATION_KINDS),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;
