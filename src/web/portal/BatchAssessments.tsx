import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { Assessment } from '../../contract/assignments.ts';
import { api } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';

const MY_STATUS: Record<NonNullable<Assessment['myStatus']>, { label: string; color: string }> = {
  open: { label: 'To do', color: 'gray.8' },
  submitted: { label: 'Waiting for a grade', color: 'blue.9' },
  failed: { label: 'Not passed yet', color: 'red.9' },
  passed: { label: 'Passed', color: 'teal.9' },
};

/** The batch's assessments by due date: members see their own state, staff how many passed. */
export function BatchAssessments({ batchId }: { batchId: string }) {
  const q = useQuery({
    queryKey: ['batches', batchId, 'assessments'],
    queryFn: ({ signal }) => api.get<{ items: Assessment[] }>(`/api/batches/${encodeURIComponent(batchId)}/assessments`, { signal }).then((r) => r.items),
    retry: false,
  });
  if (!q.data || q.data.length === 0) return null;
  return (
    <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="batch-assessments">
      <Title order={2} fz="lg" id="batch-assessments" mb="sm">
        Assessments
      </Title>
      <Stack gap={6}>
        {q.data.map((a) => {
          const mine = a.myStatus ? MY_STATUS[a.myStatus] : null;
          return (
            <Group key={a.id} gap="sm" wrap="nowrap" data-testid="batch-assessment">
              {a.kind === 'assignment' && a.assignmentId ? (
                <Anchor component={Link} to={`/lms/assignments/${a.assignmentId}`} size="sm" style={{ flex: 1 }}>
                  {a.title}
                </Anchor>
              ) : (
                <Text size="sm" style={{ flex: 1 }}>
                  {a.title} (quiz)
                </Text>
              )}
              <Text size="sm" c="gray.7">
                due {readableDay(a.dueDate)}
              </Text>
              {mine ? (
                <Badge color={mine.color} variant="outline">
                  {mine.label}
                </Badge>
              ) : (
                <Text size="sm">
                  {a.passed} of {a.members} passed
                </Text>
              )}
            </Group>
          );
        })}
      </Stack>
    </Paper>
  );
}
