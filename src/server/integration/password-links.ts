/**
 * One-time set-password links: an invitation lets a new account choose its first password, a
 * reset lets a person who forgot theirs choose a new one. The link carries a random secret; only
 * its SHA-256 is stored (password_links.id). A link works once: the UPDATE that uses it only
 * matches while used_at is null and the link has not expired, so of two uses at the same moment
 * exactly one succeeds. Setting the password ends every session and API token of the account, as
 * a password change does, and every other open link of the account.
 *
 * The messages go through the mail outbox with the editable templates account.invitation and
 * account.password-reset; they are never digested or shown as in-app notifications.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Executor, Tx } from '../db/database.ts';
import { DAY_MS } from '../db/dialect.ts';
import { newId, newSecret } from '../db/ids.ts';
import { errors } from '../http/errors.ts';
import { sha256 } from '../platform/auth.service.ts';
import { hashPassword } from '../platform/passwords.ts';
import { getSettings } from '../platform/settings.service.ts';
import { normalizeEmail, replacePassword } from '../platform/users.service.ts';
import { fillParts, parseTemplate, TEMPLATE_DEFAULTS, templateOf } from './notifications/templates.ts';
import { readableInstant } from '../platform/readable-instant.ts';

export type LinkPurpose = 'invitation' | 'reset';

/** How long a link works: a week for an invitation, an hour for a reset. */
export const LINK_LIFETIME_MS: Record<LinkPurpose, number> = { invitation: 7 * DAY_MS, reset: 3_600_000 };

const EVENT = { invitation: 'account.invitation', reset: 'account.password-reset' } as const;

/** Rows per INSERT: 12 bound values per outbox row keeps SQLite's 32766 far away. */
const WRITE_CHUNK = 2000;

/**
 * Forgot-password requests: per client address at most `address.max` in `address.windowMinutes`
 * (more answer 429); per account at most `account.max` mails in `account.windowMinutes` (more are
 * answered the same 202 but send nothing, so nobody can flood a mailbox or learn whether it exists).
 */
export const RESET_LIMITS = {
  address: { max: 10, windowMinutes: 15 },
  account: { max: 3, windowMinutes: 60 },
} as const;

export interface LinkRecipient {
  userId: string;
  email: string;
  fullName: string;
}

function chunks<T>(list: readonly T[], size = WRITE_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Issues one link per recipient and queues its message (set-based: two INSERTs per 2000 people).
 * An earlier open link of the same purpose stops working (a resent invitation replaces the last),
 * unless `fresh` says the accounts were just created and have none.
 */
export async function issueLinks(
  ctx: AppContext,
  trx: Tx,
  purpose: LinkPurpose,
  recipients: readonly LinkRecipient[],
  opts: { actorId: string | null; fresh?: boolean; now?: Date },
): Promise<{ createdAt: string; expiresAt: string }> {
  const now = opts.now ?? new Date();
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + LINK_LIFETIME_MS[purpose]).toISOString();
  if (recipients.length === 0) return { createdAt, expiresAt };
  const event = EVENT[purpose];
  const template = await templateOf(trx, event);
  // Parsed once, filled per person (an import invites thousands).
  const known = TEMPLATE_DEFAULTS[event].placeholders;
  const subject = parseTemplate(template.subject, known);
  const body = parseTemplate(template.body, known);
  const settings = await getSettings(trx);
  const inviter = opts.actorId
    ? await trx.selectFrom('users').select('full_name').where('id', '=', opts.actorId).executeTakeFirst()
    : undefined;
  const base = `${ctx.config.publicUrl ?? ''}/lms/set-password?token=`;
  const fixed = {
    organisationName: settings.organisationName,
    inviterName: inviter?.full_name ?? settings.organisationName,
    expiresAt: readableInstant(expiresAt),
  };
  for (const part of chunks(recipients)) {
    if (!opts.fresh) {
      await trx
        .deleteFrom('password_links')
        .where('user_id', 'in', part.map((r) => r.userId))
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .execute();
    }
    const secrets = part.map(() => newSecret(32));
    await trx
      .insertInto('password_links')
      .values(
        part.map((r, i) => ({
          id: sha256(secrets[i]!),
          user_id: r.userId,
          purpose,
          created_by: opts.actorId,
          created_at: createdAt,
          expires_at: expiresAt,
        })),
      )
      .execute();
    await trx
      .insertInto('mail_outbox')
      .values(
        part.map((r, i) => {
          const values = { ...fixed, recipientName: r.fullName, email: r.email, link: base + secrets[i]! };
          return {
            id: newId(),
            to_address: r.email,
            user_id: r.userId,
            event,
            subject: fillParts(subject, values),
            body_markdown: fillParts(body, values),
            status: 'pending' as const,
            attempts: 0,
            next_attempt_at: createdAt,
            created_at: createdAt,
            updated_at: createdAt,
          };
        }),
      )
      .execute();
  }
  return { createdAt, expiresAt };
}

