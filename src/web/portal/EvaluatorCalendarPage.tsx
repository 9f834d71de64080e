import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, Group, Paper, Radio, Stack, Text, Textarea } from '@mantine/core';
import type { CertificateRequest } from '../../contract/assignments.ts';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { hasAnyRole, type Me } from '../ui/session.ts';
import { AvailabilityEditor } from './AvailabilityEditor.tsx';
import { Page } from '../ui/Page.tsx';
import { Empty, QueryState } from '../ui/states.tsx';
import { evaluationTime, REQUEST_STATUS } from './EvaluationsPage.tsx';
import { useNow } from './LiveClassCard.tsx';
import { ALERT_STYLES } from './PortalParts.tsx';
import type { Page as ListPage } from './portal-api.ts';

/** The evaluator's calendar: their booked evaluations by start, each with the result form. */
export default function EvaluatorCalendarPage({ me }: { me: Me }) {
  // The result form opens when an evaluation starts.
  const now = useNow();
  const requests = useQuery({
    queryKey: ['certificate-requests', 'evaluator', me.id],
    queryFn: ({ signal }) =>
      api
        .get<ListPage<CertificateRequest>>(`/api/certificate-requests?evaluatorId=${me.id}&limit=200`, { signal })
        .then((r) => r.items.filter((x) => x.startsAt).sort((a, b) => a.startsAt!.localeCompare(b.startsAt!))),
  });
  return (
    <Page title="Evaluation calendar" description="Your booked certificate evaluations; record the result after each one.">
      {hasAnyRole(me, ['System Manager', 'Moderator', 'Batch Evaluator']) && <AvailabilityEditor userId={me.id} />}
      <QueryState query={requests} loadingLabel="Loading your evaluations…">
        {(items) =>
          items.length === 0 ? (
            <Paper withBorder radius="lg" p="xl">
              <Empty title="No evaluations booked" description="When learners book your free slots, they appear here." />
            </Paper>
          ) : (
            <Stack gap="sm">
              {items.map((r) => (
                <EvaluationCard key={r.id} r={r} now={now} />
              ))}
            </Stack>
          )
        }
      </QueryState>
    </Page>
  );
}

function EvaluationCard({ r, now }: { r: CertificateRequest; now: number }) {
  const client = useQueryClient();
  const [result, setResult] = useState('');
  const [summary, setSummary] = useState('');
  const save = useMutation({
    mutationFn: () => api.post(`/api/certificate-requests/${r.id}/result`, { result: result || undefined, ...(summary.trim() ? { summary } : {}) }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['certificate-requests'] }),
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const status = REQUEST_STATUS[r.status];
  const started = r.startsAt !== null && Date.parse(r.startsAt) <= now;
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap={6}>
        <Group justify="space-between">
          <Text fw={600}>
            {evaluationTime(r.startsAt)} · {r.memberName}
          </Text>
          <Badge color={status.color} variant="outline">
            {r.status === 'scheduled' ? 'Booked' : status.label}
          </Badge>
        </Group>
        <Text size="sm">{r.courseTitle}</Text>
        {r.meetingUrl && r.status === 'scheduled' && (
          <Anchor href={r.meetingUrl} target="_blank" rel="noopener noreferrer" size="sm">
            Meeting link
          </Anchor>
        )}
        {r.status === 'scheduled' && !started && (
          <Text size="sm" c="gray.7">
            You can record the result once the evaluation has started.
          </Text>
        )}
        {r.status === 'scheduled' && started && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <Stack gap="xs">
              <Radio.Group label="Result" value={result} onChange={setResult} error={err?.fieldError('result')} required>
                <Group mt={4}>
                  <Radio value="pass" label="Pass (issues the certificate)" />
                  <Radio value="fail" label="Fail" />
                </Group>
              </Radio.Group>
              <Textarea label="Summary" value={summary} onChange={(e) => setSummary(e.currentTarget.value)} error={err?.fieldError('summary')} />
              {save.isError && !err?.fieldErrors.length && (
                <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="The result was not saved">
                  {errorMessage(save.error)}
                </Alert>
              )}
              <Group>
                <Button type="submit" loading={save.isPending}>
                  Save the result
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {r.summary && <Text size="sm">Summary: {r.summary}</Text>}
      </Stack>
    </Paper>
  );
}
