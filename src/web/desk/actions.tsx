import { useState } from 'react';
import { Button, Checkbox, Group, Modal, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { notify } from './notify.ts';
import { ROLES, type Role } from '../../contract/roles.ts';
import { api, errorMessage } from '../ui/api.ts';
import type { Row } from './meta.ts';

/** Downloads a file from the API (keeps the session cookie; shows API errors in words). */
export async function downloadFile(url: string, fallbackName: string): Promise<void> {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) {
    let detail = `The download failed (HTTP ${res.status}).`;
    try {
      const p = (await res.json()) as { detail?: string };
      if (p.detail) detail = p.detail;
    } catch {
      // not JSON
    }
    throw new Error(detail);
  }
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') ?? '';
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd)?.[1];
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name ? decodeURIComponent(name) : fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function DownloadButton({ url, fileName, label }: { url: string; fileName: string; label: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="default"
      loading={busy}
      onClick={() => {
        setBusy(true);
        downloadFile(url, fileName)
          .catch((e: unknown) => notify(errorMessage(e), 'red'))
          .finally(() => setBusy(false));
      }}
    >
      {label}
    </Button>
  );
}

/** "File to employee record": an LMS certificate or quiz PDF becomes an Employee Document. */
export function FileToRecordButton({ kind, id }: { kind: 'certificate' | 'quiz-submission' | 'course-quiz-report'; id: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="default"
      loading={busy}
      onClick={() => {
        setBusy(true);
        api
          .post<{ id: string; title: string }>('/api/employee-documents/from-lms', { kind, id })
          .then((doc) => notify(`Filed on the employee record as “${doc.title}”.`, 'green'))
          .catch((e: unknown) => notify(errorMessage(e), 'red'))
          .finally(() => setBusy(false));
      }}
    >
      File to employee record
    </Button>
  );
}

/** A user's roles, replaced as a whole (PUT /api/users/:id/roles). */
export function RolesEditor({ user, refresh }: { user: Row; refresh: () => void }) {
  const [roles, setRoles] = useState<Role[]>((user.roles ?? []) as Role[]);
  const [busy, setBusy] = useState(false);
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="roles-title">
      <Title order={2} fz="lg" mb="sm" id="roles-title">
        Roles
      </Title>
      <Text size="sm" c="gray.7" mb="sm">
        {roles.includes('LMS Student')
          ? 'Has the LMS Student role: the learning portal works for this user.'
          : 'No LMS Student role: this user cannot use the learning portal.'}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="xs">
        {ROLES.map((r) => (
          <Checkbox
            key={r}
            label={r}
            checked={roles.includes(r)}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              setRoles((s) => (on ? [...s, r] : s.filter((x) => x !== r)));
            }}
          />
        ))}
      </SimpleGrid>
      <Button
        mt="md"
        loading={busy}
        onClick={() => {
          setBusy(true);
          api
            .put(`/api/users/${encodeURIComponent(String(user.id))}/roles`, { roles })
            .then(() => {
              notify('Roles saved.', 'green');
              refresh();
            })
            .catch((e: unknown) => notify(errorMessage(e), 'red'))
            .finally(() => setBusy(false));
        }}
      >
        Save roles
      </Button>
    </Paper>
  );
}

/** Revoke a certificate with a reason. */
export function RevokeButton({ id, refresh }: { id: string; refresh: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>
        Revoke
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Revoke this certificate?" centered>
        <Stack>
          <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={busy}
              disabled={!reason.trim()}
              onClick={() => {
                setBusy(true);
                api
                  .post(`/api/certificates/${encodeURIComponent(id)}/revoke`, { reason: reason.trim() })
                  .then(() => {
                    setOpen(false);
                    refresh();
                  })
                  .catch((e: unknown) => notify(errorMessage(e), 'red'))
                  .finally(() => setBusy(false));
              }}
            >
              Revoke
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** Marks an Employee Compliance row complete (HR does it; nothing flips automatically). */
export function CompleteComplianceButton({ id, refresh }: { id: string; refresh: () => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      loading={busy}
      onClick={() => {
        setBusy(true);
        api
          .post(`/api/employee-compliance/${encodeURIComponent(id)}/complete`, { completedOn: new Date().toISOString().slice(0, 10) })
          .then(() => {
            notify('Marked complete today.', 'green');
            refresh();
          })
          .catch((e: unknown) => notify(errorMessage(e), 'red'))
          .finally(() => setBusy(false));
      }}
    >
      Mark complete today
    </Button>
  );
}
