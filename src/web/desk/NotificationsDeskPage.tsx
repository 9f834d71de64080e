import { useEffect, useState } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { api, errorMessage, ApiError } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, QueryState } from '../ui/states.tsx';
import { readableValue } from './format.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { wordsOf } from './words.ts';
import { jobLabel, outcomeInWords, scheduleInWords } from '../../contract/job-words.ts';

interface OutboxItem {
  id: string;
  to: string;
  subject: string;
  event: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  sentAt: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
}
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
interface Template {
  event: string;
  subject: string;
  body: string;
  placeholders: string[];
  customised: boolean;
  updatedAt: string | null;
}

const EVENT_LABELS: Record<string, string> = {
  enrolled: 'Enrolled in a course',
  'assignment.created': 'Training assigned',
  'assignment.due-date-moved': 'Due date moved',
  'assignment.due-soon': 'Training due soon',
  'assignment.overdue': 'Training overdue',
  'assignment.escalated': 'Overdue training, to the manager or HR',
  'certificate.issued': 'Certificate issued',
  'certificate.expiring': 'Certificate expiring',
  'certificate.expired': 'Certificate expired',
  'submission.graded': 'Quiz answers graded',
  'assignment-submission.graded': 'Assignment submission graded',
  'evaluation.scheduled': 'Certificate evaluation scheduled',
  'document.expiring': 'HR document expiring',
  'live-class.starting': 'Live class starting',
  'payment.needs-attention': 'A payment needs attention (staff)',
  digest: 'Daily digest',
  'account.invitation': 'Invitation to set a password',
  'account.password-reset': 'Password reset link',
};
/** Alert titles in the text colour (the coloured default is too faint on the light background). */
const ALERT_STYLES = { title: { color: 'var(--mantine-color-gray-9)' } } as const;
const STATUS_COLOR = { pending: 'yellow', sent: 'green', failed: 'red' } as const;

