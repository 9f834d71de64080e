import { createHash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { prepared, type Executor } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import { newId, newSecret } from '../db/ids.ts';
import { AppError, errors } from '../http/errors.ts';
import type { Role } from '../../contract/roles.ts';
import { recordAudit } from './audit.service.ts';
import { burnPasswordCheck, verifyPassword } from './passwords.ts';
import { normalizeEmail, rolesOf, sortRoles } from './users.service.ts';

export interface Principal {
  id: string;
  email: string;
  fullName: string;
  roles: Role[];
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** Login throttling, kept in the database so every server process sees the same counts. */
export const LOGIN_LIMITS = { windowMinutes: 15, perEmail: 10, perIp: 50 } as const;

async function checkThrottle(db: Executor, email: string, ip: string): Promise<void> {
  const since = new Date(Date.now() - LOGIN_LIMITS.windowMinutes * 60_000).toISOString();
  const byEmail = await db
    .selectFrom('auth_failures')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')])
    .where('email', '=', email)
    .where('at', '>=', since)
    .executeTakeFirstOrThrow();
  const byIp = await db
    .selectFrom('auth_failures')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')])
    .where('ip', '=', ip)
    .where('at', '>=', since)
    .executeTakeFirstOrThrow();
  const over =
    Number(byEmail.n) >= LOGIN_LIMITS.perEmail ? byEmail.oldest : Number(byIp.n) >= LOGIN_LIMITS.perIp ? byIp.oldest : null;
  if (over) {
    const retryAt = new Date(over).getTime() + LOGIN_LIMITS.windowMinutes * 60_000;
    const retryAfter = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
    throw new AppError(429, 'RATE_LIMITED', 'Too many failed logins. Try again later.', { retryAfter }, {
      'Retry-After': String(retryAfter),
    });
  }
}

const BAD_LOGIN = () => errors.unauthenticated('The email or password is not correct.');

export interface SessionInfo {
  token: string;
  expiresAt: string;
  principal: Principal;
}

export async function login(
  ctx: AppContext,
  input: { email: string; password: string; ip: string; userAgent: string | null },
): Promise<SessionInfo> {
  const email = normalizeEmail(input.email);
  await checkThrottle(ctx.db, email, input.ip);
  const user = await ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  let ok = false;
  if (user?.password_hash) ok = await verifyPassword(input.password, user.password_hash);
  else await burnPasswordCheck(input.password, ctx.config.scryptCost);
  if (!user || !ok || user.enabled !== 1) {
    await ctx.db.insertInto('auth_failures').values({ id: newId(), email, ip: input.ip, at: nowIso() }).execute();
    throw BAD_LOGIN();
  }
  const token = newSecret(32);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ctx.config.session.absoluteHours * 3_600_000).toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('auth_failures').where('email', '=', email).execute();
    await trx
      .insertInto('sessions')
      .values({
        id: sha256(token),
        user_id: user.id,
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: expiresAt,
        ip: input.ip,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    await recordAudit(trx, { actorId: user.id, action: 'login', entity: 'user', entityId: user.id });
  });
  return {
    token,
    expiresAt,
    principal: { id: user.id, email: user.email, fullName: user.full_name, roles: await rolesOf(ctx.db, user.id) },
  };
}

export async function logout(ctx: AppContext, token: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('id', '=', sha256(token)).execute();
}

/** Touches last_seen at most once a minute, so reads do not turn into writes on every request. */
const TOUCH_EVERY_MS = 60_000;

/** One round trip: the session, its user and the user's roles (one row per role). */
const sessionPrincipal = prepared((db, a: { id: string }) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('user_roles', 'user_roles.user_id', 'users.id')
    .select(['sessions.last_seen_at', 'sessions.expires_at', 'users.id', 'users.email', 'users.full_name', 'users.enabled', 'user_roles.role'])
    .where('sessions.id', '=', a.id),
);

export async function principalFromSession(ctx: AppContext, token: string): Promise<Principal | null> {
  const id = sha256(token);
  const rows = await sessionPrincipal(ctx.db, { id });
  const row = rows[0];
  if (!row) return null;
  const now = Date.now();
  const idleLimit = new Date(row.last_seen_at).getTime() + ctx.config.session.idleMinutes * 60_000;
  if (row.enabled !== 1 || now >= new Date(row.expires_at).getTime() || now >= idleLimit) {
    await ctx.db.deleteFrom('sessions').where('id', '=', id).execute();
    return null;
  }
  if (now - new Date(row.last_seen_at).getTime() > TOUCH_EVERY_MS) {
    // Only the first request after the minute writes; the others see the new value and skip.
    await ctx.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(now).toISOString() })
      .where('id', '=', id)
      .where('last_seen_at', '=', row.last_seen_at)
      .execute();
  }
  return { id: row.id, email: row.email, fullName: row.full_name, roles: sortRoles(rows.map((r) => r.role)) };
}

