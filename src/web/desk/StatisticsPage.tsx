import '@mantine/charts/styles.css';
import { useState } from 'react';
import { Link } from 'react-router';
import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { useQuery } from '@tanstack/react-query';
import { api } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { hasAnyRole, type Me } from '../ui/session.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { readableDay, readableDayMonth } from '../ui/dates.ts';
import { LinkPicker } from './LinkPicker.tsx';
import { DownloadButton } from './actions.tsx';
import { STATISTICS_ROLES } from '../../contract/roles.ts';
import type { CourseCompletionRow } from '../../contract/enrollments.ts';

interface ComplianceRow {
  courseId: string;
  title: string;
  expected: number;
  completed: number;
  inProgress: number;
  notStarted: number;
  overdue: number;
  completionRate: number;
}

interface ScoreRow {
  courseId: string;
  title: string;
  quizzes: number;
  learners: number;
  submissions: number;
  averagePercentage: number | null;
  averageBestPercentage: number | null;
  passRate: number | null;
}

interface AssignmentRow {
  id: string;
  memberId: string;
  memberName: string;
  courseId: string;
  courseTitle: string;
  enrollmentId: string | null;
  dueDate: string;
  status: 'open' | 'completed' | 'overdue';
  progress: number | null;
}

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** Statistics dashboard: Mandatory Training Compliance, assessment scores, learners at risk. */
export default function StatisticsPage({ me }: { me: Me }) {
  const hr = hasAnyRole(me, STATISTICS_ROLES);
  return (
    <Page title="Statistics" description="Mandatory training compliance, completion by course, assessment scores and learners who need a nudge." size="xl">
      {hr ? <ComplianceWidget /> : null}
      {hr ? <CompletionWidget /> : null}
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <ScoresWidget />
        <EnrollmentsOverTime />
      </SimpleGrid>
      <AtRiskWidget />
    </Page>
  );
}

