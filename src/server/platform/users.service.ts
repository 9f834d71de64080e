import { sql } from 'kysely';
import type { Actor, AppContext } from '../context.ts';
import type { Executor, Tx } from '../db/database.ts';
import { bool, containsCi, isUniqueViolation, nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { applyKeyset, keysetOrder, keysetPage, type SortKeys } from '../db/keyset.ts';
import { AppError, errors } from '../http/errors.ts';
import { ROLES, type Role } from '../../contract/roles.ts';
import type { USER_SORTS } from '../../contract/users.ts';
import type { SearchResult } from '../../contract/search.ts';
import { recordAudit } from './audit.service.ts';
import { hashPassword } from './passwords.ts';

export interface UserView {
  id: string;
  email: string;
  fullName: string;
  enabled: boolean;
  roles: Role[];
  createdAt: string;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Known roles in their canonical order (nulls and unknown names dropped). */
export function sortRoles(roles: Iterable<string | null>): Role[] {
  const set = new Set(roles);
  return ROLES.filter((r) => set.has(r));
}

export async function rolesOf(db: Executor, userId: string): Promise<Role[]> {
  const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute();
  return sortRoles(rows.map((r) => r.role));
}

export async function getUser(db: Executor, id: string): Promise<UserView | null> {
  const u = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!u) return null;
  return {
    id: u.id,
    email: u.email,
    fullName: u.full_name,
    enabled: u.enabled === 1,
    roles: await rolesOf(db, u.id),
    createdAt: u.created_at,
  };
}

export async function countUsers(db: Executor): Promise<number> {
  const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface CreateUserInput {
  email: string;
  fullName: string;
  password?: string | undefined;
  roles: readonly Role[];
  enabled?: boolean;
}

const EMAIL_UQ = { index: 'users_email_uq', columns: 'users.email' };

/** Creates a user inside `trx`; fires `user.created`. */
export async function insertUser(ctx: AppContext, trx: Tx, actor: Actor, input: CreateUserInput): Promise<UserView> {
  const now = nowIso();
  const id = newId();
  const email = normalizeEmail(input.email);
  const passwordHash = input.password ? await hashPassword(input.password, ctx.config.scryptCost) : null;
  const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (existing) throw duplicateEmail();
  try {
    await trx
      .insertInto('users')
      .values({
        id,
        email,
        full_name: input.fullName.trim(),
        password_hash: passwordHash,
        enabled: bool(input.enabled ?? true),
        created_at: now,
        updated_at: now,
      })
      .execute();
  } catch (e) {
    if (isUniqueViolation(e, EMAIL_UQ)) throw duplicateEmail();
    throw e;
  }
  const roles = sortRoles(input.roles);
  if (roles.length) {
    await trx
      .insertInto('user_roles')
      .values(roles.map((role) => ({ user_id: id, role })))
      .execute();
  }
  const view: UserView = { id, email, fullName: input.fullName.trim(), enabled: input.enabled ?? true, roles, createdAt: now };
  await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'user', entityId: id, after: view });
  await ctx.hooks.emit('user.created', trx, { userId: id, actorId: actor.id, invite: passwordHash === null });
  return view;
}

function duplicateEmail(): AppError {
  return errors.conflict('EMAIL_TAKEN', 'A user with this email already exists.', {
    errors: [{ path: 'email', message: 'A user with this email already exists.' }],
  });
}

export async function createUser(ctx: AppContext, actor: Actor, input: CreateUserInput): Promise<UserView> {
  try {
    return await ctx.db.transaction().execute((trx) => insertUser(ctx, trx, actor, input));
  } catch (e) {
    if (isUniqueViolation(e, EMAIL_UQ)) throw duplicateEmail();
    throw e;
  }
}

/**
 * Creates the first System Manager. Refused for good once any user exists; the check and the
 * insert share one transaction, and on SQLite the write lock serialises concurrent attempts.
 */
