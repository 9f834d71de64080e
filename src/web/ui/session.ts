import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { Role } from '../../contract/roles.ts';
import { SESSION_URL } from '../../contract/first-requests.ts';
import { api, ApiError, getFirst } from './api.ts';

export interface Me {
  id: string;
  email: string;
  fullName: string;
  roles: Role[];
}

export const ME_KEY = ['auth', 'me'] as const;
export const SETUP_KEY = ['setup'] as const;

export const LMS_STAFF_ROLES: readonly Role[] = ['System Manager', 'Moderator', 'Course Creator', 'Batch Evaluator'];
export const HR_ROLE_NAMES: readonly Role[] = ['System Manager', 'HR Manager', 'HR User'];

/** Staff = any role other than "LMS Student". */
export function isStaff(me: Pick<Me, 'roles'> | null | undefined): boolean {
  return !!me && me.roles.some((r) => r !== 'LMS Student');
}

export function hasAnyRole(me: Pick<Me, 'roles'> | null | undefined, roles: readonly Role[]): boolean {
  return !!me && me.roles.some((r) => roles.includes(r));
}

/** Where a user lands after logging in when no other page was asked for. */
export function homeOf(me: Pick<Me, 'roles'>): string {
  return isStaff(me) ? '/app' : '/lms';
}

/** A `next` target is only followed inside the portal or the desk (never another site). */
export function safeNext(next: string | null): string | null {
  if (!next) return null;
  return /^\/(lms|app)(?:[/?#]|$)/.test(next) && !next.includes('\\') ? next : null;
}

/**
 * The logged-in user, or null when nobody is. Asked of GET /api/auth/session, which answers 200 with
 * `{ user: null }` for nobody, so a logged-out page logs no failed request (/api/auth/me answers 401).
 */
export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async ({ signal }) => {
      try {
        return (await getFirst<{ user: Me | null }>(SESSION_URL, { signal })).user;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}

/** Whether the one-time setup (creating the first System Manager) is still open. */
export function useSetupStatus() {
  return useQuery({
    queryKey: SETUP_KEY,
    queryFn: ({ signal }) => api.get<{ needed: boolean }>('/api/setup', { signal }),
    staleTime: 30_000,
  });
}

/** Ends the session, forgets every cached answer and goes to the login page. */
export function useLogout() {
  const client = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => api.post<void>('/api/auth/logout'),
    onSettled: () => {
      client.clear();
      client.setQueryData(ME_KEY, null);
      void navigate('/login', { replace: true });
    },
  });
}
