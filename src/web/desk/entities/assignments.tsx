/** The desk's list views of assignment submissions (the grading work) and certificate requests (evaluations). */
import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Badge, Select, Stack } from '@mantine/core';
import { api } from '../../ui/api.ts';
import { readableDateTime, readableDay } from '../../ui/dates.ts';
import { IconAward, IconChecklist } from '../../ui/icons.tsx';
import type { Outline } from '../../../contract/courses.ts';
import type { Role } from '../../../contract/roles.ts';
import type { CustomFieldProps, EntityMeta, Row } from '../meta.ts';
import { COURSE_LINK } from './shared.tsx';

const GRADERS: readonly Role[] = ['Moderator', 'Course Creator', 'Batch Evaluator'];
const AUTHORS: readonly Role[] = ['Moderator', 'Course Creator'];

/** The lesson an assignment is: pick a course, then one of its lessons of kind assignment. */
function AssignmentLessonField(p: CustomFieldProps) {
  const [courseId, setCourseId] = useState<string | null>(null);
  const courses = useQuery({
    queryKey: ['desk', 'assignment-courses'],
    queryFn: ({ signal }) => api.get<{ items: { id: string; title: string }[] }>('/api/courses?limit=200', { signal }).then((r) => r.items),
  });
  const outline = useQuery({
    enabled: !!courseId,
    queryKey: ['desk', 'assignment-outline', courseId],
    queryFn: ({ signal }) => api.get<Outline>(`/api/courses/${courseId!}/outline`, { signal }),
  });
  const lessons = (outline.data?.chapters ?? []).flatMap((c) => c.lessons.filter((l) => l.kind === 'assignment').map((l) => ({ value: l.id, label: `${c.title}: ${l.title}` })));
  return (
    <Stack gap={6}>
      <Select
        label="Course of the lesson (optional)"
        data={(courses.data ?? []).map((c) => ({ value: c.id, label: c.title }))}
        value={courseId}
        onChange={(v) => {
          setCourseId(v);
          p.onChange(null);
        }}
        searchable
        clearable
        disabled={p.disabled}
      />
      {courseId && (
        <Select
          label="Assignment lesson"
          description="A lesson of kind assignment: it completes when the submission passes."
          data={lessons}
          value={typeof p.value === 'string' ? p.value : null}
          onChange={(v) => p.onChange(v)}
          error={p.errors[0]?.message}
          nothingFoundMessage="This course has no assignment lessons."
          disabled={p.disabled}
          clearable
        />
      )}
    </Stack>
  );
}

const BATCH_LINK = { url: '/api/batches', slug: 'lms-batch', label: (r: Row) => String(r.title) };

const SUBMISSION_STATUS: Record<string, string> = { submitted: 'Waiting for a grade', passed: 'Passed', failed: 'Failed' };
const REQUEST_STATUS: Record<string, string> = { requested: 'Requested', scheduled: 'Scheduled', passed: 'Passed', failed: 'Failed', cancelled: 'Cancelled' };

export const ASSIGNMENT_ENTITIES: EntityMeta[] = [
  {
    slug: 'lms-assignment',
    label: 'Assignments',
    singular: 'Assignment',
    description: 'Work learners hand in as text, a file or a link; a lesson of kind assignment or a batch assessment.',
    icon: <IconChecklist size={18} />,
    section: 'Learning',
    roles: GRADERS,
    createRoles: AUTHORS,
    api: { list: '/api/assignments', update: false },
    columns: [
      { key: 'title', label: 'Title' },
      { key: 'submissionKind', label: 'Handed in as' },
      { key: 'courseTitle', label: 'Course', render: (r) => (r.courseTitle ? String(r.courseTitle) : '—') },
    ],
    filters: [{ name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK }],
    fields: [
      { name: 'title', label: 'Title', kind: 'text', required: true },
      { name: 'submissionKind', label: 'Handed in as', kind: 'select', options: ['text', 'file', 'url'], required: true },
      { name: 'instructions', label: 'Instructions (Markdown)', kind: 'textarea', wide: true, initial: '' },
      { name: 'lessonId', label: 'Lesson', kind: 'custom', wide: true, render: (p) => <AssignmentLessonField {...p} /> },
    ],
  },
  {
    slug: 'lms-assignment-submission',
    label: 'Assignment submissions',
    singular: 'Assignment submission',
    description: 'Every handed-in version, oldest first; open one to grade it.',
    icon: <IconChecklist size={18} />,
    section: 'Learning',
    roles: GRADERS,
    api: { list: '/api/assignment-submissions', create: false, update: false, total: true },
    columns: [
      {
        key: 'memberName',
        label: 'Learner',
        render: (r) => (
          <Anchor component={Link} to={`/lms/grading/${String(r.id)}`}>
            {String(r.memberName)}
          </Anchor>
        ),
      },
      { key: 'assignmentTitle', label: 'Assignment' },
      { key: 'version', label: 'Version', numeric: true },
      { key: 'submittedAt', label: 'Handed in', render: (r) => readableDateTime(r.submittedAt) },
      { key: 'dueDate', label: 'Due', render: (r) => readableDay(r.dueDate) },
      {
        key: 'status',
        label: 'Status',
        render: (r) => (
          <>
            <Badge variant="light" color={r.status === 'passed' ? 'green' : r.status === 'failed' ? 'red' : 'blue'} c="gray.9">
              {SUBMISSION_STATUS[String(r.status)] ?? String(r.status)}
            </Badge>{' '}
            {r.late ? (
              <Badge variant="light" color="orange" c="gray.9">
                Late
              </Badge>
            ) : null}
          </>
        ),
      },
      { key: 'gradedByName', label: 'Graded by', render: (r) => (r.gradedByName ? String(r.gradedByName) : '—') },
    ],
    filters: [
      { name: 'status', label: 'Status', kind: 'select', options: ['submitted', 'passed', 'failed'] },
      { name: 'batchId', label: 'Batch', kind: 'link', link: BATCH_LINK },
    ],
    fields: [],
    noForm: true,
  },
  {
    slug: 'lms-certificate-request',
    label: 'Certificate requests',
    singular: 'Certificate request',
    description: 'Certificate evaluations: requested, booked and decided.',
    icon: <IconAward size={18} />,
    section: 'Learning',
    roles: GRADERS,
    api: { list: '/api/certificate-requests', create: false, update: false },
    columns: [
      { key: 'memberName', label: 'Learner' },
      { key: 'courseTitle', label: 'Course' },
      { key: 'evaluatorName', label: 'Evaluator', render: (r) => (r.evaluatorName ? String(r.evaluatorName) : '—') },
      { key: 'startsAt', label: 'When', render: (r) => readableDateTime(r.startsAt) },
      {
        key: 'status',
        label: 'Status',
        render: (r) => (
          <Badge variant="light" color={r.status === 'passed' ? 'green' : r.status === 'failed' ? 'red' : r.status === 'cancelled' ? 'gray' : 'blue'} c="gray.9">
            {REQUEST_STATUS[String(r.status)] ?? String(r.status)}
          </Badge>
        ),
      },
      { key: 'reason', label: 'Reason', render: (r) => (r.reason ? String(r.reason) : '—') },
    ],
    filters: [
      { name: 'status', label: 'Status', kind: 'select', options: ['requested', 'scheduled', 'passed', 'failed', 'cancelled'] },
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
      { name: 'batchId', label: 'Batch', kind: 'link', link: BATCH_LINK },
    ],
    fields: [],
    noForm: true,
  },
];