function duration(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function Outbox() {
  const [status, setStatus] = useState<string | null>(null);
  // Newest first, 50 at a time.
  const pages = useInfiniteQuery({
    queryKey: ['mail-outbox', status],
    initialPageParam: '',
    queryFn: ({ pageParam, signal }) => {
      const params = new URLSearchParams({ limit: '50' });
      if (status) params.set('status', status);
      if (pageParam) params.set('cursor', pageParam);
      return api.get<{ items: OutboxItem[]; nextCursor: string | null; smtpConfigured: boolean }>(`/api/mail-outbox?${params.toString()}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const list = {
    isPending: pages.isPending,
    isError: pages.isError,
    error: pages.error,
    refetch: pages.refetch,
    data: pages.data && { items: pages.data.pages.flatMap((p) => p.items), smtpConfigured: pages.data.pages[0]?.smtpConfigured ?? false },
  };
  return (
    <Stack gap="md">
      {list.data && !list.data.smtpConfigured && (
        <Alert color="yellow" title="SMTP is not configured" role="status" data-testid="smtp-banner" styles={ALERT_STYLES}>
          No mail leaves the server: messages wait here until a mail server is set (SMOOTH_SMTP_URL, or the SMTP server in{' '}
          <Anchor component={Link} to="/app/lms-settings" fz="inherit">
            LMS settings
          </Anchor>
          ).
        </Alert>
      )}
      <Select
        label="Status"
        placeholder="Any status"
        data={[
          { value: 'pending', label: 'Waiting to be sent' },
          { value: 'sent', label: 'Sent' },
          { value: 'failed', label: 'Failed' },
        ]}
        value={status}
        onChange={setStatus}
        clearable
        maw={260}
      />
      <QueryState query={list} loadingLabel="Loading the outbox…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No messages" description="Mail the system sends (enrollments, reminders, certificates) is listed here." />
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>To</Table.Th>
                    <Table.Th>Subject</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Tries</Table.Th>
                    <Table.Th>Sent / next try</Table.Th>
                    <Table.Th>Server answer</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((m) => (
                    <Table.Tr key={m.id}>
                      <Table.Td>{m.to}</Table.Td>
                      <Table.Td>{m.subject}</Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={STATUS_COLOR[m.status]} c="gray.9" tt="none" styles={{ label: { overflow: 'visible' } }}>
                          {m.status === 'pending' ? 'Waiting' : wordsOf(m.status)}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{m.attempts}</Table.Td>
                      <Table.Td>{sentOrNext(m, page.smtpConfigured)}</Table.Td>
                      <Table.Td>
                        <Text size="xs" c="gray.8" maw={320} lineClamp={3}>
                          {m.lastError ?? '—'}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Group gap="sm" mt="sm">
                <Text size="sm" c="gray.8" data-testid="outbox-count">
                  {page.items.length === 1 ? '1 message' : `${page.items.length.toLocaleString('en')} messages`}
                  {pages.hasNextPage ? ', newest first' : ''}
                </Text>
                {pages.hasNextPage && (
                  <Button variant="default" size="xs" onClick={() => void pages.fetchNextPage()} loading={pages.isFetchingNextPage}>
                    Show older messages
                  </Button>
                )}
              </Group>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Stack>
  );
}

/** When a message went, or when a waiting one goes: never a time already past. */
function sentOrNext(m: OutboxItem, smtpConfigured: boolean): string {
  if (m.sentAt) return readableValue(m.sentAt);
  if (m.status !== 'pending') return '—';
  if (!smtpConfigured) return 'When SMTP is set up';
  return m.nextAttemptAt && m.nextAttemptAt > new Date().toISOString() ? readableValue(m.nextAttemptAt) : 'Within a minute';
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

/** The mail's HTML for the preview frame: its inline styles (for mail clients) are dropped, as this site's security policy refuses them. */
function withoutInlineStyles(html: string): string {
  return html.replace(/\sstyle="[^"]*"/g, '');
}

function fieldError(err: unknown, path: string): string | undefined {
  return err instanceof ApiError ? err.fieldError(path) : undefined;
}

function TemplateEditor({ template }: { template: Template }) {
  const qc = useQueryClient();
  const [subject, setSubject] = useState(template.subject);
  const [body, setBody] = useState(template.body);
  useEffect(() => {
    setSubject(template.subject);
    setBody(template.body);
  }, [template]);
  const preview = useMutation({
    mutationFn: () =>
      api.post<{ subject: string; text: string; html: string }>(`/api/notification-templates/${template.event}/preview`, { subject, body }),
  });
  const save = useMutation({
    mutationFn: () => api.put<Template>(`/api/notification-templates/${template.event}`, { subject, body }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['notification-templates'] });
      // A preview on show follows what was saved.
      if (preview.data) preview.mutate();
    },
  });
  // Errors next to the fields come from the last save or preview, whichever was asked last.
  const checked = save.submittedAt >= preview.submittedAt ? save.error : preview.error;
  const reset = useMutation({
    mutationFn: () => api.delete(`/api/notification-templates/${template.event}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['notification-templates'] }),
  });
  return (
    <Stack gap="md">
      <Text size="sm" c="gray.8">
        Placeholders: {template.placeholders.map((p) => `{{${p}}}`).join(', ')}. The body is Markdown; mail carries it as plain text and as
        HTML under the organisation&apos;s name.
      </Text>
      <TextInput
        label="Subject"
        value={subject}
        onChange={(e) => setSubject(e.currentTarget.value)}
        error={fieldError(checked, 'subject')}
        maxLength={300}
      />
      <Textarea
        label="Message (Markdown)"
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
        autosize
        minRows={6}
        error={fieldError(checked, 'body')}
      />
      {save.isError && !fieldError(save.error, 'subject') && !fieldError(save.error, 'body') && (
        <Alert color="red" role="alert">
          {errorMessage(save.error)}
        </Alert>
      )}
      {save.isSuccess && (
        <Text size="sm" c="gray.9" fw={600} role="status">
          Saved.
        </Text>
      )}
      <Group gap="sm">
        <Button onClick={() => save.mutate()} loading={save.isPending}>
          Save template
        </Button>
        <Button variant="default" onClick={() => preview.mutate()} loading={preview.isPending}>
          Preview with sample data
        </Button>
        {template.customised && (
          <Button variant="subtle" color="red" onClick={() => reset.mutate()} loading={reset.isPending}>
            Put the default back
          </Button>
        )}
      </Group>
      {preview.isError && !fieldError(preview.error, 'subject') && !fieldError(preview.error, 'body') && (
        <Alert color="red" role="alert">
          {errorMessage(preview.error)}
        </Alert>
      )}
      {preview.data && (
        <Paper withBorder radius="md" p="md" data-testid="template-preview" aria-label="Preview">
          <Title order={3} fz="md" mb="xs">
            {preview.data.subject}
          </Title>
          <iframe
            title="Preview of the HTML mail"
            srcDoc={withoutInlineStyles(preview.data.html)}
            sandbox=""
            style={{ width: '100%', minHeight: 260, border: 0 }}
          />
        </Paper>
      )}
    </Stack>
  );
}

function Templates() {
  const templates = useQuery({
    queryKey: ['notification-templates'],
    queryFn: ({ signal }) => api.get<{ items: Template[] }>('/api/notification-templates', { signal }).then((r) => r.items),
  });
  const [event, setEvent] = useState<string>('enrolled');
  return (
    <QueryState query={templates} loadingLabel="Loading the templates…">
      {(items) => {
        const t = items.find((x) => x.event === event) ?? items[0];
        return (
          <Stack gap="md">
            <Select
              label="Event"
              data={items.map((x) => ({ value: x.event, label: `${EVENT_LABELS[x.event] ?? x.event}${x.customised ? ' (edited)' : ''}` }))}
              value={event}
              onChange={(v) => v && setEvent(v)}
              allowDeselect={false}
              maw={420}
            />
            {t && <TemplateEditor key={t.event} template={t} />}
          </Stack>
        );
      }}
    </QueryState>
  );
}

/** Notifications for System Managers: the mail outbox, the scheduled jobs and the message templates. */
export default function NotificationsDeskPage() {
  // The tab is in the address (?tab=jobs), so a reload or a shared link opens it again.
  const [params, setParams] = useSearchParams();
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
          <Tabs.Tab value="templates">Templates</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="outbox">
          <Outbox />
        </Tabs.Panel>
        <Tabs.Panel value="jobs">
          <Jobs />
        </Tabs.Panel>
        <Tabs.Panel value="templates">
          <Templates />
        </Tabs.Panel>
      </Tabs>
    </Page>
  );
}
