import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { errors } from '../http/errors.ts';
import { BoolQuery, IdParams, IsoDate, IsoDateTime, PageQuery, SortQuery, pageOf } from '../../contract/common.ts';
import { RoleSchema } from '../../contract/roles.ts';
import { CreateUserBody, SetRolesBody, UpdateUserBody, UserRowSchema, UserSchema, USER_SORTS } from '../../contract/users.ts';
import { createUser, getUser, listUsers, setRoles, updateUser } from './users.service.ts';
import { registerListExport, yesNo } from './list-export.ts';

const ADMIN = ['System Manager'] as const;

const UserListQuerySchema = z.strictObject({
  ...PageQuery,
  sort: SortQuery(USER_SORTS),
  q: z.string().max(200).optional(),
  role: RoleSchema.optional(),
  enabled: BoolQuery.optional(),
  updatedSince: z.union([IsoDateTime, IsoDate]).optional(),
});

/** Who may look people up by name: HR, and the staff who enroll people in courses and batches. */
const USER_READERS = ['System Manager', 'Moderator', 'Course Creator', 'HR Manager', 'HR User'] as const;

export function registerUserRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/users',
    {
      config: { access: USER_READERS },
      schema: {
        tags: ['users'],
        summary: 'List users',
        description:
          'For reconciliation: updatedSince (ISO timestamp or date) keeps the users whose account changed at or after it (roles, name, ' +
          'enabled, password) and sorts by updatedAt ascending unless sort says otherwise; page with cursor until nextCursor is null, ' +
          'then next time ask from the largest updatedAt seen. GET /api/users/export.csv takes the same filters.',
        querystring: UserListQuerySchema,
        response: { 200: pageOf(UserRowSchema) },
      },
    },
    async (req) => listUsers(ctx, req.query),
  );
  registerListExport(app, '/api/users', {
    access: ['System Manager', 'Moderator', 'HR Manager', 'HR User'],
    tags: ['users'],
    querystring: UserListQuerySchema,
    fileName: 'users',
    list: (_req, q) => listUsers(ctx, q),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Name', value: (r) => r.fullName },
      { header: 'Email', value: (r) => r.email },
      { header: 'Roles', value: (r) => r.roles.join(', ') },
      { header: 'Enabled', value: (r) => yesNo(r.enabled) },
      { header: 'Created', value: (r) => r.createdAt },
      { header: 'Updated', value: (r) => r.updatedAt },
    ],
  });

  app.post(
    '/api/users',
    { config: { access: ADMIN, problems: ['EMAIL_TAKEN'] }, schema: { tags: ['users'], summary: 'Create a user', body: CreateUserBody, response: { 201: UserSchema } } },
    async (req, reply) => reply.code(201).send(await createUser(ctx, actorOf(req), req.body)),
  );

  app.get(
    '/api/users/:id',
    {
      config: { access: USER_READERS },
      schema: { tags: ['users'], summary: 'One user', params: IdParams, response: { 200: UserSchema } },
    },
    async (req) => {
      const u = await getUser(ctx.db, req.params.id);
      if (!u) throw errors.notFound('The user');
      return u;
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: { access: ADMIN, problems: ['CANNOT_DISABLE_SELF'] },
      schema: { tags: ['users'], summary: 'Change name, password or enabled', params: IdParams, body: UpdateUserBody, response: { 200: UserSchema } },
    },
    async (req) => updateUser(ctx, actorOf(req), req.params.id, req.body),
  );

  app.put(
    '/api/users/:id/roles',
    {
      config: { access: ADMIN, problems: ['CANNOT_DEMOTE_SELF'] },
      schema: { tags: ['users'], summary: "Replace a user's roles", params: IdParams, body: SetRolesBody, response: { 200: UserSchema } },
    },
    async (req) => setRoles(ctx, actorOf(req), req.params.id, req.body.roles),
  );
}
