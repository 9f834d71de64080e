import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { registerComplianceRoutes } from './compliance/index.ts';
import { registerDocumentRoutes } from './documents/index.ts';
import { registerEmployeeImportRoutes, registerEmployeeRoutes } from './employees/index.ts';
import { registerOnboardingRoutes } from './onboarding/index.ts';

export { addDays, addMonths } from './dates.ts';
export type { OnboardingHookItem } from './hr-hooks.ts';

/** The HR side's routes: employees (and their import), onboarding, documents, compliance. */
export function registerHrRoutes(app: App, ctx: AppContext): void {
  registerEmployeeRoutes(app, ctx);
  registerEmployeeImportRoutes(app, ctx);
  registerOnboardingRoutes(app, ctx);
  registerDocumentRoutes(app, ctx);
  registerComplianceRoutes(app, ctx);
}
