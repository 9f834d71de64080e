/**
 * Enrollment form actions: suspend (with a reason), resume, and mark complete by hand (with a
 * reason and an optional evidence file). Shown to Moderators, System Managers and Course Creators;
 * the server decides whether a Course Creator teaches the course.
 */
import { useState } from 'react';
import { Anchor, Badge, Button, FileInput, Stack, Text, Textarea } from '@mantine/core';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { ApiError, api, errorMessage, useMe } from '../ui/api.ts';
import { hasAnyRole } from '../ui/session.ts';
import { readableDay } from '../ui/dates.ts';
import { readableValue } from './format.ts';
import { notify } from './notify.ts';
import type { Row } from './meta.ts';

const MANAGERS = ['System Manager', 'Moderator', 'Course Creator'] as const;
const REASON_MAX = 500;

const STATUS_WORDS: Record<string, { label: string; color: string }> = {
  active: { label: 'Active', color: 'blue' },
  suspended: { label: 'Suspended', color: 'red' },
  completed: { label: 'Completed', color: 'teal' },
};

/** The enrollment's status in words; a completed one with its day when `completedAt` is given. */
export function EnrollmentStatusBadge({ status, completedAt }: { status: unknown; completedAt?: unknown }) {
  const s = STATUS_WORDS[String(status)] ?? { label: readableValue(status), color: 'gray' };
  return (
    <Badge variant="light" color={s.color} c="gray.9" tt="none">
      {s.label}
      {status === 'completed' && completedAt ? ` ${readableDay(completedAt)}` : ''}
    </Badge>
  );
}

/** Suspension and manual completion shown on the form, in words. */
export function EnrollmentRuleDetails({ row }: { row: Row }) {
  return (
    <Stack gap={4} data-testid="enrollment-rules">
      {!!row.suspendedAt && (
        <Text size="sm">
          <strong>Suspended</strong> {readableValue(row.suspendedAt)}: {String(row.suspendReason ?? '')}
        </Text>
      )}
      {!!row.completedManuallyAt && (
        <Text size="sm" data-testid="manual-completion">
          <strong>Marked complete</strong> {readableValue(row.completedManuallyAt)}
          {row.completedManuallyByName ? ` by ${String(row.completedManuallyByName)}` : ''}: {String(row.completedManuallyReason ?? '')}
          {!!row.completionEvidenceFileId && (
            <>
              {' '}
              <Anchor href={`/api/enrollments/${encodeURIComponent(String(row.id))}/evidence`} size="sm">
                Download the evidence
              </Anchor>
            </>
          )}
        </Text>
      )}
    </Stack>
  );
}

function ReasonModal({
  opened,
  onClose,
  title,
  confirm,
  withEvidence,
  onSubmit,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  confirm: string;
  withEvidence?: boolean;
  onSubmit: (reason: string, evidence: File | null) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [evidence, setEvidence] = useState<File | null>(null);
  /** What the server said about a field (under it), and anything else (the dialog's error). */
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [refused, setRefused] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setErrors({});
    setRefused(null);
    onClose();
  };
  const submit = () => {
    const text = reason.trim();
    if (!text) return setErrors({ reason: 'Give the reason.' });
    if (text.length > REASON_MAX) return setErrors({ reason: `The reason is longer than ${REASON_MAX} characters.` });
    setBusy(true);
    setErrors({});
    setRefused(null);
    onSubmit(text, evidence)
      .then(() => {
        setReason('');
        setEvidence(null);
        close();
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.fieldErrors.length > 0) {
          setErrors(Object.fromEntries(e.fieldErrors.map((f) => [f.path === 'evidenceFileId' || f.path === 'file' ? 'evidence' : f.path, f.message])));
        } else {
          setRefused(errorMessage(e));
        }
      })
      .finally(() => setBusy(false));
  };
  return (
    <ConfirmDialog opened={opened} onClose={close} title={title} confirmLabel={confirm} busy={busy} error={refused} onConfirm={submit}>
      <Textarea
        label="Reason"
        description={`Up to ${REASON_MAX} characters; the learner sees it.`}
        required
        autosize
        minRows={2}
        value={reason}
        error={errors.reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        data-autofocus
      />
      {withEvidence && (
        <FileInput
          label="Evidence (optional)"
          description="A PDF, PNG or JPEG file, at most 20 MB: an attendance sheet or an external certificate."
          clearable
          accept="application/pdf,image/png,image/jpeg"
          value={evidence}
          error={errors.evidence}
          onChange={setEvidence}
        />
      )}
    </ConfirmDialog>
  );
}

/** Suspend / Resume / Mark complete in the enrollment form's header. */
export function EnrollmentRuleActions({ row, refresh }: { row: Row; refresh: () => void }) {
  const me = useMe();
  const [open, setOpen] = useState<'suspend' | 'complete' | null>(null);
  const [busy, setBusy] = useState(false);
  if (!hasAnyRole(me.data, MANAGERS)) return null;
  const id = encodeURIComponent(String(row.id));
  const suspended = row.status === 'suspended';
  const completed = !!row.completedAt;
  return (
    <>
      {suspended ? (
        <Button
          variant="light"
          loading={busy}
          onClick={() => {
            setBusy(true);
            api
              .post(`/api/enrollments/${id}/resume`)
              .then(() => {
                notify('The enrollment is active again.', 'green');
                refresh();
              })
              .catch((e: unknown) => notify(errorMessage(e), 'red'))
              .finally(() => setBusy(false));
          }}
        >
          Resume
        </Button>
      ) : (
        <Button variant="light" color="red" onClick={() => setOpen('suspend')}>
          Suspend
        </Button>
      )}
      {!completed && (
        <Button variant="default" onClick={() => setOpen('complete')}>
          Mark complete
        </Button>
      )}
      <ReasonModal
        opened={open === 'suspend'}
        onClose={() => setOpen(null)}
        title="Suspend this enrollment?"
        confirm="Suspend"
        onSubmit={async (reason) => {
          await api.post(`/api/enrollments/${id}/suspend`, { reason });
          notify('The enrollment is suspended.', 'green');
          refresh();
        }}
      />
      <ReasonModal
        opened={open === 'complete'}
        onClose={() => setOpen(null)}
        title="Mark this course complete?"
        confirm="Mark complete"
        withEvidence
        onSubmit={async (reason, evidence) => {
          let evidenceFileId: string | undefined;
          if (evidence) {
            const form = new FormData();
            form.append('file', evidence);
            try {
              evidenceFileId = (await api.post<{ id: string }>('/api/files', form)).id;
            } catch (e) {
              throw e instanceof ApiError ? new ApiError(e.status, e.code, e.detail, [{ path: 'evidence', message: e.detail }]) : e;
            }
          }
          await api.post(`/api/enrollments/${id}/mark-complete`, { reason, ...(evidenceFileId ? { evidenceFileId } : {}) });
          notify('The course is marked complete.', 'green');
          refresh();
        }}
      />
    </>
  );
}
