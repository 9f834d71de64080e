import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Badge, Group, Paper, Progress, Stack, Table, Text, Title } from '@mantine/core';
import type { TrainingRecord } from '../../contract/training-record.ts';
import { api } from '../ui/api.ts';
import { QueryState } from '../ui/states.tsx';
import { readableValue } from './format.ts';
import { ExpiryCell } from './document-file.tsx';
import { COMPLIANCE_STATUS_WORDS } from '../ui/compliance-status.ts';

const STATUS: Record<TrainingRecord['courses'][number]['status'], string> = {
  'not-enrolled': 'Not enrolled',
  enrolled: 'Enrolled',
  'in-progress': 'In progress',
  completed: 'Completed',
};

function Section({ title, empty, children, count }: { title: string; empty: string; count: number; children: React.ReactNode }) {
  return (
    <Stack gap={6}>
      <Title order={3} fz="md">
        {title}
      </Title>
      {count === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>{children}</Table.ScrollContainer>
      )}
    </Stack>
  );
}

/**
 * One page per employee: below the employee's fields, their courses (mandatory, assigned and
 * enrolled, with status, progress, due dates, scores and certificates), filed documents and
 * compliance rows, each linked to its record; read from the employee's training record.
 */
export function EmployeeTraining({ employeeId }: { employeeId: string }) {
  const record = useQuery({
    queryKey: ['employees', employeeId, 'training-record'],
    queryFn: ({ signal }) => api.get<TrainingRecord>(`/api/employees/${encodeURIComponent(employeeId)}/training-record`, { signal }),
  });
  return (
    <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="employee-training">
      <QueryState query={record} loadingLabel="Loading the training record…">
        {(r) => {
          const required = r.courses.filter((c) => c.mandatory || c.assigned);
          const done = required.filter((c) => c.status === 'completed').length;
          const overdue = r.courses.filter((c) => c.overdue && c.status !== 'completed').length;
          return (
            <Stack gap="lg">
              <Group justify="space-between" align="flex-start">
                <div>
                  <Title order={2} fz="lg" id="employee-training">
                    Training and compliance
                  </Title>
                  <Text size="sm" c="dimmed">
                    {r.employee.userId
                      ? `${done} of ${required.length} mandatory or assigned courses completed.`
                      : 'No login linked: courses cannot start until the employee has a user.'}
                  </Text>
                </div>
                <Group gap={6}>
                  {overdue > 0 && (
                    <Badge color="red" variant="light" c="red.9">
                      {overdue} overdue
                    </Badge>
                  )}
                  {required.length > 0 && done === required.length && (
                    <Badge color="green" variant="light" c="green.9">
                      Up to date
                    </Badge>
                  )}
                </Group>
              </Group>
              <Section title="Courses" empty="No mandatory, assigned or enrolled course." count={r.courses.length}>
                <Table fz="sm" data-testid="employee-courses">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Course</Table.Th>
                      <Table.Th>Required</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th w={140}>Progress</Table.Th>
                      <Table.Th>Due</Table.Th>
                      <Table.Th>Completed</Table.Th>
                      <Table.Th>Best score</Table.Th>
                      <Table.Th>Certificate</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {r.courses.map((c) => {
                      const cert = c.certificates.find((x) => !x.revoked) ?? c.certificates[0];
                      return (
                        <Table.Tr key={c.courseId}>
                          <Table.Td>
                            <Anchor component={Link} to={`/app/lms-course/${c.courseId}`} fz="sm">
                              {c.title}
                            </Anchor>
                          </Table.Td>
                          <Table.Td>{c.mandatory ? 'Mandatory' : c.assigned ? 'Assigned' : '—'}</Table.Td>
                          <Table.Td>
                            {c.enrollmentId ? (
                              <Anchor component={Link} to={`/app/lms-enrollment/${c.enrollmentId}`} fz="sm">
                                {STATUS[c.status]}
                              </Anchor>
                            ) : (
                              STATUS[c.status]
                            )}
                          </Table.Td>
                          <Table.Td>
                            <Group gap={6} wrap="nowrap">
                              <Progress value={c.progress} w={70} color={c.status === 'completed' ? 'green' : 'blue'} aria-label={`${c.title} progress`} />
                              <Text size="xs">{c.progress}%</Text>
                            </Group>
                          </Table.Td>
                          <Table.Td>
                            {c.overdue && c.status !== 'completed' ? (
                              <Text span size="sm" c="red.9" fw={600}>
                                {readableValue(c.dueDate)} (overdue)
                              </Text>
                            ) : (
                              readableValue(c.dueDate)
                            )}
                          </Table.Td>
                          <Table.Td>{readableValue(c.completedAt)}</Table.Td>
                          <Table.Td>{c.bestPercentage === null ? '—' : `${c.bestPercentage}%`}</Table.Td>
                          <Table.Td>
                            {cert ? (
                              <Anchor component={Link} to={`/app/lms-certificate/${cert.id}`} fz="sm">
                                {cert.revoked ? 'Revoked' : cert.expiryDate ? `Valid until ${readableValue(cert.expiryDate)}` : 'Valid'}
                              </Anchor>
                            ) : (
                              '—'
                            )}
                          </Table.Td>
                        </Table.Tr>
                      );
                    })}
                  </Table.Tbody>
                </Table>
              </Section>
              <Section title="Documents" empty="No filed document." count={r.documents.length}>
                <Table fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Document</Table.Th>
                      <Table.Th>Issued</Table.Th>
                      <Table.Th>Expires</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {r.documents.map((d) => (
                      <Table.Tr key={d.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/app/employee-document/${d.id}`} fz="sm">
                            {d.title}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{readableValue(d.issueDate)}</Table.Td>
                        <Table.Td>
                          <ExpiryCell date={d.expiryDate} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Section>
              <Section title="Compliance" empty="No compliance row." count={r.compliance.length}>
                <Table fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Compliance</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Completed</Table.Th>
                      <Table.Th>Renewal</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {r.compliance.map((c) => (
                      <Table.Tr key={c.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/app/employee-compliance/${c.id}`} fz="sm">
                            {c.complianceTypeName}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{COMPLIANCE_STATUS_WORDS[c.status]}</Table.Td>
                        <Table.Td>{readableValue(c.completedOn)}</Table.Td>
                        <Table.Td>{readableValue(c.renewalDate)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Section>
            </Stack>
          );
        }}
      </QueryState>
    </Paper>
  );
}
