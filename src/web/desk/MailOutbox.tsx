/** The mail outbox for System Managers: every message by recipient and state, each one openable to read as it goes out. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, Group, Modal, Select, Stack, Table, Text } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { api } from '../ui/api.ts';
import { Empty, QueryState } from '../ui/states.tsx';
import { readableValue } from './format.ts';
import { wordsOf } from './words.ts';
import { MailParts } from './mail-parts.tsx';
import { notificationEventInWords, type OutboxItem, type OutboxMessage } from '../../contract/notifications.ts';

/** Alert titles in the text colour (the coloured default is too faint on the light background). */
const ALERT_STYLES = { title: { color: 'var(--mantine-color-gray-9)' } } as const;
const STATUS_COLOR = { pending: 'yellow', sent: 'green', failed: 'red' } as const;
const STATUSES = [
  { value: 'pending', label: 'Waiting to be sent' },
  { value: 'sent', label: 'Sent' },
  { value: 'failed', label: 'Failed' },
];

/** When a message went, or when a waiting one goes: never a time already past. */
function sentOrNext(m: OutboxItem, smtpConfigured: boolean): string {
  if (m.sentAt) return readableValue(m.sentAt);
  if (m.status !== 'pending') return '—';
  if (!smtpConfigured) return 'When SMTP is set up';
  return m.nextAttemptAt && m.nextAttemptAt > new Date().toISOString() ? readableValue(m.nextAttemptAt) : 'Within a minute';
}

function StatusBadge({ status }: { status: OutboxItem['status'] }) {
  return (
    <Badge variant="light" color={STATUS_COLOR[status]} c="gray.9" tt="none" styles={{ label: { overflow: 'visible' } }}>
      {status === 'pending' ? 'Waiting' : wordsOf(status)}
    </Badge>
  );
}

/** The recipient: their name over the address, or the address alone (a message not written for a user). */
function Recipient({ m }: { m: OutboxItem }) {
  if (!m.toName) return <>{m.to}</>;
  return (
    <>
      <Text size="sm">{m.toName}</Text>
      <Text size="xs" c="gray.7">
        {m.to}
      </Text>
    </>
  );
}

function MessageModal({ id, smtpConfigured, onClose }: { id: string; smtpConfigured: boolean; onClose: () => void }) {
  const message = useQuery({
    queryKey: ['mail-outbox', 'message', id],
    queryFn: ({ signal }) => api.get<OutboxMessage>(`/api/mail-outbox/${encodeURIComponent(id)}`, { signal }),
  });
  return (
    <Modal opened onClose={onClose} title={message.data?.subject ?? 'Message'} size="xl" closeButtonProps={{ 'aria-label': 'Close' }}>
      <QueryState query={message} loadingLabel="Loading the message…">
        {(m) => (
          <Stack gap="md" data-testid="outbox-message">
            <Table variant="vertical" withTableBorder layout="fixed">
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th w={160}>To</Table.Th>
                  <Table.Td>{m.toName ? `${m.toName} <${m.to}>` : m.to}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>About</Table.Th>
                  <Table.Td>{notificationEventInWords(m.event)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>Written</Table.Th>
                  <Table.Td>{readableValue(m.createdAt)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>Status</Table.Th>
                  <Table.Td>
                    <StatusBadge status={m.status} /> {m.sentAt ? `Sent ${readableValue(m.sentAt)}` : sentOrNext(m, smtpConfigured)}
                    {m.attempts > 0 && ` · ${m.attempts === 1 ? '1 try' : `${m.attempts} tries`}`}
                  </Table.Td>
                </Table.Tr>
                {m.lastError && (
                  <Table.Tr>
                    <Table.Th>Server answer</Table.Th>
                    <Table.Td>{m.lastError}</Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            </Table>
            {m.text.includes('set-password?token=') && (
              <Text size="sm" c="gray.8">
                The link to choose a password is not shown here: only the person it was sent to has it.
              </Text>
            )}
            <MailParts subject={m.subject} html={m.html} text={m.text} label="The message" />
          </Stack>
        )}
      </QueryState>
    </Modal>
  );
}

export function MailOutbox() {
  // The status filter and the open message are in the address: a reload or a shared link shows them again.
  const [params, setParams] = useSearchParams();
  const status = STATUSES.some((s) => s.value === params.get('status')) ? params.get('status') : null;
  const open = params.get('message');
  const change = (key: 'status' | 'message', value: string | null) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: key === 'status' },
    );
  // Newest first, 50 at a time.
  const pages = useInfiniteQuery({
    queryKey: ['mail-outbox', status],
    initialPageParam: '',
    queryFn: ({ pageParam, signal }) => {
      const q = new URLSearchParams({ limit: '50' });
      if (status) q.set('status', status);
      if (pageParam) q.set('cursor', pageParam);
      return api.get<{ items: OutboxItem[]; nextCursor: string | null; smtpConfigured: boolean }>(`/api/mail-outbox?${q.toString()}`, { signal });
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
      {open && <MessageModal id={open} smtpConfigured={list.data?.smtpConfigured ?? true} onClose={() => change('message', null)} />}
      <Select label="Status" placeholder="Any status" data={STATUSES} value={status} onChange={(v) => change('status', v)} clearable maw={260} />
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
                      <Table.Td>
                        <Recipient m={m} />
                      </Table.Td>
                      <Table.Td>
                        {/* Opens the message to read, as it goes out. */}
                        <Anchor component="button" type="button" onClick={() => change('message', m.id)} fz="sm" ta="left">
                          {m.subject}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge status={m.status} />
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
