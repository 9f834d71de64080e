export { registerPaymentRoutes } from './payment.routes.ts';
export { registerStripeWebhookRoute } from './webhook.routes.ts';
export { PAYMENT_STAFF } from './payment.policy.ts';
export { createCoupon } from './coupon.service.ts';