export async function setupFirstAdmin(
  ctx: AppContext,
  input: { email: string; fullName: string; password: string },
): Promise<UserView> {
  return ctx.db.transaction().execute(async (trx) => {
    if (ctx.dialect === 'postgres') {
      await sql`lock table users in share row exclusive mode`.execute(trx);
    }
    const n = await countUsers(trx);
    if (n > 0) throw new AppError(409, 'SETUP_DONE', 'Setup is already done: an administrator exists. Log in instead.');
    return insertUser(ctx, trx, { id: null, roles: new Set() }, { ...input, roles: ['System Manager'] });
  });
}

export async function setRoles(ctx: AppContext, actor: Actor, userId: string, roles: readonly Role[]): Promise<UserView> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await getUser(trx, userId);
    if (!before) throw errors.notFound('The user');
    const wanted = sortRoles(roles);
    if (actor.id === userId && before.roles.includes('System Manager') && !wanted.includes('System Manager')) {
      throw errors.unprocessable('CANNOT_DEMOTE_SELF', 'You cannot remove your own System Manager role.');
    }
    await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
    if (wanted.length) {
      await trx
        .insertInto('user_roles')
        .values(wanted.map((role) => ({ user_id: userId, role })))
        .execute();
    }
    await trx.updateTable('users').set({ updated_at: nowIso() }).where('id', '=', userId).execute();
    const after = { ...before, roles: wanted };
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'user', entityId: userId, before, after });
    return after;
  });
}

/** Adds one role if missing (idempotent, set-based). */
export async function grantRole(trx: Executor, userId: string, role: Role): Promise<boolean> {
  return (await grantRoleMany(trx, [userId], role)).length > 0;
}

/** Adds a role to many users where missing (one INSERT ... ON CONFLICT DO NOTHING per 1000); returns who got it. */
export async function grantRoleMany(trx: Executor, userIds: readonly string[], role: Role): Promise<string[]> {
  const ids = [...new Set(userIds)];
  const granted: string[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await trx
      .insertInto('user_roles')
      .values(ids.slice(i, i + 1000).map((user_id) => ({ user_id, role })))
      .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
      .returning('user_id')
      .execute();
    granted.push(...rows.map((r) => r.user_id));
  }
  // A role is a change of the user: lists synced by updatedSince see it.
  for (let i = 0; i < granted.length; i += 1000) {
    await trx.updateTable('users').set({ updated_at: nowIso() }).where('id', 'in', granted.slice(i, i + 1000)).execute();
  }
  return granted;
}

export async function updateUser(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  patch: { fullName?: string | undefined; enabled?: boolean | undefined; password?: string | undefined },
): Promise<UserView> {
  const passwordHash = patch.password ? await hashPassword(patch.password, ctx.config.scryptCost) : undefined;
  return ctx.db.transaction().execute(async (trx) => {
    const before = await getUser(trx, userId);
    if (!before) throw errors.notFound('The user');
    if (patch.enabled === false && actor.id === userId) {
      throw errors.unprocessable('CANNOT_DISABLE_SELF', 'You cannot disable your own account.');
    }
    await trx
      .updateTable('users')
      .set({
        updated_at: nowIso(),
        ...(patch.fullName !== undefined ? { full_name: patch.fullName.trim() } : {}),
        ...(patch.enabled !== undefined ? { enabled: bool(patch.enabled) } : {}),
        ...(passwordHash ? { password_hash: passwordHash } : {}),
      })
      .where('id', '=', userId)
      .execute();
    let revoked: { sessions: number; apiTokens: number } | null = null;
    if (patch.enabled === false || passwordHash) {
      // A disabled user (or a password change) ends every session and API token at once.
      revoked = await revokeCredentials(trx, userId);
    }
    const after = (await getUser(trx, userId))!;
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'update',
      entity: 'user',
      entityId: userId,
      before,
      after: { ...after, ...(passwordHash ? { passwordChanged: true } : {}), ...(revoked ? { revoked } : {}) },
    });
    return after;
  });
}

