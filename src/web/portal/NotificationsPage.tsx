import { Link } from 'react-router';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Anchor, Badge, Button, Group, Paper, Stack, Text, Title, VisuallyHidden } from '@mantine/core';
import { api } from '../ui/api.ts';
import { readableDateTime } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, ErrorState, PageLoader } from '../ui/states.tsx';
import { IconBell } from '../ui/icons.tsx';
import { linkLabel, notificationKeys, plainText, type Notification } from './notifications-api.ts';

/** A link inside the site opens in the app; a file (the certificate PDF) opens as a page. */
/** Following it reads it: `onOpen` marks it read. */
function OpenLink({ n, onOpen }: { n: Notification; onOpen: () => void }) {
  if (!n.link) return null;
  const label = linkLabel(n.body);
  return n.link.startsWith('/api/') ? (
    <Anchor href={n.link} size="sm" onClick={onOpen}>
      {label}
    </Anchor>
  ) : (
    <Anchor component={Link} to={n.link} size="sm" onClick={onOpen}>
      {label}
    </Anchor>
  );
}

/** Notifications: newest first, unread marked, each can be marked read. */
export default function NotificationsPage() {
  const qc = useQueryClient();
  const list = useInfiniteQuery({
    queryKey: notificationKeys.list,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<{ items: Notification[]; nextCursor: string | null }>(
        `/api/me/notifications?limit=30${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
        { signal },
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const read = useMutation({
    mutationFn: (id: string) => api.post(`/api/me/notifications/${encodeURIComponent(id)}/read`),
    onSuccess: () =>
      Promise.all([qc.invalidateQueries({ queryKey: notificationKeys.list }), qc.invalidateQueries({ queryKey: notificationKeys.unread })]),
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  // Up to the newest one shown: one that arrives meanwhile stays new.
  const readAll = useMutation({
    mutationFn: (upTo: string) => api.post<{ marked: number }>('/api/me/notifications/read-all', { upTo }),
    onSuccess: () =>
      Promise.all([qc.invalidateQueries({ queryKey: notificationKeys.list }), qc.invalidateQueries({ queryKey: notificationKeys.unread })]),
  });
  const anyUnread = items.some((n) => !n.readAt);
  return (
    <Page
      title="Notifications"
      description="Enrollments, assignments and their due dates, certificates."
      actions={
        <Group gap="sm">
          {anyUnread && (
            <Button variant="default" onClick={() => readAll.mutate(items[0]!.id)} loading={readAll.isPending}>
              Mark all as read
            </Button>
          )}
          <Button component={Link} to="/lms/notifications/preferences" variant="default">
            Email preferences
          </Button>
        </Group>
      }
    >
      {list.isPending ? (
        <PageLoader label="Loading your notifications…" />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
          <Empty
            title="No notifications yet"
            description="When you are enrolled, assigned training or earn a certificate, it shows here."
            icon={<IconBell size={28} />}
          />
        </Paper>
      ) : (
        <Stack gap="sm" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {items.map((n) => (
            <li key={n.id}>
              <Paper withBorder radius="md" p="md" data-testid="notification" aria-labelledby={`n-${n.id}`} component="article">
                {/* On a narrow screen the button goes under the text instead of being squeezed. */}
                <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
                  <Stack gap={4} style={{ flex: '1 1 16rem', minWidth: 0 }}>
                    <Group gap="xs">
                      <Title order={2} fz="md" id={`n-${n.id}`}>
                        {n.title}
                      </Title>
                      {!n.readAt && (
                        <Badge variant="light" color="blue" c="blue.9">
                          New
                        </Badge>
                      )}
                    </Group>
                    <Text size="sm" c="gray.7">
                      {readableDateTime(n.createdAt)}
                    </Text>
                    <Text size="sm" style={{ whiteSpace: 'pre-line' }}>
                      {plainText(n.body)}
                    </Text>
                    <OpenLink n={n} onOpen={() => !n.readAt && read.mutate(n.id)} />
                  </Stack>
                  {!n.readAt && (
                    <Button
                      variant="default"
                      size="compact-sm"
                      style={{ flexShrink: 0 }}
                      onClick={() => read.mutate(n.id)}
                      loading={read.isPending && read.variables === n.id}
                    >
                      Mark as read<VisuallyHidden>: {n.title}</VisuallyHidden>
                    </Button>
                  )}
                </Group>
              </Paper>
            </li>
          ))}
        </Stack>
      )}
      {list.hasNextPage && (
        <Button variant="default" mt="md" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Show older notifications
        </Button>
      )}
    </Page>
  );
}
