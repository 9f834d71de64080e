export { createOnboardings } from './onboarding.service.ts';
export { registerOnboardingRoutes } from './onboarding.routes.ts';
