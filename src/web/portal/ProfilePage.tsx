import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { api } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';
import { COMPLIANCE_STATUS_WORDS } from '../ui/compliance-status.ts';
import { Page } from '../ui/Page.tsx';
import type { Me } from '../ui/session.ts';
import { QueryState } from '../ui/states.tsx';
import { keys, todayIso, useMyCourses, type MeHr } from './portal-api.ts';

const ASSIGNMENT_COLOR = { open: 'blue', completed: 'teal', overdue: 'red' } as const;
const COMPLIANCE_COLOR = { pending: 'gray', complete: 'teal', expiring: 'orange', expired: 'red' } as const;

/** The caller's own account, training assignments and HR records (read-only). */
export default function ProfilePage({ me }: { me: Me }) {
  const hr = useQuery({ queryKey: keys.meHr, queryFn: ({ signal }) => api.get<MeHr>('/api/me/hr', { signal }) });
  const courses = useMyCourses();
  const titleOf = new Map((courses.data?.items ?? []).map((c) => [c.course.id, c.course.title]));
  return (
    <Page
      title="Profile"
      description="Your account, your training assignments and your HR records."
      actions={
        <Group gap="sm">
          <Button component={Link} to="/lms/notifications" variant="default">
            Notifications
          </Button>
          <Button component={Link} to="/lms/payments" variant="default">
            My payments and receipts
          </Button>
        </Group>
      }
    >
      <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="account-heading">
        <Title order={2} fz="md" mb="sm" id="account-heading">
          Account
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
          <Text size="sm">
            <b>Name:</b> {me.fullName}
          </Text>
          <Text size="sm">
            <b>Email:</b> {me.email}
          </Text>
        </SimpleGrid>
        <Group gap="xs" mt="sm" data-testid="roles">
          <Text size="sm" fw={700}>
            Roles:
          </Text>
          {me.roles.map((r) => (
            <Badge c="gray.9" key={r} variant="light">
              {r}
            </Badge>
          ))}
        </Group>
      </Paper>
      <QueryState query={hr} loadingLabel="Loading your records…">
        {(data) => (
          <Stack gap="md">
            {data.employee && (
              <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="employee-heading">
                <Title order={2} fz="md" mb="sm" id="employee-heading">
                  Employee record
                </Title>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
                  <Text size="sm">
                    <b>Employee code:</b> {data.employee.employeeCode}
                  </Text>
                  <Text size="sm">
                    <b>Department:</b> {data.employee.department ?? '—'}
                  </Text>
                  <Text size="sm">
                    <b>Designation:</b> {data.employee.designation ?? '—'}
                  </Text>
                  <Text size="sm">
                    <b>Joined:</b> {readableDay(data.employee.dateOfJoining)}
                  </Text>
                </SimpleGrid>
              </Paper>
            )}
            <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="assignments-heading">
              <Title order={2} fz="md" mb="sm" id="assignments-heading">
                Training assignments
              </Title>
              {data.assignments.length === 0 ? (
                <Text size="sm" c="gray.7">
                  No training is assigned to you.
                </Text>
              ) : (
                <Table.ScrollContainer minWidth={480}>
                  <Table>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Course</Table.Th>
                        <Table.Th>Due</Table.Th>
                        <Table.Th>Status</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {data.assignments.map((a) => {
                        const overdue = a.status === 'overdue' || (a.status === 'open' && a.dueDate < todayIso());
                        return (
                          <Table.Tr key={a.id}>
                            <Table.Td>
                              <Anchor component={Link} to={`/lms/courses/${a.courseId}`} size="sm">
                                {titleOf.get(a.courseId) ?? 'Course'}
                              </Anchor>
                            </Table.Td>
                            <Table.Td c={overdue ? 'red.8' : undefined} fw={overdue ? 700 : undefined}>
                              {readableDay(a.dueDate)}
                            </Table.Td>
                            <Table.Td>
                              <Badge c="gray.9" variant="light" color={overdue ? 'red' : ASSIGNMENT_COLOR[a.status]}>
                                {overdue ? 'overdue' : a.status}
                              </Badge>
                            </Table.Td>
                          </Table.Tr>
                        );
                      })}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
            </Paper>
            {data.employee && (
              <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
                <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="documents-heading">
                  <Title order={2} fz="md" mb="sm" id="documents-heading">
                    HR documents
                  </Title>
                  {data.documents.length === 0 ? (
                    <Text size="sm" c="gray.7">
                      No documents on your record.
                    </Text>
                  ) : (
                    <Stack gap="xs" component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                      {data.documents.map((d) => (
                        <li key={d.id}>
                          {d.fileUrl ? (
                            <Anchor href={d.fileUrl} target="_blank" rel="noopener" size="sm">
                              {d.title}
                            </Anchor>
                          ) : (
                            <Text size="sm">{d.title}</Text>
                          )}
                          <Text size="xs" c="gray.7">
                            Issued {readableDay(d.issueDate)}
                            {d.expiryDate ? ` · expires ${readableDay(d.expiryDate)}` : ''}
                          </Text>
                        </li>
                      ))}
                    </Stack>
                  )}
                </Paper>
                <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="compliance-heading">
                  <Title order={2} fz="md" mb="sm" id="compliance-heading">
                    Compliance
                  </Title>
                  {data.compliance.length === 0 ? (
                    <Text size="sm" c="gray.7">
                      No compliance obligations on your record.
                    </Text>
                  ) : (
                    <Stack gap="xs" component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                      {data.compliance.map((c) => (
                        <li key={c.id}>
                          <Group gap="xs">
                            <Text size="sm" fw={600}>
                              {c.complianceTypeName}
                            </Text>
                            <Badge c="gray.9" size="sm" variant="light" color={COMPLIANCE_COLOR[c.status]}>
                              {COMPLIANCE_STATUS_WORDS[c.status]}
                            </Badge>
                          </Group>
                          <Text size="xs" c="gray.7">
                            {c.completedOn ? `Completed ${readableDay(c.completedOn)}` : 'Not completed'}
                            {c.renewalDate ? ` · renew by ${readableDay(c.renewalDate)}` : ''}
                          </Text>
                        </li>
                      ))}
                    </Stack>
                  )}
                </Paper>
              </SimpleGrid>
            )}
          </Stack>
        )}
      </QueryState>
    </Page>
  );
}
