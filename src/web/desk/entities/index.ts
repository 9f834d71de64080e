/**
 * Every entity on the desk, declared once, one file per feature. The sidebar, the generic list and
 * the generic form read this registry; adding an entity is adding an entry to its feature's file.
 */
import type { EntityMeta } from '../meta.ts';
import { ASSIGNMENT_ENTITIES } from './assignments.tsx';
import { BATCH_ENTITY } from './batches.tsx';
import { CERTIFICATE_ENTITIES } from './certificates.tsx';
import { COURSE_ENTITIES } from './courses.tsx';
import { ENROLLMENT_ENTITIES } from './enrollments.tsx';
import { HR_ENTITIES } from './hr.tsx';
import { PAYMENT_ENTITIES } from './payments.tsx';
import { PLATFORM_ENTITIES } from './platform.tsx';
import { QUIZ_ENTITIES } from './quizzes.tsx';
import { TRAINING_ENTITIES } from './training.tsx';

export { COURSE_LINK, EMPLOYEE_LINK, LinkedName, QUIZ_LINK, USER_LINK } from './shared.tsx';

export const ENTITIES: EntityMeta[] = [
  ...COURSE_ENTITIES,
  ...ENROLLMENT_ENTITIES,
  ...QUIZ_ENTITIES,
  ...CERTIFICATE_ENTITIES,
  BATCH_ENTITY,
  ...ASSIGNMENT_ENTITIES,
  ...PAYMENT_ENTITIES,
  ...TRAINING_ENTITIES,
  ...HR_ENTITIES,
  ...PLATFORM_ENTITIES,
];

export function findEntity(slug: string): EntityMeta | undefined {
  return ENTITIES.find((e) => e.slug === slug);
}
