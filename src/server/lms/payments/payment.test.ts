import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import type { CheckoutResult, Coupon, Payment } from '../../../contract/payments.ts';

const WHSEC = 'whsec_testsecret123';
const SK = 'sk_test_standinkey123';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

async function useGateway(env: TestEnv, admin: TestUser, gateway: 'stripe' | 'manual'): Promise<void> {
  env.ctx.config.stripeApiUrl = standin.url;
  const res = await env.req('PATCH', '/api/settings', { as: admin, body: { paymentGateway: gateway, stripeSecretKey: SK, stripeWebhookSecret: WHSEC } });
  expect(res.statusCode, res.body).toBe(200);
}

async function writes(env: TestEnv) {
  return {
    payments: await env.count('payments'),
    enrollments: await env.count('enrollments'),
    events: await env.count('processed_webhook_events'),
    audit: await env.count('audit_log'),
  };
}

function webhook(env: TestEnv, payload: string, signature?: string) {
  return env.req('POST', '/api/payments/webhooks/stripe', {
    body: payload,
    headers: { 'content-type': 'application/json; charset=utf-8', ...(signature ? { 'stripe-signature': signature } : {}) },
  });
}

describeDb('payments: checkout, gateways, exactly-once enrollment', (env) => {
  let admin: TestUser;
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    admin = await env.user(['System Manager']);
    mod = await env.user(['Moderator']);
  });

  it('settings keep the Stripe secrets write-only: reads and the audit log say only whether they are set', async () => {
    await useGateway(env, admin, 'manual');
    const s = json<Record<string, unknown>>(await env.req('GET', '/api/settings', { as: admin }));
    expect(s.paymentGateway).toBe('manual');
    expect(s.stripeSecretKey).toEqual({ set: true });
    expect(s.stripeWebhookSecret).toEqual({ set: true });
    const audit = await env.ctx.db.selectFrom('audit_log').select(['before_json', 'after_json']).where('entity', '=', 'settings').execute();
    expect(JSON.stringify(audit)).not.toContain(SK);
    expect(JSON.stringify(audit)).not.toContain(WHSEC);
    const bad = await env.req('PATCH', '/api/settings', { as: admin, body: { stripeSecretKey: 'pk_live_public' } });
    expect([bad.statusCode, json(bad).code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('manual gateway: checkout is pending with the price in minor units; staff mark it paid with the invoice number, which enrolls (source self, paymentId)', async () => {
    await useGateway(env, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } });
    expect(res.statusCode, res.body).toBe(201);
    const p = json<CheckoutResult>(res);
    expect(p).toMatchObject({ status: 'pending', amount: 4900, currency: 'EUR', gateway: 'manual', courseId, memberId: learner.id });
    expect(p.checkoutUrl).toBeUndefined();
    // Self-enrolling still needs the payment.
    const enroll = await env.req('POST', `/api/courses/${courseId}/enroll`, { as: learner });
    expect([enroll.statusCode, json(enroll).code]).toEqual([402, 'PAYMENT_REQUIRED']);
    // The learner may not mark it paid themselves.
    expect((await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: learner, body: { invoiceNumber: 'INV-1' } })).statusCode).toBe(403);
    const noInvoice = await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: {} });
    expect([noInvoice.statusCode, json(noInvoice).code]).toEqual([400, 'VALIDATION_FAILED']);
    const paid = await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-2026-001' } });
    expect(paid.statusCode, paid.body).toBe(200);
    const after = json<Payment>(paid);
    expect(after).toMatchObject({ status: 'paid', invoiceNumber: 'INV-2026-001' });
    const row = await env.ctx.db.selectFrom('enrollments').selectAll().where('member_id', '=', learner.id).where('course_id', '=', courseId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ id: after.enrollmentId, source: 'self', payment_id: p.id, created_by: mod.id });
    // Again: the same answer, nothing new.
    const before = await writes(env);
    const again = await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-2026-001' } });
    expect(again.statusCode).toBe(200);
    expect(json<Payment>(again).enrollmentId).toBe(after.enrollmentId);
    expect(await writes(env)).toEqual(before);
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'payment').where('entity_id', '=', p.id).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['create', 'update']);
  });

  it('bad checkouts answer clearly and write nothing', async () => {
    await useGateway(env, admin, 'manual');
    const learner = await env.user();
    const paid = await makeCourse(env, { paid: true });
    const free = await makeCourse(env);
    const draft = await makeCourse(env, { paid: true, published: false });
    const closed = await makeCourse(env, { paid: true, disableSelfEnrollment: true });
    const enrolledIn = await makeCourse(env, { paid: true });
    const adminEnroll = await env.req('POST', '/api/enrollments', { as: admin, body: { courseId: enrolledIn.courseId, memberId: learner.id } });
    expect(adminEnroll.statusCode, adminEnroll.body).toBe(201);
    const before = await writes(env);
    const cases: [unknown, number, string][] = [
      [{}, 400, 'VALIDATION_FAILED'],
      [{ courseId: paid.courseId, batchId: paid.courseId }, 400, 'VALIDATION_FAILED'],
      [{ courseId: 42 }, 400, 'VALIDATION_FAILED'],
      [{ courseId: paid.courseId, extra: true }, 400, 'VALIDATION_FAILED'],
      [{ courseId: paid.courseId, couponCode: 'x'.repeat(41) }, 400, 'VALIDATION_FAILED'],
      [{ courseId: "1' or '1'='1" }, 400, 'VALIDATION_FAILED'],
      [{ courseId: 'zzzzzzzzzzzzzzzzzzzzzzzzzz' }, 404, 'NOT_FOUND'],
      [{ courseId: free.courseId }, 422, 'NOTHING_TO_PAY'],
      [{ courseId: draft.courseId }, 422, 'COURSE_NOT_PUBLISHED'],
      [{ courseId: closed.courseId }, 422, 'SELF_ENROLLMENT_DISABLED'],
      [{ courseId: paid.courseId, couponCode: 'NO-SUCH-CODE' }, 422, 'COUPON_INVALID'],
      [{ batchId: 'zzzzzzzzzzzzzzzzzzzzzzzzzz' }, 404, 'NOT_FOUND'],
      [{ courseId: enrolledIn.courseId }, 409, 'ALREADY_ENROLLED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await env.req('POST', '/api/payments/checkout', { as: learner, body });
      expect([res.statusCode, json(res).code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect((await env.req('POST', '/api/payments/checkout', { body: { courseId: paid.courseId } })).statusCode).toBe(401);
    const after = await writes(env);
    expect(after).toEqual(before);
  });

  it('a coupon in another currency, expired, not yet valid or for another course is refused; its uses stay', async () => {
    await useGateway(env, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const other = await makeCourse(env, { paid: true });
    const mk = async (body: Record<string, unknown>) => json<Coupon>(await env.req('POST', '/api/coupons', { as: mod, body }));
    const usd = await mk({ code: 'USD5', amountOff: 500, currency: 'USD' });
    const old = await mk({ code: 'OLD10', percentOff: 10, validUntil: '2020-01-01' });
    const later = await mk({ code: 'LATER10', percentOff: 10, validFrom: '2999-01-01' });
    const elsewhere = await mk({ code: 'ELSEWHERE', percentOff: 10, courseIds: [other.courseId] });
    const before = await writes(env);
    for (const c of [usd, old, later, elsewhere]) {
      const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: c.code.toLowerCase() } });
      expect([res.statusCode, json(res).code], c.code).toEqual([422, 'COUPON_INVALID']);
    }
    expect(await writes(env)).toEqual(before);
    const uses = await env.ctx.db.selectFrom('coupons').select('uses').where('code', 'in', ['USD5', 'OLD10', 'LATER10', 'ELSEWHERE']).execute();
    expect(uses.map((u) => Number(u.uses))).toEqual([0, 0, 0, 0]);
  });

  it('coupon validation: bad bodies and duplicate codes', async () => {
    const before = await env.count('coupons');
    const bad: unknown[] = [
      { code: 'A1' },
      { code: 'BOTH', percentOff: 10, amountOff: 100, currency: 'EUR' },
      { code: 'NEG', amountOff: -5, currency: 'EUR' },
      { code: 'NOCUR', amountOff: 500 },
      { code: 'BADCUR', amountOff: 500, currency: 'EURO' },
      { code: 'PCT', percentOff: 101 },
      { code: 'WIN', percentOff: 5, validFrom: '2026-05-01', validUntil: '2026-04-01' },
      { code: 'bad code!', percentOff: 5 },
      { code: 'UNK', percentOff: 5, courseIds: ['zzzzzzzzzzzzzzzzzzzzzzzzzz'] },
    ];
    for (const body of bad) {
      const res = await env.req('POST', '/api/coupons', { as: mod, body });
      expect([res.statusCode, json(res).code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
    const learner = await env.user();
    expect((await env.req('POST', '/api/coupons', { as: learner, body: { code: 'MINE', percentOff: 100 } })).statusCode).toBe(403);
    expect((await env.req('POST', '/api/coupons', { as: mod, body: { code: 'dup-1', percentOff: 5 } })).statusCode).toBe(201);
    const dup = await env.req('POST', '/api/coupons', { as: mod, body: { code: 'DUP-1', percentOff: 7 } });
    expect([dup.statusCode, json(dup).code]).toEqual([409, 'COUPON_EXISTS']);
    expect(await env.count('coupons')).toBe(before + 1);
  });

  it('a coupon with 5 uses under 20 concurrent checkouts: exactly 5 are taken', async () => {
    await useGateway(env, admin, 'manual');
    const { courseId } = await makeCourse(env, { paid: true });
    expect((await env.req('POST', '/api/coupons', { as: mod, body: { code: 'RACE5', percentOff: 20, maxUses: 5, courseIds: [courseId] } })).statusCode).toBe(201);
    const learners = await Promise.all(Array.from({ length: 20 }, () => env.user()));
    const before = await env.count('payments');
    const results = await Promise.all(learners.map((l) => env.req('POST', '/api/payments/checkout', { as: l, body: { courseId, couponCode: 'race5' } })));
    const created = results.filter((r) => r.statusCode === 201);
    expect(created).toHaveLength(5);
    expect(results.filter((r) => r.statusCode === 422 && json(r).code === 'COUPON_INVALID')).toHaveLength(15);
    for (const r of created) expect(json<Payment>(r)).toMatchObject({ amount: 3920, discount: 980, couponCode: 'RACE5' });
    expect(await env.count('payments')).toBe(before + 5);
    const c = await env.ctx.db.selectFrom('coupons').select('uses').where('code', '=', 'RACE5').executeTakeFirstOrThrow();
    expect(Number(c.uses)).toBe(5);
  }, 120_000);

  it('100% off enrolls at once without a gateway', async () => {
    await useGateway(env, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    await env.req('POST', '/api/coupons', { as: mod, body: { code: 'FREE100', percentOff: 100 } });
    const calls = standin.requests.length;
    const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'FREE100' } });
    expect(res.statusCode, res.body).toBe(201);
    const p = json<CheckoutResult>(res);
    expect(p).toMatchObject({ status: 'paid', amount: 0, discount: 4900, gateway: 'none' });
    expect(p.checkoutUrl).toBeUndefined();
    expect(standin.requests.length).toBe(calls);
    const e = await env.ctx.db.selectFrom('enrollments').selectAll().where('id', '=', p.enrollmentId!).executeTakeFirstOrThrow();
    expect(e).toMatchObject({ member_id: learner.id, course_id: courseId, source: 'self', payment_id: p.id });
  });

  it('Stripe: checkout opens a session with client_reference_id and metadata naming the payment', async () => {
    await useGateway(env, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true, title: 'Fire safety' });
    const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } });
    expect(res.statusCode, res.body).toBe(201);
    const p = json<CheckoutResult>(res);
    expect(p).toMatchObject({ status: 'pending', gateway: 'stripe', amount: 4900, currency: 'EUR' });
    const session = standin.sessions.get(p.gatewayReference!)!;
    expect(p.checkoutUrl).toBe(session.url);
    expect(session).toMatchObject({ client_reference_id: p.id, metadata: { paymentId: p.id }, amount_total: 4900, currency: 'eur', customer_email: learner.email });
    expect(session.success_url).toContain(`/lms/payments/${p.id}`);
    const call = standin.requests.findLast((r) => r.path === '/v1/checkout/sessions')!;
    expect(call.idempotencyKey).toBe(`checkout-${p.id}`);
    expect(call.form.get('line_items[0][price_data][product_data][name]')).toBe('Fire safety');
  });

  it('Stripe down: the checkout answers 502, the payment is failed and its coupon use given back', async () => {
    await useGateway(env, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    await env.req('POST', '/api/coupons', { as: mod, body: { code: 'DOWN10', percentOff: 10, maxUses: 1 } });
    standin.failNext = 2;
    const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'DOWN10' } });
    expect([res.statusCode, json(res).code]).toEqual([502, 'PAYMENT_GATEWAY_FAILED']);
    const rows = await env.ctx.db.selectFrom('payments').select('status').where('member_id', '=', learner.id).execute();
    expect(rows.map((r) => r.status)).toEqual(['failed']);
    const c = await env.ctx.db.selectFrom('coupons').select('uses').where('code', '=', 'DOWN10').executeTakeFirstOrThrow();
    expect(Number(c.uses)).toBe(0);
  });

  it('webhook: missing, bad or stale signatures are 400 and write nothing; unknown event types and wrong amounts or currencies are 200 and ignored', async () => {
    await useGateway(env, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    const session = standin.complete(p.gatewayReference!);
    const before = await writes(env);
    const good = standin.signedEvent('checkout.session.completed', session, WHSEC);
    const wrongSecret = standin.signedEvent('checkout.session.completed', session, 'whsec_other');
    const stale = standin.signedEvent('checkout.session.completed', session, WHSEC, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const tampered = good.payload.replace('"payment_status":"paid"', '"payment_status":"paid" ');
    for (const [payload, sig] of [
      [good.payload, undefined],
      [good.payload, 'garbage'],
      [wrongSecret.payload, wrongSecret.signature],
      [stale.payload, stale.signature],
      [tampered, good.signature],
    ] as [string, string | undefined][]) {
      const res = await webhook(env, payload, sig);
      expect([res.statusCode, json(res).code]).toEqual([400, 'WEBHOOK_SIGNATURE_INVALID']);
    }
    // Signed, but for another amount or currency than the payment asked: not ours to fulfil.
    for (const changed of [{ ...session, amount_total: 100 }, { ...session, currency: 'usd' }]) {
      const ev = standin.signedEvent('checkout.session.completed', changed, WHSEC);
      const res = await webhook(env, ev.payload, ev.signature);
      expect([res.statusCode, json(res).outcome]).toEqual([200, 'ignored']);
    }
    const other = standin.signedEvent('customer.created', session, WHSEC);
    const ignored = await webhook(env, other.payload, other.signature);
    expect(ignored.statusCode).toBe(200);
    expect(json(ignored)).toEqual({ received: true, outcome: 'ignored' });
    expect(await writes(env)).toEqual(before);
    expect(json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: learner })).status).toBe('pending');
  });

  it('the race: the webhook twice, a second event, the return page and a staff mark-paid create one enrollment', async () => {
    await useGateway(env, admin, 'stripe');
    for (let round = 0; round < 3; round++) {
      const learner = await env.user();
      const { courseId } = await makeCourse(env, { paid: true });
      const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
      const session = standin.complete(p.gatewayReference!);
      const a = standin.signedEvent('checkout.session.completed', session, WHSEC);
      const b = standin.signedEvent('checkout.session.completed', session, WHSEC);
      const eventsBefore = await env.count('processed_webhook_events');
      const results = await Promise.all([
        webhook(env, a.payload, a.signature),
        webhook(env, a.payload, a.signature),
        webhook(env, b.payload, b.signature),
        env.req('POST', `/api/payments/${p.id}/confirm`, { as: learner }),
        env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-RACE' } }),
      ]);
      for (const r of results) expect(r.statusCode, r.body).toBe(200);
      const rows = await env.ctx.db.selectFrom('enrollments').select(['id', 'payment_id', 'source']).where('member_id', '=', learner.id).execute();
      expect(rows.map((r) => [r.payment_id, r.source])).toEqual([[p.id, 'self']]);
      const payment = json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: learner }));
      expect(payment).toMatchObject({ status: 'paid', enrollmentId: rows[0]!.id });
      expect(json<Payment>(results[3]).enrollmentId).toBe(rows[0]!.id);
      expect(json<Payment>(results[4]).enrollmentId).toBe(rows[0]!.id);
      expect(await env.count('processed_webhook_events')).toBe(eventsBefore + 2);
      const outcomes = results.slice(0, 2).map((r) => json<{ outcome: string }>(r).outcome).sort();
      expect(outcomes).toEqual(['duplicate', 'processed']);
      const paidAudits = await env.ctx.db.selectFrom('audit_log').select('after_json').where('entity', '=', 'payment').where('entity_id', '=', p.id).where('action', '=', 'update').execute();
      expect(paidAudits).toHaveLength(1);
    }
  }, 120_000);

  it('an expired checkout ends the payment and gives its coupon use back; a later completed event changes nothing', async () => {
    await useGateway(env, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    await env.req('POST', '/api/coupons', { as: mod, body: { code: 'EXP10', percentOff: 10, maxUses: 1 } });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'EXP10' } }));
    expect(Number((await env.ctx.db.selectFrom('coupons').select('uses').where('code', '=', 'EXP10').executeTakeFirstOrThrow()).uses)).toBe(1);
    const session = standin.expire(p.gatewayReference!);
    const ev = standin.signedEvent('checkout.session.expired', session, WHSEC);
    expect((await webhook(env, ev.payload, ev.signature)).statusCode).toBe(200);
    expect(json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: learner })).status).toBe('expired');
    expect(Number((await env.ctx.db.selectFrom('coupons').select('uses').where('code', '=', 'EXP10').executeTakeFirstOrThrow()).uses)).toBe(0);
    const markLate = await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'X' } });
    expect([markLate.statusCode, json(markLate).code]).toEqual([409, 'PAYMENT_NOT_PENDING']);
    expect(await env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', learner.id).execute()).toEqual([]);
  });

  it('refund with revokeAccess: Stripe refunds, the enrollment ends (its progress kept in the audit log); a second refund is 409', async () => {
    await useGateway(env, admin, 'stripe');
    const learner = await env.user();
    const { courseId, lessonIds } = await makeCourse(env, { paid: true });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    const session = standin.complete(p.gatewayReference!);
    const ev = standin.signedEvent('checkout.session.completed', session, WHSEC);
    expect((await webhook(env, ev.payload, ev.signature)).statusCode).toBe(200);
    const done = await env.req('POST', `/api/lessons/${lessonIds[0]}/complete`, { as: learner });
    expect(done.statusCode, done.body).toBe(200);
    const paid = json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: learner }));
    const before = await writes(env);
    const noReason = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { revokeAccess: true } });
    expect([noReason.statusCode, json(noReason).code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await env.req('POST', `/api/payments/${p.id}/refund`, { as: learner, body: { reason: 'mine', revokeAccess: false } })).statusCode).toBe(403);
    expect(await writes(env)).toEqual(before);
    const res = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Bought twice by mistake', revokeAccess: true } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json<Payment>(res)).toMatchObject({ status: 'refunded', refundReason: 'Bought twice by mistake', accessRevoked: true });
    expect(standin.refunds.at(-1)).toEqual({ payment_intent: session.payment_intent, amount: 4900 });
    expect(await env.ctx.db.selectFrom('enrollments').select('id').where('id', '=', paid.enrollmentId!).execute()).toEqual([]);
    const gone = await env.ctx.db.selectFrom('audit_log').select(['before_json', 'after_json']).where('entity', '=', 'enrollment').where('entity_id', '=', paid.enrollmentId!).where('action', '=', 'delete').executeTakeFirstOrThrow();
    expect(gone.before_json).toContain(lessonIds[0]!);
    expect(gone.after_json).toContain('Bought twice by mistake');
    const again = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'again', revokeAccess: false } });
    expect([again.statusCode, json(again).code]).toEqual([409, 'PAYMENT_NOT_REFUNDABLE']);
  });

  it('refund without revoking keeps the enrollment; a pending payment cannot be refunded', async () => {
    await useGateway(env, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    const pending = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'x', revokeAccess: false } });
    expect([pending.statusCode, json(pending).code]).toEqual([409, 'PAYMENT_NOT_REFUNDABLE']);
    const paid = json<Payment>(await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-9' } }));
    const res = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Goodwill', revokeAccess: false } });
    expect(json<Payment>(res)).toMatchObject({ status: 'refunded', accessRevoked: false });
    expect(await env.ctx.db.selectFrom('enrollments').select('id').where('id', '=', paid.enrollmentId!).execute()).toHaveLength(1);
  });

  it('receipt PDF: organisation, course, amounts in the currency format; only for its member and staff', async () => {
    await useGateway(env, admin, 'manual');
    await env.req('PATCH', '/api/settings', { as: admin, body: { organisationName: 'Acme Training Ltd' } });
    const learner = await env.user(['LMS Student'], 'Zoë Łukasiewicz');
    const stranger = await env.user();
    const { courseId } = await makeCourse(env, { paid: true, title: 'Forklift basics' });
    await env.req('POST', '/api/coupons', { as: mod, body: { code: 'TEN-OFF', amountOff: 1000, currency: 'EUR' } });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'ten-off' } }));
    expect(p).toMatchObject({ amount: 3900, discount: 1000 });
    const unpaid = await env.req('GET', `/api/payments/${p.id}/receipt.pdf`, { as: learner });
    expect(unpaid.statusCode).toBe(404);
    await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-77' } });
    expect((await env.req('GET', `/api/payments/${p.id}/receipt.pdf`, { as: stranger })).statusCode).toBe(404);
    const res = await env.req('GET', `/api/payments/${p.id}/receipt.pdf`, { as: learner, headers: { 'accept-language': 'en-GB,en;q=0.8' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/pdf');
    const file = path.join(os.tmpdir(), `receipt-${p.id}.pdf`);
    fs.writeFileSync(file, res.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    fs.rmSync(file);
    expect(text).toContain('Acme Training Ltd');
    expect(text).toContain('Forklift basics');
    expect(text).toContain('Zoë Łukasiewicz');
    expect(text).toContain('€49.00');
    expect(text).toContain('€10.00');
    expect(text).toContain('€39.00');
    expect(text).toContain('INV-77');
    expect(text).toContain('TEN-OFF');
  });

  it('lists: learners see their own payments only; staff filter by member and status and export CSV', async () => {
    await useGateway(env, admin, 'manual');
    const a = await env.user();
    const b = await env.user();
    const { courseId } = await makeCourse(env, { paid: true, title: 'Ladder safety' });
    const pa = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: a, body: { courseId } }));
    const pb = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: b, body: { courseId } }));
    await env.req('POST', `/api/payments/${pb.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-B' } });
    const own = json<{ items: Payment[] }>(await env.req('GET', '/api/payments', { as: a }));
    expect(own.items.map((p) => p.id)).toEqual([pa.id]);
    const snoop = json<{ items: Payment[] }>(await env.req('GET', `/api/payments?memberId=${b.id}`, { as: a }));
    expect(snoop.items).toEqual([]);
    expect((await env.req('GET', `/api/payments/${pb.id}`, { as: a })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/payments?status=bogus`, { as: a })).statusCode).toBe(400);
    const staff = json<{ items: Payment[]; total: number }>(await env.req('GET', `/api/payments?memberId=${b.id}&status=paid&withTotal=true`, { as: mod }));
    expect(staff.items.map((p) => p.id)).toEqual([pb.id]);
    expect(staff.total).toBe(1);
    const page1 = json<{ items: Payment[]; nextCursor: string | null }>(await env.req('GET', `/api/payments?courseId=${courseId}&limit=1`, { as: mod }));
    expect(page1.items.map((p) => p.id)).toEqual([pb.id]);
    const page2 = json<{ items: Payment[]; nextCursor: string | null }>(await env.req('GET', `/api/payments?courseId=${courseId}&limit=1&cursor=${page1.nextCursor}`, { as: mod }));
    expect(page2.items.map((p) => p.id)).toEqual([pa.id]);
    const csv = await env.req('GET', `/api/payments/export.csv?courseId=${courseId}`, { as: mod });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain('Ladder safety');
    expect(csv.body).toContain('€49.00');
    expect(csv.body).toContain('INV-B');
    expect((await env.req('GET', '/api/payments/export.csv', { as: a })).statusCode).toBe(403);
  });

  it('a paid batch: checkout, mark-paid racing itself gives one membership through the batch entry point; refund ends it; a full batch is refused', async () => {
    await useGateway(env, admin, 'manual');
    const learner = await env.user();
    const other = await env.user();
    const { courseId } = await makeCourse(env);
    const created = await env.req('POST', '/api/batches', {
      as: mod,
      body: { title: 'Paid cohort', startDate: '2026-03-01', endDate: '2026-05-31', timezone: 'Europe/Berlin', seatCount: 1, published: true, allowSelfEnrollment: true, paid: true, price: 15000, currency: 'EUR', courseIds: [courseId] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const batchId = json<{ id: string }>(created).id;
    const join = await env.req('POST', `/api/batches/${batchId}/join`, { as: learner });
    expect([join.statusCode, json(join).code]).toEqual([402, 'PAYMENT_REQUIRED']);
    const res = await env.req('POST', '/api/payments/checkout', { as: learner, body: { batchId } });
    expect(res.statusCode, res.body).toBe(201);
    const p = json<CheckoutResult>(res);
    expect(p).toMatchObject({ batchId, courseId: null, amount: 15000, currency: 'EUR', itemTitle: 'Paid cohort', status: 'pending' });
    const results = await Promise.all([1, 2, 3].map((n) => env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: `INV-B${n}` } })));
    for (const r of results) expect(r.statusCode, r.body).toBe(200);
    const members = await env.ctx.db.selectFrom('batch_members').select('id').where('batch_id', '=', batchId).execute();
    expect(members).toHaveLength(1);
    expect(new Set(results.map((r) => json<Payment>(r).batchMemberId))).toEqual(new Set([members[0]!.id]));
    const e = await env.ctx.db.selectFrom('enrollments').select(['source', 'batch_id']).where('member_id', '=', learner.id).where('course_id', '=', courseId).executeTakeFirstOrThrow();
    expect(e).toEqual({ source: 'cohort', batch_id: batchId });
    // The only seat is taken: another learner cannot start paying.
    const before = await env.count('payments');
    const full = await env.req('POST', '/api/payments/checkout', { as: other, body: { batchId } });
    expect([full.statusCode, json(full).code]).toEqual([409, 'SEATS_FULL']);
    const again = await env.req('POST', '/api/payments/checkout', { as: learner, body: { batchId } });
    expect([again.statusCode, json(again).code]).toEqual([409, 'ALREADY_IN_BATCH']);
    expect(await env.count('payments')).toBe(before);
    const refund = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Cohort cancelled for this person', revokeAccess: true } });
    expect(json<Payment>(refund)).toMatchObject({ status: 'refunded', accessRevoked: true });
    expect(await env.ctx.db.selectFrom('batch_members').select('id').where('batch_id', '=', batchId).execute()).toEqual([]);
    const b = await env.ctx.db.selectFrom('batches').select('member_count').where('id', '=', batchId).executeTakeFirstOrThrow();
    expect(Number(b.member_count)).toBe(0);
  });
});
