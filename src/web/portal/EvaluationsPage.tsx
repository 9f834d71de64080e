import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, Group, Paper, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import type { CertificateRequest, Slot } from '../../contract/assignments.ts';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { readableDateTime } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, QueryState } from '../ui/states.tsx';
import { ALERT_STYLES } from './PortalParts.tsx';
import { useMyCourses, type Page as ListPage } from './portal-api.ts';

export const REQUEST_STATUS: Record<CertificateRequest['status'], { label: string; color: string }> = {
  requested: { label: 'Book a slot', color: 'blue.9' },
  scheduled: { label: 'Booked', color: 'blue.9' },
  passed: { label: 'Passed', color: 'teal.9' },
  failed: { label: 'Not passed', color: 'red.9' },
  cancelled: { label: 'Cancelled', color: 'gray.8' },
};

const requestsKey = ['certificate-requests', 'mine'] as const;

/** The learner books a certificate evaluation: a course, a free slot; their requests with the meeting link. */
export default function EvaluationsPage() {
  const courses = useMyCourses();
  const [courseId, setCourseId] = useState<string | null>(null);
  const requests = useQuery({ queryKey: requestsKey, queryFn: ({ signal }) => api.get<ListPage<CertificateRequest>>('/api/certificate-requests?limit=100', { signal }).then((r) => r.items) });
  const options = (courses.data?.items ?? []).map((c) => ({ value: c.course.id, label: c.course.title }));
  return (
    <Page title="Certificate evaluations" description="Book a time with an evaluator; a passed evaluation issues your certificate.">
      <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="book-heading">
        <Stack gap="sm">
          <Title order={2} fz="lg" id="book-heading">
            Book an evaluation
          </Title>
          <Select label="Course" placeholder="Choose one of your courses" data={options} value={courseId} onChange={setCourseId} searchable />
          {courseId && <FreeSlots courseId={courseId} />}
        </Stack>
      </Paper>
      <Stack gap="sm" component="section" aria-labelledby="mine-heading">
        <Title order={2} fz="lg" id="mine-heading">
          Your evaluations
        </Title>
        <QueryState query={requests} loadingLabel="Loading your evaluations…">
          {(items) =>
            items.length === 0 ? (
              <Paper withBorder radius="lg" p="lg">
                <Empty title="No evaluations yet" description="Booked evaluations appear here with their meeting link." />
              </Paper>
            ) : (
              <Stack gap="sm">
                {items.map((r) => (
                  <RequestCard key={r.id} r={r} />
                ))}
              </Stack>
            )
          }
        </QueryState>
      </Stack>
    </Page>
  );
}

function FreeSlots({ courseId }: { courseId: string }) {
  const client = useQueryClient();
  const slots = useQuery({
    queryKey: ['certificate-slots', courseId],
    queryFn: ({ signal }) => api.get<{ items: Slot[] }>(`/api/certificate-requests/slots?courseId=${courseId}&days=21`, { signal }).then((r) => r.items),
  });
  const book = useMutation({
    mutationFn: (s: Slot) => api.post<CertificateRequest>('/api/certificate-requests', { courseId, date: s.date, startTime: s.startTime, evaluatorId: s.evaluatorId }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['certificate-slots', courseId] });
      void client.invalidateQueries({ queryKey: requestsKey });
    },
  });
  return (
    <Stack gap="xs">
      {book.isError && (
        <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="The slot was not booked">
          {book.error instanceof ApiError && book.error.code === 'SLOT_UNAVAILABLE' ? 'Someone else booked this slot a moment ago. Choose another one.' : errorMessage(book.error)}
        </Alert>
      )}
      {book.isSuccess && (
        <Alert styles={ALERT_STYLES} color="teal" variant="light" role="status" title="Booked">
          Your evaluation is booked for {readableDateTime(book.data.startsAt, { weekday: true })} with {book.data.evaluatorName}.
        </Alert>
      )}
      <QueryState query={slots} loadingLabel="Looking for free slots…">
        {(items) =>
          items.length === 0 ? (
            <Text c="gray.7">No free slots in the next three weeks. Try again later.</Text>
          ) : (
            <Group gap="xs" role="list" aria-label="Free slots">
              {items.slice(0, 40).map((s) => (
                <Button key={`${s.evaluatorId}/${s.startsAt}`} role="listitem" variant="default" onClick={() => book.mutate(s)} loading={book.isPending && book.variables === s}>
                  {readableDateTime(s.startsAt, { weekday: true })} · {s.evaluatorName}
                </Button>
              ))}
            </Group>
          )
        }
      </QueryState>
    </Stack>
  );
}

