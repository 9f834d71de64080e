import { hash } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { prepared, type Executor } from '../db/database.ts';
import { DAY_MS, nowIso } from '../db/dialect.ts';
import { newId, newSecret } from '../db/ids.ts';
import type { AppError } from '../http/errors.ts';
import { errors } from '../http/errors.ts';
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
  return hash('sha256', text, 'base64url');
}

/**
 * Login throttling, kept in the database so every server process sees the same counts. Each
 * account (`email:`) and each client address (`ip:`) has a counter. An attempt is counted by one
 * upsert BEFORE its password is checked; the first `free` failures are checked at once, after
 * that each further attempt must wait `baseSeconds * 2^(failures - free)` (capped at
 * `maxSeconds`) after the previous failure, and only one attempt at a time is checked while the
 * key is over its free count. Attempts that arrive before their time answer 429 with Retry-After
 * without checking the password, so guessing is slow, while the owner of the right password who
 * waits that long gets in. A success takes back only its own count; a key starts over when it
 * has been open for `resetMinutes` (after its delay) without any attempt.
 */
export const LOGIN_LIMITS = {
  account: { free: 5, baseSeconds: 15, maxSeconds: 900 },
  address: { free: 50, baseSeconds: 1, maxSeconds: 60 },
  resetMinutes: 15,
  /** How long an attempt under check holds its key (it is released as soon as it is decided). */
  holdSeconds: 30,
} as const;

interface LoginLimit {
  free: number;
  baseSeconds: number;
  maxSeconds: number;
}

interface Reservation {
  key: string;
  failures: number;
  limit: LoginLimit;
}

function delaySeconds(limit: LoginLimit, failures: number): number {
  if (failures < limit.free) return 0;
  return Math.min(limit.maxSeconds, limit.baseSeconds * 2 ** Math.min(30, failures - limit.free));
}

function tooManyLogins(retryAfter: number): AppError {
  return errors.rateLimited(retryAfter, 'Too many failed logins. Try again later.');
}

/**
 * The key's count with one more attempt. A key starts over once it has been open for resetMinutes
 * without an attempt (measured from next_at, so waiting out even the longest delay does not reset it).
 */
function countedAttempts(now: number) {
  const resetBefore = new Date(now - LOGIN_LIMITS.resetMinutes * 60_000).toISOString();
  return sql<number>`case when login_throttle.next_at < ${resetBefore} then 1 else login_throttle.failures + 1 end`;
}

/** Counts one attempt (one statement, atomic across processes) or throws 429 when the key must wait. */
async function reserveAttempt(db: Executor, key: string, limit: LoginLimit): Promise<Reservation> {
  const now = Date.now();
  const nowIsoText = new Date(now).toISOString();
  const hold = new Date(now + LOGIN_LIMITS.holdSeconds * 1000).toISOString();
  const counted = countedAttempts(now);
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, next_at: limit.free <= 1 ? hold : nowIsoText, updated_at: nowIsoText })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({
          failures: counted,
          next_at: sql<string>`case when ${counted} >= ${limit.free} then ${hold} else login_throttle.next_at end`,
          updated_at: nowIsoText,
        })
        .where('login_throttle.next_at', '<=', nowIsoText),
    )
    .returning('failures')
    .executeTakeFirst();
  if (row) return { key, failures: Number(row.failures), limit };
  const current = await db.selectFrom('login_throttle').select('next_at').where('key', '=', key).executeTakeFirst();
  const retryAt = current ? Date.parse(current.next_at) : now;
  throw tooManyLogins(Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)));
}

/**
 * An address is not reserved per attempt: many people may log in at once from one address (an
 * office behind a proxy), so its attempts are never refused while it is not held. It is held only
 * after its own failures, counted as they happen.
 */
async function assertAddressOpen(db: Executor, key: string): Promise<void> {
  const row = await db.selectFrom('login_throttle').select('next_at').where('key', '=', key).executeTakeFirst();
  const retryAt = row ? Date.parse(row.next_at) : 0;
  if (retryAt > Date.now()) throw tooManyLogins(Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)));
}

/** Counts a failed login of an address and holds it when past its free failures (one statement). */
async function addressFailed(db: Executor, key: string, limit: LoginLimit): Promise<void> {
  const now = Date.now();
  const nowIsoText = new Date(now).toISOString();
  const counted = countedAttempts(now);
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, next_at: nowIsoText, updated_at: nowIsoText })
    .onConflict((oc) => oc.column('key').doUpdateSet({ failures: counted, updated_at: nowIsoText }))
    .returning('failures')
    .executeTakeFirstOrThrow();
  const delay = delaySeconds(limit, Number(row.failures));
  if (delay > 0) {
    await db
      .updateTable('login_throttle')
      .set({ next_at: new Date(now + delay * 1000).toISOString() })
      .where('key', '=', key)
      .execute();
  }
}