/**
 * Sets a password the person chose through a one-time link (inside the caller's transaction): like
 * a password change, every session and API token of the account ends. Audited as done by the
 * account itself.
 */
export async function replacePassword(
  trx: Tx,
  userId: string,
  passwordHash: string,
  how: { purpose: 'invitation' | 'reset' },
): Promise<{ sessions: number; apiTokens: number }> {
  await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: nowIso() }).where('id', '=', userId).execute();
  const revoked = await revokeCredentials(trx, userId);
  await recordAudit(trx, {
    actorId: userId,
    action: 'set-password',
    entity: 'user',
    entityId: userId,
    after: { passwordChanged: true, through: how.purpose === 'invitation' ? 'invitation link' : 'password reset link', revoked },
  });
  return revoked;
}

/** Ends every session and revokes every live API token of a user (inside the caller's transaction). */
async function revokeCredentials(trx: Tx, userId: string): Promise<{ sessions: number; apiTokens: number }> {
  const s = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  const t = await trx
    .updateTable('api_tokens')
    .set({ revoked_at: nowIso() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return { sessions: Number(s.numDeletedRows), apiTokens: Number(t.numUpdatedRows) };
}

export interface UserListQuery {
  q?: string | undefined;
  role?: Role | undefined;
  enabled?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
  sort?: (typeof USER_SORTS)[number] | `-${(typeof USER_SORTS)[number]}` | undefined;
  /** Only users changed at or after this instant (ISO); sorted by updatedAt unless `sort` says otherwise. */
  updatedSince?: string | undefined;
}

const USER_SORT_KEYS: SortKeys<(typeof USER_SORTS)[number]> = {
  fullName: { ref: 'users.full_name', kind: 'text' },
  email: { ref: 'users.email', kind: 'text' },
  createdAt: { ref: 'users.created_at', kind: 'date' },
  updatedAt: { ref: 'users.updated_at', kind: 'date' },
};

export async function listUsers(ctx: AppContext, q: UserListQuery) {
  let query = ctx.db.selectFrom('users').selectAll('users');
  if (q.q) {
    const text = q.q;
    query = query.where((eb) => eb.or([containsCi(eb.ref('users.email'), text), containsCi(eb.ref('users.full_name'), text)]));
  }
  if (q.role) {
    const role = q.role;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('user_roles').select('user_id').whereRef('user_roles.user_id', '=', 'users.id').where('role', '=', role)),
    );
  }
  if (q.enabled !== undefined) query = query.where('users.enabled', '=', bool(q.enabled));
  if (q.updatedSince) query = query.where('users.updated_at', '>=', new Date(q.updatedSince).toISOString());
  const order = keysetOrder(q.sort ?? (q.updatedSince ? 'updatedAt' : undefined), USER_SORT_KEYS, 'users.id', { desc: false });
  const rows = await applyKeyset(query, order, ctx.dialect, q.cursor).limit(q.limit + 1).execute();
  const { page, nextCursor } = keysetPage(order, rows, q.limit);
  const roleRows = page.length
    ? await ctx.db.selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', page.map((r) => r.id)).execute()
    : [];
  const byUser = new Map<string, string[]>();
  for (const r of roleRows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r.role]);
  return {
    items: page.map(
      (u): UserView & { updatedAt: string } => ({
        id: u.id,
        email: u.email,
        fullName: u.full_name,
        enabled: u.enabled === 1,
        roles: sortRoles(byUser.get(u.id) ?? []),
        createdAt: u.created_at,
        updatedAt: u.updated_at,
      }),
    ),
    nextCursor,
  };
}

/** Global search: users whose name or email contains `q`, by name. */
export async function searchUsers(ctx: AppContext, q: string, limit: number): Promise<SearchResult[]> {
  const { items } = await listUsers(ctx, { q, limit, sort: 'fullName' });
  return items.map((u) => ({ kind: 'user', id: u.id, title: u.fullName, subtitle: u.email, url: `/app/user/${u.id}` }));
}
