export { registerEvaluationRoutes } from './evaluation.routes.ts';
