/** The overrides panel of a quiz's desk form: one learner gets extra attempts or a later close. */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Group, NumberInput, Paper, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import type { QuizOverride } from '../../contract/quizzes.ts';
import { readableValue } from './format.ts';
import { LinkPicker } from './LinkPicker.tsx';
import { notify } from './notify.ts';
import type { LinkRef } from './meta.ts';

function learnerLink(courseId: string | null): LinkRef {
  return {
    url: '/api/enrollments',
    label: (r) => String(r.memberName),
    valueKey: 'memberId',
    ...(courseId ? { params: { courseId } } : {}),
  };
}

export function QuizOverrides({ quizId, courseId }: { quizId: string; courseId: string | null }) {
  const key = ['quiz-overrides', quizId];
  const qc = useQueryClient();
  const list = useQuery({ queryKey: key, queryFn: ({ signal }) => api.get<{ items: QuizOverride[] }>(`/api/quizzes/${quizId}/overrides`, { signal }) });
  const [memberId, setMemberId] = useState<string | null>(null);
  const [extra, setExtra] = useState<number | string>(1);
  const [closesAt, setClosesAt] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const url = (m: string) => `/api/quizzes/${quizId}/overrides/${encodeURIComponent(m)}`;

  async function save(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!memberId) problems.memberId = 'Choose the learner.';
    const n = typeof extra === 'number' ? extra : Number(extra);
    if (!Number.isInteger(n) || n < 0 || n > 100) problems.extraAttempts = 'Extra attempts must be a whole number from 0 to 100.';
    const when = closesAt ? new Date(closesAt) : null;
    if (when && Number.isNaN(when.getTime())) problems.closesAt = 'Give a date and time.';
    setLocal(problems);
    setError(null);
    if (Object.keys(problems).length) return;
    setSaving(true);
    try {
      await api.put(url(memberId!), { extraAttempts: n, closesAt: when ? when.toISOString() : null });
      notify('Override saved.');
      setMemberId(null);
      setClosesAt('');
      await qc.invalidateQueries({ queryKey: key });
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else notify(errorMessage(err), 'red');
    } finally {
      setSaving(false);
    }
  }

  async function remove(m: string) {
    try {
      await api.delete(url(m));
      notify('Override removed.');
      await qc.invalidateQueries({ queryKey: key });
    } catch (err) {
      notify(errorMessage(err), 'red');
    }
  }

  const fieldError = (name: string) => local[name] ?? error?.fieldError(name);
  const items = list.data?.items ?? [];
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-label="Learner overrides">
      <Stack gap="md">
        <Title order={3} size="h4">
          Learner overrides
        </Title>
        <Text size="sm" c="gray.7">
          Give one learner more attempts than the quiz allows, or a later close time. Every change is recorded in the audit log.
        </Text>
        {items.length > 0 ? (
          <Table striped aria-label="Overrides">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Learner</Table.Th>
                <Table.Th>Extra attempts</Table.Th>
                <Table.Th>Closes for them</Table.Th>
                <Table.Th>Attempts used</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((o) => (
                <Table.Tr key={o.id}>
                  <Table.Td>{o.memberName}</Table.Td>
                  <Table.Td>{o.extraAttempts}</Table.Td>
                  <Table.Td>{o.closesAt ? readableValue(o.closesAt) : 'As the quiz'}</Table.Td>
                  <Table.Td>{o.attemptsUsed}</Table.Td>
                  <Table.Td>{o.outcome === 'completed_not_passed' ? 'Completed, not passed' : o.outcome === 'passed' ? 'Passed' : 'Attempts left'}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="default" onClick={() => void remove(o.memberId)} aria-label={`Remove the override of ${o.memberName}`}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : (
          <Text size="sm">{list.isLoading ? 'Loading…' : 'No learner has an override.'}</Text>
        )}
        {error && !error.fieldErrors.length && (
          <Alert color="red" variant="light" role="alert" title="Not saved">
            {error.detail}
          </Alert>
        )}
        <form onSubmit={(e) => void save(e)} noValidate aria-label="Set an override">
          <Group align="flex-start" grow>
            <LinkPicker link={learnerLink(courseId)} id="override-member" label="Learner" value={memberId} onChange={setMemberId} error={fieldError('memberId')} required />
            <NumberInput id="override-extra" label="Extra attempts" min={0} max={100} value={extra} onChange={setExtra} error={fieldError('extraAttempts')} />
            <TextInput
              id="override-closes"
              label="Closes for this learner (your time)"
              description="Empty: as the quiz."
              type="datetime-local"
              value={closesAt}
              onChange={(e) => setClosesAt(e.currentTarget.value)}
              error={fieldError('closesAt')}
            />
          </Group>
          <Button type="submit" mt="md" loading={saving}>
            Save override
          </Button>
        </form>
      </Stack>
    </Paper>
  );
}
