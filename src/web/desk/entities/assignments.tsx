/** The desk's list views of assignment submissions (the grading work) and certificate requests (evaluations). */
import { useEffect } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Badge, Select, Text } from '@mantine/core';
import { api } from '../../ui/api.ts';
import { readableDateTime, readableDay } from '../../ui/dates.ts';
import { IconAward, IconChecklist } from '../../ui/icons.tsx';
import type { Outline } from '../../../contract/courses.ts';
import type { Role } from '../../../contract/roles.ts';
import type { CustomFieldProps, EntityMeta, Row } from '../meta.ts';
import { COURSE_LINK } from './shared.tsx';
import { wordsOf } from '../words.ts';

const GRADERS: readonly Role[] = ['Moderator', 'Course Creator', 'Batch Evaluator'];
const AUTHORS: readonly Role[] = ['Moderator', 'Course Creator'];

/**
 * The lesson an assignment is: one of the chosen course's lessons of kind assignment (the course is
 * the field before). A lesson of another course is dropped when the course changes.
 */
function AssignmentLessonField(p: CustomFieldProps) {
  const courseId = typeof p.values?.courseId === 'string' && p.values.courseId ? p.values.courseId : null;
  const outline = useQuery({
    enabled: !!courseId,
    queryKey: ['desk', 'assignment-outline', courseId],
    queryFn: ({ signal }) => api.get<Outline>(`/api/courses/${courseId!}/outline`, { signal }),
  });
  const lessons = (outline.data?.chapters ?? []).flatMap((c) => c.lessons.filter((l) => l.kind === 'assignment').map((l) => ({ value: l.id, label: `${c.title}: ${l.title}` })));
  const value = typeof p.value === 'string' && p.value ? p.value : null;
  useEffect(() => {
    if (value && (!courseId || (outline.data && !lessons.some((l) => l.value === value)))) p.onChange(null);
  });
  if (!courseId) {
    return (
      <Text size="sm" c="gray.7">
        Choose the course first to link one of its assignment lessons (optional): the lesson completes when the work passes.
      </Text>
    );
  }
  return (
    <Select
      label="Assignment lesson (optional)"
      description="A lesson of kind assignment in the course: it completes when the submission passes."
      data={lessons}
      value={value}
      onChange={(v) => p.onChange(v)}
      error={p.errors[0]?.message}
      nothingFoundMessage="This course has no assignment lessons."
      placeholder={outline.isPending ? 'Loading the lessons…' : lessons.length === 0 ? 'The course has no assignment lessons yet' : 'Choose a lesson'}
      disabled={p.disabled}
      clearable
    />
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
    deleteRoles: AUTHORS,
    api: { list: '/api/assignments', update: 'PATCH', delete: true },
    auditEntity: 'assignment',
    columns: [
      { key: 'title', label: 'Title' },
      { key: 'submissionKind', label: 'Handed in as', render: (r) => wordsOf(String(r.submissionKind)) },
      { key: 'courseTitle', label: 'Course', render: (r) => (r.courseTitle ? String(r.courseTitle) : '—') },
      { key: 'lessonTitle', label: 'Lesson', render: (r) => (r.lessonTitle ? String(r.lessonTitle) : '—') },
    ],
    filters: [{ name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK }],
    fields: [
      { name: 'title', label: 'Title', kind: 'text', required: true },
      {
        name: 'submissionKind',
        label: 'Handed in as',
        kind: 'select',
        options: ['text', 'file', 'url'],
        required: true,
        description: 'Fixed once someone has handed in.',
      },
      { name: 'instructions', label: 'Instructions', kind: 'markdown', wide: true, initial: '' },
      { name: 'courseId', label: 'Course (optional)', kind: 'link', link: COURSE_LINK, nullable: true, display: (r) => (r.courseTitle ? String(r.courseTitle) : '—') },
      {
        name: 'lessonId',
        label: 'Lesson',
        kind: 'custom',
        wide: true,
        render: (p) => <AssignmentLessonField {...p} />,
        display: (r) => (r.lessonTitle ? String(r.lessonTitle) : '—'),
      },
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
      { name: 'status', label: 'Status', kind: 'select', options: ['submitted', 'passed', 'failed'], optionLabel: (c) => SUBMISSION_STATUS[c] ?? c },
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
      { name: 'status', label: 'Status', kind: 'select', options: ['requested', 'scheduled', 'passed', 'failed', 'cancelled'], optionLabel: (c) => REQUEST_STATUS[c] ?? c },
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
      { name: 'batchId', label: 'Batch', kind: 'link', link: BATCH_LINK },
    ],
    fields: [],
    noForm: true,
  },
];
