import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf, requirePrincipal, setSessionCookie } from '../http/access.ts';
import { openSessionFor } from '../platform/auth.service.ts';
import { IdParams } from '../../contract/common.ts';
import { ForgotPasswordBody, InvitationSchema, InviteEmployeeBody, MeSchema, SetPasswordBody } from '../../contract/users.ts';
import { employeeInvitation, inviteEmployee } from './employee-invite.ts';
import { invitationState, requestPasswordReset, resendInvitation, setPasswordWithLink } from './password-links.ts';

const FORGOT_ANSWER = 'If an account has this email, a message with a link to choose a new password is on its way. The link works for one hour.';

/** Forgot password, set a password with a one-time link, invitations (users and the employee form). */
export function registerPasswordLinkRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/auth/forgot-password',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Mail a one-time link to choose a new password',
        description:
          'Always answers 202 with the same text, whether or not an account has the email, so the answer tells nobody who has an ' +
          'account. An enabled account is mailed a link that works once, for one hour; at most 3 such mails per account an hour ' +
          '(more requests are answered the same and send nothing). 429 when one client address asks more than 10 times in 15 minutes.',
        body: ForgotPasswordBody,
        response: { 202: z.object({ message: z.string() }) },
      },
    },
    async (req, reply) => {
      await requestPasswordReset(ctx, { email: req.body.email, ip: req.ip });
      return reply.code(202).send({ message: FORGOT_ANSWER });
    },
  );

  app.post(
    '/api/auth/set-password',
    {
      config: { access: 'public', problems: ['PASSWORD_LINK_INVALID', 'PASSWORD_LINK_USED', 'PASSWORD_LINK_EXPIRED', 'PASSWORD_LINK_OTHER_USER'] },
      schema: {
        tags: ['auth'],
        summary: 'Choose a password with a one-time link (invitation or reset)',
        description:
          'The token is the `token` of the link in the invitation or reset message. The password follows the password rule (at ' +
          'least 12 characters, not a common password). The link is used up; every session and API token of the account ends, ' +
          'and so does every other open link of it. The answer logs the account in: a new session cookie, and the user as ' +
          '`/api/auth/me` gives it.',
        body: SetPasswordBody,
        response: { 200: z.object({ email: z.string(), user: MeSchema }) },
      },
    },
    async (req, reply) => {
      const set = await setPasswordWithLink(ctx, { token: req.body.token, password: req.body.password, signedInAs: req.principal?.id ?? null });
      const s = await openSessionFor(ctx, set.userId, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      setSessionCookie(ctx, req, reply, s.token, s.expiresAt);
      return { email: set.email, user: s.principal };
    },
  );

  app.get(
    '/api/users/:id/invitation',
    {
      config: { access: ['System Manager', 'HR Manager', 'HR User'] },
      schema: { tags: ['users'], summary: "Where a user's invitation stands", params: IdParams, response: { 200: InvitationSchema } },
    },
    async (req) => invitationState(ctx.db, req.params.id),
  );

  app.post(
    '/api/users/:id/invitation',
    {
      config: { access: ['System Manager', 'HR Manager'], problems: ['ACCOUNT_ACTIVE', 'ACCOUNT_DISABLED'] },
      schema: {
        tags: ['users'],
        summary: 'Send the invitation again (a new one-time link; the previous one stops working)',
        params: IdParams,
        response: { 201: InvitationSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await resendInvitation(ctx, requirePrincipal(req).id, req.params.id)),
  );

  app.get(
    '/api/employees/:id/invitation',
    {
      config: { access: ['System Manager', 'HR Manager', 'HR User'] },
      schema: {
        tags: ['hr'],
        summary: "Where the invitation of the employee's account stands (null: the employee has no account)",
        params: IdParams,
        response: { 200: z.object({ invitation: InvitationSchema.nullable() }) },
      },
    },
    async (req) => ({ invitation: await employeeInvitation(ctx, req.params.id) }),
  );

  app.post(
    '/api/employees/:id/invitation',
    {
      config: { access: ['System Manager', 'HR Manager'], problems: ['EMPLOYEE_HAS_ACCOUNT', 'EMAIL_TAKEN', 'EMPLOYEE_NOT_ACTIVE'] },
      schema: {
        tags: ['hr'],
        summary: 'Invite an employee without an account: create the linked account and mail the invitation',
        description:
          'Creates the account (the employee’s name, the given email and roles; default LMS Student) linked to the employee, and ' +
          'mails a one-time link to choose a password, valid for 7 days. An HR Manager may give LMS Student, HR User and HR Manager.',
        params: IdParams,
        body: InviteEmployeeBody,
        response: { 201: InvitationSchema.extend({ employeeId: z.string() }) },
      },
    },
    async (req, reply) => reply.code(201).send(await inviteEmployee(ctx, actorOf(req), req.params.id, req.body)),
  );
}
