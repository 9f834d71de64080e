import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Paper,
  SimpleGrid,
  Table,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { notify } from './notify.ts';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../ui/api.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Page } from '../ui/Page.tsx';
import { hasAnyRole, type Me } from '../ui/session.ts';
import { Empty, ErrorState, PageLoader } from '../ui/states.tsx';
import { FilterInput } from './list-filters.tsx';
import { itemUrl, type ColumnMeta, type EntityMeta, type Row } from './meta.ts';
import { readableValue } from './format.ts';
import { wordsOf } from './words.ts';

const PAGE_SIZE = 25;

interface ListPage {
  items: Row[];
  nextCursor?: string | null;
  total?: number;
}

/** The query parameters a list's filters own (the URL keeps them, so a filtered list can be bookmarked). */
function filterParams(meta: EntityMeta): string[] {
  return meta.filters.flatMap((f) => (f.kind === 'range' && f.rangeParams ? [...f.rangeParams] : [f.name]));
}

export function activeFilters(meta: EntityMeta, search: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const name of filterParams(meta)) {
    const v = search.get(name);
    if (v !== null && v !== '') out.set(name, v);
  }
  return out;
}

/** The list's sort from the URL (`sort=key` / `sort=-key`), when one of its columns sorts by that key. */
export function activeSort(meta: EntityMeta, search: URLSearchParams): { key: string; desc: boolean } | null {
  const token = search.get('sort') ?? '';
  const desc = token.startsWith('-');
  const key = desc ? token.slice(1) : token;
  return meta.columns.some((c) => c.sort === key) ? { key, desc } : null;
}

