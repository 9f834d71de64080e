import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { SESSION_COOKIE, requirePrincipal, setSessionCookie } from '../http/access.ts';
import { errors } from '../http/errors.ts';
import { IdParams } from '../../contract/common.ts';
import { CreateTokenBody, LoginBody, MeSchema, SetupBody } from '../../contract/users.ts';
import { createApiToken, listApiTokens, login, logout, revokeApiToken } from './auth.service.ts';
import { countUsers, setupFirstAdmin } from './users.service.ts';

export function registerAuthRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/setup',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'Whether the one-time setup is still open', response: { 200: z.object({ needed: z.boolean() }) } },
    },
    async () => ({ needed: (await countUsers(ctx.db)) === 0 }),
  );

  app.post(
    '/api/setup',
    {
      config: { access: 'public', problems: ['SETUP_DONE'] },
      schema: {
        tags: ['auth'],
        summary: 'Create the first System Manager (only while no user exists) and log in',
        body: SetupBody,
        response: { 201: z.object({ user: MeSchema }) },
      },
    },
    async (req, reply) => {
      const user = await setupFirstAdmin(ctx, req.body);
      const s = await login(ctx, { email: user.email, password: req.body.password, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      setSessionCookie(ctx, req, reply, s.token, s.expiresAt);
      return reply.code(201).send({ user: s.principal });
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public', problems: ['UNAUTHENTICATED'] },
      schema: { tags: ['auth'], summary: 'Log in with email and password', body: LoginBody, response: { 200: z.object({ user: MeSchema }) } },
    },
    async (req, reply) => {
      const s = await login(ctx, { ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      // A new session id at every login; an old cookie's session ends.
      const old = req.cookies[SESSION_COOKIE];
      if (old) await logout(ctx, old);
      setSessionCookie(ctx, req, reply, s.token, s.expiresAt);
      return { user: s.principal };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'End the current session' } },
    async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await logout(ctx, token);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    { config: { access: 'authenticated' }, schema: { tags: ['auth'], summary: 'The logged-in user', response: { 200: MeSchema } } },
    async (req) => requirePrincipal(req),
  );

  app.get(
    '/api/auth/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Who is logged in: { user } or { user: null } without a session (200 either way; /api/auth/me answers 401)',
        response: { 200: z.object({ user: MeSchema.nullable() }) },
      },
    },
    async (req) => ({ user: req.principal ?? null }),
  );

  const TokenSchema = z.object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  });

  app.get(
    '/api/auth/tokens',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], summary: "The caller's API tokens (never the secrets)", response: { 200: z.object({ items: z.array(TokenSchema) }) } },
    },
    async (req) => ({ items: await listApiTokens(ctx, requirePrincipal(req).id) }),
  );

  app.post(
    '/api/auth/tokens',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Create an API token for an integration; the secret is shown once',
        body: CreateTokenBody,
        response: { 201: z.object({ id: z.string(), name: z.string(), token: z.string(), prefix: z.string(), createdAt: z.string() }) },
      },
    },
    async (req, reply) => {
      const p = requirePrincipal(req);
      if (req.authVia === 'token') throw errors.forbidden('Create API tokens from a logged-in session, not with another token.');
      return reply.code(201).send(await createApiToken(ctx, p.id, req.body.name));
    },
  );

  app.delete(
    '/api/auth/tokens/:id',
    { config: { access: 'authenticated' }, schema: { tags: ['auth'], summary: 'Revoke an API token', params: IdParams } },
    async (req, reply) => {
      await revokeApiToken(ctx, requirePrincipal(req).id, req.params.id);
      return reply.code(204).send();
    },
  );

}