function RequestCard({ r }: { r: CertificateRequest }) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [cancelling, setCancelling] = useState(false);
  const [moving, setMoving] = useState(false);
  const cancel = useMutation({
    mutationFn: () => api.post<CertificateRequest>(`/api/certificate-requests/${r.id}/cancel`, { reason }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['certificate-requests'] }),
  });
  const status = REQUEST_STATUS[r.status];
  const err = cancel.error instanceof ApiError ? cancel.error : null;
  return (
    <Paper withBorder radius="md" p="md" data-testid="certificate-request">
      <Stack gap={6}>
        <Group justify="space-between">
          <Text fw={600}>{r.courseTitle}</Text>
          <Badge color={status.color} variant="outline">
            {status.label}
          </Badge>
        </Group>
        {r.startsAt && (
          <Text size="sm">
            {readableDateTime(r.startsAt, { weekday: true })} with {r.evaluatorName ?? 'an evaluator'}
          </Text>
        )}
        {r.status === 'scheduled' && r.meetingUrl && (
          <Anchor href={r.meetingUrl} target="_blank" rel="noopener noreferrer">
            Join the meeting
          </Anchor>
        )}
        {r.summary && <Text size="sm">Evaluator’s summary: {r.summary}</Text>}
        {r.reason && (
          <Text size="sm" c="gray.7">
            Reason: {r.reason}
          </Text>
        )}
        {r.status === 'scheduled' &&
          (cancelling ? (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                cancel.mutate();
              }}
            >
              <Stack gap="xs">
                <Textarea label="Why are you cancelling?" value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={err?.fieldError('reason') ?? (err ? errorMessage(err) : undefined)} required />
                <Group>
                  <Button type="submit" color="red.9" variant="light" loading={cancel.isPending}>
                    Cancel the evaluation
                  </Button>
                </Group>
              </Stack>
            </form>
          ) : moving ? (
            <Reschedule r={r} onDone={() => setMoving(false)} />
          ) : (
            <Group>
              <Button variant="subtle" onClick={() => setMoving(true)}>
                Move to another time…
              </Button>
              <Button variant="subtle" onClick={() => setCancelling(true)}>
                Cancel…
              </Button>
            </Group>
          ))}
      </Stack>
    </Paper>
  );
}

/** Move a booked evaluation to another free slot of the same evaluator, with a reason. */
function Reschedule({ r, onDone }: { r: CertificateRequest; onDone: () => void }) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [slot, setSlot] = useState<string | null>(null);
  const slots = useQuery({
    queryKey: ['certificate-slots', r.courseId],
    queryFn: ({ signal }) => api.get<{ items: Slot[] }>(`/api/certificate-requests/slots?courseId=${r.courseId}&days=21`, { signal }).then((x) => x.items),
  });
  const mine = (slots.data ?? []).filter((s) => s.evaluatorId === r.evaluatorId);
  const move = useMutation({
    mutationFn: () => {
      const s = mine.find((x) => x.startsAt === slot);
      return api.post<CertificateRequest>(`/api/certificate-requests/${r.id}/reschedule`, { date: s?.date ?? '', startTime: s?.startTime ?? '', reason });
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['certificate-requests'] });
      void client.invalidateQueries({ queryKey: ['certificate-slots', r.courseId] });
      onDone();
    },
  });
  const err = move.error instanceof ApiError ? move.error : null;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate();
      }}
    >
      <Stack gap="xs">
        <Select
          label="New time"
          data={mine.map((s) => ({ value: s.startsAt, label: readableDateTime(s.startsAt, { weekday: true }) }))}
          value={slot}
          onChange={setSlot}
          nothingFoundMessage="No other free times with this evaluator."
          error={err?.fieldError('startTime') ?? err?.fieldError('date')}
        />
        <Textarea label="Why are you moving it?" value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={err?.fieldError('reason')} required />
        {move.isError && !err?.fieldErrors.length && (
          <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="The evaluation was not moved">
            {errorMessage(move.error)}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={move.isPending}>
            Move the evaluation
          </Button>
          <Button variant="subtle" onClick={onDone}>
            Keep the current time
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
