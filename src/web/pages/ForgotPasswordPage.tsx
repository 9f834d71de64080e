import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert, Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { IconAlert, IconShield } from '../ui/icons.tsx';
import { useTitle } from '../ui/useTitle.ts';
import { ALERT_STYLES, AuthLayout } from './AuthLayout.tsx';

/** `/forgot-password`: mails a one-time link to choose a new password. */
export default function ForgotPasswordPage() {
  useTitle('Forgot password');
  const [email, setEmail] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const ask = useMutation({
    mutationFn: (body: { email: string }) => api.post<{ message: string }>('/api/auth/forgot-password', body),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!email.trim()) {
      setMissing('Enter your email address');
      document.getElementById('forgot-email')?.focus();
      return;
    }
    ask.mutate({ email: email.trim() });
  };

  if (ask.isSuccess) {
    return (
      <AuthLayout title="Check your email">
        <Stack gap="md">
          <Alert styles={ALERT_STYLES} variant="light" color="green" icon={<IconShield />} title="Message on its way" role="status">
            {ask.data.message}
          </Alert>
          <Button component={Link} to="/login" variant="default" fullWidth>
            Back to log in
          </Button>
        </Stack>
      </AuthLayout>
    );
  }

  const error =
    ask.error instanceof ApiError && ask.error.status === 429
      ? 'Too many requests from your network. Wait a few minutes and try again.'
      : ask.isError
        ? errorMessage(ask.error)
        : null;

  return (
    <AuthLayout title="Forgot your password?" subtitle="Enter the email of your account; we will mail you a link to choose a new password.">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {error && (
            <Alert styles={ALERT_STYLES} variant="light" color="red" icon={<IconAlert />} role="alert" title="Could not send the link">
              {error}
            </Alert>
          )}
          <TextInput
            id="forgot-email"
            label="Email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => {
              setEmail(e.currentTarget.value);
              setMissing(null);
            }}
            error={missing}
          />
          <Button type="submit" fullWidth size="md" loading={ask.isPending}>
            Send the link
          </Button>
          <Anchor component={Link} to="/login" size="sm" ta="center">
            Back to log in
          </Anchor>
        </Stack>
      </form>
    </AuthLayout>
  );
}
