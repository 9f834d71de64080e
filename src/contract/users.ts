import { z } from 'zod';
import { dictionary as commonWords } from '@zxcvbn-ts/language-common';
import { VisibleText } from './common.ts';
import { RoleSchema } from './roles.ts';

export const Email = z.email().max(254);
export const MIN_PASSWORD_LENGTH = 12;

/**
 * Entries of the zxcvbn common-password list long enough to pass the length rule (shorter ones
 * fail it anyway); compared without case and spaces.
 */
const COMMON_PASSWORDS = new Set(commonWords['passwords-common'].filter((w) => w.length >= MIN_PASSWORD_LENGTH));

/** A reason in words when `password` is too easy to guess, else null. */
export function weakPasswordReason(password: string): string | null {
  const key = password.toLowerCase().replace(/\s+/g, '');
  if (key === '') return 'A password cannot be only spaces.';
  if (/^(.)\1*$/u.test(key)) return 'A password cannot be one character repeated.';
  if (COMMON_PASSWORDS.has(key)) return 'This password is on the list of common passwords; choose one that is harder to guess.';
  return null;
}

export const Password = z
  .string()
  .max(200, 'Use at most 200 characters.')
  .min(MIN_PASSWORD_LENGTH, { message: `Use at least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words work well.`, abort: true })
  .check((ctx) => {
    const reason = weakPasswordReason(ctx.value);
    if (reason) ctx.issues.push({ code: 'custom', message: reason, input: ctx.value });
  });
export const FullName = VisibleText(140, 'The name');

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  fullName: z.string(),
  enabled: z.boolean(),
  roles: z.array(RoleSchema),
  createdAt: z.string(),
});

/** A user as lists show them: with when the account last changed (roles, name, enabled, password). */
export const UserRowSchema = UserSchema.extend({ updatedAt: z.string() });

export const MeSchema = z.object({
  id: z.string(),
  email: z.string(),
  fullName: z.string(),
  roles: z.array(RoleSchema),
});

/** The keys `GET /api/users?sort=` takes (`-key` for descending). */
export const USER_SORTS = ['fullName', 'email', 'createdAt', 'updatedAt'] as const;

export const LoginBody = z.strictObject({ email: z.string().max(254), password: z.string().max(200) });
export const SetupBody = z.strictObject({ email: Email, fullName: FullName, password: Password });

export const CreateUserBody = z.strictObject({
  email: Email,
  fullName: FullName,
  password: Password.optional(),
  roles: z.array(RoleSchema).max(7).default([]),
  enabled: z.boolean().optional(),
});

export const UpdateUserBody = z.strictObject({
  fullName: FullName.optional(),
  enabled: z.boolean().optional(),
  password: Password.optional(),
});

export const SetRolesBody = z.strictObject({ roles: z.array(RoleSchema).max(7) });

export const CreateTokenBody = z.strictObject({ name: VisibleText(100, 'The name') });

/** A one-time link's secret: 43 characters of base64url as sent; anything longer is not one. */
export const PasswordLinkToken = z.string().min(1, 'The link has no token: open the link from the message again.').max(200);
export const ForgotPasswordBody = z.strictObject({ email: z.string().trim().min(1, 'Enter your email address').max(254) });
export const SetPasswordBody = z.strictObject({ token: PasswordLinkToken, password: Password });

/** Where an account's invitation stands. */
export const InvitationSchema = z.object({
  userId: z.string(),
  email: z.string(),
  passwordSet: z.boolean(),
  invitedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
});
export type Invitation = z.infer<typeof InvitationSchema>;

/** The roles the employee form offers when inviting (more are given on the user's page). */
export const INVITE_ROLES = ['LMS Student', 'HR User', 'HR Manager'] as const;
export const InviteEmployeeBody = z.strictObject({
  email: Email,
  roles: z.array(RoleSchema).max(7).default(['LMS Student']),
});
