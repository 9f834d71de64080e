import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { handleStripeWebhook } from './webhook.service.ts';

/** Stripe event bodies are small; a larger body is not an event of ours. */
const WEBHOOK_BODY_LIMIT = 256 * 1024;

/**
 * POST /api/payments/webhooks/stripe. In its own scope, JSON bodies stay the raw bytes: the
 * signature covers exactly what Stripe sent, so the body is verified before it is parsed.
 */
export function registerStripeWebhookRoute(app: App, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post(
      '/api/payments/webhooks/stripe',
      {
        config: { access: 'public', problems: ['WEBHOOK_SIGNATURE_INVALID'] },
        schema: {
          tags: ['payments'],
          summary: 'Stripe webhook: checkout.session.completed pays and enrolls; expired ends the payment',
          description:
            'The raw body is verified against the `Stripe-Signature` header with the webhook secret from Settings (events older than 5 minutes are refused). The same event twice changes nothing; event types not acted on answer 200 and write nothing. A paid batch whose seats were all taken before the payment arrived answers 200 too: the payment stays paid without a membership, flagged `attention: "batch_full"` for staff (who are notified and may refund it).',
          response: { 200: z.object({ received: z.literal(true), outcome: z.enum(['processed', 'duplicate', 'ignored']) }) },
        },
      },
      async (req) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const sig = req.headers['stripe-signature'];
        return handleStripeWebhook(ctx, body, typeof sig === 'string' ? sig : undefined);
      },
    );
  });
}
