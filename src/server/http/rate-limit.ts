import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { errors } from './errors.ts';

function keyOf(req: FastifyRequest): string {
  return req.principal ? `user:${req.principal.id}` : `ip:${req.ip}`;
}

/**
 * A general request budget per minute: per signed-in user (session or API token) once access has
 * been decided, else per client address. Generous by default; SMOOTH_RATE_LIMIT_PER_MINUTE and
 * SMOOTH_RATE_LIMIT_ANONYMOUS_PER_MINUTE change it (0 turns it off). Logins have their own,
 * stricter throttle in the database (auth.service.ts).
 */
export async function registerRateLimit(app: FastifyInstance, limits: Config['rateLimit']): Promise<void> {
  if (limits.perMinute === 0 && limits.anonymousPerMinute === 0) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    keyGenerator: keyOf,
    max: (req) => (req.principal ? limits.perMinute : limits.anonymousPerMinute) || Number.MAX_SAFE_INTEGER,
    errorResponseBuilder: (_req, context) => errors.rateLimited(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
}
