import { useState } from 'react';
import { useMutation, useQuery, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, Group, Paper, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import type { CertificateRequest, EvaluationCourse, Slot } from '../../contract/assignments.ts';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { readableDateTime } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, QueryState } from '../ui/states.tsx';
import { viewerZone } from './batch-time.ts';
import { ALERT_STYLES } from './PortalParts.tsx';
import type { Page as ListPage } from './portal-api.ts';

export const REQUEST_STATUS: Record<CertificateRequest['status'], { label: string; color: string }> = {
  requested: { label: 'Book a slot', color: 'blue.9' },
  scheduled: { label: 'Booked', color: 'blue.9' },
  passed: { label: 'Passed', color: 'teal.9' },
  failed: { label: 'Not passed', color: 'red.9' },
  cancelled: { label: 'Cancelled', color: 'gray.8' },
};

const requestsKey = ['certificate-requests', 'mine'] as const;
const coursesKey = ['certificate-requests', 'courses'] as const;

/**
 * An evaluation's start in the viewer's time, with their zone named as live classes name it
 * ("Tue, 8 Dec 2026, 09:00 (Europe/Berlin)").
 */
export function evaluationTime(startsAt: string | null): string {
  return `${readableDateTime(startsAt, { weekday: true })} (${viewerZone()})`;
}

/** The learner books a certificate evaluation: a course, a free slot; their requests with the meeting link. */
export default function EvaluationsPage() {
  const courses = useQuery({
    queryKey: coursesKey,
    queryFn: ({ signal }) => api.get<{ items: EvaluationCourse[] }>('/api/certificate-requests/courses', { signal }).then((r) => r.items),
  });
  const [courseId, setCourseId] = useState<string | null>(null);
  const requests = useQuery({ queryKey: requestsKey, queryFn: ({ signal }) => api.get<ListPage<CertificateRequest>>('/api/certificate-requests?limit=100', { signal }).then((r) => r.items) });
  return (
    <Page title="Certificate evaluations" description="Book a time with an evaluator; a passed evaluation issues your certificate.">
      <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="book-heading">
        <Stack gap="sm">
          <Title order={2} fz="lg" id="book-heading">
            Book an evaluation
          </Title>
          <QueryState query={courses} loadingLabel="Loading your courses…">
            {(items) => {
              if (items.length === 0) return <Text c="gray.7">None of your courses needs an evaluation.</Text>;
              const chosen = items.find((c) => c.courseId === courseId);
              return (
                <>
                  <Select
                    label="Course"
                    placeholder="Choose one of your courses"
                    data={items.map((c) => ({ value: c.courseId, label: c.courseTitle }))}
                    value={chosen ? courseId : null}
                    onChange={setCourseId}
                    searchable
                  />
                  {chosen && <BookEvaluation key={chosen.courseId} course={chosen} />}
                </>
              );
            }}
          </QueryState>
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

type BookMutation = UseMutationResult<CertificateRequest, Error, Slot>;

/**
 * Booking for one course: once it has an evaluation booked the page says when and with whom and
 * offers no other slot (moving it is done on the booking below); a course nobody evaluates says so.
 */
function BookEvaluation({ course }: { course: EvaluationCourse }) {
  const client = useQueryClient();
  const { courseId } = course;
  const book = useMutation({
    mutationFn: (s: Slot) => api.post<CertificateRequest>('/api/certificate-requests', { courseId, date: s.date, startTime: s.startTime, evaluatorId: s.evaluatorId }),
    onSuccess: (r) => {
      // The course is booked at once: no other slot is offered while the lists reload.
      client.setQueryData<EvaluationCourse[]>(coursesKey, (items) => items?.map((c) => (c.courseId === courseId ? { ...c, openRequest: r } : c)));
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['certificate-slots', courseId] });
      void client.invalidateQueries({ queryKey: ['certificate-requests'] });
    },
  });
  const booked = course.openRequest?.status === 'scheduled' ? course.openRequest : null;
  if (booked) {
    const when = `${evaluationTime(booked.startsAt)} with ${booked.evaluatorName ?? 'an evaluator'}`;
    return book.isSuccess && book.data.id === booked.id ? (
      <Alert styles={ALERT_STYLES} color="teal" variant="light" role="status" title="Booked">
        Your evaluation is booked for {when}. To move or cancel it, use your evaluation below.
      </Alert>
    ) : (
      <Text data-testid="evaluation-booked">
        Booked: {when}. To move or cancel it, use your evaluation below.
      </Text>
    );
  }
  if (course.certified) return <Text c="gray.7">You hold a valid certificate for this course: there is nothing to book.</Text>;
  if (course.evaluatorCount === 0) return <Text c="gray.7">Nobody evaluates this course yet; ask your training team.</Text>;
  return <FreeSlots courseId={courseId} book={book} />;
}

function FreeSlots({ courseId, book }: { courseId: string; book: BookMutation }) {
  const slots = useQuery({
    queryKey: ['certificate-slots', courseId],
    queryFn: ({ signal }) => api.get<{ items: Slot[] }>(`/api/certificate-requests/slots?courseId=${courseId}&days=21`, { signal }).then((r) => r.items),
  });
  return (
    <Stack gap="xs">
      {book.isError && (
        <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="The slot was not booked">
          {book.error instanceof ApiError && book.error.code === 'SLOT_UNAVAILABLE' ? 'Someone else booked this slot a moment ago. Choose another one.' : errorMessage(book.error)}
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
                  {evaluationTime(s.startsAt)} · {s.evaluatorName}
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
            {evaluationTime(r.startsAt)} with {r.evaluatorName ?? 'an evaluator'}
          </Text>
        )}
        {r.startsAt && r.timezone && r.timezone !== viewerZone() && (
          <Text size="sm" c="gray.7">
            Evaluator’s time: {readableDateTime(r.startsAt, { weekday: true, timeZone: r.timezone })} ({r.timezone})
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
          data={mine.map((s) => ({ value: s.startsAt, label: evaluationTime(s.startsAt) }))}
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
