/** Desk entities: training assignments. */
import { Anchor, Group, List, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { Row } from '../meta.ts';
import { ASSIGNMENT_SOURCE_WORDS, ASSIGNMENT_STATUSES, type AssignmentSource } from '../../../contract/training-assignments.ts';
import { IconChecklist } from '../../ui/icons.tsx';
import { LMS_STAFF_ROLES } from '../../ui/session.ts';
import { StatusBadge } from '../ListView.tsx';
import { wordsOf } from '../words.ts';
import { readableDateTime } from '../../ui/dates.ts';
import type { EntityMeta } from '../meta.ts';
import { USER_LINK, COURSE_LINK, DEPARTMENT_LINK, DESIGNATION_LINK, LinkedName, ProgressCell } from './shared.tsx';

function AssignmentResult({ result }: { result: Row }) {
  const created = Number(result.created ?? 0);
  const reused = Number(result.reused ?? 0);
  const skipped = (result.skipped ?? []) as { memberId: string; reason: string }[];
  const withoutLogin = (result.withoutLogin ?? []) as { employeeId: string; fullName: string }[];
  const assignments = (result.assignments ?? []) as { courseId: string }[];
  const courseId = assignments[0]?.courseId;
  const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;
  return (
    <Stack gap="xs">
      <Title order={2} fz="lg">
        {created + reused === 0 ? 'Nobody was assigned' : `Assigned to ${people(created + reused)}`}
      </Title>
      <Text size="sm">{`${created} new ${created === 1 ? 'assignment' : 'assignments'}.`}</Text>
      <Text size="sm">{`${reused} already had this course assigned; their open assignment was kept.`}</Text>
      <Text size="sm">{`${skipped.length} skipped.`}</Text>
      {withoutLogin.length > 0 && (
        <Text size="sm" data-testid="assigned-without-login">
          {`${withoutLogin.length === 1 ? '1 employee has' : `${withoutLogin.length} employees have`} no login yet, so nothing was assigned to them: `}
          {withoutLogin.slice(0, 20).map((e, i) => (
            <span key={e.employeeId}>
              {i > 0 ? ', ' : ''}
              <Anchor component={Link} to={`/app/employee/${encodeURIComponent(e.employeeId)}`}>
                {e.fullName}
              </Anchor>
            </span>
          ))}
          {withoutLogin.length > 20 ? ` and ${withoutLogin.length - 20} more` : ''}. Invite them from their employee record, then assign the course again.
        </Text>
      )}
      {skipped.length > 0 && (
        <List size="sm">
          {skipped.slice(0, 50).map((s) => (
            <List.Item key={s.memberId}>
              <LinkedName link={USER_LINK} id={s.memberId} /> — {s.reason}
            </List.Item>
          ))}
        </List>
      )}
      {courseId && (
        <Anchor component={Link} to={`/app/lms-training-assignment?courseId=${encodeURIComponent(courseId)}`} size="sm">
          See the assignments of this course
        </Anchor>
      )}
    </Stack>
  );
}

const sourceWords = (source: unknown): string => (typeof source === 'string' && source ? (ASSIGNMENT_SOURCE_WORDS[source as AssignmentSource] ?? wordsOf(source)) : '');

/**
 * The course progress of the assignment's enrollment. An assignment completed before the course
 * gained lessons stays completed (the evidence of that day), while the enrollment's progress is
 * counted anew: said in words, so the two figures do not read as a contradiction.
 */
function AssignmentProgress({ row }: { row: Row }) {
  if (row.progress === null || row.progress === undefined) return <>—</>;
  const progress = Number(row.progress);
  return (
    <Stack gap={4}>
      <ProgressCell value={progress} align="start" />
      {row.status === 'completed' && progress < 100 && (
        <Text size="sm" c="gray.7">
          {row.completedAt ? `Completed on ${readableDateTime(row.completedAt)}` : 'Completed'}; the course has changed since (new lessons count in its
          progress). The completion stands.
        </Text>
      )}
    </Stack>
  );
}

export const TRAINING_ENTITIES: EntityMeta[] = [
  {
    slug: 'lms-training-assignment',
    label: 'Training assignments',
    singular: 'Training assignment',
    description: 'Mandatory training assigned to people, with due dates.',
    icon: <IconChecklist size={18} />,
    section: 'Learning',
    roles: [...LMS_STAFF_ROLES, 'HR Manager', 'HR User'],
    createRoles: ['System Manager', 'Moderator', 'HR Manager', 'HR User'],
    importKind: 'training-assignments',
    api: { list: '/api/training-assignments', update: 'PATCH', total: true, exportCsv: '/api/training-assignments/export.csv' },
    auditEntity: 'training_assignment',
    title: (r) => `${String(r.courseTitle ?? 'Training')} for ${String(r.memberName ?? 'a member')}`,
    validate: (v): Record<string, string> =>
      v.memberIds || v.department || v.designation
        ? {}
        : { memberIds: 'Choose a person, a department or a designation to assign the course to.' },
    createResult: (r) => <AssignmentResult result={r} />,
    columns: [
      { key: 'memberName', sort: 'memberName', label: 'Member' },
      { key: 'courseTitle', sort: 'courseTitle', label: 'Course' },
      { key: 'dueDate', sort: 'dueDate', label: 'Due' },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge value={r.status as string} /> },
      { key: 'progress', label: 'Progress', numeric: true, render: (r) => <ProgressCell value={r.progress as number | null} /> },
      { key: 'source', label: 'Source', render: (r) => sourceWords(r.source) },
    ],
    filters: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK },
      { name: 'status', label: 'Status', kind: 'select', options: ASSIGNMENT_STATUSES },
      { name: 'department', label: 'Department', kind: 'link', link: DEPARTMENT_LINK },
      { name: 'dueFrom', label: 'Due from', kind: 'date' },
      { name: 'dueTo', label: 'Due to', kind: 'date' },
    ],
    fields: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK, required: true, createOnly: true },
      {
        name: 'dueDate',
        label: 'Due date',
        kind: 'date',
        required: true,
        description: 'The day the course must be completed by. It can be moved later while the training is open.',
        fixedWhen: (r) => r.status === 'completed',
      },
      {
        name: 'memberIds',
        label: 'One person',
        kind: 'link',
        link: USER_LINK,
        createOnly: true,
        description: 'Or everyone in a department or with a designation, below.',
        toWire: (v) => (typeof v === 'string' && v ? [v] : undefined),
      },
      { name: 'department', label: 'Everyone in department', kind: 'link', link: DEPARTMENT_LINK, createOnly: true },
      { name: 'designation', label: 'Everyone with designation', kind: 'link', link: DESIGNATION_LINK, createOnly: true },
      { name: 'status', label: 'Status', kind: 'text', editOnly: true, readOnly: true, display: (r) => wordsOf(String(r.status)) },
      { name: 'progress', label: 'Progress', kind: 'text', editOnly: true, readOnly: true, display: (r) => <AssignmentProgress row={r} /> },
      { name: 'completedAt', label: 'Completed', kind: 'text', editOnly: true, readOnly: true, display: (r) => (r.completedAt ? readableDateTime(r.completedAt) : 'Not yet') },
      { name: 'source', label: 'Source', kind: 'text', editOnly: true, readOnly: true, display: (r) => sourceWords(r.source) },
    ],
    extras: (row) => (
      <Group gap="lg">
        <LinkedName link={USER_LINK} id={row.memberId as string} />
        <LinkedName link={COURSE_LINK} id={row.courseId as string} />
        {row.enrollmentId ? (
          <Anchor component={Link} to={`/app/lms-enrollment/${encodeURIComponent(String(row.enrollmentId))}`} size="sm">
            Open the enrollment
          </Anchor>
        ) : null}
      </Group>
    ),
  },
];
