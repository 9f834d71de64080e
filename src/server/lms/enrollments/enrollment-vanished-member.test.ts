import { expect, it } from 'vitest';
import { describeDb } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { AppError } from '../../http/errors.ts';
import { enroll } from './index.ts';

describeDb('enroll() when the member vanished', (env) => {
  it("a member deleted between the caller's lookup and the insert is a 400 on memberId, not a 500, and writes nothing", async () => {
    // The routes look the member up first; a deletion between that read and the insert (the token
    // path runs without a transaction on PostgreSQL) reaches enroll() with an id that no longer exists.
    const course = await makeCourse(env, { lessons: 1 });
    const before = { enrollments: await env.count('enrollments'), audit: await env.count('audit_log') };
    for (const source of ['admin', 'self'] as const) {
      const err = await enroll(env.ctx, env.ctx.db, {
        memberId: '0000000000000000000000gone',
        courseId: course.courseId,
        source,
        actorId: null,
      }).catch((e: unknown) => e);
      expect(err, source).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(400);
      expect((err as AppError).code).toBe('VALIDATION_FAILED');
    }
    expect({ enrollments: await env.count('enrollments'), audit: await env.count('audit_log') }).toEqual(before);
  });
});
