import os from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { callsTo, paidThroughStripe, useGateway } from '../../../../test/helpers/payments.ts';
import { assertDatabaseIntact, fetchAs, killHard, startServerProcess, stopServer, waitUntil } from '../../../../test/helpers/server-process.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import type { Payment } from '../../../contract/payments.ts';

const REFUNDS = '/v1/refunds';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

describeDb('refunds cut off by a killed process', (env) => {
  it('kill -9 after the claim, while the gateway holds the refund: after a restart the retry completes it at once, as first asked, with one refund at the gateway', async () => {
    const admin = await env.user(['System Manager']);
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    await useGateway(env, standin, admin, 'stripe');
    const { courseId } = await makeCourse(env, { paid: true });
    const p = await paidThroughStripe(env, standin, learner, { courseId });
    const payment = () =>
      env.ctx.db
        .selectFrom('payments')
        .select(['status', 'refund_started_at', 'refund_reason', 'refund_revoke_access', 'refund_owner', 'access_revoked'])
        .where('id', '=', p.id)
        .executeTakeFirstOrThrow();
    const enrollment = () => env.ctx.db.selectFrom('enrollments').select('id').where('member_id', '=', learner.id).where('course_id', '=', courseId).executeTakeFirst();
    expect(await enrollment()).toBeDefined();

    // The stand-in holds the refund call open: the server is inside step 2 (claimed, no answer yet).
    let release!: () => void;
    standin.holdRefunds = new Promise<void>((r) => (release = r));
    const calls = callsTo(standin, REFUNDS);
    const refunds = standin.refunds.length;
    const stripeEnv = { SMOOTH_STRIPE_API_URL: standin.url };
    const first = await startServerProcess(env, stripeEnv);
    try {
      const cut = fetchAs(first.url, mod, 'POST', `/api/payments/${p.id}/refund`, { reason: 'Bought by mistake', revokeAccess: true }).catch((e: unknown) => e);
      await waitUntil('the refund call at the gateway', async () => callsTo(standin, REFUNDS) > calls);
      const claimed = await payment();
      expect(claimed).toMatchObject({ status: 'paid', refund_reason: 'Bought by mistake', refund_revoke_access: 1 });
      expect(claimed.refund_started_at).not.toBeNull();
      expect(claimed.refund_owner?.startsWith(`${os.hostname()}:${first.child.pid}:`), String(claimed.refund_owner)).toBe(true);
      await killHard(first.child);
      expect(await cut).toBeInstanceOf(Error);
    } finally {
      await killHard(first.child);
    }
    // Stripe got the request before the process died and gives the money back all the same.
    release();
    standin.holdRefunds = null;
    await waitUntil('the held refund at the gateway', () => Promise.resolve(standin.refunds.length > refunds));

    // The process died with the claim: the refund is under way, the access not yet ended.
    const left = await payment();
    expect(left.status).toBe('paid');
    expect(left.refund_started_at).not.toBeNull();
    expect(await enrollment()).toBeDefined();

    const second = await startServerProcess(env, stripeEnv);
    try {
      const seen = await fetchAs(second.url, mod, 'GET', `/api/payments/${p.id}`);
      expect(((await seen.json()) as Payment).refundStartedAt).toBe(left.refund_started_at);
      // At once, although the claim's lease has not run out: its process is gone. As first asked
      // (the retry's own reason and choice are not used); the same idempotency key at the gateway.
      const retry = await fetchAs(second.url, mod, 'POST', `/api/payments/${p.id}/refund`, { reason: 'Retry', revokeAccess: false });
      expect(retry.status, await retry.clone().text()).toBe(200);
      expect((await retry.json()) as Payment).toMatchObject({ status: 'refunded', refundReason: 'Bought by mistake', accessRevoked: true });
      const again = await fetchAs(second.url, mod, 'POST', `/api/payments/${p.id}/refund`, { reason: 'Again', revokeAccess: false });
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ code: 'PAYMENT_NOT_REFUNDABLE' });
    } finally {
      await stopServer(second.child);
    }
    // One refund at the gateway: the retry's call was answered with the first one's result.
    expect(standin.refunds.length).toBe(refunds + 1);
    const keys = standin.requests.filter((r) => r.path === REFUNDS).slice(-2).map((r) => r.idempotencyKey);
    expect(keys[0]).toBeDefined();
    expect(keys[1]).toBe(keys[0]);
    expect(await payment()).toMatchObject({ status: 'refunded', refund_owner: null, access_revoked: 1 });
    expect(await enrollment()).toBeUndefined();
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select('after_json')
      .where('entity', '=', 'payment')
      .where('entity_id', '=', p.id)
      .where('action', '=', 'update')
      .orderBy('id')
      .execute();
    expect(JSON.parse(String(audit.at(-1)!.after_json))).toMatchObject({ status: 'refunded', reason: 'Bought by mistake', accessRevoked: true });
    expect(json<Payment>(await env.req('GET', `/api/payments/${p.id}`, { as: mod })).status).toBe('refunded');
    assertDatabaseIntact(env);
  }, 180_000);
});
