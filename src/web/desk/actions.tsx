import { useState } from 'react';
import { Button, Checkbox, Group, Modal, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { ConfirmDialog, refusalOf, type Refusal } from '../ui/confirm-dialog.tsx';
import { notify } from './notify.ts';
import { ROLES, type Role } from '../../contract/roles.ts';
import { api, ApiError, errorMessage, toApiError, useMe } from '../ui/api.ts';
import { readableDay, readableMoment, todayIso } from '../ui/dates.ts';
import type { Row } from './meta.ts';
import { hasAnyRole } from '../ui/session.ts';
import { COURSE_AUDIT_READERS } from '../../contract/audit.ts';

/** Downloads a file from the API (keeps the session cookie); an error answer is thrown as an ApiError. */
export async function downloadFile(url: string, fallbackName: string): Promise<void> {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw await toApiError(res);
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') ?? '';
  // The UTF-8 name (filename*=) keeps accented letters; the plain filename= is only its ASCII stand-in.
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(cd)?.[1];
  const plain = /filename="?([^";]+)"?/i.exec(cd)?.[1];
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = utf8 ? decodeURIComponent(utf8) : (plain ?? fallbackName);
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
          ? 'Has the LMS Student role: the learning portal works for this user as a learner.'
          : roles.length > 0
            ? 'No LMS Student role: this user opens the portal for their staff work; add the role to make them a learner too.'
            : 'No role yet: add LMS Student so this user can learn in the portal.'}
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
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setOpen(false);
    setRefusal(null);
  };
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>
        Revoke
      </Button>
      <ConfirmDialog
        opened={open}
        onClose={close}
        title="Revoke this certificate?"
        confirmLabel="Revoke"
        color="red"
        busy={busy}
        error={refusal?.dialog}
        onConfirm={() => {
          if (!reason.trim()) return setRefusal({ field: 'Give the reason for revoking it.', dialog: null });
          setBusy(true);
          setRefusal(null);
          api
            .post(`/api/certificates/${encodeURIComponent(id)}/revoke`, { reason: reason.trim() })
            .then(() => {
              close();
              refresh();
            })
            .catch((e: unknown) => setRefusal(refusalOf(e, 'reason')))
            .finally(() => setBusy(false));
        }}
      >
        <TextInput
          label="Reason"
          required
          value={reason}
          onChange={(e) => {
            setReason(e.currentTarget.value);
            setRefusal(null);
          }}
          error={refusal?.field}
        />
      </ConfirmDialog>
    </>
  );
}

/**
 * Marks an Employee Compliance row complete (HR does it; nothing flips automatically) on the day it
 * was done: today, or an earlier day recorded after the fact. The renewal date follows from it.
 */
export function CompleteComplianceButton({ id, refresh }: { id: string; refresh: () => void }) {
  const [open, setOpen] = useState(false);
  const [day, setDay] = useState(todayIso);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setOpen(false);
    setRefusal(null);
  };
  const submit = () => {
    if (!day) return setRefusal({ field: 'Choose the day it was completed.', dialog: null });
    setBusy(true);
    setRefusal(null);
    api
      .post(`/api/employee-compliance/${encodeURIComponent(id)}/complete`, { completedOn: day })
      .then(() => {
        notify(day === todayIso() ? 'Marked complete today.' : `Marked complete on ${readableDay(day)}.`, 'green');
        close();
        refresh();
      })
      .catch((e: unknown) => setRefusal(refusalOf(e, 'completedOn')))
      .finally(() => setBusy(false));
  };
  return (
    <>
      <Button
        onClick={() => {
          setDay(todayIso());
          setOpen(true);
        }}
      >
        Mark complete
      </Button>
      <ConfirmDialog
        opened={open}
        onClose={close}
        title="Mark this requirement complete"
        confirmLabel="Mark complete"
        busy={busy}
        error={refusal?.dialog}
        onConfirm={submit}
      >
        <TextInput
          type="date"
          label="Completed on"
          required
          description="The day it was done (today or earlier). The renewal date is counted from it."
          value={day}
          max={todayIso()}
          onChange={(e) => {
            setDay(e.currentTarget.value);
            setRefusal(null);
          }}
          error={refusal?.field}
          data-autofocus
        />
      </ConfirmDialog>
    </>
  );
}

