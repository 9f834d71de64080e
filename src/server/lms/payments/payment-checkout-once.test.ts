import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { WHSEC, callsTo, paidThroughStripe, useGateway, webhook } from '../../../../test/helpers/payments.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import type { CheckoutResult, Payment } from '../../../contract/payments.ts';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

describeDb('payments: one open checkout per member and item; paid means enrolled', (env) => {
  let admin: TestUser;
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    admin = await env.user(['System Manager']);
    mod = await env.user(['Moderator']);
  });

  const paymentsOf = (memberId: string) => env.ctx.db.selectFrom('payments').select(['id', 'status']).where('member_id', '=', memberId).execute();

  it('a second checkout while one is pending answers 200, not 201 (nothing new is created): the same payment and the same open Stripe session, no second coupon use', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    expect((await env.req('POST', '/api/coupons', { as: mod, body: { code: 'ONCE10', percentOff: 10, maxUses: 3 } })).statusCode).toBe(201);
    const first = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'ONCE10' } });
    expect(first.statusCode, first.body).toBe(201);
    const p = json<CheckoutResult>(first);
    const sessions = standin.sessions.size;
    const audit = await env.count('audit_log');
    const second = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'ONCE10' } });
    expect(second.statusCode, second.body).toBe(200);
    expect(json<CheckoutResult>(second)).toMatchObject({ id: p.id, status: 'pending', checkoutUrl: p.checkoutUrl, gatewayReference: p.gatewayReference, amount: 4410 });
    // Without the coupon too: the open payment is the answer, as it was started.
    const third = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } });
    expect([third.statusCode, json<CheckoutResult>(third).id]).toEqual([200, p.id]);
    expect(await paymentsOf(learner.id)).toEqual([{ id: p.id, status: 'pending' }]);
    expect(standin.sessions.size).toBe(sessions);
    expect(await env.count('audit_log')).toBe(audit);
    const c = await env.ctx.db.selectFrom('coupons').select('uses').where('code', '=', 'ONCE10').executeTakeFirstOrThrow();
    expect(Number(c.uses)).toBe(1);
  });

  it('manual gateway: a second checkout answers 200 with the pending invoice payment; after it is paid the learner is enrolled (409 ALREADY_ENROLLED)', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    const again = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } });
    expect([again.statusCode, json<CheckoutResult>(again).id]).toEqual([200, p.id]);
    expect((await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-1' } })).statusCode).toBe(200);
    const after = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } });
    expect([after.statusCode, json(after).code]).toEqual([409, 'ALREADY_ENROLLED']);
    expect(await paymentsOf(learner.id)).toEqual([{ id: p.id, status: 'paid' }]);
  });

  it('20 parallel checkouts of one course by one learner: one payment row and one Stripe session; one answer is 201, the others 200 with the same payment', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const sessions = standin.sessions.size;
    const results = await Promise.all(Array.from({ length: 20 }, () => env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } })));
    for (const r of results) expect([200, 201], r.body).toContain(r.statusCode);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const rows = await paymentsOf(learner.id);
    expect(rows).toHaveLength(1);
    const answers = results.map((r) => json<CheckoutResult>(r));
    expect(new Set(answers.map((a) => a.id))).toEqual(new Set([rows[0]!.id]));
    expect(new Set(answers.map((a) => a.checkoutUrl))).toEqual(new Set([answers[0]!.checkoutUrl]));
    expect(answers[0]!.checkoutUrl).toMatch(/\/pay\/cs_test_/);
    expect(standin.sessions.size).toBe(sessions + 1);
  }, 120_000);

  it('20 parallel checkouts of one batch by one learner: one payment row', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env);
    const created = await env.req('POST', '/api/batches', {
      as: mod,
      body: { title: 'Night cohort', startDate: '2026-03-01', endDate: '2026-05-31', timezone: 'Europe/Berlin', published: true, allowSelfEnrollment: true, paid: true, price: 15000, currency: 'EUR', courseIds: [courseId] },
    });
    const batchId = json<{ id: string }>(created).id;
    const results = await Promise.all(Array.from({ length: 20 }, () => env.req('POST', '/api/payments/checkout', { as: learner, body: { batchId } })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([...Array<number>(19).fill(200), 201]);
    expect(await paymentsOf(learner.id)).toHaveLength(1);
  }, 120_000);

  it('a checkout whose Stripe session expired without a webhook ends that payment (expired) and opens a new one: 201', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const old = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    standin.expire(old.gatewayReference!);
    const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } });
    expect(res.statusCode, res.body).toBe(201);
    const fresh = json<CheckoutResult>(res);
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.gatewayReference).not.toBe(old.gatewayReference);
    expect(new Map((await paymentsOf(learner.id)).map((r) => [r.id, r.status]))).toEqual(new Map([[old.id, 'expired'], [fresh.id, 'pending']]));
  });

  it('a course unpublished and closed to self-enrollment after the checkout began: the paid webhook still enrolls the payer', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    const closed = await env.req('PATCH', `/api/courses/${courseId}`, { as: mod, body: { published: false, disableSelfEnrollment: true } });
    expect(closed.statusCode, closed.body).toBe(200);
    const ev = standin.signedEvent('checkout.session.completed', standin.complete(p.gatewayReference!), WHSEC);
    const res = await webhook(env, ev.payload, ev.signature);
    expect([res.statusCode, json(res).outcome], res.body).toEqual([200, 'processed']);
    const e = await env.ctx.db.selectFrom('enrollments').select(['id', 'source', 'payment_id']).where('member_id', '=', learner.id).where('course_id', '=', courseId).execute();
    expect(e.map((x) => [x.source, x.payment_id])).toEqual([['self', p.id]]);
    expect(json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: learner }))).toMatchObject({ status: 'paid', enrollmentId: e[0]!.id });
    // Nobody else can start buying it now.
    const other = await env.user();
    const refused = await env.req('POST', '/api/payments/checkout', { as: other, body: { courseId } });
    expect([refused.statusCode, json(refused).code]).toEqual([422, 'COURSE_NOT_PUBLISHED']);
  });

  it('a batch unpublished after the checkout began: the paid webhook still gives the payer their seat', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env);
    const created = await env.req('POST', '/api/batches', {
      as: mod,
      body: { title: 'Spring cohort', startDate: '2026-03-01', endDate: '2026-05-31', timezone: 'Europe/Berlin', published: true, allowSelfEnrollment: true, paid: true, price: 9900, currency: 'EUR', courseIds: [courseId] },
    });
    const batchId = json<{ id: string }>(created).id;
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { batchId } }));
    const hidden = await env.req('PATCH', `/api/batches/${batchId}`, { as: mod, body: { published: false } });
    expect(hidden.statusCode, hidden.body).toBe(200);
    const ev = standin.signedEvent('checkout.session.completed', standin.complete(p.gatewayReference!), WHSEC);
    const res = await webhook(env, ev.payload, ev.signature);
    expect([res.statusCode, json(res).outcome], res.body).toEqual([200, 'processed']);
    const members = await env.ctx.db.selectFrom('batch_members').select('member_id').where('batch_id', '=', batchId).execute();
    expect(members.map((m) => m.member_id)).toEqual([learner.id]);
  });

  it('paying again for a course once paid is refused (already enrolled) and calls no gateway', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    await paidThroughStripe(env, standin, learner, { courseId });
    const calls = callsTo(standin, '/v1/checkout/sessions');
    const again = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } });
    expect([again.statusCode, json(again).code]).toEqual([409, 'ALREADY_ENROLLED']);
    expect(callsTo(standin, '/v1/checkout/sessions')).toBe(calls);
  });
});
