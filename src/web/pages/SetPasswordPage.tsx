import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Anchor, Button, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { IconAlert, IconShield } from '../ui/icons.tsx';
import { useTitle } from '../ui/useTitle.ts';
import { ALERT_STYLES, AuthLayout } from './AuthLayout.tsx';
import { NewPasswordFields, type NewPasswordField } from './NewPasswordFields.tsx';
import { ME_KEY, homeOf, type Me } from '../ui/session.ts';
import { preloadAreaOf } from '../ui/areas.tsx';


/** Link problems that a new link fixes: the page offers "Forgot password?" for them. */
const LINK_CODES = new Set(['PASSWORD_LINK_INVALID', 'PASSWORD_LINK_USED', 'PASSWORD_LINK_EXPIRED']);

/** `/lms/set-password?token=…`: the page of an invitation or password reset link. */
export default function SetPasswordPage() {
  useTitle('Choose your password');
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [values, setValues] = useState<Record<NewPasswordField, string>>({ password: '', confirm: '' });
  const [errors, setErrors] = useState<Partial<Record<NewPasswordField, string>>>({});
  const navigate = useNavigate();
  const client = useQueryClient();

  const save = useMutation({
    mutationFn: (body: { token: string; password: string }) => api.post<{ email: string; user: Me }>('/api/auth/set-password', body),
    // The answer logs the account in: straight on to its home (portal or desk), like a login.
    onSuccess: async ({ user }) => {
      const to = homeOf(user);
      await preloadAreaOf(to).catch(() => undefined);
      client.setQueryData(ME_KEY, user);
      await navigate(to, { replace: true });
    },
    onError: (err) => {
      if (err instanceof ApiError && err.fieldErrors.some((f) => f.path === 'password')) {
        setErrors({ password: err.fieldErrors.filter((f) => f.path === 'password').map((f) => f.message).join(' ') });
        requestAnimationFrame(() => document.getElementById('new-password')?.focus());
      }
    },
  });

  if (!token) {
    return (
      <AuthLayout title="This link is incomplete">
        <Stack gap="md">
          <Alert styles={ALERT_STYLES} variant="light" color="red" icon={<IconAlert />} title="No link token">
            Open the link from your invitation or password reset message again; it may have been cut short when it was copied.
          </Alert>
          <Button component={Link} to="/forgot-password" fullWidth>
            Ask for a new link
          </Button>
        </Stack>
      </AuthLayout>
    );
  }

  if (save.isSuccess) {
    return (
      <AuthLayout title="Your password is set">
        <Stack gap="md">
          <Alert styles={ALERT_STYLES} variant="light" color="green" icon={<IconShield />} title="Done">
            You are logged in as {save.data.email}. Any other sessions of your account have been logged out.
          </Alert>
          <Button component={Link} to={homeOf(save.data.user)} fullWidth>
            Continue
          </Button>
        </Stack>
      </AuthLayout>
    );
  }

  const linkProblem = save.error instanceof ApiError && LINK_CODES.has(save.error.code) ? save.error : null;
  const otherProblem = save.isError && !linkProblem && !errors.password ? errorMessage(save.error) : null;

  const change = (field: NewPasswordField) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [field]: value }));
    if (errors[field]) setErrors((x) => ({ ...x, [field]: undefined }));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Partial<Record<NewPasswordField, string>> = {};
    if (values.password.length < 12) found.password = 'Use at least 12 characters; a few unrelated words work well.';
    if (values.confirm !== values.password) found.confirm = 'The passwords do not match.';
    setErrors(found);
    if (found.password || found.confirm) {
      document.getElementById(found.password ? 'new-password' : 'new-confirm')?.focus();
      return;
    }
    save.mutate({ token, password: values.password });
  };

  return (
    <AuthLayout title="Choose your password" subtitle="The password you will log in with from now on.">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {linkProblem && (
            <Alert styles={ALERT_STYLES} variant="light" color="red" icon={<IconAlert />} role="alert" title="This link does not work">
              <Stack gap={6}>
                <Text size="sm">{linkProblem.detail}</Text>
                <Anchor component={Link} to="/forgot-password" size="sm">
                  Ask for a new link
                </Anchor>
              </Stack>
            </Alert>
          )}
          {otherProblem && (
            <Alert styles={ALERT_STYLES} variant="light" color="red" icon={<IconAlert />} role="alert" title="Could not set the password">
              {otherProblem}
            </Alert>
          )}
          <NewPasswordFields
            idPrefix="new"
            labels={{ password: 'New password', confirm: 'Repeat the password' }}
            values={values}
            errors={errors}
            onChange={change}
          />
          <Button type="submit" fullWidth size="md" loading={save.isPending} mt="xs">
            Set password
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
