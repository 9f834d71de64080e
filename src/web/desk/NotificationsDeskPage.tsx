/** Notifications and jobs for System Managers: the mail outbox, the scheduled jobs and the message templates. */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Badge, Button, Stack, Table, Tabs, Text, VisuallyHidden } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { api, errorMessage } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { QueryState } from '../ui/states.tsx';
import { readableValue } from './format.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { wordsOf } from './words.ts';
import { MailOutbox } from './MailOutbox.tsx';
import { NotificationTemplates, useUnsavedTemplates, type Drafts } from './NotificationTemplates.tsx';
import { jobLabel, outcomeInWords, scheduleInWords } from '../../contract/job-words.ts';

interface Job {
  name: string;
  schedule: string;
  lastRun: {
    startedAt: string;
    finishedAt: string | null;
    durationMs: number | null;
    status: 'running' | 'done' | 'failed';
    outcome: string | null;
  } | null;
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function Jobs() {
  const qc = useQueryClient();
  const jobs = useQuery({
    queryKey: ['jobs'],
    queryFn: ({ signal }) => api.get<{ items: Job[] }>('/api/jobs', { signal }).then((r) => r.items),
  });
  const run = useMutation({
    mutationFn: (name: string) =>
      api.post<{ status: string; outcome: string | null; durationMs: number }>(`/api/jobs/${encodeURIComponent(name)}/run`),
    onSettled: () => qc.invalidateQueries({ queryKey: ['jobs'] }),
  });
  // A job does at once what its schedule would (reminders and alerts reach people): asked first.
  const [asking, setAsking] = useState<Job | null>(null);
  return (
    <Stack gap="md">
      <ConfirmDialog
        opened={asking !== null}
        onClose={() => setAsking(null)}
        title={asking ? `Run “${jobLabel(asking.name)}” now?` : ''}
        confirmLabel="Run now"
        onConfirm={() => {
          if (asking) run.mutate(asking.name);
          setAsking(null);
        }}
      >
        It does now what its scheduled run ({asking ? scheduleInWords(asking.schedule).toLowerCase() : ''}, UTC) does: anything it tells people reaches
        them in the app and by mail.
      </ConfirmDialog>
      {run.isError && (
        <Alert color="red" role="alert">
          {errorMessage(run.error)}
        </Alert>
      )}
      {run.data && (
        <Alert color={run.data.status === 'done' ? 'green' : 'red'} role="status">
          {jobLabel(run.variables)} {run.data.status === 'done' ? 'finished' : wordsOf(run.data.status).toLowerCase()} in {duration(run.data.durationMs)}
          {run.data.outcome && outcomeInWords(run.data.outcome) ? `: ${outcomeInWords(run.data.outcome)}` : '.'}
        </Alert>
      )}
      <QueryState query={jobs} loadingLabel="Loading the jobs…">
        {(items) => (
          <Table.ScrollContainer minWidth={760}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Job</Table.Th>
                  <Table.Th>Schedule (UTC)</Table.Th>
                  <Table.Th>Last run</Table.Th>
                  <Table.Th>Duration</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((j) => (
                  <Table.Tr key={j.name}>
                    <Table.Td>
                      {jobLabel(j.name)}
                      {/* The name operators use in SMOOTH_JOB_SCHEDULES and on the command line. */}
                      <Text size="xs" c="gray.7">
                        From a shell: <code>smooth jobs run {j.name}</code>
                      </Text>
                    </Table.Td>
                    <Table.Td title={j.schedule}>{scheduleInWords(j.schedule)}</Table.Td>
                    <Table.Td>{j.lastRun ? readableValue(j.lastRun.startedAt) : 'Never'}</Table.Td>
                    <Table.Td>{duration(j.lastRun?.durationMs ?? null)}</Table.Td>
                    <Table.Td>
                      {j.lastRun && (
                        <Badge
                          variant="light"
                          color={j.lastRun.status === 'failed' ? 'red' : j.lastRun.status === 'done' ? 'green' : 'yellow'}
                          c="gray.9"
                          tt="none"
                          mr={6}
                        >
                          {wordsOf(j.lastRun.status)}
                        </Badge>
                      )}
                      <Text span size="xs" c="gray.8">
                        {outcomeInWords(j.lastRun?.outcome ?? null)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Button
                        size="compact-sm"
                        variant="default"
                        onClick={() => setAsking(j)}
                        loading={run.isPending && run.variables === j.name}
                      >
                        Run now<VisuallyHidden>: {jobLabel(j.name)}</VisuallyHidden>
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
    </Stack>
  );
}

/** Notifications for System Managers: the mail outbox, the scheduled jobs and the message templates. */
export default function NotificationsDeskPage() {
  // The tab is in the address (?tab=jobs), so a reload or a shared link opens it again.
  const [params, setParams] = useSearchParams();
  // Words typed in the templates and not saved: kept while other tabs are open.
  const [drafts, setDrafts] = useState<Drafts>({});
  const unsaved = useUnsavedTemplates(drafts);
  const tab = ['jobs', 'templates'].includes(params.get('tab') ?? '') ? params.get('tab')! : 'outbox';
  return (
    <Page
      title="Notifications and jobs"
      description="Mail the system sends, the jobs that send reminders, and the words they use."
      size="xl"
    >
      <Tabs value={tab} onChange={(v) => setParams(v && v !== 'outbox' ? { tab: v } : {}, { replace: true })} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="outbox">Mail outbox</Tabs.Tab>
          <Tabs.Tab value="jobs">Jobs</Tabs.Tab>
          <Tabs.Tab value="templates">Templates{unsaved ? ' (not saved)' : ''}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="outbox">
          <MailOutbox />
        </Tabs.Panel>
        <Tabs.Panel value="jobs">
          <Jobs />
        </Tabs.Panel>
        <Tabs.Panel value="templates">
          <NotificationTemplates drafts={drafts} setDrafts={setDrafts} />
        </Tabs.Panel>
      </Tabs>
    </Page>
  );
}
