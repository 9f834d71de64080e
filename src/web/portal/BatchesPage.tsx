import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Badge, Group, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { api } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, QueryState } from '../ui/states.tsx';
import { IconUsers } from '../ui/icons.tsx';
import type { Batch } from '../../contract/batches.ts';
import type { MyBatch } from './batch-time.ts';
import { LiveClassCard, useNow } from './LiveClassCard.tsx';

export const myBatchesKey = ['me', 'batches'] as const;

export function useMyBatches() {
  return useQuery({ queryKey: myBatchesKey, queryFn: ({ signal }) => api.get<{ items: MyBatch[] }>('/api/me/batches', { signal }).then((r) => r.items) });
}

/** My batches: each batch the learner belongs to (or teaches) with its next live class and its courses. */
/** Published batches the learner may join (not yet a member, a seat left). */
function OpenBatches() {
  const open = useQuery({
    queryKey: ['batches', 'open'],
    queryFn: ({ signal }) => api.get<{ items: Batch[] }>('/api/batches?published=true&limit=50', { signal }).then((r) => r.items.filter((b) => !b.isMember && b.allowSelfEnrollment && b.seatsLeft !== 0)),
  });
  if (!open.data || open.data.length === 0) return null;
  return (
    <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="open-batches">
      <Title order={2} fz="lg" id="open-batches" mb="sm">
        Batches open to join
      </Title>
      <Stack gap={6}>
        {open.data.map((b) => (
          <Group key={b.id} gap="sm">
            <Anchor component={Link} to={`/lms/batches/${b.id}`}>
              {b.title}
            </Anchor>
            <Text size="sm" c="gray.7">
              {readableDay(b.startDate)} – {readableDay(b.endDate)}
              {b.seatsLeft !== null ? ` · ${b.seatsLeft} ${b.seatsLeft === 1 ? 'seat' : 'seats'} left` : ''}
            </Text>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}

export default function BatchesPage() {
  const batches = useMyBatches();
  const now = useNow();
  return (
    <Page title="My batches" description="Your cohorts: their live classes and courses.">
      <OpenBatches />
      <QueryState query={batches} loadingLabel="Loading your batches…">
        {(items) =>
          items.length === 0 ? (
            <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
              <Empty title="No batches yet" description="When you join a batch, its live classes and courses appear here." icon={<IconUsers size={28} />} />
            </Paper>
          ) : (
            <Stack gap="lg" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
              {items.map((b) => (
                <li key={b.batch.id}>
                  <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby={`batch-${b.batch.id}`} data-testid="batch-card">
                    <Stack gap="md">
                      <Group justify="space-between" align="flex-start">
                        <div>
                          <Title order={2} fz="lg" id={`batch-${b.batch.id}`}>
                            <Anchor component={Link} to={`/lms/batches/${b.batch.id}`} c="inherit">
                              {b.batch.title}
                            </Anchor>
                          </Title>
                          <Text size="sm" c="gray.7">
                            {readableDay(b.batch.startDate)} – {readableDay(b.batch.endDate)} · times of the batch: {b.batch.timezone}
                          </Text>
                        </div>
                        {b.teaching && (
                          <Badge variant="light" c="gray.9">
                            You teach
                          </Badge>
                        )}
                      </Group>
                      <div>
                        <Text fw={600} size="sm" mb={4}>
                          Next live class
                        </Text>
                        {b.nextLiveClass ? <LiveClassCard liveClass={b.nextLiveClass} now={now} /> : <Text size="sm">No upcoming live class.</Text>}
                      </div>
                      {!b.teaching && b.courses.length > 0 && (
                        <div>
                          <Text fw={600} size="sm" mb={4}>
                            Courses
                          </Text>
                          <Stack gap={6}>
                            {b.courses.map((c) => (
                              <Group key={c.courseId} gap="sm" wrap="nowrap">
                                <Anchor component={Link} to={`/lms/courses/${c.courseId}`} size="sm" style={{ flex: 1 }}>
                                  {c.title}
                                </Anchor>
                                <Progress value={c.progress ?? 0} w={100} size="sm" aria-hidden="true" />
                                <Text size="sm" w={40} ta="right">
                                  {c.progress ?? 0}%
                                </Text>
                              </Group>
                            ))}
                          </Stack>
                        </div>
                      )}
                    </Stack>
                  </Paper>
                </li>
              ))}
            </Stack>
          )
        }
      </QueryState>
    </Page>
  );
}
