/**
 * An enrollment's recertification cycles on its desk page: each closed cycle with its dates,
 * lessons, quiz attempts and certificate, and the current one. Nothing shows for an enrollment in
 * its first cycle.
 */
import { useQuery } from '@tanstack/react-query';
import { Anchor, Badge, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { api } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';
import type { EnrollmentCycle } from '../../contract/notifications.ts';

function quizWords(c: EnrollmentCycle): string {
  if (c.attemptCount === 0) return '—';
  const tries = c.attemptCount === 1 ? '1 attempt' : `${c.attemptCount} attempts`;
  const scores = c.attempts.flatMap((a) => (a.percentage === null ? [] : [a.percentage]));
  // Attempts waiting for a reviewer have no score yet.
  const best = scores.length > 0 ? ` (best ${Math.max(...scores)}%)` : '';
  return `${tries}, ${c.attempts.some((a) => a.passed) ? 'passed' : 'not passed'}${best}`;
}

export function EnrollmentCycles({ enrollmentId }: { enrollmentId: string }) {
  const cycles = useQuery({
    queryKey: ['enrollment-cycles', enrollmentId],
    queryFn: ({ signal }) => api.get<{ items: EnrollmentCycle[] }>(`/api/enrollments/${encodeURIComponent(enrollmentId)}/cycles`, { signal }).then((r) => r.items),
  });
  const items = cycles.data ?? [];
  if (items.length < 2) return null;
  return (
    <Stack gap="xs" data-testid="enrollment-cycles">
      <Title order={2} fz="lg">
        Recertification cycles
      </Title>
      <Text size="sm" c="gray.8">
        The course is taken again before its certificate expires. Each earlier cycle keeps what was done in it.
      </Text>
      <Table.ScrollContainer minWidth={720}>
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Cycle</Table.Th>
              <Table.Th>From – to</Table.Th>
              <Table.Th>Completed</Table.Th>
              <Table.Th>Lessons done</Table.Th>
              <Table.Th>Quiz</Table.Th>
              <Table.Th>Certificate</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((c) => (
              <Table.Tr key={c.cycle}>
                <Table.Td>
                  {c.cycle}{' '}
                  {c.current && (
                    <Badge variant="light" c="gray.9" tt="none">
                      Current
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  {readableDay(c.startedAt)} – {c.closedAt ? readableDay(c.closedAt) : 'now'}
                </Table.Td>
                <Table.Td>{c.completedAt ? readableDay(c.completedAt) : 'Not yet'}</Table.Td>
                <Table.Td>{c.completions.length}</Table.Td>
                <Table.Td>{quizWords(c)}</Table.Td>
                <Table.Td>
                  {c.certificate ? (
                    <Anchor component={Link} to={`/app/lms-certificate/${encodeURIComponent(c.certificate.id)}`} size="sm">
                      Issued {readableDay(c.certificate.issueDate)}
                      {c.certificate.expiryDate ? `, expires ${readableDay(c.certificate.expiryDate)}` : ''}
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
    </Stack>
  );
}
