export { completeCompliance, complianceExpiryJob, complianceOfEmployee, createCompliance, createComplianceType } from './compliance.service.ts';
export { registerComplianceRoutes } from './compliance.routes.ts';