export const TOKEN_PREFIX = 'smt_';

export async function createApiToken(ctx: AppContext, userId: string, name: string) {
  const secret = TOKEN_PREFIX + newSecret(32);
  const id = newId();
  const createdAt = nowIso();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('api_tokens')
      .values({ id, user_id: userId, name, token_hash: sha256(secret), prefix: secret.slice(0, 10), created_at: createdAt })
      .execute();
    await recordAudit(trx, { actorId: userId, action: 'create', entity: 'api_token', entityId: id, after: { name } });
  });
  return { id, name, token: secret, prefix: secret.slice(0, 10), createdAt };
}

export async function listApiTokens(ctx: AppContext, userId: string) {
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeApiToken(ctx: AppContext, userId: string, tokenId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('api_tokens')
      .select(['id', 'revoked_at'])
      .where('id', '=', tokenId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row) throw errors.notFound('The token');
    if (row.revoked_at) return;
    await trx.updateTable('api_tokens').set({ revoked_at: nowIso() }).where('id', '=', tokenId).execute();
    await recordAudit(trx, { actorId: userId, action: 'revoke', entity: 'api_token', entityId: tokenId });
  });
}

export async function principalFromToken(ctx: AppContext, token: string): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .leftJoin('user_roles', 'user_roles.user_id', 'users.id')
    .select(['api_tokens.id as token_id', 'api_tokens.last_used_at', 'users.id', 'users.email', 'users.full_name', 'users.enabled', 'user_roles.role'])
    .where('api_tokens.token_hash', '=', sha256(token))
    .where('api_tokens.revoked_at', 'is', null)
    .execute();
  const row = rows[0];
  if (!row || row.enabled !== 1) return null;
  const now = Date.now();
  if (!row.last_used_at || now - new Date(row.last_used_at).getTime() > TOUCH_EVERY_MS) {
    await ctx.db.updateTable('api_tokens').set({ last_used_at: new Date(now).toISOString() }).where('id', '=', row.token_id).execute();
  }
  return { id: row.id, email: row.email, fullName: row.full_name, roles: sortRoles(rows.map((r) => r.role)) };
}

/** Removes expired sessions and old login failures (daily job). */
export async function purgeExpiredAuth(ctx: AppContext): Promise<{ sessions: number; failures: number }> {
  const now = new Date();
  const idleCutoff = new Date(now.getTime() - ctx.config.session.idleMinutes * 60_000).toISOString();
  const s = await ctx.db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now.toISOString()), eb('last_seen_at', '<=', idleCutoff)]))
    .executeTakeFirst();
  const f = await ctx.db
    .deleteFrom('auth_failures')
    .where('at', '<', new Date(now.getTime() - 24 * 3_600_000).toISOString())
    .executeTakeFirst();
  return { sessions: Number(s.numDeletedRows), failures: Number(f.numDeletedRows) };
}
