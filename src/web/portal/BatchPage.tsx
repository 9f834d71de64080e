import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, Group, Paper, Progress, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { Batch } from '../../contract/batches.ts';
import { BuyButton } from './BuyButton.tsx';
import { api, errorMessage } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { QueryState } from '../ui/states.tsx';
import type { BatchMemberRow, LiveClass } from './batch-time.ts';
import { useMyBatches } from './BatchesPage.tsx';
import { BatchAssessments } from './BatchAssessments.tsx';
import { LiveClassCard, useNow } from './LiveClassCard.tsx';

/** The members × courses grid for the batch's staff, with attendance and who is behind. */
function MembersGrid({ batch }: { batch: Batch }) {
  const members = useQuery({
    queryKey: ['batches', batch.id, 'members'],
    queryFn: ({ signal }) => api.get<{ items: BatchMemberRow[] }>(`/api/batches/${encodeURIComponent(batch.id)}/members?limit=500`, { signal }),
  });
  return (
    <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="batch-members">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg" id="batch-members">
          Members and progress
        </Title>
        <Button component="a" variant="default" href={`/api/batches/${encodeURIComponent(batch.id)}/members/export.csv`} download>
          Download CSV
        </Button>
      </Group>
      <QueryState query={members} loadingLabel="Loading the members…">
        {(page) =>
          page.items.length === 0 ? (
            <Text size="sm">No members yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={500}>
              <Table striped data-testid="batch-grid">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Member</Table.Th>
                    {batch.courses.map((c) => (
                      <Table.Th scope="col" key={c.id}>
                        {c.title}
                      </Table.Th>
                    ))}
                    <Table.Th scope="col">Classes attended</Table.Th>
                    <Table.Th scope="col">Assessments passed</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((m) => (
                    <Table.Tr key={m.memberId}>
                      <Table.Th scope="row" fw={500}>
                        {m.fullName}
                      </Table.Th>
                      {batch.courses.map((c) => {
                        const p = m.courses.find((x) => x.courseId === c.id)?.progress;
                        return (
                          <Table.Td key={c.id}>
                            {p === null || p === undefined ? (
                              <Text size="sm" c="gray.7">
                                not enrolled
                              </Text>
                            ) : (
                              <Group gap={6} wrap="nowrap">
                                <Progress value={p} w={60} size="sm" aria-hidden="true" />
                                <Text size="sm">{p}%</Text>
                              </Group>
                            )}
                          </Table.Td>
                        );
                      })}
                      <Table.Td>
                        {m.attendance.attended} of {m.attendance.held}
                      </Table.Td>
                      <Table.Td>
                        {m.assessments.passed} of {m.assessments.total}
                      </Table.Td>
                      <Table.Td>
                        {m.behind ? (
                          <Badge color="orange" variant="light" c="gray.9">
                            Behind
                          </Badge>
                        ) : (
                          <Badge color="green" variant="light" c="gray.9">
                            On track
                          </Badge>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Paper>
  );
}

/** Calendar subscriptions: the batch file, and the learner's personal secret feed. */
function CalendarPanel({ batchId }: { batchId: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const client = useQueryClient();
  const feed = useQuery({ queryKey: ['me', 'calendar-feed'], queryFn: ({ signal }) => api.get<{ active: boolean }>('/api/me/calendar-feed', { signal }) });
  const changed = () => void client.invalidateQueries({ queryKey: ['me', 'calendar-feed'] });
  const renew = useMutation({
    mutationFn: () => api.post<{ url: string }>('/api/me/calendar-feed'),
    onSuccess: (r) => {
      setUrl(r.url);
      changed();
    },
  });
  const revoke = useMutation({
    mutationFn: () => api.delete('/api/me/calendar-feed'),
    onSuccess: () => {
      setUrl(null);
      changed();
    },
  });
  const active = !!url || feed.data?.active === true;
  return (
    <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="batch-calendar">
      <Title order={2} fz="lg" id="batch-calendar" mb="sm">
        Calendar
      </Title>
      <Stack gap="sm">
        <Group gap="sm">
          <Button component="a" variant="default" href={`/api/batches/${encodeURIComponent(batchId)}/calendar.ics`} download="live-classes.ics">
            Download this batch’s calendar (.ics)
          </Button>
          <Button variant="default" onClick={() => renew.mutate()} loading={renew.isPending}>
            {active ? 'Make a new private address' : 'Subscribe in my calendar app'}
          </Button>
          {active && (
            <Button variant="subtle" color="red" onClick={() => revoke.mutate()} loading={revoke.isPending}>
              Turn off my private address
            </Button>
          )}
        </Group>
        {url && (
          <TextInput
            label="Your private calendar address (all your batches). Paste it into your calendar app; keep it to yourself."
            value={url}
            readOnly
            onFocus={(e) => e.currentTarget.select()}
          />
        )}
        {(renew.isError || revoke.isError) && <Alert color="red">{errorMessage(renew.error ?? revoke.error)}</Alert>}
      </Stack>
    </Paper>
  );
}

/** A batch in the portal: its schedule and courses for learners, and the members grid for its staff. */
export default function BatchPage() {
  const { batchId = '' } = useParams();
  const now = useNow();
  const batch = useQuery({ queryKey: ['batches', batchId], queryFn: ({ signal }) => api.get<Batch>(`/api/batches/${encodeURIComponent(batchId)}`, { signal }) });
  const mine = useMyBatches();
  const entry = mine.data?.find((b) => b.batch.id === batchId);
  // Live classes are for the batch's members and staff: nobody else asks for them.
  const classes = useQuery({
    queryKey: ['batches', batchId, 'live-classes'],
    queryFn: ({ signal }) => api.get<LiveClass[]>(`/api/batches/${encodeURIComponent(batchId)}/live-classes`, { signal }),
    enabled: !!batch.data && (batch.data.isMember || batch.data.canManage || !!entry?.teaching),
    retry: false,
  });
  const client = useQueryClient();
  const join = useMutation({
    mutationFn: () => api.post(`/api/batches/${encodeURIComponent(batchId)}/join`),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['batches'] }).then(() => client.invalidateQueries({ queryKey: ['me', 'batches'] })),
  });
  const teaching = !!batch.data && (batch.data.canManage || !!entry?.teaching);
  return (
    <QueryState query={batch} loadingLabel="Loading the batch…">
      {(b) => (
        <Page
          title={b.title}
          description={`${readableDay(b.startDate)} – ${readableDay(b.endDate)} · times of the batch: ${b.timezone}`}
          actions={
            !b.isMember && !teaching && b.published && b.allowSelfEnrollment && !b.paid ? (
              <Button onClick={() => join.mutate()} loading={join.isPending} disabled={b.seatsLeft === 0}>
                {b.seatsLeft === 0 ? 'No seats left' : 'Join this batch'}
              </Button>
            ) : undefined
          }
        >
          <Stack gap="lg">
            {join.isError && <Alert color="red">{errorMessage(join.error)}</Alert>}
            {!b.isMember && !teaching && b.published && b.allowSelfEnrollment && b.paid && b.price !== null && b.currency && (
              <Paper withBorder radius="lg" p="lg" component="section" aria-label="Buy a seat">
                <Stack gap="xs">
                  {b.seatsLeft === 0 ? (
                    <Text size="sm">This is a paid batch, and every seat is taken.</Text>
                  ) : (
                    <BuyButton
                      target={{ batchId: b.id }}
                      price={b.price}
                      currency={b.currency}
                      intro={<Text size="sm">This is a paid batch: buy a seat to join it. Your receipt is under My payments.</Text>}
                    />
                  )}
                </Stack>
              </Paper>
            )}
            {b.description && <Text style={{ whiteSpace: 'pre-wrap' }}>{b.description}</Text>}
            {teaching && <MembersGrid batch={b} />}
            <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="batch-schedule">
              <Title order={2} fz="lg" id="batch-schedule" mb="sm">
                Schedule
              </Title>
              {classes.data ? (
                classes.data.length === 0 ? (
                  <Text size="sm">No live classes scheduled yet.</Text>
                ) : (
                  <Stack gap="sm">
                    {classes.data.map((c) => (
                      <LiveClassCard key={c.id} liveClass={c} now={now} />
                    ))}
                  </Stack>
                )
              ) : (
                <Text size="sm">
                  {classes.isError || classes.fetchStatus === 'idle'
                    ? b.seatsLeft === 0
                      ? 'Live classes are for the batch’s members.'
                      : 'Join the batch to see its live classes.'
                    : 'Loading…'}
                </Text>
              )}
            </Paper>
            <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="batch-courses">
              <Title order={2} fz="lg" id="batch-courses" mb="sm">
                Courses
              </Title>
              <Stack gap={6}>
                {b.courses.map((c) => {
                  const p = entry?.courses.find((x) => x.courseId === c.id)?.progress;
                  return (
                    <Group key={c.id} gap="sm" wrap="nowrap">
                      <Anchor component={Link} to={`/lms/courses/${c.id}`} size="sm" style={{ flex: 1 }}>
                        {c.title}
                      </Anchor>
                      {p !== undefined && p !== null && (
                        <Group gap={6} wrap="nowrap" w={160} data-testid="batch-course-progress">
                          <Progress value={p} size="sm" style={{ flex: 1 }} aria-label={`Progress in ${c.title}`} />
                          <Text size="sm">{p}%</Text>
                        </Group>
                      )}
                    </Group>
                  );
                })}
              </Stack>
            </Paper>
            {(b.isMember || teaching) && <BatchAssessments batchId={b.id} />}
            {(b.isMember || teaching) && <CalendarPanel batchId={b.id} />}
          </Stack>
        </Page>
      )}
    </QueryState>
  );
}
