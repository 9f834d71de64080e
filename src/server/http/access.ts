import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Actor, AppContext } from '../context.ts';
import type { Role } from '../../contract/roles.ts';
import { principalFromSession, principalFromToken, type Principal } from '../platform/auth.service.ts';
import { AppError, errors } from './errors.ts';

/**
 * Who may call a route. Every route declares one in `config.access`; a route without it is
 * refused (deny by default). System Managers may call every route that names any role.
 */
export type Access = 'public' | 'authenticated' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
    authVia: 'session' | 'token' | null;
  }
}

export const SESSION_COOKIE = 'smooth_session';

/** Secure cookies per config: on, off, or `auto` (only when the request came over HTTPS). */
function secure(ctx: AppContext, req: FastifyRequest): boolean {
  if (ctx.config.secureCookies !== 'auto') return ctx.config.secureCookies;
  return req.protocol === 'https';
}

/** The session cookie of a session just opened (login, setup, a password set with a link). */
export function setSessionCookie(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, token: string, expiresAt: string): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secure(ctx, req),
    expires: new Date(expiresAt),
  });
}

export interface RegisteredRoute {
  method: string;
  url: string;
  access: Access | undefined;
}

export function actorOf(req: FastifyRequest): Actor {
  return { id: req.principal?.id ?? null, roles: new Set(req.principal?.roles ?? []) };
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw errors.unauthenticated();
  return req.principal;
}

export function hasAnyRole(roles: Iterable<string>, wanted: readonly Role[]): boolean {
  const set = roles instanceof Set ? (roles as Set<string>) : new Set(roles);
  if (set.has('System Manager')) return true;
  return wanted.some((r) => set.has(r));
}

/** For rows the caller may not read: answer 404 so ids cannot be probed. */
export function visibleOr404<T>(row: T | null | undefined, canSee: boolean | ((row: T) => boolean), what = 'The resource'): T {
  if (row === null || row === undefined) throw errors.notFound(what);
  const ok = typeof canSee === 'function' ? canSee(row) : canSee;
  if (!ok) throw errors.notFound(what);
  return row;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin ?? req.headers.referer;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site') return false;
  if (!origin) return true;
  if (origin === 'null') return false;
  try {
    const host = req.host;
    return new URL(origin).host === new URL(`${req.protocol}://${host}`).host;
  } catch {
    return false;
  }
}

export function registerAccess(app: FastifyInstance, ctx: AppContext, routes: RegisteredRoute[]): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('authVia', null);

  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) {
      if (m === 'HEAD') continue;
      routes.push({ method: m, url: route.url, access: route.config?.access });
    }
  });

  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config.access;
    const auth = req.headers.authorization;
    if (auth && /^bearer /i.test(auth)) {
      const p = await principalFromToken(ctx, auth.slice(7).trim());
      if (!p) throw errors.unauthenticated('The API token is not valid or has been revoked.');
      req.principal = p;
      req.authVia = 'token';
    } else {
      const token = req.cookies[SESSION_COOKIE];
      if (token) {
        req.principal = await principalFromSession(ctx, token);
        if (req.principal) req.authVia = 'session';
      }
    }
    // Cookies ride along on cross-site requests; refuse browser state changes that arrive that way
    // (token-authenticated integrations carry no ambient credential and are exempt).
    if (req.authVia !== 'token' && UNSAFE.has(req.method) && !sameOrigin(req)) {
      throw new AppError(403, 'CSRF_REJECTED', 'Cross-site request refused.');
    }
    if (access === undefined) {
      // No declaration: only the not-found handler has none; everything else is denied.
      if (req.routeOptions.url === undefined) return;
      throw errors.forbidden('This route declares no access rule.');
    }
    if (access === 'public') return;
    if (!req.principal) throw errors.unauthenticated();
    if (access === 'authenticated') return;
    if (!hasAnyRole(req.principal.roles, access)) throw errors.forbidden();
  });
}
