/** The desk's LMS Batch entity: list view, form, and the form's members and live-class panels. */
import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { api, errorMessage } from '../../ui/api.ts';
import { readableDay } from '../../ui/dates.ts';
import { IconUsers } from '../../ui/icons.tsx';
import type { Role } from '../../../contract/roles.ts';
import { LinkPicker } from '../LinkPicker.tsx';
import { IdListField } from '../id-list-field.tsx';
import { AssessmentsPanel, GroupRequestPanel } from './batch-assessments.tsx';
import { LiveClassPanel, useBatchMembers } from './live-classes.tsx';
import type { EntityMeta, LinkRef, Row } from '../meta.ts';

const MANAGERS: readonly Role[] = ['System Manager', 'Moderator', 'Course Creator'];
const BATCH_COURSE_LINK: LinkRef = { url: '/api/courses', slug: 'lms-course', label: (r) => String(r.title), params: { published: 'true' } };
const BATCH_USER_LINK: LinkRef = { url: '/api/users', slug: 'user', label: (r) => `${String(r.fullName)} <${String(r.email)}>` };

/** Members of the batch: add by person, remove (their enrollments and progress stay). */
function MembersPanel({ row, refresh }: { row: Row; refresh: () => void }) {
  const id = String(row.id);
  const client = useQueryClient();
  const [pick, setPick] = useState<string | null>(null);
  const members = useBatchMembers(id);
  const done = () => {
    setPick(null);
    refresh();
    void client.invalidateQueries({ queryKey: ['desk-batch-members', id] });
  };
  const add = useMutation({ mutationFn: (memberId: string) => api.post(`/api/batches/${encodeURIComponent(id)}/members`, { memberId }), onSuccess: done });
  const remove = useMutation({ mutationFn: (memberId: string) => api.delete(`/api/batches/${encodeURIComponent(id)}/members/${encodeURIComponent(memberId)}`), onSuccess: done });
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="batch-members-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg" id="batch-members-title">
          Members {row.seatCount ? `(${String(row.memberCount)} of ${String(row.seatCount)} seats)` : `(${String(row.memberCount)})`}
        </Title>
        <Anchor component={Link} to={`/lms/batches/${encodeURIComponent(id)}`} size="sm">
          Open the batch dashboard
        </Anchor>
      </Group>
      <Group align="flex-end" gap="sm" mb="sm">
        <div style={{ flex: 1 }}>
          <LinkPicker link={BATCH_USER_LINK} label="Add a member" value={pick} onChange={setPick} />
        </div>
        <Button disabled={!pick} loading={add.isPending} onClick={() => pick && add.mutate(pick)}>
          Add to batch
        </Button>
      </Group>
      {(add.isError || remove.isError) && (
        <Alert color="red" mb="sm">
          {errorMessage(add.error ?? remove.error)}
        </Alert>
      )}
      {members.data && members.data.items.length > 0 ? (
        <Table data-testid="desk-batch-members">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Member</Table.Th>
              <Table.Th>Joined</Table.Th>
              <Table.Th>Average progress</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.data.items.map((m) => {
              const ps = m.courses.map((c) => c.progress ?? 0);
              return (
                <Table.Tr key={m.memberId}>
                  <Table.Td>{m.fullName}</Table.Td>
                  <Table.Td>{readableDay(m.joinedAt)}</Table.Td>
                  <Table.Td>{ps.length ? `${Math.floor(ps.reduce((a, b) => a + b, 0) / ps.length)}%` : '—'}</Table.Td>
                  <Table.Td>
                    <Button size="compact-sm" variant="subtle" color="red" loading={remove.isPending} onClick={() => remove.mutate(m.memberId)}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm">{members.isPending ? 'Loading…' : 'No members yet.'}</Text>
      )}
    </Paper>
  );
}

/** Schedule a live class from the desk (times entered in the batch's time zone are converted by the browser). */
const ZONES: readonly string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
const TIMEZONES: readonly string[] = ZONES.includes('UTC') ? ZONES : ['UTC', ...ZONES];

function browserTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return TIMEZONES.includes(zone) ? zone : 'UTC';
}

export const BATCH_ENTITY: EntityMeta = {
  slug: 'lms-batch',
  label: 'Batches',
  singular: 'Batch',
  description: 'Cohorts: their seats, courses, members and live classes.',
  icon: <IconUsers size={18} />,
  section: 'Learning',
  roles: [...MANAGERS, 'Batch Evaluator'],
  createRoles: MANAGERS,
  deleteRoles: MANAGERS,
  api: { list: '/api/batches', update: 'PATCH', delete: true, total: true },
  auditEntity: 'batch',
  deleteWarning: 'Only a batch without members can be deleted; its live classes go with it.',
  columns: [
    { key: 'title', label: 'Title' },
    { key: 'startDate', label: 'Starts' },
    { key: 'endDate', label: 'Ends' },
    { key: 'timezone', label: 'Time zone' },
    {
      key: 'seats',
      label: 'Members / seats',
      numeric: true,
      render: (r) => (r.seatCount === null ? `${String(r.memberCount)}` : `${String(r.memberCount)} / ${String(r.seatCount)}`),
    },
    {
      key: 'published',
      label: 'Published',
      render: (r) =>
        r.published ? (
          <Badge variant="light" color="green" c="gray.9">
            Published
          </Badge>
        ) : (
          <Badge variant="light" color="gray" c="gray.9">
            Draft
          </Badge>
        ),
    },
  ],
  filters: [
    { name: 'q', label: 'Title contains', kind: 'text' },
    { name: 'published', label: 'Published', kind: 'boolean' },
  ],
  fields: [
    { name: 'title', label: 'Title', kind: 'text', required: true },
    { name: 'startDate', label: 'Start date', kind: 'date', required: true },
    { name: 'endDate', label: 'End date', kind: 'date', required: true },
    {
      name: 'timezone',
      label: 'Time zone',
      kind: 'select',
      options: TIMEZONES,
      required: true,
      // A new batch starts in the browser's zone; type to find another.
      initial: browserTimeZone(),
      description: 'Live-class times are shown to everyone in their own zone, with this one named.',
    },
    { name: 'seatCount', label: 'Seats', kind: 'number', min: 1, nullable: true, description: 'Leave empty for no limit.' },
    { name: 'description', label: 'Description', kind: 'textarea', wide: true },
    { name: 'published', label: 'Published', kind: 'boolean' },
    { name: 'allowSelfEnrollment', label: 'Learners may join', kind: 'boolean' },
    { name: 'paid', label: 'Paid', kind: 'boolean' },
    { name: 'price', label: 'Price', kind: 'money', currencyField: 'currency', max: 100_000_000, nullable: true },
    { name: 'currency', label: 'Currency (ISO 4217)', kind: 'text', nullable: true },
    {
      name: 'courseIds',
      label: 'Courses (in order)',
      kind: 'custom',
      wide: true,
      initial: [],
      render: (p) => <IdListField {...p} link={BATCH_COURSE_LINK} label="Courses (in order)" ordered />,
    },
    { name: 'instructorIds', label: 'Instructors', kind: 'custom', initial: [], render: (p) => <IdListField {...p} link={BATCH_USER_LINK} label="Instructors" /> },
    { name: 'evaluatorIds', label: 'Evaluators', kind: 'custom', initial: [], render: (p) => <IdListField {...p} link={BATCH_USER_LINK} label="Evaluators" /> },
  ],
  extras: (row, ctx) => (
    <Stack gap="lg">
      <MembersPanel row={row} refresh={ctx.refresh} />
      <LiveClassPanel row={row} />
      <AssessmentsPanel row={row} />
      {row.canManage ? <GroupRequestPanel row={row} /> : null}
    </Stack>
  ),
};
