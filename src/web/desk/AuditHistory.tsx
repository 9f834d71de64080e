import type { ReactNode } from 'react';
import { Anchor, Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../ui/api.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { AUDIT_READERS, actionInWords, changesOf } from '../../contract/audit.ts';
import { hasAnyRole, useMe } from '../ui/session.ts';
import { CERTIFICATE_LINK, COURSE_LINK, LinkedName, QUIZ_LINK, USER_LINK } from './entities/shared.tsx';
import { wordsOf } from './words.ts';
import { fieldLabel, readableValue } from './format.ts';
import { minorToDecimal } from '../../contract/money.ts';
import { formatMoney } from '../../contract/payments.ts';
import type { LinkRef } from './meta.ts';

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
  if (v === null || v === '') return 'empty';
  return clip(readableValue(v));
}

/** At most 120 characters of a value shown in a history row. */
function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** Fields whose value is the id of a user, a course or a quiz (camelCase or the column's name): shown as the name, linked. */
const USER_FIELDS = new Set(['memberId', 'createdBy', 'actorId', 'userId', 'issuedBy', 'revokedBy', 'gradedBy', 'member_id', 'created_by', 'user_id']);
const COURSE_FIELDS = new Set(['courseId', 'course_id']);
const QUIZ_FIELDS = new Set(['quizId', 'quiz_id']);
const CERTIFICATE_FIELDS = new Set(['certificateId', 'certificate_id']);
/** Fields that say nothing to a reader: the record's own id, internal keys, what the caller may do, a file's id and address (its name says which). */
const HIDDEN_FIELDS = new Set(['id', 'cycleId', 'batchId', 'isMember', 'canManage', 'memberCount', 'createdAt', 'updatedAt', 'created_at', 'updated_at', 'fileId', 'file_id', 'fileUrl', 'imageUrl']);
/** Fields holding a code (status, source, kind, ...): shown in words. */
const CODE_FIELDS = new Set(['status', 'source', 'kind', 'certificateIssueMode', 'certificate_issue_mode', 'enrollmentState', 'orientation', 'digest', 'paymentGateway', 'outcome', 'role']);
/** 0/1 columns of records audited as stored (quizzes): yes or no. */
const FLAG_FIELD = /^(is|show|shuffle|enable|allow|published|mandatory|paid|disable|sequential)(_|[A-Z]|$)/;

/**
 * What an audit entry changed that a reader cares about: not the fields that say nothing (ids, the
 * record's own timestamps, counts), not a list of ids the image also holds by name (courseIds beside
 * courses), and on a new record not the fields left empty.
 */
function shownChanges(entry: { before: unknown; after: unknown }) {
  const images = [entry.before, entry.after].filter((x): x is Record<string, unknown> => !!x && typeof x === 'object');
  const named = (field: string) => {
    const m = /^(.*?)(Ids|_ids)$/.exec(field);
    return m !== null && images.some((img) => `${m[1]}s` in img);
  };
  const empty = (v: unknown) => v === '' || v === null || (Array.isArray(v) && v.length === 0);
  return changesOf(entry).filter((c) => !HIDDEN_FIELDS.has(c.field) && !named(c.field) && !(c.from === undefined && empty(c.to)));
}

/** The fields an audit entry changed, in words, without the ones that say nothing to a reader. */
export function changedFields(entry: { before: unknown; after: unknown }): string[] {
  return shownChanges(entry).map((c) => fieldLabel(c.field));
}

/** A list in words: names of the people or things listed, codes in words. */
function listInWords(items: unknown[]): string {
  if (items.length === 0) return 'none';
  const text = items
    .map((x) => {
      if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        const name = [o.fullName, o.title, o.name, o.label, o.question].find((n) => typeof n === 'string');
        return typeof name === 'string' ? name : '…';
      }
      return typeof x === 'string' ? x : short(x);
    })
    .join(', ');
  return clip(text);
}

/** Shares of 100. */
const PERCENT_FIELDS = new Set(['progress', 'percentage', 'passingPercentage', 'passing_percentage']);
/** Amounts stored in minor units (cents): shown as the amount in the record's currency. */
const MONEY_FIELDS = new Set(['price', 'amount', 'discount', 'amountOff', 'amount_off']);
/** Lists of ids, shown by name: a batch's courses, instructors and evaluators. */
const LINKED_LISTS: Record<string, LinkRef> = {
  courseIds: COURSE_LINK,
  course_ids: COURSE_LINK,
  instructorIds: USER_LINK,
  evaluatorIds: USER_LINK,
};

/** The currency of an audited image, for its amounts. */
function currencyOf(image: unknown): string | null {
  const c = image && typeof image === 'object' ? (image as Record<string, unknown>).currency : null;
  return typeof c === 'string' && c ? c : null;
}

