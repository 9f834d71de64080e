export { registerPaymentRoutes } from './payment.routes.ts';
export { registerStripeWebhookRoute } from './webhook.routes.ts';
