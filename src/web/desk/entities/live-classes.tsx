/**
 * A batch's live classes in the desk: schedule one, change or cancel it, take attendance. Times
 * are typed in the viewer's zone and shown in it, with the batch's zone named beside them.
 */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Button, Checkbox, Group, Modal, NumberInput, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { BatchMemberRow, LiveClass } from '../../portal/batch-time.ts';
import { api, ApiError, errorMessage } from '../../ui/api.ts';
import { readableDateTime } from '../../ui/dates.ts';
import { ConfirmDialog } from '../../ui/confirm-dialog.tsx';
import { plainFieldMessage } from '../form-checks.ts';
import { localDateTime } from '../form-fields.tsx';
import { notify } from '../notify.ts';
import type { Row } from '../meta.ts';

const LABELS: Record<string, string> = { title: 'Title', startsAt: 'Start', durationMinutes: 'Minutes', joinUrl: 'Join link' };

interface Draft {
  title: string;
  startsAt: string;
  duration: number | string;
  joinUrl: string;
}

const EMPTY: Draft = { title: '', startsAt: '', duration: 60, joinUrl: '' };

function bodyOf(d: Draft) {
  return { title: d.title, startsAt: d.startsAt ? new Date(d.startsAt).toISOString() : '', durationMinutes: Number(d.duration), joinUrl: d.joinUrl.trim() };
}

/** The class's fields; a start in the past or in another zone than the batch's is said under the field. */
function ClassFields({ draft, set, error, zone }: { draft: Draft; set: (d: Draft) => void; error: unknown; zone: string }) {
  const fieldError = (name: string) => {
    const m = error instanceof ApiError ? error.fieldError(name) : undefined;
    return m === undefined ? undefined : plainFieldMessage(LABELS[name] ?? name, m);
  };
  const start = draft.startsAt ? new Date(draft.startsAt) : null;
  const viewer = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const note =
    start && !Number.isNaN(start.getTime())
      ? [
          start.getTime() < Date.now() ? 'This time has passed: learners will see the class as ended.' : null,
          viewer !== zone ? `${readableDateTime(start.toISOString(), { timeZone: zone })} in ${zone}, the batch’s zone.` : null,
        ]
          .filter(Boolean)
          .join(' ')
      : '';
  return (
    <Group align="flex-start" gap="sm" wrap="wrap">
      <TextInput label="Title" value={draft.title} onChange={(e) => set({ ...draft, title: e.currentTarget.value })} error={fieldError('title')} w={220} />
      <TextInput
        label="Starts (your time)"
        type="datetime-local"
        value={draft.startsAt}
        onChange={(e) => set({ ...draft, startsAt: e.currentTarget.value })}
        error={fieldError('startsAt')}
        description={note || undefined}
        inputWrapperOrder={['label', 'input', 'description', 'error']}
        w={220}
      />
      <NumberInput label="Minutes" w={100} min={1} max={1440} value={draft.duration} onChange={(v) => set({ ...draft, duration: v })} error={fieldError('durationMinutes')} />
      <TextInput label="Join link" placeholder="https://…" value={draft.joinUrl} onChange={(e) => set({ ...draft, joinUrl: e.currentTarget.value })} error={fieldError('joinUrl')} w={260} />
    </Group>
  );
}

/** An error that is not about one field, in words. */
function OtherError({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiError && error.fieldErrors.some((f) => f.path in LABELS)) return null;
  return (
    <Alert color="red" mb="sm">
      {errorMessage(error)}
    </Alert>
  );
}