function ComplianceWidget() {
  const [department, setDepartment] = useState<string | null>(null);
  const data = useQuery({
    queryKey: ['desk-stats-compliance', department],
    queryFn: ({ signal }) =>
      api.get<ComplianceRow[]>(`/api/statistics/mandatory-compliance${department ? `?department=${encodeURIComponent(department)}` : ''}`, {
        signal,
      }),
  });
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="compliance-title" data-testid="compliance-widget">
      <Group justify="space-between" align="flex-end" mb="md">
        <div>
          <Title order={2} fz="lg" id="compliance-title">
            Mandatory Training Compliance
          </Title>
          <Text size="sm" c="gray.7">
            Per published mandatory course: employees expected to complete it, and where they are.
          </Text>
        </div>
        <Group align="flex-end" gap="sm">
          <LinkPicker
            id="compliance-department"
            label="Department"
            placeholder="All departments"
            link={{ url: '/api/departments', label: (r) => String(r.name), valueKey: 'name' }}
            value={department}
            onChange={setDepartment}
          />
          <DownloadButton
            url={`/api/statistics/mandatory-compliance/export.csv${department ? `?department=${encodeURIComponent(department)}` : ''}`}
            fileName="mandatory-training-compliance.csv"
            label="Download CSV"
          />
        </Group>
      </Group>
      {data.isPending ? (
        <PageLoader />
      ) : data.isError ? (
        <ErrorState error={data.error} onRetry={() => void data.refetch()} />
      ) : data.data.length === 0 ? (
        <Text size="sm">No published mandatory courses.</Text>
      ) : (
        <Stack gap="md">
          <Text size="sm" c="dimmed" data-testid="compliance-chart-caption">
            Each course&apos;s bar is everyone expected to complete it; the red bar beneath counts how many of those
            not yet completed are past their due date.
          </Text>
          <BarChart
            h={Math.max(180, data.data.length * 48)}
            data={data.data.map((r) => ({
              title: r.title,
              Completed: r.completed,
              'In progress': r.inProgress,
              'Not started': r.notStarted,
              'Of these, overdue': r.overdue,
            }))}
            dataKey="title"
            orientation="vertical"
            yAxisProps={{ width: 180, interval: 0 }}
            withLegend
            // Completed + in progress + not started make up the expected learners; the overdue
            // ones are among those not completed, so they get their own bar beside the stack.
            series={[
              { name: 'Completed', color: 'green.6', stackId: 'expected' },
              { name: 'In progress', color: 'blue.6', stackId: 'expected' },
              { name: 'Not started', color: 'gray.5', stackId: 'expected' },
              { name: 'Of these, overdue', color: 'red.6', stackId: 'overdue' },
            ]}
            aria-label="Mandatory training compliance chart"
          />
          <Table.ScrollContainer minWidth={600}>
            <Table fz="sm" data-testid="compliance-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Course</Table.Th>
                  <Table.Th ta="right">Expected</Table.Th>
                  <Table.Th ta="right">Completed</Table.Th>
                  <Table.Th ta="right">In progress</Table.Th>
                  <Table.Th ta="right">Not started</Table.Th>
                  <Table.Th ta="right">Overdue</Table.Th>
                  <Table.Th ta="right">Completed of expected</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.data.map((r) => (
                  <Table.Tr key={r.courseId} data-course-id={r.courseId}>
                    <Table.Td>
                      <Anchor component={Link} to={`/app/lms-enrollment?courseId=${encodeURIComponent(r.courseId)}`}>
                        {r.title}
                      </Anchor>
                    </Table.Td>
                    <Table.Td ta="right" data-col="expected">
                      {r.expected}
                    </Table.Td>
                    <Table.Td ta="right" data-col="completed">
                      {r.completed}
                    </Table.Td>
                    <Table.Td ta="right" data-col="inProgress">
                      {r.inProgress}
                    </Table.Td>
                    <Table.Td ta="right" data-col="notStarted">
                      {r.notStarted}
                    </Table.Td>
                    <Table.Td ta="right" data-col="overdue">
                      {r.overdue}
                    </Table.Td>
                    <Table.Td ta="right" data-col="completionRate">
                      {r.completionRate}%
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </Paper>
  );
}

/** Courses shown in the completion chart; the CSV has every published course. */
const COMPLETION_CHART_COURSES = 12;

/** Completion by course: where the learners of each published course stand, the most enrolled first. */
function CompletionWidget() {
  const data = useQuery({
    queryKey: ['desk-stats-completion'],
    queryFn: ({ signal }) => api.get<CourseCompletionRow[]>('/api/statistics/course-completion', { signal }),
  });
  const all = data.data ?? [];
  const withLearners = all.filter((r) => r.enrolled > 0);
  const rows = withLearners.slice(0, COMPLETION_CHART_COURSES);
  const more = withLearners.length - rows.length;
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="completion-title" data-testid="completion-widget">
      <Group justify="space-between" align="flex-end" mb="md">
        <div>
          <Title order={2} fz="lg" id="completion-title">
            Completion by course
          </Title>
          <Text size="sm" c="gray.7">
            Where the learners of each published course stand
            {more > 0 ? `: the ${rows.length} courses with the most learners (the CSV has all ${all.length})` : ''}.
          </Text>
        </div>
        <DownloadButton url="/api/statistics/course-completion/export.csv" fileName="completion-by-course.csv" label="Download CSV" />
      </Group>
      {data.isPending ? (
        <PageLoader />
      ) : data.isError ? (
        <ErrorState error={data.error} onRetry={() => void data.refetch()} />
      ) : rows.length === 0 ? (
        <Text size="sm">Nobody is enrolled in a published course yet.</Text>
      ) : (
        <BarChart
          h={Math.max(180, rows.length * 44)}
          data={rows.map((r) => ({
            title: `${r.title} (${r.completionRate}%)`,
            Completed: r.completed,
            'In progress': r.inProgress,
            'Not started': r.notStarted,
          }))}
          dataKey="title"
          orientation="vertical"
          type="stacked"
          yAxisProps={{ width: 220, interval: 0 }}
          withLegend
          series={[
            { name: 'Completed', color: 'green.6' },
            { name: 'In progress', color: 'blue.6' },
            { name: 'Not started', color: 'gray.5' },
          ]}
          aria-label="Completion by course chart"
        />
      )}
    </Paper>
  );
}

function ScoresWidget() {
  const data = useQuery({
    queryKey: ['desk-stats-scores'],
    queryFn: ({ signal }) => api.get<ScoreRow[] | { items: ScoreRow[] }>('/api/statistics/assessment-scores', { signal }),
  });
  const rows = data.data ? (Array.isArray(data.data) ? data.data : data.data.items) : [];
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="scores-title">
      <Title order={2} fz="lg" id="scores-title" mb="md">
        Average assessment score by course
      </Title>
      {data.isPending ? (
        <PageLoader />
      ) : data.isError ? (
        <ErrorState error={data.error} onRetry={() => void data.refetch()} />
      ) : rows.length === 0 ? (
        <Text size="sm">No graded quiz attempts yet.</Text>
      ) : (
        // Bars run across, course titles on the left: every course is labelled, however long its title.
        <BarChart
          h={Math.max(180, rows.length * 56)}
          data={rows.map((r) => ({ title: r.title, 'Average %': r.averagePercentage ?? 0, 'Pass rate %': r.passRate ?? 0 }))}
          dataKey="title"
          orientation="vertical"
          series={[
            { name: 'Average %', color: 'blue.6' },
            { name: 'Pass rate %', color: 'teal.6' },
          ]}
          withLegend
          xAxisProps={{ domain: [0, 100] }}
          yAxisProps={{ width: 180, interval: 0 }}
          aria-label="Average assessment score chart"
        />
      )}
    </Paper>
  );
}

interface PeriodRow {
  period: string;
  enrolled: number;
  completed: number;
}

function EnrollmentsOverTime() {
  const data = useQuery({
    queryKey: ['desk-stats-over-time'],
    queryFn: ({ signal }) => api.get<{ items: PeriodRow[] }>('/api/statistics/enrollments-over-time', { signal }),
  });
  const rows = data.data?.items ?? [];
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="over-time-title">
      <Title order={2} fz="lg" id="over-time-title" mb="md">
        Enrollments and completions over time
      </Title>
      {data.isPending ? (
        <PageLoader />
      ) : data.isError ? (
        <ErrorState error={data.error} onRetry={() => void data.refetch()} />
      ) : rows.every((r) => r.enrolled === 0 && r.completed === 0) ? (
        <Text size="sm">No enrollments in the last 12 weeks.</Text>
      ) : (
        <BarChart
          h={260}
          data={rows.map((r) => ({ week: readableDayMonth(r.period), Enrolled: r.enrolled, Completed: r.completed }))}
          dataKey="week"
          series={[
            { name: 'Enrolled', color: 'blue.6' },
            { name: 'Completed', color: 'teal.6' },
          ]}
          withLegend
          aria-label="Enrollments and completions per week chart"
        />
      )}
      <Text size="xs" c="dimmed" mt="xs">
        Each bar is a week, named by its Monday; the last 12 weeks.
      </Text>
    </Paper>
  );
}