/** A failure keeps its count and sets the key's next allowed time; anything else takes the count back. */
async function settleAttempt(db: Executor, r: Reservation, failed: boolean): Promise<void> {
  const over = r.failures >= r.limit.free;
  if (failed) {
    if (!over) return;
    const nextAt = new Date(Date.now() + delaySeconds(r.limit, r.failures) * 1000).toISOString();
    await db.updateTable('login_throttle').set({ next_at: nextAt }).where('key', '=', r.key).execute();
    return;
  }
  await db
    .updateTable('login_throttle')
    .set({
      failures: sql<number>`case when failures > 0 then failures - 1 else 0 end`,
      ...(over ? { next_at: nowIso() } : {}),
    })
    .where('key', '=', r.key)
    .execute();
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
  const addressKey = `ip:${input.ip}`;
  await assertAddressOpen(ctx.db, addressKey);
  const account = await reserveAttempt(ctx.db, `email:${email}`, LOGIN_LIMITS.account);
  let failed = false;
  try {
    const user = await ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    let ok = false;
    if (user?.password_hash) ok = await verifyPassword(input.password, user.password_hash);
    else await burnPasswordCheck(input.password, ctx.config.scryptCost);
    if (!user || !ok || user.enabled !== 1) {
      failed = true;
      throw BAD_LOGIN();
    }
    return await openSession(ctx, user, input);
  } finally {
    await settleAttempt(ctx.db, account, failed);
    if (failed) await addressFailed(ctx.db, addressKey, LOGIN_LIMITS.address);
  }
}

/**
 * A signed-in user re-enters their password to confirm an act (an attestation). Counted against
 * the same per-account limit as logins, so a session cannot be used to guess the password; a wrong
 * password is a field error (the session stays valid), 429 when the account must wait.
 */
export async function confirmPassword(ctx: AppContext, userId: string, password: string): Promise<void> {
  const user = await ctx.db.selectFrom('users').select(['email', 'password_hash']).where('id', '=', userId).executeTakeFirst();
  if (!user) throw errors.unauthenticated();
  const account = await reserveAttempt(ctx.db, `email:${normalizeEmail(user.email)}`, LOGIN_LIMITS.account);
  let failed = true;
  try {
    if (user.password_hash) failed = !(await verifyPassword(password, user.password_hash));
    else await burnPasswordCheck(password, ctx.config.scryptCost);
  } finally {
    await settleAttempt(ctx.db, account, failed);
  }
  if (failed) throw errors.validation([{ path: 'password', message: 'The password is not correct.' }], 'The password is not correct.');
}

/**
 * A session for an account whose person just proved who they are another way (they chose a
 * password with a one-time link mailed to them), so they need not type it again at once.
 */
export async function openSessionFor(ctx: AppContext, userId: string, input: { ip: string; userAgent: string | null }): Promise<SessionInfo> {
  const user = await ctx.db.selectFrom('users').select(['id', 'email', 'full_name', 'enabled']).where('id', '=', userId).executeTakeFirst();
  if (!user || user.enabled !== 1) throw errors.unauthenticated();
  return openSession(ctx, user, input);
}

async function openSession(
  ctx: AppContext,
  user: { id: string; email: string; full_name: string },
  input: { ip: string; userAgent: string | null },
): Promise<SessionInfo> {
  const token = newSecret(32);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ctx.config.session.absoluteHours * 3_600_000).toISOString();
  await ctx.db.transaction().execute(async (trx) => {
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
    .select([
      'sessions.last_seen_at',
      'sessions.expires_at',
      'users.id',
      'users.email',
      'users.full_name',
      'users.enabled',
      'user_roles.role',
    ])
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
  const rows = await ctx.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').execute();
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

/** One round trip: the live token, its user and the user's roles (one row per role). */
const tokenPrincipal = prepared((db, a: { hash: string }) =>
  db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .leftJoin('user_roles', 'user_roles.user_id', 'users.id')
    .select([
      'api_tokens.id as token_id',
      'api_tokens.last_used_at',
      'users.id',
      'users.email',
      'users.full_name',
      'users.enabled',
      'user_roles.role',
    ])
    .where('api_tokens.token_hash', '=', a.hash)
    .where('api_tokens.revoked_at', 'is', null),
);

export async function principalFromToken(ctx: AppContext, token: string): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const rows = await tokenPrincipal(ctx.db, { hash: sha256(token) });
  const row = rows[0];
  if (!row || row.enabled !== 1) return null;
  const now = Date.now();
  if (!row.last_used_at || now - new Date(row.last_used_at).getTime() > TOUCH_EVERY_MS) {
    await ctx.db
      .updateTable('api_tokens')
      .set({ last_used_at: new Date(now).toISOString() })
      .where('id', '=', row.token_id)
      .execute();
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
    .deleteFrom('login_throttle')
    .where('updated_at', '<', new Date(now.getTime() - DAY_MS).toISOString())
    .where('next_at', '<', now.toISOString())
    .executeTakeFirst();
  return { sessions: Number(s.numDeletedRows), failures: Number(f.numDeletedRows) };
}
