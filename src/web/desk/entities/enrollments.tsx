/** Desk entities: enrollments. */
import { Anchor, Group } from '@mantine/core';
import { Link } from 'react-router';
import { ENROLLMENT_SOURCES, ENROLLMENT_STATUSES } from '../../../contract/enrollments.ts';
import { api } from '../../ui/api.ts';
import { IconUsers } from '../../ui/icons.tsx';
import { LMS_STAFF_ROLES } from '../../ui/session.ts';
import { DownloadButton, FileToRecordButton } from '../actions.tsx';
import { EnrollmentRuleActions, EnrollmentRuleDetails, EnrollmentStatusBadge } from '../EnrollmentRules.tsx';
import { EnrollmentCycles } from '../enrollment-cycles.tsx';
import type { EntityMeta, Row } from '../meta.ts';
import { readableDay } from '../../ui/dates.ts';
import { wordsOf } from '../words.ts';
import { MODERATORS, ENROLLERS, USER_LINK, COURSE_LINK, LinkedName, ProgressCell } from './shared.tsx';

export const ENROLLMENT_ENTITIES: EntityMeta[] = [
  {
    slug: 'lms-enrollment',
    label: 'Enrollments',
    singular: 'Enrollment',
    description: 'Who is enrolled in which course, and their progress.',
    icon: <IconUsers size={18} />,
    section: 'Learning',
    roles: [...LMS_STAFF_ROLES, 'HR Manager', 'HR User'],
    createRoles: ENROLLERS,
    deleteRoles: MODERATORS,
    api: { list: '/api/enrollments', update: false, delete: true, total: true, exportCsv: '/api/enrollments/export.csv' },
    auditEntity: 'enrollment',
    importKind: 'enrollments',
    title: (r) => `Enrollment of ${String(r.memberName ?? r.memberId)}`,
    load: async (id, signal) => {
      // The enrollment names its member and course; who marked it complete is looked up.
      const e = await api.get<Row>(`/api/enrollments/${encodeURIComponent(id)}`, { signal });
      const marker = e.completedManuallyBy
        ? await api.get<Row>(`/api/users/${encodeURIComponent(String(e.completedManuallyBy))}`, { signal }).catch(() => null)
        : null;
      return { ...e, completedManuallyByName: marker ? String(marker.fullName) : null };
    },
    deleteWarning:
      'Deleting the enrollment revokes the learner’s access to the course and removes their lesson progress. The deleted enrollment and its progress are kept in the audit log.',
    columns: [
      { key: 'memberName', sort: 'memberName', label: 'Member', wrap: true },
      { key: 'courseTitle', sort: 'courseTitle', label: 'Course', wrap: true },
      { key: 'progress', sort: 'progress', label: 'Progress', numeric: true, render: (r) => <ProgressCell value={r.progress as number} /> },
      // A completed enrollment says when in its status, not in a column of its own that is empty for the others.
      { key: 'status', label: 'Status', render: (r) => <EnrollmentStatusBadge status={r.status as unknown} completedAt={r.completedAt as unknown} /> },
      { key: 'source', label: 'Source', render: (r) => wordsOf(String(r.source)) },
      { key: 'createdAt', sort: 'createdAt', label: 'Enrolled', render: (r) => readableDay(r.createdAt) },
    ],
    filters: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK },
      { name: 'source', label: 'Source', kind: 'select', options: ENROLLMENT_SOURCES },
      { name: 'status', label: 'Status', kind: 'select', options: ENROLLMENT_STATUSES },
      { name: 'progress', label: 'Progress %', kind: 'range', rangeParams: ['progressMin', 'progressMax'], min: 0, max: 100 },
      { name: 'q', label: 'Member or course contains', kind: 'text' },
    ],
    fields: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK, required: true, createOnly: true },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK, required: true, createOnly: true },
      {
        name: 'memberName',
        label: 'Member',
        kind: 'text',
        editOnly: true,
        readOnly: true,
        display: (r) => <LinkedName link={USER_LINK} id={r.memberId as string} />,
      },
      {
        name: 'courseTitle',
        label: 'Course',
        kind: 'text',
        editOnly: true,
        readOnly: true,
        display: (r) => <LinkedName link={COURSE_LINK} id={r.courseId as string} />,
      },
      {
        name: 'progress',
        label: 'Progress',
        kind: 'number',
        editOnly: true,
        readOnly: true,
        display: (r) => <ProgressCell value={r.progress as number} align="start" />,
      },
      {
        name: 'status',
        label: 'Status',
        kind: 'text',
        editOnly: true,
        readOnly: true,
        display: (r) => <EnrollmentStatusBadge status={r.status as unknown} />,
      },
      { name: 'source', label: 'Source', kind: 'text', editOnly: true, readOnly: true, display: (r) => wordsOf(String(r.source)) },
      { name: 'completedAt', label: 'Completed at', kind: 'text', editOnly: true, readOnly: true },
      { name: 'createdAt', label: 'Enrolled at', kind: 'text', editOnly: true, readOnly: true },
      { name: 'lastActivityAt', label: 'Last activity', kind: 'text', editOnly: true, readOnly: true },
    ],
    extras: (row) => {
      const q = `memberId=${encodeURIComponent(String(row.memberId))}&courseId=${encodeURIComponent(String(row.courseId))}`;
      return (
        <>
          <EnrollmentRuleDetails row={row} />
          <EnrollmentCycles enrollmentId={String(row.id)} />
          <Group gap="lg" component="nav" aria-label="Related records">
            <Anchor component={Link} to={`/app/lms-quiz-submission?${q}`} size="sm">
              Quiz attempts in this course
            </Anchor>
            <Anchor component={Link} to={`/app/lms-certificate?${q}`} size="sm">
              Certificates for this course
            </Anchor>
            <Anchor component={Link} to={`/app/lms-training-assignment?${q}`} size="sm">
              Training assignments
            </Anchor>
          </Group>
        </>
      );
    },
    actions: (row, { refresh }) => (
      <>
        <EnrollmentRuleActions row={row} refresh={refresh} />
        <DownloadButton
          url={`/api/enrollments/${encodeURIComponent(String(row.id))}/quiz-report.pdf`}
          fileName="course-quiz-report.pdf"
          label="Download Course Quiz PDF"
        />
        <FileToRecordButton kind="course-quiz-report" id={String(row.id)} />
      </>
    ),
  },
];
