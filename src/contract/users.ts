import { z } from 'zod';
import { RoleSchema } from './roles.ts';

export const Email = z.email().max(254);
export const Password = z.string().min(8, 'Use at least 8 characters').max(200);
export const FullName = z.string().trim().min(1).max(140);

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  fullName: z.string(),
  enabled: z.boolean(),
  roles: z.array(RoleSchema),
  createdAt: z.string(),
});

export const MeSchema = z.object({
  id: z.string(),
  email: z.string(),
  fullName: z.string(),
  roles: z.array(RoleSchema),
});

/** The keys `GET /api/users?sort=` takes (`-key` for descending). */
export const USER_SORTS = ['fullName', 'email', 'createdAt'] as const;

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

export const CreateTokenBody = z.strictObject({ name: z.string().trim().min(1).max(100) });
