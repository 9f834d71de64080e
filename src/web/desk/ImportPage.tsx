import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  Alert,
  Anchor,
  Button,
  FileInput,
  Group,
  Paper,
  Progress,
  Radio,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { IMPORT_KINDS, IMPORT_ROLES, type ImportKindName, type ImportState } from '../../contract/imports.ts';
import { AUDIT_READERS } from '../../contract/audit.ts';
import { api, errorMessage } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { hasAnyRole, useMe } from '../ui/session.ts';
import type { EntityMeta } from './meta.ts';

type Mode = 'all-or-nothing' | 'valid-rows';

/** What each kind of import is called, which desk list it fills, and what its file holds. */
const KINDS: Record<ImportKindName, { label: string; slug: string; help: string }> = {
  enrollments: {
    label: 'Enrollments',
    slug: 'lms-enrollment',
    help: 'Identify people by email or employee code and courses by id or title; source, due date and batch are optional.',
  },
  employees: {
    label: 'Employees',
    slug: 'employee',
    help:
      'One row per employee: code and full name; email links an existing user (who becomes an LMS Student); department and ' +
      'designation must exist; reportsTo is the manager’s employee code, already there or anywhere in the file. Codes already there are skipped.',
  },
  users: {
    label: 'User accounts',
    slug: 'user',
    help:
      'One row per person: email, full name, roles separated by ";" (LMS Student when empty) and optionally the employee code to link. ' +
      'Emails that already have an account are skipped. Each new account gets an initial password, listed once after the import.',
  },
  'training-assignments': {
    label: 'Training assignments',
    slug: 'lms-training-assignment',
    help:
      'Identify people by email or employee code and courses by id or title; every row needs a due date. Each row enrolls the person ' +
      '(if needed) and opens one assignment; people already assigned or done with the course are skipped.',
  },
};

/** "no problems", "3 problems in 2 rows" (a row may have several; the rows are counted while every problem is listed). */
function problemsInWords(s: ImportState): string {
  const n = s.errorCount;
  if (n === 0) return 'no problems';
  const problems = `${n.toLocaleString('en')} ${n === 1 ? 'problem' : 'problems'}`;
  if (s.errors.length < n) return problems;
  const rows = new Set(s.errors.map((e) => e.row)).size;
  return `${problems} in ${rows.toLocaleString('en')} ${rows === 1 ? 'row' : 'rows'}`;
}

/**
 * Bulk import: the kind (among those the user may import), template, upload, dry run with
 * row-level errors, then the run with a progress bar and a summary.
 */
