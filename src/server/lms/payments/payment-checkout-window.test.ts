import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { callsTo, useGateway } from '../../../../test/helpers/payments.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import type { CheckoutResult } from '../../../contract/payments.ts';

const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

async function writes(env: TestEnv, coupon: string) {
  const c = await env.ctx.db.selectFrom('coupons').select('uses').where('code', '=', coupon).executeTakeFirstOrThrow();
  return {
    payments: await env.count('payments'),
    enrollments: await env.count('enrollments'),
    audit: await env.count('audit_log'),
    couponUses: Number(c.uses),
    sessions: callsTo(standin, '/v1/checkout/sessions'),
  };
}

describeDb("payments: checkout holds the course's enrollment window and maximum", (env) => {
  let admin: TestUser;
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    admin = await env.user(['System Manager']);
    mod = await env.user(['Moderator']);
    expect((await env.req('POST', '/api/coupons', { as: mod, body: { code: 'WINDOW10', percentOff: 10 } })).statusCode).toBe(201);
  });

  async function limit(courseId: string, set: { enrollment_opens_at?: string; enrollment_closes_at?: string; max_enrollments?: number }) {
    await env.ctx.db.updateTable('courses').set(set).where('id', '=', courseId).execute();
  }

  it('before the window opens or from its close: 422 ENROLLMENT_CLOSED naming the moment; no payment, coupon use, Stripe session or audit entry', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const early = await makeCourse(env, { paid: true });
    await limit(early.courseId, { enrollment_opens_at: at(24 * HOUR) });
    const late = await makeCourse(env, { paid: true });
    await limit(late.courseId, { enrollment_closes_at: at(-HOUR) });
    const before = await writes(env, 'WINDOW10');
    for (const [c, words] of [
      [early, 'opens on'],
      [late, 'closed on'],
    ] as const) {
      const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId: c.courseId, couponCode: 'WINDOW10' } });
      expect([res.statusCode, json(res).code], res.body).toEqual([422, 'ENROLLMENT_CLOSED']);
      expect(json<{ detail: string }>(res).detail).toContain(words);
    }
    expect(await writes(env, 'WINDOW10')).toEqual(before);
  });

  it('a full course: 409 COURSE_FULL before the gateway and the coupon; inside the window with a place left the checkout opens', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const { courseId } = await makeCourse(env, { paid: true });
    await limit(courseId, { enrollment_opens_at: at(-HOUR), enrollment_closes_at: at(HOUR), max_enrollments: 1 });
    const first = await env.user();
    const open = await env.req('POST', '/api/payments/checkout', { as: first, body: { courseId, couponCode: 'WINDOW10' } });
    expect(open.statusCode, open.body).toBe(201);
    expect(json<CheckoutResult>(open).checkoutUrl).toBeTruthy();
    // The only place is taken (staff are not held by the maximum).
    expect((await env.req('POST', '/api/enrollments', { as: admin, body: { courseId, memberId: (await env.user()).id } })).statusCode).toBe(201);
    const learner = await env.user();
    const before = await writes(env, 'WINDOW10');
    const full = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'WINDOW10' } });
    expect([full.statusCode, json(full).code], full.body).toEqual([409, 'COURSE_FULL']);
    expect(await writes(env, 'WINDOW10')).toEqual(before);
  });

  it('the manual gateway and a 100% coupon are held the same way (nothing enrolled for free past the close)', async () => {
    await useGateway(env, standin, admin, 'manual');
    expect((await env.req('POST', '/api/coupons', { as: mod, body: { code: 'WINDOWFREE', percentOff: 100 } })).statusCode).toBe(201);
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    await limit(courseId, { enrollment_closes_at: at(-HOUR) });
    const before = await writes(env, 'WINDOWFREE');
    for (const couponCode of [undefined, 'WINDOWFREE']) {
      const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, ...(couponCode ? { couponCode } : {}) } });
      expect([res.statusCode, json(res).code], res.body).toEqual([422, 'ENROLLMENT_CLOSED']);
    }
    expect(await writes(env, 'WINDOWFREE')).toEqual(before);
  });
});