/** Invitations for new accounts without a password (the user.created hook and the user import). */
export async function inviteUsers(ctx: AppContext, trx: Tx, userIds: readonly string[], actorId: string | null): Promise<void> {
  for (const part of chunks(userIds, 900)) {
    const rows = await trx
      .selectFrom('users')
      .select(['id', 'email', 'full_name'])
      .where('id', 'in', part)
      .where('password_hash', 'is', null)
      .where('enabled', '=', 1)
      .execute();
    await issueLinks(
      ctx,
      trx,
      'invitation',
      rows.map((r) => ({ userId: r.id, email: r.email, fullName: r.full_name })),
      { actorId, fresh: true },
    );
  }
}

export interface InvitationState {
  userId: string;
  email: string;
  /** The account has a password (set through the invitation or otherwise): nothing to invite to. */
  passwordSet: boolean;
  invitedAt: string | null;
  expiresAt: string | null;
  acceptedAt: string | null;
}

export async function invitationState(db: Executor, userId: string): Promise<InvitationState> {
  const user = await db.selectFrom('users').select(['id', 'email', 'password_hash']).where('id', '=', userId).executeTakeFirst();
  if (!user) throw errors.notFound('The user');
  const last = await db
    .selectFrom('password_links')
    .select(['created_at', 'expires_at', 'used_at'])
    .where('user_id', '=', userId)
    .where('purpose', '=', 'invitation')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    userId: user.id,
    email: user.email,
    passwordSet: user.password_hash !== null,
    invitedAt: last?.created_at ?? null,
    expiresAt: last?.expires_at ?? null,
    acceptedAt: last?.used_at ?? null,
  };
}

/** Sends the invitation again (a new link; the previous one stops working). */
export async function resendInvitation(ctx: AppContext, actorId: string, userId: string): Promise<InvitationState> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'email', 'full_name', 'password_hash', 'enabled'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!user) throw errors.notFound('The user');
    if (user.password_hash !== null)
      throw errors.conflict('ACCOUNT_ACTIVE', 'This person has already set a password. If they forgot it, they can use "Forgot password?" on the login page.');
    if (user.enabled !== 1) throw errors.conflict('ACCOUNT_DISABLED', 'The account is disabled; enable it before inviting its person.');
    await issueLinks(ctx, trx, 'invitation', [{ userId: user.id, email: user.email, fullName: user.full_name }], { actorId });
  });
  return invitationState(ctx.db, userId);
}

function linkInvalid() {
  return errors.unprocessable(
    'PASSWORD_LINK_INVALID',
    'This link is not valid. It may have been replaced by a newer message, or copied incompletely: open the link of the latest message, or ask for a new one with "Forgot password?".',
  );
}

function linkUsedOrExpired(row: { used_at: string | null; expires_at: string }) {
  if (row.used_at !== null)
    return errors.unprocessable('PASSWORD_LINK_USED', 'This link has already been used. Log in with your password, or ask for a new link with "Forgot password?".');
  return errors.unprocessable(
    'PASSWORD_LINK_EXPIRED',
    `This link expired on ${readableInstant(row.expires_at)}. Ask for a new one with "Forgot password?" on the login page.`,
  );
}

