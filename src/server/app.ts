import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import type { Database } from './db/database.ts';
import { registerAccess, type RegisteredRoute } from './http/access.ts';
import { registerErrorHandling } from './http/errors.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import type { App } from './http/types.ts';
import { Hooks } from './platform/hooks.ts';
import { PersonDetailsRegistry } from './platform/person-details.ts';
import { registerAuditRoutes } from './platform/audit.routes.ts';
import { registerAuthRoutes } from './platform/auth.routes.ts';
import { registerHealthRoutes } from './platform/health.routes.ts';
import { registerUserRoutes } from './platform/users.routes.ts';
import { registerSettingsRoutes } from './platform/settings.routes.ts';
import { registerWebRoutes } from './web.routes.ts';
import { registerCourseRoutes } from './lms/course.routes.ts';
import { registerEnrollmentRoutes } from './lms/enrollment.routes.ts';
import { registerEnrollmentImportRoutes } from './lms/enrollment-import.routes.ts';
import { registerTrainingAssignmentImportRoutes } from './lms/training-assignment-import.routes.ts';
import { registerQuizRoutes } from './lms/quiz.routes.ts';
import { registerCertificateRoutes } from './lms/certificate.routes.ts';
import { registerLmsHooks } from './lms/lms-hooks.ts';
import { registerHrRoutes } from './hr/hr.routes.ts';
import { registerEmployeeImportRoutes } from './hr/employee-import.routes.ts';
import { registerIntegrations } from './integration/index.ts';
import { VERSION } from './version.ts';

export const JSON_BODY_LIMIT = 1024 * 1024;

export interface BuildOptions {
  config: Config;
  database: Database;
  logger?: boolean | FastifyBaseLogger;
  /** Directory of the built web app (index.html + assets). */
  webDir?: string;
}

export interface Built {
  app: App;
  ctx: AppContext;
  routes: RegisteredRoute[];
}

export async function buildApp(opts: BuildOptions): Promise<Built> {
  const { config, database } = opts;
  const fastify = Fastify({
    logger: opts.logger === false ? false : { level: config.logLevel },
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    ajv: undefined,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setSerializerCompiler(serializerCompiler);
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  const ctx: AppContext = {
    db: database.db,
    dialect: database.dialect,
    config,
    hooks: new Hooks(),
    people: new PersonDetailsRegistry(),
    log: app.log,
  };
  const routes: RegisteredRoute[] = [];

  registerErrorHandling(app);
  await app.register(cookie);
  registerSecurityHeaders(app);
  await app.register(multipart, { limits: { fileSize: 50 * 1024 * 1024, files: 1, fields: 20, fieldSize: 64 * 1024 } });
  // Routes added by plugins we do not write ourselves are the documentation pages only.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs') && route.config?.access === undefined) {
      route.config = { ...(route.config ?? {}), access: 'public' };
    }
  });
  registerAccess(app, ctx, routes);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Smooth LMS API', version: VERSION, description: 'Learning portal, staff desk and HR integration API.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'smooth_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: jsonSchemaTransform,
    hideUntagged: false,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get(
    '/api/openapi.json',
    { config: { access: 'public' }, schema: { hide: true } },
    async () => app.swagger(),
  );

  registerHealthRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerSettingsRoutes(app, ctx);
  registerCourseRoutes(app, ctx);
  registerEnrollmentRoutes(app, ctx);
  registerEnrollmentImportRoutes(app, ctx);
  registerTrainingAssignmentImportRoutes(app, ctx);
  registerQuizRoutes(app, ctx);
  registerCertificateRoutes(app, ctx);
  registerHrRoutes(app, ctx);
  registerEmployeeImportRoutes(app, ctx);
  registerLmsHooks(ctx);
  registerIntegrations(app, ctx);

  const webDir = opts.webDir ?? path.resolve('dist/web');
  if (fs.existsSync(path.join(webDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDir, serve: false });
  }
  registerWebRoutes(app, webDir);

  await app.ready();
  return { app, ctx, routes };
}
