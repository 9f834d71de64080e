import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { useGateway } from '../../../../test/helpers/payments.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import type { CheckoutResult, Payment, Quote } from '../../../contract/payments.ts';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

async function writes(env: TestEnv) {
  const uses = await env.ctx.db.selectFrom('coupons').select(['code', 'uses']).orderBy('code').execute();
  return {
    payments: await env.count('payments'),
    enrollments: await env.count('enrollments'),
    audit: await env.count('audit_log'),
    uses: uses.map((c) => `${c.code}:${Number(c.uses)}`),
  };
}

describeDb('payments: the price with a coupon, before buying (POST /api/payments/quote)', (env) => {
  let admin: TestUser;
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    admin = await env.user(['System Manager']);
    mod = await env.user(['Moderator']);
  });

  it('answers the price, the discount and the amount the checkout then charges; takes no coupon use and writes nothing', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true, title: 'Ladder safety' });
    expect((await env.req('POST', '/api/coupons', { as: mod, body: { code: 'WELCOME20', percentOff: 20, maxUses: 5 } })).statusCode).toBe(201);
    const before = await writes(env);

    const plain = await env.req('POST', '/api/payments/quote', { as: learner, body: { courseId } });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(json<Quote>(plain)).toEqual({ courseId, batchId: null, itemTitle: 'Ladder safety', price: 4900, discount: 0, amount: 4900, currency: 'EUR', couponCode: null });

    const withCoupon = await env.req('POST', '/api/payments/quote', { as: learner, body: { courseId, couponCode: ' welcome20 ' } });
    expect(withCoupon.statusCode, withCoupon.body).toBe(200);
    const q = json<Quote>(withCoupon);
    expect(q).toMatchObject({ price: 4900, discount: 980, amount: 3920, currency: 'EUR', couponCode: 'WELCOME20' });
    expect(await writes(env)).toEqual(before);

    // The checkout charges what the quote said.
    const bought = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'welcome20' } });
    expect(bought.statusCode, bought.body).toBe(201);
    expect(json<CheckoutResult>(bought)).toMatchObject({ amount: q.amount, discount: q.discount, couponCode: 'WELCOME20', status: 'pending' });
  });

  it('an unusable coupon is explained under couponCode (422 COUPON_INVALID) and nothing is written', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const other = await makeCourse(env, { paid: true });
    const mk = async (body: Record<string, unknown>) => expect((await env.req('POST', '/api/coupons', { as: mod, body })).statusCode).toBe(201);
    await mk({ code: 'Q-OLD', percentOff: 10, validUntil: '2020-01-01' });
    await mk({ code: 'Q-OTHER', percentOff: 10, courseIds: [other.courseId] });
    await mk({ code: 'Q-USD', amountOff: 500, currency: 'USD' });
    await mk({ code: 'Q-ONCE', percentOff: 10, maxUses: 1 });
    const first = await env.user();
    expect((await env.req('POST', '/api/payments/checkout', { as: first, body: { courseId, couponCode: 'Q-ONCE' } })).statusCode).toBe(201);
    const before = await writes(env);
    const cases: [string, string][] = [
      ['NO-SUCH-CODE', 'There is no coupon with this code.'],
      ['q-old', 'This coupon has expired.'],
      ['Q-OTHER', 'This coupon does not apply to this course.'],
      ['Q-USD', 'This coupon is in USD, but the price is in EUR.'],
      ['Q-ONCE', 'This coupon has been used up.'],
    ];
    for (const [couponCode, detail] of cases) {
      const res = await env.req('POST', '/api/payments/quote', { as: learner, body: { courseId, couponCode } });
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect([res.statusCode, json(res).code, json(res).detail], couponCode).toEqual([422, 'COUPON_INVALID', detail]);
      expect(json<{ errors: unknown[] }>(res).errors).toEqual([{ path: 'couponCode', message: detail }]);
    }
    expect(await writes(env)).toEqual(before);
    // The checkout says the same, in the same place.
    const refused = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'Q-ONCE' } });
    expect([refused.statusCode, json(refused).code]).toEqual([422, 'COUPON_INVALID']);
    expect(json<{ errors: unknown[] }>(refused).errors).toEqual([{ path: 'couponCode', message: 'This coupon has been used up.' }]);
    expect(await writes(env)).toEqual(before);
  });

  it('bad quotes answer as the checkout does and write nothing; anonymous callers get 401', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const paid = await makeCourse(env, { paid: true });
    const free = await makeCourse(env);
    const draft = await makeCourse(env, { paid: true, published: false });
    const enrolledIn = await makeCourse(env, { paid: true });
    expect((await env.req('POST', '/api/enrollments', { as: admin, body: { courseId: enrolledIn.courseId, memberId: learner.id } })).statusCode).toBe(201);
    const before = await writes(env);
    const cases: [unknown, number, string][] = [
      [{}, 400, 'VALIDATION_FAILED'],
      [{ courseId: paid.courseId, batchId: paid.courseId }, 400, 'VALIDATION_FAILED'],
      [{ courseId: paid.courseId, extra: true }, 400, 'VALIDATION_FAILED'],
      [{ courseId: paid.courseId, couponCode: 'x'.repeat(41) }, 400, 'VALIDATION_FAILED'],
      [{ courseId: 'zzzzzzzzzzzzzzzzzzzzzzzzzz' }, 404, 'NOT_FOUND'],
      [{ batchId: 'zzzzzzzzzzzzzzzzzzzzzzzzzz' }, 404, 'NOT_FOUND'],
      [{ courseId: free.courseId }, 422, 'NOTHING_TO_PAY'],
      [{ courseId: draft.courseId }, 422, 'COURSE_NOT_PUBLISHED'],
      [{ courseId: enrolledIn.courseId }, 409, 'ALREADY_ENROLLED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await env.req('POST', '/api/payments/quote', { as: learner, body });
      expect([res.statusCode, json(res).code], JSON.stringify(body)).toEqual([status, code]);
    }
    const anonymous = await env.req('POST', '/api/payments/quote', { body: { courseId: paid.courseId } });
    expect([anonymous.statusCode, json(anonymous).code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(await writes(env)).toEqual(before);
  });

  it('the course page finds the learner’s waiting payment (GET /api/payments?courseId=&status=pending, own rows only); a second checkout answers that payment', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const stranger = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    const mine = json<{ items: Payment[] }>(await env.req('GET', `/api/payments?courseId=${courseId}&status=pending&limit=1`, { as: learner }));
    expect(mine.items.map((x) => [x.id, x.status, x.amount])).toEqual([[p.id, 'pending', 4900]]);
    const theirs = json<{ items: Payment[] }>(await env.req('GET', `/api/payments?courseId=${courseId}&status=pending&limit=1`, { as: stranger }));
    expect(theirs.items).toEqual([]);
    const before = await writes(env);
    const again = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } });
    expect([again.statusCode, json<CheckoutResult>(again).id]).toEqual([200, p.id]);
    expect(await writes(env)).toEqual(before);
  });
});