/**
 * Sets the password of the link's account and uses the link up. `signedInAs`: the account of the
 * caller's session, if any; a link of another account is refused so nobody changes someone
 * else's password by mistake while logged in.
 */
export async function setPasswordWithLink(
  ctx: AppContext,
  input: { token: string; password: string; signedInAs: string | null },
): Promise<{ email: string; userId: string }> {
  const id = sha256(input.token);
  const link = await ctx.db
    .selectFrom('password_links')
    .innerJoin('users', 'users.id', 'password_links.user_id')
    .select(['password_links.user_id', 'password_links.purpose', 'password_links.used_at', 'password_links.expires_at', 'users.email', 'users.enabled'])
    .where('password_links.id', '=', id)
    .executeTakeFirst();
  if (!link || link.enabled !== 1) throw linkInvalid();
  if (link.used_at !== null || Date.parse(link.expires_at) <= Date.now()) throw linkUsedOrExpired(link);
  if (input.signedInAs && input.signedInAs !== link.user_id)
    throw errors.conflict('PASSWORD_LINK_OTHER_USER', 'This link is for another account than the one you are logged in with. Log out first, then open the link again.');
  const hash = await hashPassword(input.password, ctx.config.scryptCost);
  await ctx.db.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    // The one use: only while unused and unexpired, so of two concurrent uses one matches.
    const used = await trx
      .updateTable('password_links')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    if (!used) {
      const again = await trx.selectFrom('password_links').select(['used_at', 'expires_at']).where('id', '=', id).executeTakeFirst();
      throw again ? linkUsedOrExpired(again) : linkInvalid();
    }
    // Every other open link of the account ends with it.
    await trx
      .updateTable('password_links')
      .set({ used_at: now })
      .where('user_id', '=', link.user_id)
      .where('used_at', 'is', null)
      .execute();
    await replacePassword(trx, link.user_id, hash, { purpose: link.purpose });
  });
  return { email: link.email, userId: link.user_id };
}

/** Counts one request of `key` in its window (one statement); true while within `max`. */
async function withinLimit(db: Executor, key: string, limit: { max: number; windowMinutes: number }): Promise<{ ok: boolean; retryAfter: number }> {
  const now = new Date();
  const at = now.toISOString();
  const windowEnd = new Date(now.getTime() + limit.windowMinutes * 60_000).toISOString();
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, next_at: windowEnd, updated_at: at })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when login_throttle.next_at <= ${at} then 1 else login_throttle.failures + 1 end`,
        next_at: sql<string>`case when login_throttle.next_at <= ${at} then ${windowEnd} else login_throttle.next_at end`,
        updated_at: at,
      }),
    )
    .returning(['failures', 'next_at'])
    .executeTakeFirstOrThrow();
  return { ok: Number(row.failures) <= limit.max, retryAfter: Math.max(1, Math.ceil((Date.parse(row.next_at) - now.getTime()) / 1000)) };
}

/**
 * "Forgot password?": mails a reset link when the email belongs to an enabled account. The caller
 * answers the same whether or not it does; only an address asking too often is refused (429).
 */
export async function requestPasswordReset(ctx: AppContext, input: { email: string; ip: string }): Promise<void> {
  const address = await withinLimit(ctx.db, `reset-ip:${input.ip}`, RESET_LIMITS.address);
  if (!address.ok) throw errors.rateLimited(address.retryAfter, 'Too many password reset requests from your network. Try again later.');
  const email = normalizeEmail(input.email);
  const account = await withinLimit(ctx.db, `reset-email:${email}`, RESET_LIMITS.account);
  if (!account.ok) return;
  const user = await ctx.db.selectFrom('users').select(['id', 'email', 'full_name', 'enabled']).where('email', '=', email).executeTakeFirst();
  if (!user || user.enabled !== 1) return;
  await ctx.db.transaction().execute((trx) =>
    issueLinks(ctx, trx, 'reset', [{ userId: user.id, email: user.email, fullName: user.full_name }], { actorId: null }),
  );
}