export function ImportPage({ meta, kind: initialKind }: { meta: EntityMeta; kind: NonNullable<EntityMeta['importKind']> }) {
  const client = useQueryClient();
  const me = useMe().data;
  const allowed = IMPORT_KINDS.filter((k) => hasAnyRole(me, IMPORT_ROLES[k]));
  // The kind: ?kind= (a link straight to one kind), else the page's own, else the first the user may import.
  const [params, setParams] = useSearchParams();
  const asked = IMPORT_KINDS.find((k) => k === params.get('kind'));
  const preferred = asked ?? initialKind;
  const kind: ImportKindName = !me || allowed.includes(preferred) || allowed.length === 0 ? preferred : allowed[0]!;
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<Mode>('all-or-nothing');
  const [importId, setImportId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const may = hasAnyRole(me, IMPORT_ROLES[kind]);
  const info = KINDS[kind];

  const choose = (k: ImportKindName) => {
    setParams(k === initialKind ? {} : { kind: k }, { replace: true });
    setImportId(null);
    setError(null);
    // A file chosen for one kind is not a file of another: choose again.
    if (k !== kind) setFile(null);
  };

  const state = useQuery({
    queryKey: ['desk-import', importId],
    queryFn: ({ signal }) => api.get<ImportState>(`/api/imports/${encodeURIComponent(importId ?? '')}`, { signal }),
    enabled: !!importId,
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'done' || q.state.data.status === 'failed') ? false : 400),
  });

  const start = async (dryRun: boolean) => {
    if (!file) {
      setError('Choose a CSV file first.');
      return;
    }
    setError(null);
    setStarting(true);
    try {
      const form = new FormData();
      form.append('mode', mode);
      form.append('dryRun', dryRun ? 'true' : 'false');
      form.append('file', file, file.name);
      const r = await api.post<{ importId: string }>(`/api/${kind}/import`, form);
      setImportId(r.importId);
      if (!dryRun) void client.invalidateQueries({ queryKey: ['desk-list', info.slug] });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };

  const s = state.data;
  const running = !!s && (s.status === 'queued' || s.status === 'running');
  const pct = s && s.total > 0 ? Math.min(100, Math.round((s.processed / s.total) * 100)) : running ? 5 : 100;

  return (
    <Page
      title={`Import ${info.label.toLowerCase()}`}
      description={
        <Anchor component={Link} to={`/app/${meta.slug}`} size="sm">
          ← {meta.label}
        </Anchor>
      }
      size="xl"
    >
      <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="import-file-title">
        <Title order={2} fz="lg" id="import-file-title" mb="sm">
          1. The file
        </Title>
        <Stack gap="md">
          {allowed.length > 1 && (
            <SegmentedControl
              aria-label="What to import"
              data={allowed.map((k) => ({ value: k, label: KINDS[k].label }))}
              value={kind}
              onChange={choose}
              disabled={running || starting}
            />
          )}
          {me && !may && (
            <Alert color="red" variant="light" role="alert">
              Your roles do not allow importing {info.label.toLowerCase()}.
            </Alert>
          )}
          <Text size="sm">
            Start from the{' '}
            <Anchor href={`/api/${kind}/import-template`} download={`${kind}-import-template.csv`}>
              {info.label.toLowerCase()} CSV template
            </Anchor>
            . {info.help} Every row is checked before anything is written; importing the same file twice creates no duplicates.
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <FileInput
              label="CSV file"
              accept=".csv,text/csv"
              value={file}
              onChange={setFile}
              placeholder="Choose a file"
              clearable
              clearButtonProps={{ 'aria-label': 'Remove the file' }}
            />
            <Radio.Group label="When some rows have errors" value={mode} onChange={(v) => setMode(v)}>
              <Stack gap={6} mt={6}>
                <Radio value="all-or-nothing" label="All or nothing: import nothing" />
                <Radio value="valid-rows" label="Import the valid rows, skip the others" />
              </Stack>
            </Radio.Group>
          </SimpleGrid>
          {error && (
            <Alert color="red" variant="light" role="alert">
              {error}
            </Alert>
          )}
          <Group>
            <Button variant="default" onClick={() => void start(true)} loading={starting} disabled={running || !may}>
              Check file (dry run)
            </Button>
            <Button onClick={() => void start(false)} loading={starting} disabled={running || !may}>
              Import
            </Button>
          </Group>
        </Stack>
      </Paper>

      {s && (
        <Paper
          withBorder
          radius="md"
          p="lg"
          component="section"
          aria-labelledby="import-result-title"
          data-testid="import-result"
          data-status={running ? 'running' : 'finished'}
        >
          <Title order={2} fz="lg" id="import-result-title" mb="sm">
            {s.dryRun ? '2. Dry run' : '2. Import'} — {running ? 'running…' : s.errorCount > 0 ? 'finished with errors' : 'finished'}
          </Title>
          <Stack gap="sm">
            <Progress value={pct} animated={running} aria-label="Import progress" size="lg" />
            <Text size="sm" data-testid="import-summary" aria-live="polite">
              {s.processed.toLocaleString('en')} of {s.total.toLocaleString('en')} rows checked · {s.dryRun ? 'would create' : 'created'}{' '}
              {s.created.toLocaleString('en')} · already there {s.skipped.toLocaleString('en')} · {problemsInWords(s)}
            </Text>
            {!running && s.errorCount > 0 && s.mode === 'all-or-nothing' && (
              <Alert color="yellow" variant="light">
                {s.dryRun ? 'With “all or nothing”, this file would import nothing' : 'Nothing was imported'} because some rows have errors.
                Fix them, or choose “Import the valid rows”.
              </Alert>
            )}
            {s.errors.length > 0 && (
              <Table.ScrollContainer minWidth={500}>
                <Table fz="sm" data-testid="import-errors">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Row</Table.Th>
                      <Table.Th>Column</Table.Th>
                      <Table.Th>Reason</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {s.errors.map((e, i) => (
                      <Table.Tr key={`${e.row}-${e.column ?? ''}-${i}`}>
                        <Table.Td>{e.row}</Table.Td>
                        <Table.Td>{e.column ?? '—'}</Table.Td>
                        <Table.Td>{e.message}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            {kind === 'users' && !s.dryRun && s.created > 0 && s.status === 'done' && (
              <Alert color="blue" variant="light" title="Invitations sent">
                Each new account was mailed an invitation to choose its password. The link works for 7 days; the employee form can send
                it again.
              </Alert>
            )}
            {!s.dryRun && !running && s.created > 0 && hasAnyRole(me, AUDIT_READERS) && (
              <Anchor component={Link} to={`/app/audit-log?importId=${encodeURIComponent(s.id)}`} size="sm">
                See what this import wrote in the audit log
              </Anchor>
            )}
            {s.errorCount > s.errors.length && (
              <Text size="sm" c="gray.7">
                Showing the first {s.errors.length} of {s.errorCount} problems.
              </Text>
            )}
          </Stack>
        </Paper>
      )}
    </Page>
  );
}
