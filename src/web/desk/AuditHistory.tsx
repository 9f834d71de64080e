import { Badge, Button, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../ui/api.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { changesOf } from '../../contract/audit.ts';

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

function short(v: unknown): string {
  if (v === undefined) return '—';
  if (v === null) return 'empty';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

/** What changed between the before and after images of an audit entry. */
function ActorName({ id }: { id: string | null }) {
  const user = useQuery({
    queryKey: ['desk-user-name', id],
    queryFn: ({ signal }) => api.get<{ fullName: string }>(`/api/users/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: !!id,
    staleTime: 300_000,
    retry: false,
  });
  if (!id) return <>System</>;
  return <>{user.data?.fullName ?? id}</>;
}

/** Who changed what, when: the audit log of one record (or of one entity when no id is given). */
export function AuditHistory({ entity, entityId }: { entity: string; entityId?: string | undefined }) {
  const log = useInfiniteQuery({
    queryKey: ['desk-audit', entity, entityId ?? ''],
    initialPageParam: '',
    queryFn: ({ pageParam, signal }) => {
      const params = new URLSearchParams({ entity, limit: '20' });
      if (entityId) params.set('entityId', entityId);
      if (pageParam) params.set('cursor', pageParam);
      return api.get<AuditPage>(`/api/audit-log?${params.toString()}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="audit-history-title">
      <Title order={2} fz="lg" mb="sm" id="audit-history-title">
        History
      </Title>
      {log.isPending ? (
        <PageLoader label="Loading the history…" />
      ) : log.isError ? (
        <ErrorState error={log.error} onRetry={() => void log.refetch()} />
      ) : entries.length === 0 ? (
        <Text size="sm" c="gray.7">
          No changes recorded yet.
        </Text>
      ) : (
        <Stack gap="md" data-testid="audit-history">
          {entries.map((e) => {
            const changes = changesOf(e);
            return (
              <div key={e.id} data-testid="audit-entry" data-action={e.action}>
                <Group gap="xs">
                  <Badge
                    variant="light"
                    color={e.action.includes('delete') ? 'red' : e.action.includes('create') ? 'green' : 'blue'}
                    c="gray.9"
                    tt="none"
                  >
                    {e.action}
                  </Badge>
                  <Text size="sm">
                    by <ActorName id={e.actorId} /> · <time dateTime={e.at}>{e.at.slice(0, 19).replace('T', ' ')} UTC</time>
                  </Text>
                </Group>
                {changes.length > 0 && (
                  <Table mt={4} withRowBorders={false} verticalSpacing={2} fz="xs">
                    <Table.Tbody>
                      {changes.slice(0, 30).map((c) => (
                        <Table.Tr key={c.field}>
                          <Table.Td w={180}>
                            <Code>{c.field}</Code>
                          </Table.Td>
                          <Table.Td c="gray.7">{short(c.from)}</Table.Td>
                          <Table.Td>→ {short(c.to)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
              </div>
            );
          })}
          {log.hasNextPage && (
            <Button variant="default" size="xs" w="fit-content" loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
              Older changes
            </Button>
          )}
        </Stack>
      )}
    </Paper>
  );
}
