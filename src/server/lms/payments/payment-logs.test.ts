import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { SK, WHSEC, useGateway, webhook } from '../../../../test/helpers/payments.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import type { CheckoutResult } from '../../../contract/payments.ts';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

/** Every line the app logs, at trace level, for this file. */
const lines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(chunk.toString('utf8'));
    done();
  },
});

describeDb(
  'payments: secrets are never logged',
  (env) => {
    it('checkout, webhooks, return page, refund and settings at trace level log neither the Stripe keys, nor session cookies, nor Stripe-Signature values', async () => {
      const admin = await env.user(['System Manager']);
      const mod = await env.user(['Moderator']);
      const learner = await env.user();
      const secrets = new Set<string>([SK, WHSEC, admin.cookie.split('=')[1]!, mod.cookie.split('=')[1]!, learner.cookie.split('=')[1]!]);
      await useGateway(env, standin, admin, 'stripe');
      const rotated = await env.req('PATCH', '/api/settings', { as: admin, body: { stripeSecretKey: `${SK}_rotated`, stripeWebhookSecret: `${WHSEC}_rotated` } });
      expect(rotated.statusCode).toBe(200);
      await useGateway(env, standin, admin, 'stripe');
      secrets.add(`${SK}_rotated`).add(`${WHSEC}_rotated`);

      const { courseId } = await makeCourse(env, { paid: true });
      const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
      const session = standin.complete(p.gatewayReference!);
      const bad = standin.signedEvent('checkout.session.completed', session, 'whsec_wrong');
      expect((await webhook(env, bad.payload, bad.signature)).statusCode).toBe(400);
      const stranger = standin.signedEvent('checkout.session.completed', { ...session, metadata: { paymentId: 'not-ours' }, client_reference_id: null }, WHSEC);
      expect((await webhook(env, stranger.payload, stranger.signature)).statusCode).toBe(200);
      const good = standin.signedEvent('checkout.session.completed', session, WHSEC);
      expect((await webhook(env, good.payload, good.signature)).statusCode).toBe(200);
      expect((await env.req('POST', `/api/payments/${p.id}/confirm`, { as: learner })).statusCode).toBe(200);
      standin.failNext = 2;
      expect((await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Test', revokeAccess: false } })).statusCode).toBe(502);
      expect((await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Test', revokeAccess: false } })).statusCode).toBe(200);
      for (const sig of [bad.signature, stranger.signature, good.signature]) secrets.add(sig.split(',v1=')[1]!).add(sig);

      const text = lines.join('');
      // The log was written: requests, the webhook for a payment not ours, the gateway failure.
      expect(text).toContain('/api/payments/webhooks/stripe');
      expect(text).toContain('stripe webhook for an unknown payment ignored');
      expect(text).toContain('PAYMENT_GATEWAY_FAILED');
      for (const s of secrets) expect(text.includes(s), `a secret in the log: ${s.slice(0, 12)}…`).toBe(false);
    });

    it('the logger redacts cookies, credentials, Stripe signatures and payment secrets wherever a request or settings object is logged', () => {
      const from = lines.length;
      env.ctx.log.info(
        {
          req: { headers: { cookie: 'smooth_session=abc123secret', authorization: 'Bearer sk_live_x1', 'stripe-signature': 't=1,v1=deadbeef' } },
          res: { headers: { 'set-cookie': 'smooth_session=abc123secret' } },
          settings: { stripeSecretKey: 'sk_live_x2', stripeWebhookSecret: 'whsec_x3' },
        },
        'probe',
      );
      const text = lines.slice(from).join('');
      expect(text).toContain('probe');
      expect(text).toContain('[redacted]');
      for (const s of ['abc123secret', 'sk_live_x1', 'deadbeef', 'sk_live_x2', 'whsec_x3']) expect(text).not.toContain(s);
    });
  },
  { logStream },
);
