export { complianceExpiryJob, complianceOfEmployee } from './compliance.service.ts';
export { registerComplianceRoutes } from './compliance.routes.ts';
