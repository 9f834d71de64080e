/** The batch form's assessments panel: the quizzes and assignments the batch is assessed on, with due dates. */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { Assessment } from '../../../contract/assignments.ts';
import { api, ApiError, errorMessage } from '../../ui/api.ts';
import type { Row } from '../meta.ts';
import { readableDay } from '../../ui/dates.ts';

export function AssessmentsPanel({ row }: { row: Row }) {
  const id = String(row.id);
  const client = useQueryClient();
  const [kind, setKind] = useState<'assignment' | 'quiz'>('assignment');
  const [target, setTarget] = useState<string | null>(null);
  const [dueDate, setDueDate] = useState('');
  const list = useQuery({
    queryKey: ['desk-batch-assessments', id],
    queryFn: ({ signal }) => api.get<{ items: Assessment[] }>(`/api/batches/${encodeURIComponent(id)}/assessments`, { signal }).then((r) => r.items),
  });
  const options = useQuery({
    queryKey: ['desk-assessment-options', kind],
    queryFn: ({ signal }) =>
      api.get<{ items: { id: string; title: string }[] }>(kind === 'quiz' ? '/api/quizzes?limit=200' : '/api/assignments?limit=200', { signal }).then((r) => r.items),
  });
  const create = useMutation({
    mutationFn: () =>
      api.post(`/api/batches/${encodeURIComponent(id)}/assessments`, { kind, dueDate, ...(kind === 'quiz' ? { quizId: target ?? undefined } : { assignmentId: target ?? undefined }) }),
    onSuccess: () => {
      setTarget(null);
      setDueDate('');
      void client.invalidateQueries({ queryKey: ['desk-batch-assessments', id] });
    },
  });
  const err = create.error instanceof ApiError ? create.error : null;
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="batch-assessments-title">
      <Title order={2} fz="lg" id="batch-assessments-title" mb="sm">
        Assessments
      </Title>
      {list.data && list.data.length > 0 ? (
        <Table mb="md" aria-label="Assessments of the batch">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Assessment</Table.Th>
              <Table.Th>Due</Table.Th>
              <Table.Th>Passed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>
                  {a.title} · {a.kind === 'quiz' ? 'Quiz' : 'Assignment'}
                </Table.Td>
                <Table.Td>{readableDay(a.dueDate)}</Table.Td>
                <Table.Td>
                  {a.passed} of {a.members}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" mb="sm">
          No assessments yet.
        </Text>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack gap="xs">
          <Group grow align="flex-start">
            <Select
              label="Kind"
              data={[
                { value: 'assignment', label: 'Assignment' },
                { value: 'quiz', label: 'Quiz (best attempt counts)' },
              ]}
              value={kind}
              onChange={(v) => {
                setKind(v === 'quiz' ? 'quiz' : 'assignment');
                setTarget(null);
              }}
              allowDeselect={false}
            />
            <Select
              label={kind === 'quiz' ? 'Quiz' : 'Assignment'}
              data={(options.data ?? []).map((o) => ({ value: o.id, label: o.title }))}
              value={target}
              onChange={setTarget}
              searchable
              error={err?.fieldError(kind === 'quiz' ? 'quizId' : 'assignmentId')}
            />
            <TextInput label="Due date" type="date" value={dueDate} onChange={(e) => setDueDate(e.currentTarget.value)} error={err?.fieldError('dueDate')} />
          </Group>
          {create.isError && !err?.fieldErrors.length && <Alert color="red">{errorMessage(create.error)}</Alert>}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Add assessment
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

/** The group request: every member of the batch without a valid certificate for the course is asked to book an evaluation. */
export function GroupRequestPanel({ row }: { row: Row }) {
  const id = String(row.id);
  const courses = Array.isArray(row.courses) ? (row.courses as { id: string; title: string }[]) : [];
  const [courseId, setCourseId] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: () => api.post<{ items: unknown[] }>(`/api/batches/${encodeURIComponent(id)}/certificate-requests`, { courseId: courseId ?? undefined }),
  });
  const err = send.error instanceof ApiError ? send.error : null;
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="batch-evaluations-title">
      <Title order={2} fz="lg" id="batch-evaluations-title" mb="sm">
        Certificate evaluations
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate();
        }}
      >
        <Stack gap="xs">
          <Select
            label="Course"
            description="Each member without a valid certificate for it gets a request to book an evaluation slot."
            data={courses.map((c) => ({ value: c.id, label: c.title }))}
            value={courseId}
            onChange={setCourseId}
            error={err?.fieldError('courseId')}
          />
          {send.isError && !err?.fieldErrors.length && <Alert color="red">{errorMessage(send.error)}</Alert>}
          {send.isSuccess && (
            <Text size="sm" role="status">
              {send.data.items.length === 0 ? 'Every member already has a certificate or an open request.' : `${send.data.items.length} members were asked to book an evaluation.`}
            </Text>
          )}
          <Group>
            <Button type="submit" loading={send.isPending}>
              Send the group request
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
