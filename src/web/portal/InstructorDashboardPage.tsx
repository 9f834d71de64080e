import '@mantine/charts/styles.css';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { BarChart } from '@mantine/charts';
import { Anchor, Badge, Button, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { api } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { ErrorState, PageLoader, QueryState } from '../ui/states.tsx';
import { ProgressLine } from './PortalParts.tsx';
import type { ScormAttemptRow } from '../../contract/scorm.ts';
import { useOutline, type LearnerRow, type Page as ListPage, type ProgressStats, type SubmissionRow } from './portal-api.ts';
import { scoStatusWords, timeSpentWords } from '../../contract/scorm-words.ts';
import { ENROLLMENT_SOURCE_WORDS } from '../../contract/enrollments.ts';
import { quizOutcomeInWords } from '../../contract/quizzes.ts';

const STATUS_FILTERS: Record<string, string> = {
  all: '',
  'not-started': 'progressMax=0',
  'in-progress': 'progressMin=1&progressMax=99',
  completed: 'completed=true',
};

/** What an instructor sees of a course: learners with progress and activity, charts, quiz results. */
export default function InstructorDashboardPage() {
  const { courseId = '' } = useParams();
  const outline = useOutline(courseId);
  const stats = useQuery({
    queryKey: ['courses', courseId, 'progress-stats'],
    queryFn: ({ signal }) => api.get<ProgressStats>(`/api/courses/${courseId}/progress-stats`, { signal }),
  });
  if (outline.isPending) return <PageLoader label="Loading the course dashboard…" />;
  if (outline.isError) return <ErrorState error={outline.error} onRetry={() => void outline.refetch()} />;
  const title = outline.data.course.title;

  return (
    <Page
      title={`${title}: dashboard`}
      description="Learners, their progress and quiz results."
      size="xl"
      actions={
        <Button component={Link} to={`/lms/courses/${courseId}`} variant="default">
          Course page
        </Button>
      }
    >
      <QueryState query={stats} loadingLabel="Loading statistics…">
        {(s) => (
          <Stack gap="md">
            <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
              <Stat label="Enrolled" value={s.enrolled} />
              <Stat label="Completed" value={s.completed} />
              <Stat label="Completed of enrolled" value={s.enrolled ? `${Math.floor((s.completed / s.enrolled) * 100)}%` : '—'} />
              <Stat label="Lessons" value={s.lessons.length} />
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
              <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="dist-heading">
                <Title order={2} fz="md" mb="sm" id="dist-heading">
                  Progress distribution
                </Title>
                <figure style={{ margin: 0 }} aria-label={s.distribution.map((d) => `${d.range}: ${d.learners} learners`).join('; ')}>
                  <BarChart h={220} data={s.distribution} dataKey="range" series={[{ name: 'learners', label: 'Learners', color: 'blue.7' }]} tickLine="y" yAxisProps={{ allowDecimals: false }} />
                </figure>
              </Paper>
              <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="lessons-heading">
                <Title order={2} fz="md" mb="sm" id="lessons-heading">
                  Completion per lesson
                </Title>
                <figure style={{ margin: 0 }} aria-label={s.lessons.map((l) => `${l.title}: ${l.completed} completed`).join('; ')}>
                  <BarChart
                    h={Math.max(220, s.lessons.length * 28)}
                    data={s.lessons.map((l) => ({ lesson: l.title.length > 24 ? `${l.title.slice(0, 23)}…` : l.title, completed: l.completed }))}
                    dataKey="lesson"
                    orientation="vertical"
                    yAxisProps={{ width: 140 }}
                    xAxisProps={{ allowDecimals: false }}
                    series={[{ name: 'completed', label: 'Learners completed', color: 'teal.7' }]}
                    tickLine="x"
                  />
                </figure>
              </Paper>
            </SimpleGrid>
          </Stack>
        )}
      </QueryState>
      <Learners courseId={courseId} />
      <QuizResults courseId={courseId} />
      {outline.data?.chapters.some((c) => c.lessons.some((l) => l.kind === 'scorm')) && <ScormResults courseId={courseId} />}
    </Page>
  );
}

function Stat({ label, value }: { label: string; value: number | string }) {
  return (
    <Paper withBorder radius="lg" p="md">
      <Text size="xs" c="gray.7" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fz={26} fw={750}>
        {value}
      </Text>
    </Paper>
  );
}

function Learners({ courseId }: { courseId: string }) {
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [debounced] = useDebouncedValue(q.trim(), 300);
  const status = params.get('status') ?? 'all';
  const filter = [debounced ? `q=${encodeURIComponent(debounced)}` : '', STATUS_FILTERS[status] ?? ''].filter(Boolean).join('&');
  const learners = useInfiniteQuery({
    queryKey: ['courses', courseId, 'learners', filter],
    queryFn: ({ pageParam, signal }) =>
      api.get<ListPage<LearnerRow>>(`/api/courses/${courseId}/learners?limit=50${filter ? `&${filter}` : ''}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`, {
        signal,
      }),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = learners.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="learners-heading">
      <Title order={2} fz="md" mb="sm" id="learners-heading">
        Learners
      </Title>
      <Group gap="md" align="flex-end" mb="md" role="search" aria-label="Filter learners">
        <TextInput
          label="Search learners"
          placeholder="Name or email"
          type="search"
          value={q}
          onChange={(e) => {
            setQ(e.currentTarget.value);
            setParams((prev) => {
              const next = new URLSearchParams(prev);
              if (e.currentTarget.value.trim()) next.set('q', e.currentTarget.value.trim());
              else next.delete('q');
              return next;
            }, { replace: true });
          }}
          style={{ flex: '1 1 220px' }}
        />
        <Select
          label="Status"
          value={status}
          allowDeselect={false}
          onChange={(v) =>
            setParams((prev) => {
              const next = new URLSearchParams(prev);
              if (v && v !== 'all') next.set('status', v);
              else next.delete('status');
              return next;
            }, { replace: true })
          }
          data={[
            { value: 'all', label: 'All learners' },
            { value: 'not-started', label: 'Not started' },
            { value: 'in-progress', label: 'In progress' },
            { value: 'completed', label: 'Completed' },
          ]}
          style={{ flex: '0 1 200px' }}
        />
      </Group>
      {learners.isPending ? (
        <PageLoader label="Loading learners…" />
      ) : learners.isError ? (
        <ErrorState error={learners.error} onRetry={() => void learners.refetch()} />
      ) : rows.length === 0 ? (
        <Text c="gray.7">No learner matches.</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover data-testid="learners-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Learner</Table.Th>
                <Table.Th w={220}>Progress</Table.Th>
                <Table.Th>Lessons done</Table.Th>
                <Table.Th>Last activity</Table.Th>
                <Table.Th>Enrolled</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.enrollmentId}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {r.fullName}
                    </Text>
                    <Text size="xs" c="gray.7">
                      {r.email}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <ProgressLine value={r.progress} label={`Progress of ${r.fullName}`} size="sm" />
                  </Table.Td>
                  <Table.Td>{r.completedLessons}</Table.Td>
                  <Table.Td>{readableDay(r.lastActivityAt)}</Table.Td>
                  <Table.Td>
                    {readableDay(r.enrolledAt)}{' '}
                    <Badge c="gray.9" size="xs" variant="light" color="gray" tt="none">
                      {ENROLLMENT_SOURCE_WORDS[r.source]}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {learners.hasNextPage && (
        <Group justify="center" mt="md">
          <Button variant="default" onClick={() => void learners.fetchNextPage()} loading={learners.isFetchingNextPage}>
            Show more learners
          </Button>
        </Group>
      )}
    </Paper>
  );
}

function QuizResults({ courseId }: { courseId: string }) {
  const subs = useQuery({
    queryKey: ['courses', courseId, 'quiz-submissions'],
    queryFn: ({ signal }) => api.get<ListPage<SubmissionRow>>(`/api/quiz-submissions?courseId=${courseId}&limit=100`, { signal }),
  });
  return (
    <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="quiz-results-heading">
      <Title order={2} fz="md" mb="sm" id="quiz-results-heading">
        Quiz results
      </Title>
      <QueryState query={subs} loadingLabel="Loading quiz results…">
        {(data) =>
          data.items.length === 0 ? (
            <Text c="gray.7">Nobody has taken a quiz of this course yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table striped data-testid="quiz-results-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Learner</Table.Th>
                    <Table.Th>Quiz</Table.Th>
                    <Table.Th>Attempt</Table.Th>
                    <Table.Th>Score</Table.Th>
                    <Table.Th>Result</Table.Th>
                    <Table.Th>Learner's outcome</Table.Th>
                    <Table.Th>Submitted</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((s) => (
                    <Table.Tr key={s.id}>
                      <Table.Td>{s.memberName}</Table.Td>
                      <Table.Td>{s.quizTitle}</Table.Td>
                      <Table.Td>{s.attempt}</Table.Td>
                      <Table.Td>
                        {s.score} / {s.maxScore}
                        {s.percentage !== null ? ` (${s.percentage}%)` : ''}
                      </Table.Td>
                      <Table.Td>
                        <Badge c="gray.9" variant="light" color={s.passed === null ? 'gray' : s.passed ? 'teal' : 'red'}>
                          {s.passed === null ? (s.status === 'in_progress' ? 'In progress' : 'Awaiting grading') : s.passed ? 'Passed' : 'Failed'}
                        </Badge>
                      </Table.Td>
                      <Table.Td data-testid="member-outcome">
                        {s.memberOutcome === 'completed_not_passed' ? (
                          <Badge c="gray.9" variant="light" color="orange">
                            Completed, not passed
                          </Badge>
                        ) : (
                          quizOutcomeInWords(s.memberOutcome)
                        )}
                      </Table.Td>
                      <Table.Td>
                        {s.submittedAt ? (
                          <Anchor href={`/api/quiz-submissions/${s.id}/report.pdf`} target="_blank" rel="noopener" size="sm">
                            {readableDay(s.submittedAt)}
                            <VisuallyHidden> (report PDF)</VisuallyHidden>
                          </Anchor>
                        ) : (
                          '—'
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

/** What the SCORM packages of the course reported per learner and item: status, score, time. */
function ScormResults({ courseId }: { courseId: string }) {
  const rows = useQuery({
    queryKey: ['courses', courseId, 'scorm-attempts'],
    queryFn: ({ signal }) => api.get<ListPage<ScormAttemptRow>>(`/api/scorm-attempts?courseId=${courseId}&limit=200`, { signal }),
  });
  return (
    <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="scorm-results-heading">
      <Title order={2} fz="md" mb="sm" id="scorm-results-heading">
        SCORM results
      </Title>
      <QueryState query={rows} loadingLabel="Loading SCORM results…">
        {(data) =>
          data.items.length === 0 ? (
            <Text c="gray.7">Nobody has opened a SCORM lesson of this course yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table striped data-testid="scorm-results-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Learner</Table.Th>
                    <Table.Th>Lesson</Table.Th>
                    <Table.Th>Item</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Score</Table.Th>
                    <Table.Th>Time spent</Table.Th>
                    <Table.Th>Last reported</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td>{r.memberName}</Table.Td>
                      <Table.Td>{r.lessonTitle}</Table.Td>
                      <Table.Td>{r.title ?? 'An item no longer in the package'}</Table.Td>
                      <Table.Td>
                        <Badge c="gray.9" variant="light" color={r.done ? 'teal' : r.successStatus === 'failed' ? 'red' : 'gray'}>
                          {scoStatusWords(r)}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {r.scoreRaw !== null ? `${r.scoreRaw}${r.scoreMax !== null ? ` / ${r.scoreMax}` : ''}` : r.scoreScaled !== null ? `${Math.round(r.scoreScaled * 100)}%` : '—'}
                      </Table.Td>
                      <Table.Td>{timeSpentWords(r.totalSeconds)}</Table.Td>
                      <Table.Td>{readableDay(r.updatedAt)}</Table.Td>
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
