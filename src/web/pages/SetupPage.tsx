import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { IconAlert, IconShield } from '../ui/icons.tsx';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { ME_KEY, SETUP_KEY, useMe, useSetupStatus, homeOf, type Me } from '../ui/session.ts';
import { loadDesk } from '../ui/areas.tsx';
import { useTitle } from '../ui/useTitle.ts';
import { AuthLayout } from './AuthLayout.tsx';
import { NewPasswordFields } from './NewPasswordFields.tsx';

type Field = 'fullName' | 'email' | 'password' | 'confirm';
type FieldErrors = Partial<Record<Field, string>>;

const FIELDS: readonly Field[] = ['fullName', 'email', 'password', 'confirm'];

function validate(v: Record<Field, string>): FieldErrors {
  const e: FieldErrors = {};
  if (!v.fullName.trim()) e.fullName = 'Enter your full name';
  if (!v.email.trim()) e.email = 'Enter your email address';
  else if (!/^[^@\s]+@[^@\s]+$/.test(v.email.trim())) e.email = 'Enter a valid email address';
  if (v.password.length < 12) e.password = 'Use at least 12 characters';
  if (v.confirm !== v.password) e.confirm = 'The passwords do not match';
  return e;
}

/** `/setup`: creates the first System Manager while no user exists. */
export default function SetupPage() {
  useTitle('Set up');
  const status = useSetupStatus();
  // Once this form has created the administrator, the page only leads on to the desk (the setup
  // status turning to "done" must not show the "already done" page on the way).
  const [created, setCreated] = useState(false);

  if (created) {
    return (
      <AuthLayout title="Set up Smooth LMS">
        <PageLoader label="Opening the desk…" />
      </AuthLayout>
    );
  }
  if (status.isPending) {
    return (
      <AuthLayout title="Set up Smooth LMS">
        <PageLoader />
      </AuthLayout>
    );
  }
  if (status.isError) {
    return (
      <AuthLayout title="Set up Smooth LMS">
        <ErrorState error={status.error} onRetry={() => void status.refetch()} />
      </AuthLayout>
    );
  }
  if (!status.data.needed) return <SetupDone />;
  return <SetupForm onCreated={() => setCreated(true)} />;
}

function SetupDone() {
  const me = useMe();
  return (
    <AuthLayout title="Setup is already done">
      <Stack gap="md">
        <Alert variant="light" color="blue" icon={<IconShield />} title="An administrator exists">
          Smooth LMS has been set up. Setup can only be run once, to create the first System Manager.
        </Alert>
        {me.data ? (
          <Button component={Link} to={homeOf(me.data)} fullWidth>
            Continue to Smooth LMS
          </Button>
        ) : (
          <Button component={Link} to="/login" fullWidth>
            Go to log in
          </Button>
        )}
      </Stack>
    </AuthLayout>
  );
}

function SetupForm({ onCreated }: { onCreated: () => void }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [values, setValues] = useState<Record<Field, string>>({ fullName: '', email: '', password: '', confirm: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);

  const setup = useMutation({
    mutationFn: (body: { fullName: string; email: string; password: string }) => api.post<{ user: Me }>('/api/setup', body),
    // The desk's code is fetched before leaving, so the desk shows at once.
    onSuccess: async ({ user }) => {
      onCreated();
      await loadDesk().catch(() => undefined);
      client.setQueryData(ME_KEY, user);
      client.setQueryData(SETUP_KEY, { needed: false });
      await navigate('/app', { replace: true });
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'SETUP_DONE') {
        void client.invalidateQueries({ queryKey: SETUP_KEY });
        return;
      }
      if (err instanceof ApiError && err.fieldErrors.length) {
        const next: FieldErrors = {};
        const other: string[] = [];
        for (const fe of err.fieldErrors) {
          const field = FIELDS.find((f) => f === fe.path);
          if (field && !next[field]) next[field] = fe.message;
          else if (!field) other.push(fe.message);
        }
        setErrors(next);
        setFormError(other.length ? other.join(' ') : Object.keys(next).length ? null : err.detail);
        const first = FIELDS.find((f) => next[f]);
        if (first) requestAnimationFrame(() => document.getElementById(`setup-${first}`)?.focus());
        return;
      }
      setFormError(errorMessage(err));
    },
  });

  const change = (field: Field) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [field]: value }));
    if (errors[field]) setErrors((x) => ({ ...x, [field]: undefined }));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const found = validate(values);
    setErrors(found);
    if (Object.keys(found).length) {
      const first = FIELDS.find((f) => found[f]);
      if (first) document.getElementById(`setup-${first}`)?.focus();
      return;
    }
    setup.mutate({ fullName: values.fullName.trim(), email: values.email.trim(), password: values.password });
  };

  return (
    <AuthLayout
      title="Set up Smooth LMS"
      subtitle="Create the first System Manager account. You can add more people and roles once you are in."
      width={460}
    >
      <form onSubmit={submit} noValidate aria-describedby={formError ? 'setup-error' : undefined}>
        <Stack gap="md">
          {formError && (
            <Alert id="setup-error" variant="light" color="red" icon={<IconAlert />} role="alert" title="Setup did not work">
              {formError}
            </Alert>
          )}
          <TextInput
            id="setup-fullName"
            label="Full name"
            name="fullName"
            autoComplete="name"
            required
            value={values.fullName}
            onChange={change('fullName')}
            error={errors.fullName}
            data-autofocus
          />
          <TextInput
            id="setup-email"
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            value={values.email}
            onChange={change('email')}
            error={errors.email}
          />
          <NewPasswordFields
            idPrefix="setup"
            labels={{ password: 'Password', confirm: 'Confirm password' }}
            values={values}
            errors={errors}
            onChange={change}
          />
          <Button type="submit" fullWidth size="md" loading={setup.isPending} mt="xs">
            Create administrator
          </Button>
          <Text size="xs" c="gray.7" ta="center">
            Already set up?{' '}
            <Anchor component={Link} to="/login" size="xs">
              Log in
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
