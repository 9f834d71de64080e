export { registerAssignmentRoutes } from './assignment.routes.ts';
