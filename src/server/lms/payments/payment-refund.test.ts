import os from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { callsTo, paidThroughStripe, useGateway } from '../../../../test/helpers/payments.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import type { Payment } from '../../../contract/payments.ts';
import { nowIso } from '../../db/dialect.ts';
import { PROCESS_OWNER } from '../../platform/process-owner.ts';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

const REFUNDS = '/v1/refunds';

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describeDb('payments: refunds claim, call the gateway outside any transaction, then finish', (env) => {
  let admin: TestUser;
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    admin = await env.user(['System Manager']);
    mod = await env.user(['Moderator']);
  });

  const enrollmentOf = (id: string) => env.ctx.db.selectFrom('enrollments').select('id').where('id', '=', id).execute();

  it('5 parallel refunds of one payment: one gateway refund, the others 409 REFUND_IN_PROGRESS; while the gateway works the payment shows the refund under way and the database takes other writes', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = await paidThroughStripe(env, standin, learner, { courseId });
    let release = () => {};
    standin.holdRefunds = new Promise<void>((r) => (release = r));
    const before = callsTo(standin, REFUNDS);
    const first = env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Bought by mistake', revokeAccess: true } });
    await until(() => callsTo(standin, REFUNDS) === before + 1, 'the refund call at the stand-in');
    // The gateway holds the call: nothing is locked meanwhile (a checkout by someone else writes).
    const other = await env.user();
    const elsewhere = await makeCourse(env, { paid: true });
    const unrelated = await env.req('POST', '/api/payments/checkout', { as: other, body: { courseId: elsewhere.courseId } });
    expect(unrelated.statusCode, unrelated.body).toBe(201);
    const during = json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: mod }));
    expect(during).toMatchObject({ status: 'paid', refundReason: 'Bought by mistake' });
    expect(during.refundStartedAt).toMatch(/^\d{4}-/);
    const others = await Promise.all([1, 2, 3, 4].map(() => env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Again', revokeAccess: false } })));
    for (const r of others) expect([r.statusCode, json(r).code], r.body).toEqual([409, 'REFUND_IN_PROGRESS']);
    release();
    standin.holdRefunds = null;
    const done = await first;
    expect(done.statusCode, done.body).toBe(200);
    expect(json<Payment>(done)).toMatchObject({ status: 'refunded', refundReason: 'Bought by mistake', accessRevoked: true });
    expect(callsTo(standin, REFUNDS)).toBe(before + 1);
    expect(standin.refunds.at(-1)).toEqual({ payment_intent: standin.sessions.get(p.gatewayReference!)!.payment_intent, amount: 4900 });
    expect(await enrollmentOf(json<Payment>(done).enrollmentId!)).toEqual([]);
    const late = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Late', revokeAccess: false } });
    expect([late.statusCode, json(late).code]).toEqual([409, 'PAYMENT_NOT_REFUNDABLE']);
    const audits = await env.ctx.db.selectFrom('audit_log').select('after_json').where('entity', '=', 'payment').where('entity_id', '=', p.id).where('after_json', 'like', '%refunded%').execute();
    expect(audits).toHaveLength(1);
  }, 60_000);

  it('the gateway does not answer: 502, the payment stays paid with the refund under way; a retry completes it as first asked, with one refund at the gateway', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = await paidThroughStripe(env, standin, learner, { courseId });
    const refunded = standin.refunds.length;
    standin.failNext = 2; // the call and the SDK's one retry
    const down = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Course cancelled', revokeAccess: false } });
    expect([down.statusCode, json(down).code]).toEqual([502, 'PAYMENT_GATEWAY_FAILED']);
    const under = json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: mod }));
    expect(under).toMatchObject({ status: 'paid', refundReason: 'Course cancelled' });
    expect(under.refundStartedAt).not.toBeNull();
    expect(standin.refunds.length).toBe(refunded);
    const retry = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Retry', revokeAccess: true } });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(json<Payment>(retry)).toMatchObject({ status: 'refunded', refundReason: 'Course cancelled', accessRevoked: false });
    expect(standin.refunds.length).toBe(refunded + 1);
    expect(await enrollmentOf(json<Payment>(retry).enrollmentId!)).toHaveLength(1);
  });

  it('a server stopped between the claim and the end leaves the refund under way: a retry is 409 while its claim lasts, and completes it once the claim has run out', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = await paidThroughStripe(env, standin, learner, { courseId });
    // What a process killed during the gateway call leaves behind: the claim, nothing else.
    const claimedAt = new Date(Date.now() - 1000).toISOString();
    await env.ctx.db
      .updateTable('payments')
      .set({ refund_started_at: claimedAt, refund_reason: 'Duplicate purchase', refund_revoke_access: 1, refund_lease_until: new Date(Date.now() + 60_000).toISOString() })
      .where('id', '=', p.id)
      .execute();
    const row = json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: mod }));
    expect(row).toMatchObject({ status: 'paid', refundStartedAt: claimedAt });
    const held = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'x', revokeAccess: false } });
    expect([held.statusCode, json(held).code]).toEqual([409, 'REFUND_IN_PROGRESS']);
    await env.ctx.db.updateTable('payments').set({ refund_lease_until: new Date(Date.now() - 1000).toISOString() }).where('id', '=', p.id).execute();
    const calls = callsTo(standin, REFUNDS);
    const retry = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Finishing', revokeAccess: false } });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(json<Payment>(retry)).toMatchObject({ status: 'refunded', refundReason: 'Duplicate purchase', accessRevoked: true });
    expect(callsTo(standin, REFUNDS)).toBe(calls + 1);
  });

  it('a claim whose process is gone on this machine is taken over at once; one held elsewhere (or by this live process) waits for its lease', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = await paidThroughStripe(env, standin, learner, { courseId });
    const claim = (owner: string) =>
      env.ctx.db
        .updateTable('payments')
        .set({ refund_started_at: nowIso(), refund_reason: 'Left by a crash', refund_revoke_access: 0, refund_lease_until: new Date(Date.now() + 60_000).toISOString(), refund_owner: owner })
        .where('id', '=', p.id)
        .execute();
    for (const owner of ['another-host.example:4242:99', PROCESS_OWNER]) {
      await claim(owner);
      const held = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'x', revokeAccess: false } });
      expect([held.statusCode, json(held).code], owner).toEqual([409, 'REFUND_IN_PROGRESS']);
    }
    // No process of this machine has this id (pids stay below 2^22).
    await claim(`${os.hostname()}:${2 ** 22 + 1}:1`);
    const calls = callsTo(standin, REFUNDS);
    const retry = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Finishing', revokeAccess: false } });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(json<Payment>(retry)).toMatchObject({ status: 'refunded', refundReason: 'Left by a crash' });
    expect(callsTo(standin, REFUNDS)).toBe(calls + 1);
  });

  it('bad refund requests answer clearly and claim nothing', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = json<Payment>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-5' } });
    const cases: [unknown, number, string][] = [
      [{}, 400, 'VALIDATION_FAILED'],
      [{ reason: 42, revokeAccess: false }, 400, 'VALIDATION_FAILED'],
      [{ reason: 'x'.repeat(1001), revokeAccess: false }, 400, 'VALIDATION_FAILED'],
      [{ reason: 'ok', revokeAccess: 'yes' }, 400, 'VALIDATION_FAILED'],
      [{ reason: 'ok', revokeAccess: false, extra: 1 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body });
      expect([res.statusCode, json(res).code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect((await env.req('POST', `/api/payments/${p.id}/refund`, { as: learner, body: { reason: 'mine', revokeAccess: false } })).statusCode).toBe(403);
    const unknown = await env.req('POST', '/api/payments/zzzzzzzzzzzzzzzzzzzzzzzzzz/refund', { as: mod, body: { reason: 'x', revokeAccess: false } });
    expect([unknown.statusCode, json(unknown).code]).toEqual([404, 'NOT_FOUND']);
    const row = await env.ctx.db.selectFrom('payments').select(['status', 'refund_started_at', 'refund_reason', 'refund_lease_until']).where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'paid', refund_started_at: null, refund_reason: null, refund_lease_until: null });
  });
});
