import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Checkbox, Group, Modal, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { INVITE_ROLES, type Invitation } from '../../contract/users.ts';
import type { Role } from '../../contract/roles.ts';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { useMe } from '../ui/session.ts';
import { readableValue } from './format.ts';
import { notify } from './notify.ts';
import type { Row } from './meta.ts';

/**
 * The employee form's account panel: "Invite to Smooth" for an employee without an account (the
 * account is created linked to the employee and its person is mailed a link to choose a password),
 * then where the invitation stands, with "Resend".
 */
export function EmployeeAccount({ row, refresh }: { row: Row; refresh: () => void }) {
  const employeeId = String(row.id);
  const me = useMe();
  const canInvite = !!me.data?.roles.some((r) => r === 'System Manager' || r === 'HR Manager');
  // The user pages are the System Manager's.
  const isAdmin = !!me.data?.roles.includes('System Manager');
  const client = useQueryClient();
  const state = useQuery({
    queryKey: ['employee-invitation', employeeId, row.userId ?? null],
    queryFn: ({ signal }) => api.get<{ invitation: Invitation | null }>(`/api/employees/${encodeURIComponent(employeeId)}/invitation`, { signal }),
  });
  const [open, setOpen] = useState(false);
  const [resending, setResending] = useState(false);
  const invitation = state.data?.invitation ?? null;

  const resend = () => {
    if (!invitation) return;
    setResending(true);
    api
      .post<Invitation>(`/api/users/${encodeURIComponent(invitation.userId)}/invitation`, {})
      .then((i) => {
        notify(`Invitation sent again to ${i.email}.`, 'green');
        void state.refetch();
      })
      .catch((e: unknown) => notify(errorMessage(e), 'red'))
      .finally(() => setResending(false));
  };

  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="employee-account-title">
      <Title order={2} fz="lg" mb="sm" id="employee-account-title">
        Smooth account
      </Title>
      {state.isPending ? (
        <Text size="sm" c="gray.7">
          Loading…
        </Text>
      ) : state.isError ? (
        <Text size="sm" c="red.8">
          {errorMessage(state.error)}
        </Text>
      ) : !invitation ? (
        <Stack gap="sm" align="flex-start">
          <Text size="sm" c="gray.7">
            {String(row.fullName)} has no account yet, so onboarding cannot enroll them in courses.
          </Text>
          {canInvite && <Button onClick={() => setOpen(true)}>Invite to Smooth</Button>}
        </Stack>
      ) : (
        <Stack gap="sm" align="flex-start" data-testid="employee-invitation">
          <Text size="sm">
            Account:{' '}
            {isAdmin ? (
              <Anchor component={Link} to={`/app/user/${encodeURIComponent(invitation.userId)}`}>
                {invitation.email}
              </Anchor>
            ) : (
              invitation.email
            )}
          </Text>
          {invitation.passwordSet ? (
            <Text size="sm" c="gray.8">
              Active: the password has been set{invitation.acceptedAt ? ` (invitation accepted ${readableValue(invitation.acceptedAt)})` : ''}.
            </Text>
          ) : invitation.invitedAt ? (
            <>
              <Text size="sm" c="gray.8">
                Invitation sent {readableValue(invitation.invitedAt)}
                {invitation.expiresAt ? `; the link works until ${readableValue(invitation.expiresAt)}` : ''}.
              </Text>
              {canInvite && (
                <Button variant="default" loading={resending} onClick={resend}>
                  Resend
                </Button>
              )}
            </>
          ) : (
            <>
              <Text size="sm" c="gray.8">
                No password yet and no invitation sent.
              </Text>
              {canInvite && (
                <Button variant="default" loading={resending} onClick={resend}>
                  Send invitation
                </Button>
              )}
            </>
          )}
        </Stack>
      )}
      <InviteModal
        opened={open}
        onClose={() => setOpen(false)}
        employeeId={employeeId}
        name={String(row.fullName)}
        onInvited={(i) => {
          setOpen(false);
          notify(`Invitation sent to ${i.email}.`, 'green');
          refresh();
          void state.refetch();
          // The training panel: mandatory courses start once the employee has a user.
          void client.invalidateQueries({ queryKey: ['employees', employeeId] });
        }}
      />
    </Paper>
  );
}

function InviteModal({
  opened,
  onClose,
  employeeId,
  name,
  onInvited,
}: {
  opened: boolean;
  onClose: () => void;
  employeeId: string;
  name: string;
  onInvited: (i: Invitation) => void;
}) {
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState<Role[]>(['LMS Student']);
  const [busy, setBusy] = useState(false);
  const [emailError, setEmailError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim())) {
      setEmailError('Enter the email address the invitation goes to.');
      document.getElementById('invite-email')?.focus();
      return;
    }
    setBusy(true);
    api
      .post<Invitation>(`/api/employees/${encodeURIComponent(employeeId)}/invitation`, { email: email.trim(), roles })
      .then(onInvited)
      .catch((err: unknown) => {
        const field = err instanceof ApiError ? err.fieldErrors.find((f) => f.path === 'email') : undefined;
        if (field) setEmailError(field.message);
        else setFormError(errorMessage(err));
      })
      .finally(() => setBusy(false));
  };

  return (
    <Modal opened={opened} onClose={onClose} title={`Invite ${name} to Smooth`} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm" c="gray.7">
            Creates {name}’s account, linked to this employee, and mails a link to choose a password (valid for 7 days).
          </Text>
          {formError && (
            <Alert color="red" variant="light" role="alert" title="Not invited">
              {formError}
            </Alert>
          )}
          <TextInput
            id="invite-email"
            label="Email"
            type="email"
            required
            data-autofocus
            value={email}
            onChange={(e) => {
              setEmail(e.currentTarget.value);
              setEmailError(null);
            }}
            error={emailError}
          />
          <Checkbox.Group label="Roles" value={roles} onChange={(v) => setRoles(v)}>
            <SimpleGrid cols={1} spacing={6} mt={6}>
              {INVITE_ROLES.map((r) => (
                <Checkbox key={r} value={r} label={r} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
