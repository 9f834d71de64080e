import '@mantine/charts/styles.css';
import { Link } from 'react-router';
import { Anchor, Badge, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import type { TeamMember } from '../../contract/team.ts';
import { Page } from '../ui/Page.tsx';
import { readableDay } from '../ui/dates.ts';
import { Empty, QueryState } from '../ui/states.tsx';
import { IconUsers } from '../ui/icons.tsx';
import { useMyTeam } from './portal-api.ts';

const STATUS: Record<TeamMember['courses'][number]['status'], string> = {
  'not-enrolled': 'Not started',
  enrolled: 'Not started',
  'in-progress': 'In progress',
  completed: 'Completed',
};

function MemberCard({ m }: { m: TeamMember }) {
  const open = m.courses.filter((c) => c.status !== 'completed');
  const headingId = `team-${m.employeeId}`;
  return (
    <Paper withBorder radius="lg" p="md" component="article" aria-labelledby={headingId} data-testid="team-member">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <div>
            <Title order={3} fz="md" id={headingId}>
              {m.fullName}
            </Title>
            <Text size="sm" c="dimmed">
              {[m.designation, m.department].filter(Boolean).join(' · ') || 'No department'}
            </Text>
          </div>
          <Group gap={6} justify="flex-end">
            {m.overdue > 0 && (
              <Badge color="red" variant="light" c="red.9">
                {m.overdue} overdue
              </Badge>
            )}
            {m.dueSoon > 0 && (
              <Badge color="yellow" variant="light" c="yellow.9">
                {m.dueSoon} due soon
              </Badge>
            )}
            {m.required > 0 && m.completed === m.required && (
              <Badge color="green" variant="light" c="green.9">
                All done
              </Badge>
            )}
          </Group>
        </Group>
        {!m.hasAccount && (
          <Text size="sm" c="red.9">
            Has no login yet, so no training can start. Ask HR to invite them.
          </Text>
        )}
        {m.required === 0 ? (
          <Text size="sm" c="dimmed">
            No mandatory or assigned training.
          </Text>
        ) : (
          <>
            <Text size="sm">
              {m.completed} of {m.required} required {m.required === 1 ? 'course' : 'courses'} completed
            </Text>
            <Progress value={(100 * m.completed) / m.required} color="green" aria-label={`${m.fullName}: required training completed`} />
          </>
        )}
        {open.length > 0 && (
          <Table fz="sm" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Course</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Due</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {open.map((c) => (
                <Table.Tr key={c.courseId}>
                  <Table.Td>
                    <Anchor component={Link} to={`/lms/courses/${c.courseId}`} fz="sm">
                      {c.title}
                    </Anchor>
                    {c.mandatory && (
                      <Text span size="xs" c="dimmed">
                        {' '}
                        · mandatory
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {STATUS[c.status]}
                    {c.status === 'in-progress' ? ` (${c.progress}%)` : ''}
                  </Table.Td>
                  <Table.Td>
                    {c.overdue ? (
                      <Text span size="sm" c="red.9" fw={600}>
                        {readableDay(c.dueDate)} (overdue)
                      </Text>
                    ) : c.dueSoon ? (
                      <Text span size="sm" c="yellow.9" fw={600}>
                        {readableDay(c.dueDate)}
                      </Text>
                    ) : (
                      readableDay(c.dueDate)
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}

/** My team: a manager's direct reports and their mandatory and assigned training, what needs attention first. */
export default function TeamPage() {
  const team = useMyTeam();
  return (
    <Page title="My team" description="The people who report to you, by name, and their mandatory and assigned training still to do: overdue and soon-due courses first.">
      <QueryState query={team} loadingLabel="Loading your team…">
        {(t) =>
          t.members.length === 0 ? (
            <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
              <Empty
                title="Nobody reports to you"
                description="People appear here when HR records you as their manager (Reports to) on their employee record."
                icon={<IconUsers size={28} />}
              />
            </Paper>
          ) : (
            <Stack gap="lg">
              <SimpleGrid cols={{ base: 2, sm: 4 }}>
                {[
                  ['People', t.members.length, undefined],
                  ['Overdue courses', t.members.reduce((s, m) => s + m.overdue, 0), 'red.9'],
                  ['Due in 14 days', t.members.reduce((s, m) => s + m.dueSoon, 0), 'yellow.9'],
                  ['Everything done', t.members.filter((m) => m.required > 0 && m.completed === m.required).length, 'green.9'],
                ].map(([label, value, color]) => (
                  <Paper key={String(label)} withBorder radius="lg" p="md">
                    <Text size="sm" c="dimmed">
                      {label}
                    </Text>
                    <Text fz={28} fw={700} c={color as string | undefined} data-testid={`team-stat-${String(label)}`}>
                      {value}
                    </Text>
                  </Paper>
                ))}
              </SimpleGrid>
              <Paper withBorder radius="lg" p="md">
                <Title order={2} fz="lg" mb="xs">
                  Required training by person
                </Title>
                <Text size="sm" c="dimmed" mb="sm" data-testid="team-chart-caption">
                  Each person&apos;s bar is their required courses; the red bar beneath counts how many of those not yet
                  completed are past their due date.
                </Text>
                <BarChart
                  h={Math.max(160, t.members.length * 44)}
                  data={t.members.map((m) => ({
                    name: m.fullName,
                    Completed: m.completed,
                    'In progress': m.inProgress,
                    'Not started': m.notStarted,
                    'Of these, overdue': m.overdue,
                  }))}
                  dataKey="name"
                  orientation="vertical"
                  yAxisProps={{ width: 160, interval: 0 }}
                  xAxisProps={{ allowDecimals: false }}
                  withLegend
                  // Completed + in progress + not started are the required courses; overdue ones are
                  // among those not completed, so they get their own bar beside the stack.
                  series={[
                    { name: 'Completed', color: 'green.6', stackId: 'required' },
                    { name: 'In progress', color: 'blue.6', stackId: 'required' },
                    { name: 'Not started', color: 'gray.5', stackId: 'required' },
                    { name: 'Of these, overdue', color: 'red.6', stackId: 'overdue' },
                  ]}
                  aria-label="Required training of each person in your team"
                />
              </Paper>
              {t.truncated && (
                <Text size="sm" c="dimmed">
                  More people report to you than this page lists; HR&apos;s desk has the full list.
                </Text>
              )}
              <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
                {t.members.map((m) => (
                  <MemberCard key={m.employeeId} m={m} />
                ))}
              </SimpleGrid>
            </Stack>
          )
        }
      </QueryState>
    </Page>
  );
}
