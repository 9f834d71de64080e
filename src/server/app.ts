import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import type { Database } from './db/database.ts';
import { registerAccess, type RegisteredRoute } from './http/access.ts';
import { registerErrorHandling } from './http/errors.ts';
import { serversOf, swaggerOptions } from './http/openapi.ts';
import { registerInputGuard } from './http/input-guard.ts';
import { registerRateLimit } from './http/rate-limit.ts';
import { DOCS_CSP, registerSecurityHeaders } from './http/security-headers.ts';
import type { App } from './http/types.ts';
import { Hooks } from './platform/hooks.ts';
import { PersonDetailsRegistry } from './platform/person-details.ts';
import { registerAuditRoutes } from './platform/audit.routes.ts';
import { registerAuthRoutes } from './platform/auth.routes.ts';
import { registerHealthRoutes } from './platform/health.routes.ts';
import { registerUserRoutes } from './platform/users.routes.ts';
import { registerMarkdownRoutes } from './platform/markdown.routes.ts';
import { registerSettingsRoutes } from './platform/settings.routes.ts';
import { registerWebRoutes, webPage } from './web.routes.ts';
import { registerLms } from './lms/index.ts';
import { registerHrRoutes } from './hr/index.ts';
import { registerIntegrations } from './integration/index.ts';
import { VERSION } from './version.ts';
import { Jobs } from './platform/jobs.ts';
import { registerAllJobs } from './jobs-catalog.ts';
import { registerJobRoutes } from './platform/jobs.routes.ts';
import { startSealer } from './platform/audit-chain.ts';
import { registerMailRoutes } from './platform/mail/mail.routes.ts';

export const JSON_BODY_LIMIT = 1024 * 1024;

export interface BuildOptions {
  config: Config;
  database: Database;
  logger?: boolean | FastifyBaseLogger;
  /** Where log lines go (default standard output); tests read them back. */
  logStream?: NodeJS.WritableStream;
  /** Directory of the built web app (index.html + assets). */
  webDir?: string;
}

export interface Built {
  app: App;
  ctx: AppContext;
  routes: RegisteredRoute[];
  /** Every job, registered (`smooth start` schedules them; /api/jobs lists and runs them). */
  jobs: Jobs;
}

/**
 * Values no log line may carry, wherever a request, response, error or settings object is logged:
 * session cookies, credentials, the Stripe signature and the payment secrets.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'headers["stripe-signature"]',
  'headers["set-cookie"]',
  'err.headers.authorization',
  'err.raw.headers',
  'body.password',
  'body.stripeSecretKey',
  'body.stripeWebhookSecret',
  'stripeSecretKey',
  'stripeWebhookSecret',
  '*.stripeSecretKey',
  '*.stripeWebhookSecret',
];

export async function buildApp(opts: BuildOptions): Promise<Built> {
  const { config, database } = opts;
  const fastify = Fastify({
    logger:
      opts.logger === false
        ? false
        : { level: config.logLevel, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' }, ...(opts.logStream ? { stream: opts.logStream } : {}) },
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    // A client must deliver its headers and body within requestTimeoutMs (checked every quarter of
    // it, so a trickled body cannot hold a connection open), and an idle keep-alive connection is
    // closed soon. Slow answers (a long import with ?wait=true) are not cut.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    http: {
      headersTimeout: Math.min(config.requestTimeoutMs, 60_000),
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.requestTimeoutMs / 4))),
    },
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

  const webDir = opts.webDir ?? path.resolve('dist/web');
  registerErrorHandling(app, webPage(webDir));
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
  registerInputGuard(app);
  await registerRateLimit(app, config.rateLimit);

  await app.register(swagger, swaggerOptions(VERSION));
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: DOCS_CSP });
  app.get(
    '/api/openapi.json',
    { config: { access: 'public' }, schema: { hide: true } },
    async () => ({ ...app.swagger(), servers: serversOf(ctx.config) }),
  );

  registerHealthRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerSettingsRoutes(app, ctx);
  registerMarkdownRoutes(app);
  registerLms(app, ctx);
  registerHrRoutes(app, ctx);
  registerIntegrations(app, ctx);
  const jobs = new Jobs(ctx);
  registerAllJobs(jobs);
  registerJobRoutes(app, jobs);
  registerMailRoutes(app, ctx);

  if (fs.existsSync(path.join(webDir, 'index.html'))) {
    // preCompressed: a request that accepts br or gzip gets the file the build compressed beside it
    // (vite.config.ts), when there is one.
    await app.register(fastifyStatic, { root: webDir, serve: false, preCompressed: true });
  }
  registerWebRoutes(app, webDir);

  // PostgreSQL: audit entries are chained just after commit, by every process (platform/audit-chain.ts).
  const sealer = startSealer(ctx.db, (err) => app.log.error({ err }, 'the audit chain sealer failed; it tries again'));
  app.addHook('onClose', () => sealer.stop());

  await app.ready();
  return { app, ctx, routes, jobs };
}