interface ChainVerification {
  entries: number;
  intact: boolean;
  headHash: string;
  summary: string;
  checkedAt: string;
  problem: { message: string } | null;
}

/** The audit log's hash chain check (System Managers): whether any entry was changed, removed or reordered. */
export function AuditChainStatus({ canVerify }: { canVerify: boolean }) {
  const [result, setResult] = useState<ChainVerification | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!canVerify) return null;
  const verify = () => {
    setBusy(true);
    setError(null);
    api
      .get<ChainVerification>('/api/audit-log/verify')
      .then(setResult)
      .catch((e: unknown) => setError(errorMessage(e)))
      .finally(() => setBusy(false));
  };
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Audit log verification">
      <Group justify="space-between" wrap="nowrap">
        <Stack gap={2}>
          <Text fw={600}>Tamper check</Text>
          {!result && !error && <Text size="sm" c="gray.7">Every entry is chained to the one before it by a hash. Check that none was changed, removed or reordered.</Text>}
          {result && (
            <Text size="sm" c={result.intact ? '#1e6b2f' : '#a51d1d'} fw={500} data-testid="audit-chain-status">
              {result.intact ? `Intact: ${result.entries.toLocaleString('en')} entries, checked ${readableMoment(result.checkedAt)}.` : `Broken: ${result.problem?.message ?? result.summary}`}
            </Text>
          )}
          {result && (
            <Text size="xs" c="gray.7" style={{ wordBreak: 'break-all' }}>
              Last entry hash {result.headHash}
            </Text>
          )}
          {error && (
            <Text size="sm" c="red.9">
              {error}
            </Text>
          )}
        </Stack>
        <Button variant="default" loading={busy} onClick={verify}>
          {result ? 'Check again' : 'Verify chain'}
        </Button>
      </Group>
    </Paper>
  );
}

/** Who reads a course's audit trail (Course Creators: the courses they teach). */
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** "Audit trail": one course's audit entries for a date range, as PDF or CSV (errors next to the dates). */
export function CourseAuditButton({ courseId, title }: { courseId: string; title: string }) {
  const me = useMe().data;
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(() => isoDay(new Date(Date.now() - 365 * 86_400_000)));
  const [to, setTo] = useState(() => isoDay(new Date()));
  const [busy, setBusy] = useState<'pdf' | 'csv' | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const query = new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) }).toString();
  const download = (kind: 'pdf' | 'csv') => {
    setBusy(kind);
    setError(null);
    const base = `/api/courses/${encodeURIComponent(courseId)}/audit-log`;
    downloadFile(kind === 'pdf' ? `${base}.pdf?${query}&download=true` : `${base}/export.csv?${query}`, `audit-trail.${kind}`)
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.fieldErrors.length > 0) setError(e);
        else notify(errorMessage(e), 'red');
      })
      .finally(() => setBusy(null));
  };
  if (!hasAnyRole(me, ['System Manager', ...COURSE_AUDIT_READERS])) return null;
  return (
    <>
      <Button variant="default" onClick={() => setOpen(true)}>
        Audit trail
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Audit trail — ${title}`} size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack>
          <Text size="sm">
            Every recorded change to this course, its lessons and quizzes, and its learners&apos; enrollments, quiz attempts and certificates,
            with who made it and when. Each entry carries its place in the tamper-evident audit log.
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="First day" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} error={error?.fieldError('querystring.from')} />
            <TextInput label="Last day" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} error={error?.fieldError('querystring.to')} />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button variant="default" loading={busy === 'csv'} onClick={() => download('csv')}>
              Download CSV
            </Button>
            <Button loading={busy === 'pdf'} onClick={() => download('pdf')}>
              Download PDF
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
