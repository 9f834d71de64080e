import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { Alert, Anchor, Button, Group, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { IconAlert } from '../ui/icons.tsx';
import { PageLoader } from '../ui/states.tsx';
import { ME_KEY, homeOf, safeNext, useMe, type Me } from '../ui/session.ts';
import { preloadAreaOf } from '../ui/areas.tsx';
import { useTitle } from '../ui/useTitle.ts';
import { AuthLayout } from './AuthLayout.tsx';

export const BAD_LOGIN = 'The email or password is not correct.';

function waitText(seconds: number | null): string {
  if (!seconds) return 'a few minutes';
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

/** A sentence for a failed login attempt. */
export function loginErrorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return BAD_LOGIN;
    if (err.status === 429) return `Too many failed attempts. For your security, wait ${waitText(err.retryAfter)} and try again.`;
    if (err.status === 400) return 'Enter your email address and password.';
  }
  return errorMessage(err);
}

/** Where to go after logging in: `next` when it is inside the portal or desk, else the user's home. */
function destination(next: string | null, me: Me): string {
  return safeNext(next) ?? homeOf(me);
}

/** `/login`: email and password. */
export default function LoginPage() {
  useTitle('Log in');
  const [params] = useSearchParams();
  const next = params.get('next');
  const me = useMe();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ email?: string; password?: string }>({});
  const [justLoggedIn, setJustLoggedIn] = useState(false);

  const login = useMutation({
    mutationFn: (body: { email: string; password: string }) => api.post<{ user: Me }>('/api/auth/login', body),
    // The button keeps spinning until the destination's code is here: the page then changes at
    // once instead of leaving the filled-in form on screen while the desk or portal downloads.
    onSuccess: async ({ user }) => {
      setJustLoggedIn(true);
      const to = destination(next, user);
      await preloadAreaOf(to).catch(() => undefined);
      client.setQueryData(ME_KEY, user);
      await navigate(to, { replace: true });
    },
  });

  if (me.isPending) {
    return (
      <AuthLayout title="Log in" brand>
        <PageLoader />
      </AuthLayout>
    );
  }
  // Already logged in (e.g. the back button): continue where they were going.
  if (me.data && !justLoggedIn) return <Navigate to={destination(next, me.data)} replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m: typeof missing = {};
    if (!email.trim()) m.email = 'Enter your email address';
    if (!password) m.password = 'Enter your password';
    setMissing(m);
    if (m.email || m.password) {
      document.getElementById(m.email ? 'login-email' : 'login-password')?.focus();
      return;
    }
    login.mutate({ email: email.trim(), password });
  };

  return (
    <AuthLayout title="Log in" subtitle="Welcome back. Log in to continue your training." brand>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {login.isError && (
            <Alert variant="light" color="red" icon={<IconAlert />} role="alert" title="Could not log in">
              {loginErrorMessage(login.error)}
            </Alert>
          )}
          <TextInput
            id="login-email"
            label="Email"
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => {
              setEmail(e.currentTarget.value);
              setMissing((x) => ({ ...x, email: undefined }));
            }}
            error={missing.email}
          />
          <PasswordInput
            id="login-password"
            label="Password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => {
              setPassword(e.currentTarget.value);
              setMissing((x) => ({ ...x, password: undefined }));
            }}
            error={missing.password}
          />
          <Group justify="flex-end" mt={-8}>
            <Anchor component={Link} to="/forgot-password" size="sm">
              Forgot password?
            </Anchor>
          </Group>
          <Button type="submit" fullWidth size="md" loading={login.isPending} mt="xs">
            Log in
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