/** The generic list view: filters, server-side sort, keyset paging with a count, selection with bulk delete, CSV export. */
export function ListView({ meta, me }: { meta: EntityMeta; me: Me }) {
  const [search, setSearch] = useSearchParams();
  const client = useQueryClient();
  const filters = activeFilters(meta, search);
  const sort = activeSort(meta, search);
  const sortToken = sort ? (sort.desc ? `-${sort.key}` : sort.key) : null;
  // What the list API is asked (and the CSV export): the filters plus the sort.
  const listParams = new URLSearchParams(filters);
  if (sortToken) listParams.set('sort', sortToken);
  const cursor = search.get('cursor') ?? '';
  const [history, setHistory] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const query = listParams.toString();
  const list = useQuery<ListPage>({
    queryKey: ['desk-list', meta.slug, query, cursor],
    queryFn: ({ signal }) => {
      const params = new URLSearchParams(listParams);
      if (!meta.api.unpaged) {
        params.set('limit', String(PAGE_SIZE));
        if (cursor) params.set('cursor', cursor);
      }
      const qs = params.toString();
      return api
        .get<ListPage | Row[]>(qs ? `${meta.api.list}?${qs}` : meta.api.list, { signal })
        .then((r): ListPage => (Array.isArray(r) ? { items: r } : r));
    },
    placeholderData: keepPreviousData,
  });
  // The count is its own request, so the rows show as soon as they are read (counting a large
  // filtered list takes longer) and paging does not count again.
  const counted = !meta.api.unpaged && !!meta.api.total;
  const total = useQuery<number>({
    queryKey: ['desk-list', meta.slug, query, '#total'],
    enabled: counted,
    queryFn: ({ signal }) => {
      const params = new URLSearchParams(listParams);
      params.set('limit', '1');
      params.set('withTotal', 'true');
      return api.get<ListPage>(`${meta.api.list}?${params.toString()}`, { signal }).then((r) => r.total ?? 0);
    },
  });

  // The newest search params, also between a change and the next render: react-router's setter
  // works from the params of the last render, so two quick changes would overwrite each other.
  const latest = useRef(search);
  useEffect(() => {
    latest.current = search;
  }, [search]);
  const setFilter = (name: string, value: string | null) => {
    setHistory([]);
    setSelected(new Set());
    const next = new URLSearchParams(latest.current);
    if (value === null || value === '') next.delete(name);
    else next.set(name, value);
    next.delete('cursor');
    latest.current = next;
    setSearch(next, { replace: true });
  };

  // A header click sorts by that column: ascending, then descending, then back to the list's own order.
  const toggleSort = (c: ColumnMeta) => {
    if (!c.sort) return;
    const next = sort?.key !== c.sort ? c.sort : sort.desc ? null : `-${c.sort}`;
    setFilter('sort', next);
  };

  const canCreate = meta.api.create !== false && hasAnyRole(me, [...(meta.createRoles ?? meta.roles), 'System Manager']);
  const canDelete = !!meta.api.delete && hasAnyRole(me, [...(meta.deleteRoles ?? meta.roles), 'System Manager']);
  const items = list.data?.items ?? [];
  const allChecked = items.length > 0 && items.every((r) => selected.has(String(r.id)));
  const someChecked = items.some((r) => selected.has(String(r.id)));

  const goPage = (next: string | null, back: boolean) => {
    const params = new URLSearchParams(search);
    if (next) params.set('cursor', next);
    else params.delete('cursor');
    setSelected(new Set());
    setSearch(params);
    if (back) setHistory((h) => h.slice(0, -1));
    else setHistory((h) => [...h, cursor]);
  };

  /** Deletes the selected rows; those the server refuses stay selected, and the dialog says why. */
  const bulkDelete = async () => {
    setDeleting(true);
    setDeleteError(null);
    const ids = [...selected];
    const failed: string[] = [];
    let lastError: unknown = null;
    for (const id of ids) {
      try {
        await api.delete(itemUrl(meta, id));
      } catch (e) {
        failed.push(id);
        lastError = e;
      }
    }
    setDeleting(false);
    setSelected(new Set(failed));
    await client.invalidateQueries({ queryKey: ['desk-list', meta.slug] });
    if (failed.length === 0) {
      setConfirming(false);
      notify(`Deleted ${ids.length} ${ids.length === 1 ? meta.singular.toLowerCase() : meta.label.toLowerCase()}.`, 'green');
    } else setDeleteError(`${failed.length} of ${ids.length} could not be deleted: ${errorMessage(lastError)}`);
  };

  const exportHref = meta.api.exportCsv ? `${meta.api.exportCsv}${query ? `?${query}` : ''}` : null;

  return (
    <Page
      title={meta.label}
      description={meta.description}
      size="xl"
      actions={
        <>
          {exportHref && (
            <Button component="a" href={exportHref} variant="default" download>
              Export CSV
            </Button>
          )}
          {meta.listActions?.()}
          {meta.importKind && canCreate && (
            <Button component={Link} to={`/app/${meta.slug}/import`} variant="default">
              Import
            </Button>
          )}
          {canCreate && (
            <Button component={Link} to={`/app/${meta.slug}/new`}>
              New {meta.singular.toLowerCase()}
            </Button>
          )}
        </>
      }
    >
      {meta.listHeader?.()}
      {meta.filters.length > 0 && (
        <Paper withBorder radius="md" p="sm" component="section" aria-label="Filters">
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3, lg: 6 }} spacing="xs" verticalSpacing="xs">
            {meta.filters.map((f) => (
              <FilterInput key={f.name} filter={f} search={search} setFilter={setFilter} />
            ))}
          </SimpleGrid>
          {filters.size > 0 && (
            <Group mt="sm" gap="xs">
              <Button
                variant="subtle"
                size="compact-sm"
                onClick={() => {
                  setHistory([]);
                  setSelected(new Set());
                  setSearch(new URLSearchParams(sortToken ? { sort: sortToken } : {}), { replace: true });
                }}
              >
                Clear filters
              </Button>
            </Group>
          )}
        </Paper>
      )}

      <Group justify="space-between" gap="sm">
        <Text size="sm" c="gray.7" data-testid="list-count" aria-live="polite">
          {list.data
            ? counted && total.data !== undefined && !total.isPlaceholderData
              ? `${total.data.toLocaleString('en')} ${total.data === 1 ? 'row' : 'rows'}`
              : counted && total.isError
                ? `${items.length} ${items.length === 1 ? 'row' : 'rows'} on this page (the count failed)`
                : counted
                  ? `${items.length} ${items.length === 1 ? 'row' : 'rows'} on this page · counting…`
                  : `${items.length} ${items.length === 1 ? 'row' : 'rows'} on this page`
            : ' '}
          {list.isFetching && list.data ? ' · updating…' : ''}
        </Text>
        {canDelete && selected.size > 0 && (
          <Group gap="xs">
            <Text size="sm">{selected.size} selected</Text>
            <Button color="red" variant="light" size="compact-sm" onClick={() => setConfirming(true)}>
              Delete selected
            </Button>
          </Group>
        )}
      </Group>

      {list.isPending ? (
        <PageLoader />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <Paper withBorder radius="md">
          <Empty
            title={`No ${meta.label.toLowerCase()}`}
            description={
              filters.size > 0
                ? 'Nothing matches these filters.'
                : `${meta.description} Nothing here yet${canCreate ? `: create the first one${meta.importKind ? ' or import a file' : ''}.` : '.'}`
            }
            action={
              filters.size === 0 && canCreate ? (
                <Button component={Link} to={`/app/${meta.slug}/new`} variant="light">
                  Create the first {meta.singular.toLowerCase()}
                </Button>
              ) : undefined
            }
          />
        </Paper>
      ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer
            minWidth={640}
            maxHeight="calc(100vh - 240px)"
            type="native"
            tabIndex={0}
            role="region"
            aria-label={`${meta.label} table`}
          >
            <Table
              highlightOnHover
              stickyHeader
              verticalSpacing={4}
              horizontalSpacing="sm"
              fz="sm"
              className="desk-table"
              data-testid="desk-list"
              data-query={query}
              aria-busy={list.isFetching}
            >
              <Table.Thead>
                <Table.Tr>
                  {canDelete && (
                    <Table.Th w={40}>
                      <Checkbox
                        aria-label="Select all rows on this page"
                        checked={allChecked}
                        indeterminate={someChecked && !allChecked}
                        onChange={() =>
                          setSelected((s) => {
                            const next = new Set(s);
                            for (const r of items) {
                              if (allChecked) next.delete(String(r.id));
                              else next.add(String(r.id));
                            }
                            return next;
                          })
                        }
                      />
                    </Table.Th>
                  )}
                  {meta.columns.map((c) => (
                    <Table.Th
                      key={c.key}
                      ta={c.numeric ? 'right' : undefined}
                      aria-sort={c.sort && sort?.key === c.sort ? (sort.desc ? 'descending' : 'ascending') : undefined}
                    >
                      {c.sort ? (
                        <UnstyledButton
                          onClick={() => toggleSort(c)}
                          fw={700}
                          fz="sm"
                          data-sort-key={c.sort}
                          title={`Sort by ${c.label.toLowerCase()}`}
                        >
                          {c.label}
                          <Text span c={sort?.key === c.sort ? undefined : 'gray.5'} ml={4} aria-hidden="true">
                            {sort?.key === c.sort ? (sort.desc ? '↓' : '↑') : '↕'}
                          </Text>
                        </UnstyledButton>
                      ) : (
                        c.label
                      )}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((row, i) => {
                  const id = String(row.id);
                  const href = meta.single || meta.noForm ? null : `/app/${meta.slug}/${encodeURIComponent(id)}`;
                  return (
                    <Table.Tr key={id} data-row-id={id}>
                      {canDelete && (
                        <Table.Td>
                          <Checkbox
                            aria-label={`Select row ${i + 1}`}
                            checked={selected.has(id)}
                            onChange={() =>
                              setSelected((s) => {
                                const next = new Set(s);
                                if (next.has(id)) next.delete(id);
                                else next.add(id);
                                return next;
                              })
                            }
                          />
                        </Table.Td>
                      )}
                      {meta.columns.map((c, ci) => {
                        const content = c.render ? c.render(row) : formatCell(row[c.key]);
                        // Long text stays on one line, cut with an ellipsis, and the whole text is the
                        // tooltip; or, in a column that wraps, goes on to the next line.
                        const tip = !c.wrap && typeof content === 'string' && content.length > 0 ? content : undefined;
                        return (
                          <Table.Td key={c.key} ta={c.numeric ? 'right' : undefined}>
                            <div className={c.wrap ? 'desk-cell desk-cell-wrap' : 'desk-cell'} title={tip}>
                              {ci === 0 && href ? (
                                <Anchor component={Link} to={href} fw={600} size="sm">
                                  {content === '' || content === null ? id : content}
                                </Anchor>
                              ) : (
                                content
                              )}
                            </div>
                          </Table.Td>
                        );
                      })}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}

      {!meta.api.unpaged && (history.length > 0 || list.data?.nextCursor) && (
        <Group justify="flex-end" gap="sm">
          <Button variant="default" disabled={history.length === 0} onClick={() => goPage(history[history.length - 1] || null, true)}>
            Previous
          </Button>
          <Button variant="default" disabled={!list.data?.nextCursor} onClick={() => goPage(list.data?.nextCursor ?? null, false)}>
            Next
          </Button>
        </Group>
      )}

      <ConfirmDialog
        opened={confirming}
        onClose={() => {
          setConfirming(false);
          setDeleteError(null);
        }}
        title={`Delete ${selected.size} ${selected.size === 1 ? meta.singular.toLowerCase() : meta.label.toLowerCase()}?`}
        confirmLabel="Delete"
        color="red"
        busy={deleting}
        error={deleteError}
        onConfirm={() => void bulkDelete()}
      >
        {meta.deleteWarning ?? 'This cannot be undone. The deleted rows are kept in the audit log.'}
      </ConfirmDialog>
    </Page>
  );
}

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (Array.isArray(v)) return v.map((x) => formatCell(x)).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}.*)?$/.test(v)) return readableValue(v);
  if (typeof v === 'number') return v.toLocaleString('en');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function StatusBadge({ value }: { value: string | null | undefined }) {
  if (!value) return null;
  const color = (
    {
      valid: 'green',
      completed: 'green',
      complete: 'green',
      done: 'green',
      active: 'green',
      graded: 'green',
      open: 'blue',
      pending: 'gray',
      in_progress: 'blue',
      pending_review: 'yellow',
      expiring: 'yellow',
      overdue: 'red',
      expired: 'red',
      revoked: 'red',
      failed: 'red',
      left: 'gray',
    } as Record<string, string>
  )[value];
  return (
    <Badge variant="light" color={color ?? 'gray'} c="gray.9" tt="none">
      {wordsOf(value)}
    </Badge>
  );
}
