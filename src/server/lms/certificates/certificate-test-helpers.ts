/**
 * What the certificate tests share: a certification course in a given issue mode, a learner who
 * completes it through the API, and counts of what was written (certificate rows, audit entries).
 */
import { expect } from 'vitest';
import type { TestEnv, TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';

/** A certificate as the API answers it. */
export type Cert = {
  id: string;
  memberId: string;
  courseId: string;
  issueDate: string;
  expiryDate: string | null;
  status: string;
  verificationCode: string;
  verificationUrl: string;
  source: string;
  revokeReason: string | null;
};

export async function certCourse(
  env: TestEnv,
  opts: { mode?: 'auto' | 'claim'; validityMonths?: number | null; lessons?: number; title?: string } = {},
) {
  const c = await makeCourse(env, { enableCertification: true, lessons: opts.lessons ?? 2, ...(opts.title ? { title: opts.title } : {}) });
  await env.ctx.db
    .updateTable('courses')
    .set({ certificate_issue_mode: opts.mode ?? 'auto', certificate_validity_months: opts.validityMonths ?? null })
    .where('id', '=', c.courseId)
    .execute();
  return c;
}

export async function completeCourse(
  env: TestEnv,
  learner: TestUser,
  c: { courseId: string; lessonIds: string[] },
  upTo = c.lessonIds.length,
) {
  const e = await env.req('POST', `/api/courses/${c.courseId}/enroll`, { as: learner });
  expect(e.statusCode).toBe(201);
  for (const l of c.lessonIds.slice(0, upTo)) {
    const r = await env.req('POST', `/api/lessons/${l}/complete`, { as: learner });
    expect(r.statusCode).toBe(200);
  }
}

export async function certAudit(env: TestEnv): Promise<number> {
  const r = await env.ctx.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('entity', '=', 'certificate')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function certRows(env: TestEnv, memberId: string, courseId: string) {
  return env.ctx.db.selectFrom('certificates').selectAll().where('member_id', '=', memberId).where('course_id', '=', courseId).execute();
}