export function LiveClassPanel({ row }: { row: Row }) {
  const id = String(row.id);
  const zone = String(row.timezone ?? 'UTC');
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [editing, setEditing] = useState<LiveClass | null>(null);
  const [cancelling, setCancelling] = useState<LiveClass | null>(null);
  const [register, setRegister] = useState<LiveClass | null>(null);
  const classes = useQuery({
    queryKey: ['desk-batch-classes', id],
    queryFn: ({ signal }) => api.get<LiveClass[]>(`/api/batches/${encodeURIComponent(id)}/live-classes`, { signal }),
  });
  const reload = () => void client.invalidateQueries({ queryKey: ['desk-batch-classes', id] });
  const create = useMutation({
    mutationFn: () => api.post<LiveClass>(`/api/batches/${encodeURIComponent(id)}/live-classes`, bodyOf(draft)),
    onSuccess: (c) => {
      setDraft(EMPTY);
      notify(`Scheduled “${c.title}” for ${readableDateTime(c.startsAt)}.`, 'green');
      reload();
    },
  });
  const cancel = useMutation({
    mutationFn: (c: LiveClass) => api.delete(`/api/live-classes/${encodeURIComponent(c.id)}`),
    onSuccess: (_r, c) => {
      setCancelling(null);
      notify(`“${c.title}” is cancelled.`, 'green');
      reload();
    },
  });
  const roster = useBatchMembers(id);
  const members = roster.data?.items.length ?? Number(row.memberCount ?? 0);
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="batch-classes-title">
      <Title order={2} fz="lg" id="batch-classes-title" mb="sm">
        Live classes
      </Title>
      <Group align="flex-start" gap="sm" mb="sm" wrap="wrap">
        <ClassFields draft={draft} set={setDraft} error={create.error} zone={zone} />
        <Button mt={25} loading={create.isPending} onClick={() => create.mutate()}>
          Schedule
        </Button>
      </Group>
      <OtherError error={create.error} />
      {(classes.data ?? []).length === 0 ? (
        <Text size="sm" c="gray.7">
          No live class scheduled yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table data-testid="desk-live-classes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Starts</Table.Th>
                <Table.Th>Class</Table.Th>
                <Table.Th>Attendance</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(classes.data ?? []).map((c) => {
                const ended = Date.parse(c.endsAt) < Date.now();
                const started = Date.parse(c.startsAt) <= Date.now();
                const present = c.presentMemberIds?.length ?? 0;
                return (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      {readableDateTime(c.startsAt, { weekday: true })}
                      {ended ? ' (ended)' : ''}
                    </Table.Td>
                    <Table.Td>
                      {c.title} · {c.durationMinutes} min ·{' '}
                      <Anchor href={c.joinUrl} target="_blank" rel="noopener noreferrer" size="sm">
                        Join link
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{present > 0 || ended ? `${present} of ${members} present` : '—'}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button
                          size="compact-xs"
                          variant="default"
                          onClick={() => setRegister(c)}
                          disabled={!started}
                          title={started ? undefined : 'Attendance opens when the class starts'}
                          aria-label={started ? `Take attendance: ${c.title}` : `Attendance: ${c.title} (opens when the class starts)`}
                        >
                          Attendance
                        </Button>
                        <Button size="compact-xs" variant="default" onClick={() => setEditing(c)} aria-label={`Change ${c.title}`}>
                          Change
                        </Button>
                        <Button size="compact-xs" variant="light" color="red" onClick={() => setCancelling(c)} aria-label={`Cancel class: ${c.title}`}>
                          Cancel class
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing && <EditClass liveClass={editing} zone={zone} onClose={() => setEditing(null)} onSaved={reload} />}
      {register && <AttendanceRegister batchId={id} liveClass={register} onClose={() => setRegister(null)} onSaved={reload} />}
      {cancelling && (
        <ConfirmDialog
          opened
          onClose={() => {
            setCancelling(null);
            cancel.reset();
          }}
          title="Cancel this live class?"
          cancelLabel="Keep it"
          confirmLabel="Cancel the class"
          color="red"
          busy={cancel.isPending}
          error={cancel.isError ? errorMessage(cancel.error) : null}
          onConfirm={() => cancel.mutate(cancelling)}
        >
          “{cancelling.title}”, {readableDateTime(cancelling.startsAt, { weekday: true })}, leaves the batch’s schedule and calendars. Its attendance is
          deleted with it.
        </ConfirmDialog>
      )}
    </Paper>
  );
}

function EditClass({ liveClass, zone, onClose, onSaved }: { liveClass: LiveClass; zone: string; onClose: () => void; onSaved: () => void }) {
  const [draft, setDraft] = useState<Draft>({
    title: liveClass.title,
    startsAt: localDateTime(liveClass.startsAt),
    duration: liveClass.durationMinutes,
    joinUrl: liveClass.joinUrl,
  });
  const save = useMutation({
    mutationFn: () => api.patch<LiveClass>(`/api/live-classes/${encodeURIComponent(liveClass.id)}`, bodyOf(draft)),
    onSuccess: (c) => {
      notify(`“${c.title}” saved: ${readableDateTime(c.startsAt)}.`, 'green');
      onSaved();
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title="Change the live class" size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack gap="sm">
        <ClassFields draft={draft} set={setDraft} error={save.error} zone={zone} />
        <OtherError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            Save changes
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The batch's members (the members panel reads and refreshes the same list). */
export function useBatchMembers(batchId: string) {
  return useQuery({
    queryKey: ['desk-batch-members', batchId],
    queryFn: ({ signal }) => api.get<{ items: BatchMemberRow[] }>(`/api/batches/${encodeURIComponent(batchId)}/members?limit=500`, { signal }),
  });
}

/** The batch's members with a tick for each one present; saving replaces the class's list. */
function AttendanceRegister({ batchId, liveClass, onClose, onSaved }: { batchId: string; liveClass: LiveClass; onClose: () => void; onSaved: () => void }) {
  const members = useBatchMembers(batchId);
  const [present, setPresent] = useState<Set<string>>(() => new Set(liveClass.presentMemberIds ?? []));
  const save = useMutation({
    mutationFn: () => api.put(`/api/live-classes/${encodeURIComponent(liveClass.id)}/attendance`, { presentMemberIds: [...present] }),
    onSuccess: () => {
      notify(`Attendance saved: ${present.size} present.`, 'green');
      onSaved();
      onClose();
    },
  });
  const people = members.data?.items ?? [];
  return (
    <Modal opened onClose={onClose} title={`Attendance: ${liveClass.title}`} closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack gap="sm">
        <Text size="sm" c="gray.7">
          {readableDateTime(liveClass.startsAt, { weekday: true })} · tick the members who took part.
        </Text>
        {members.isPending ? (
          <Text size="sm">Loading the members…</Text>
        ) : people.length === 0 ? (
          <Text size="sm">The batch has no members yet.</Text>
        ) : (
          <Stack gap={6} data-testid="attendance-register">
            {people.map((m) => (
              <Checkbox
                key={m.memberId}
                label={m.fullName}
                checked={present.has(m.memberId)}
                onChange={(e) => {
                  const next = new Set(present);
                  if (e.currentTarget.checked) next.add(m.memberId);
                  else next.delete(m.memberId);
                  setPresent(next);
                }}
              />
            ))}
          </Stack>
        )}
        <OtherError error={save.error} />
        <Group justify="space-between">
          <Text size="sm">
            {present.size} of {people.length} present
          </Text>
          <Group gap="xs">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            <Button loading={save.isPending} onClick={() => save.mutate()} disabled={people.length === 0}>
              Save attendance
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