function ChangeValue({ field, value, currency = null, shown }: { field: string; value: unknown; currency?: string | null; shown?: (v: unknown) => ReactNode }) {
  if (shown && value !== null && value !== undefined && value !== '') return <>{shown(value)}</>;
  if (typeof value === 'number' && PERCENT_FIELDS.has(field)) return <>{`${value}%`}</>;
  if (typeof value === 'number' && MONEY_FIELDS.has(field)) return <>{currency ? formatMoney(value, currency) : minorToDecimal(value, currency)}</>;
  if (typeof value === 'string' && value && USER_FIELDS.has(field)) return <LinkedName link={USER_LINK} id={value} />;
  if (typeof value === 'string' && value && COURSE_FIELDS.has(field)) return <LinkedName link={COURSE_LINK} id={value} />;
  if (typeof value === 'string' && value && QUIZ_FIELDS.has(field)) return <LinkedName link={QUIZ_LINK} id={value} />;
  if (typeof value === 'string' && value && CERTIFICATE_FIELDS.has(field)) return <LinkedName link={CERTIFICATE_LINK} id={value} />;
  const listLink = LINKED_LISTS[field];
  if (Array.isArray(value) && listLink && value.every((v) => typeof v === 'string'))
    return value.length === 0 ? <>none</> : (
      <>
        {value.map((id, i) => (
          <span key={String(id)}>
            {i > 0 && ', '}
            <LinkedName link={listLink} id={String(id)} />
          </span>
        ))}
      </>
    );
  if (Array.isArray(value)) return <>{listInWords(value)}</>;
  if (typeof value === 'string' && value && CODE_FIELDS.has(field)) return <>{wordsOf(value)}</>;
  if ((value === 0 || value === 1) && FLAG_FIELD.test(field)) return <>{value === 1 ? 'Yes' : 'No'}</>;
  return <>{short(value)}</>;
}

/** What an action is called in words: "delete" → "Deleted". */
export const actionLabel = actionInWords;

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
/**
 * `labels`: the record form's words for its fields ("Learners may join"), used before the generic
 * ones; `values`: how the entity shows a field's stored value (a code in words, an id as a link).
 */
export function AuditHistory({
  entity,
  entityId,
  labels = {},
  values = {},
}: {
  entity: string;
  entityId?: string | undefined;
  labels?: Record<string, string>;
  values?: Record<string, (v: unknown) => ReactNode>;
}) {
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
  const me = useMe().data;
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="audit-history-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg" id="audit-history-title">
          History
        </Title>
        {/* The same entries in the audit log: their places in the tamper-evident chain, and a CSV export. */}
        {entityId && entries.length > 0 && hasAnyRole(me, AUDIT_READERS) && (
          <Anchor component={Link} to={`/app/audit-log?${new URLSearchParams({ entity, entityId }).toString()}`} size="sm">
            Open in the audit log
          </Anchor>
        )}
      </Group>
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
            const changes = shownChanges(e);
            return (
              <div key={e.id} data-testid="audit-entry" data-action={e.action}>
                <Group gap="xs">
                  <Badge
                    variant="light"
                    color={e.action.includes('delete') ? 'red' : e.action.includes('create') ? 'green' : 'blue'}
                    c="gray.9"
                    tt="none"
                  >
                    {actionLabel(e.action)}
                  </Badge>
                  <Text size="sm">
                    by <ActorName id={e.actorId} /> · <time dateTime={e.at}>{readableValue(e.at)}</time>
                  </Text>
                </Group>
                {changes.length > 0 && (
                  <Table mt={4} withRowBorders={false} verticalSpacing={2} fz="xs">
                    <Table.Tbody>
                      {changes
                        .slice(0, 30)
                        .map((c) => (
                          <Table.Tr key={c.field}>
                            <Table.Td w={180} fw={600}>
                              {labels[c.field] ?? fieldLabel(c.field)}
                            </Table.Td>
                            <Table.Td c="gray.7">
                              <ChangeValue field={c.field} value={c.from} currency={currencyOf(e.before) ?? currencyOf(e.after)} shown={values[c.field]} />
                            </Table.Td>
                            <Table.Td>
                              → <ChangeValue field={c.field} value={c.to} currency={currencyOf(e.after) ?? currencyOf(e.before)} shown={values[c.field]} />
                            </Table.Td>
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

/**
 * A record that no longer exists: who deleted it and when, and its last values, from the audit
 * log; a record that never existed says so.
 */
export function DeletedRecord({
  entity,
  entityId,
  singular,
  onRetry,
}: {
  entity: string;
  entityId: string;
  singular: string;
  onRetry: () => void;
}) {
  const entry = useQuery({
    queryKey: ['desk-audit-deleted', entity, entityId],
    queryFn: ({ signal }) =>
      api.get<AuditPage>(`/api/audit-log?${new URLSearchParams({ entity, entityId, action: 'delete', limit: '1' }).toString()}`, {
        signal,
      }),
  });
  if (entry.isPending) return <PageLoader label="Looking the record up in the audit log…" />;
  const deleted = entry.data?.items[0];
  if (!deleted) {
    return (
      <ErrorState
        title={`This ${singular.toLowerCase()} does not exist`}
        error={new Error('The link may be old or mistyped.')}
        onRetry={onRetry}
      />
    );
  }
  const last = (deleted.before ?? {}) as Record<string, unknown>;
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="deleted-title" data-testid="deleted-record">
      <Title order={2} fz="lg" id="deleted-title">
        {`This ${singular.toLowerCase()} was deleted`}
      </Title>
      <Text size="sm" mt={4}>
        by <ActorName id={deleted.actorId} /> · <time dateTime={deleted.at}>{readableValue(deleted.at)}</time>
      </Text>
      <Text size="sm" fw={600} mt="md">
        Its last values
      </Text>
      <Table mt={4} withRowBorders={false} verticalSpacing={2} fz="sm">
        <Table.Tbody>
          {Object.entries(last)
            .filter(([k, v]) => !HIDDEN_FIELDS.has(k) && typeof v !== 'object')
            .map(([k, v]) => (
              <Table.Tr key={k}>
                <Table.Td w={200} fw={600}>
                  {fieldLabel(k)}
                </Table.Td>
                <Table.Td>
                  <ChangeValue field={k} value={v} currency={currencyOf(last)} />
                </Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