function AtRiskWidget() {
  const soon = isoDay(14);
  const data = useQuery({
    queryKey: ['desk-stats-at-risk', soon],
    queryFn: async ({ signal }) => {
      const [overdue, open] = await Promise.all([
        api.get<{ items: AssignmentRow[] }>('/api/training-assignments?status=overdue&limit=100', { signal }),
        api.get<{ items: AssignmentRow[] }>(`/api/training-assignments?status=open&dueTo=${soon}&limit=100`, { signal }),
      ]);
      return [...overdue.items, ...open.items].filter((a) => (a.progress ?? 0) < 100).sort((a, b) => a.dueDate.localeCompare(b.dueDate));
    },
  });
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="at-risk-title">
      <Title order={2} fz="lg" id="at-risk-title">
        Learners below 100% due within 14 days or overdue
      </Title>
      <Text size="sm" c="gray.7" mb="md">
        Training assignments due by {readableDay(soon)} that are not complete.
      </Text>
      {data.isPending ? (
        <PageLoader />
      ) : data.isError ? (
        <ErrorState error={data.error} onRetry={() => void data.refetch()} />
      ) : data.data.length === 0 ? (
        <Text size="sm">Nobody is at risk right now.</Text>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table fz="sm" data-testid="at-risk-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Learner</Table.Th>
                <Table.Th>Course</Table.Th>
                <Table.Th ta="right">Progress</Table.Th>
                <Table.Th>Due</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.data.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={a.enrollmentId ? `/app/lms-enrollment/${a.enrollmentId}` : `/app/lms-training-assignment/${a.id}`}
                    >
                      {a.memberName}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{a.courseTitle}</Table.Td>
                  <Table.Td ta="right">{a.progress ?? 0}%</Table.Td>
                  <Table.Td>{readableDay(a.dueDate)}</Table.Td>
                  <Table.Td>
                    <Badge color={a.status === 'overdue' ? 'red' : 'yellow'} variant="light" c="gray.9" tt="none">
                      {a.status === 'overdue' ? 'Overdue' : 'Due soon'}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
