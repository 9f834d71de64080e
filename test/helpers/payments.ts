/** Shared steps of the payments tests: the gateway settings, signed webhooks, paid checkouts. */
import { expect } from 'vitest';
import { json, type TestEnv, type TestUser } from './harness.ts';
import type { StripeStandin } from './stripe-standin.ts';
import type { CheckoutResult } from '../../src/contract/payments.ts';

export const WHSEC = 'whsec_testsecret123';
export const SK = 'sk_test_standinkey123';

export async function useGateway(env: TestEnv, standin: StripeStandin, admin: TestUser, gateway: 'stripe' | 'manual'): Promise<void> {
  env.ctx.config.stripeApiUrl = standin.url;
  const res = await env.req('PATCH', '/api/settings', { as: admin, body: { paymentGateway: gateway, stripeSecretKey: SK, stripeWebhookSecret: WHSEC } });
  expect(res.statusCode, res.body).toBe(200);
}

export function webhook(env: TestEnv, payload: string, signature?: string) {
  return env.req('POST', '/api/payments/webhooks/stripe', {
    body: payload,
    headers: { 'content-type': 'application/json; charset=utf-8', ...(signature ? { 'stripe-signature': signature } : {}) },
  });
}

/** Checkout through Stripe, paid at the stand-in, the signed completed event delivered: the paid payment. */
export async function paidThroughStripe(env: TestEnv, standin: StripeStandin, learner: TestUser, body: { courseId: string } | { batchId: string }): Promise<CheckoutResult> {
  const res = await env.req('POST', '/api/payments/checkout', { as: learner, body });
  expect(res.statusCode, res.body).toBe(201);
  const p = json<CheckoutResult>(res);
  const ev = standin.signedEvent('checkout.session.completed', standin.complete(p.gatewayReference!), WHSEC);
  const hook = await webhook(env, ev.payload, ev.signature);
  expect([hook.statusCode, json(hook).outcome], hook.body).toEqual([200, 'processed']);
  return p;
}

/** Calls the stand-in received on one API path. */
export function callsTo(standin: StripeStandin, path: string): number {
  return standin.requests.filter((r) => r.path === path).length;
}
