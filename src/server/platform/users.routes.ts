import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { errors } from '../http/errors.ts';
import { BoolQuery, IdParams, PageQuery, SortQuery, pageOf } from '../../contract/common.ts';
import { RoleSchema } from '../../contract/roles.ts';
import { CreateUserBody, SetRolesBody, UpdateUserBody, UserSchema, USER_SORTS } from '../../contract/users.ts';
import { createUser, getUser, listUsers, setRoles, updateUser } from './users.service.ts';
import { registerListExport, yesNo } from './list-export.ts';

const ADMIN = ['System Manager'] as const;

const UserListQuerySchema = z.strictObject({
  ...PageQuery,
  sort: SortQuery(USER_SORTS),
  q: z.string().max(200).optional(),
  role: RoleSchema.optional(),
  enabled: BoolQuery.optional(),
});

export function registerUserRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/users',
    {
      config: { access: ['System Manager', 'Moderator', 'HR Manager', 'HR User'] },
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: UserListQuerySchema,
        response: { 200: pageOf(UserSchema) },
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
    ],
  });

  app.post(
    '/api/users',
    { config: { access: ADMIN }, schema: { tags: ['users'], summary: 'Create a user', body: CreateUserBody, response: { 201: UserSchema } } },
    async (req, reply) => reply.code(201).send(await createUser(ctx, actorOf(req), req.body)),
  );

  app.get(
    '/api/users/:id',
    {
      config: { access: ['System Manager', 'Moderator', 'HR Manager', 'HR User'] },
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
      config: { access: ADMIN },
      schema: { tags: ['users'], summary: 'Change name, password or enabled', params: IdParams, body: UpdateUserBody, response: { 200: UserSchema } },
    },
    async (req) => updateUser(ctx, actorOf(req), req.params.id, req.body),
  );

  app.put(
    '/api/users/:id/roles',
    {
      config: { access: ADMIN },
      schema: { tags: ['users'], summary: "Replace a user's roles", params: IdParams, body: SetRolesBody, response: { 200: UserSchema } },
    },
    async (req) => setRoles(ctx, actorOf(req), req.params.id, req.body.roles),
  );
}
