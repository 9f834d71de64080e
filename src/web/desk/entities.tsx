/**
 * Every entity on the desk, declared once. The sidebar, the generic list and the generic form
 * read this registry; adding an entity is adding an entry here.
 */
import { Anchor, Badge, Group, Paper, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useDebouncedValue } from '@mantine/hooks';
import { ENROLLMENT_SOURCES } from '../../contract/enrollments.ts';
import { ASSIGNMENT_STATUSES } from '../../contract/training-assignments.ts';
import { COMPLIANCE_STATUSES, EMPLOYEE_STATUSES, ONBOARDING_STATUSES } from '../../contract/hr.ts';
import { CERTIFICATE_STATUSES } from '../../contract/certificates.ts';
import { ROLES, type Role } from '../../contract/roles.ts';
import { api } from '../ui/api.ts';
import {
  IconAward,
  IconBook,
  IconChecklist,
  IconClipboard,
  IconFile,
  IconGrid,
  IconQuiz,
  IconRocket,
  IconSettings,
  IconShield,
  IconUser,
  IconUsers,
} from '../ui/icons.tsx';
import { HR_ROLE_NAMES, LMS_STAFF_ROLES } from '../ui/session.ts';
import { changesOf } from '../../contract/audit.ts';
import { CompleteComplianceButton, DownloadButton, FileToRecordButton, RevokeButton, RolesEditor } from './actions.tsx';
import { CourseEditor } from './CourseEditor.tsx';
import { StatusBadge } from './ListView.tsx';
import type { ReactNode } from 'react';
import type { EntityMeta, LinkRef, Row } from './meta.ts';
import { newQuestion, QuestionEditor, questionsFromQuiz, questionsToWire, type QuestionDraft } from './QuestionEditor.tsx';

const MODERATORS: readonly Role[] = ['System Manager', 'Moderator'];
const AUTHORS: readonly Role[] = ['System Manager', 'Moderator', 'Course Creator'];
const ENROLLERS: readonly Role[] = ['System Manager', 'Moderator'];

export const USER_LINK: LinkRef = { url: '/api/users', slug: 'user', label: (r) => `${String(r.fullName)} <${String(r.email)}>` };
export const COURSE_LINK: LinkRef = { url: '/api/courses', slug: 'lms-course', label: (r) => String(r.title) };
export const EMPLOYEE_LINK: LinkRef = {
  url: '/api/employees',
  slug: 'employee',
  label: (r) => `${String(r.fullName)} (${String(r.employeeCode)})`,
};
export const QUIZ_LINK: LinkRef = { url: '/api/quizzes', slug: 'lms-quiz', label: (r) => String(r.title) };
const TEMPLATE_LINK: LinkRef = {
  url: '/api/certificate-templates',
  slug: 'lms-certificate-template',
  label: (r) => String(r.name),
  noSearch: true,
};
const DOC_TYPE_LINK: LinkRef = {
  url: '/api/employee-document-types',
  slug: 'employee-document-type',
  label: (r) => String(r.name),
  noSearch: true,
};
const COMPLIANCE_TYPE_LINK: LinkRef = {
  url: '/api/compliance-types',
  slug: 'compliance-type',
  label: (r) => String(r.name),
  noSearch: true,
};
const DEPARTMENT_LINK: LinkRef = { url: '/api/departments', label: (r) => String(r.name), valueKey: 'name' };
const DESIGNATION_LINK: LinkRef = { url: '/api/designations', label: (r) => String(r.name), valueKey: 'name' };

function ProgressCell({ value }: { value: number | null | undefined }) {
  if (value === null || value === undefined) return null;
  return (
    <Group gap="xs" wrap="nowrap" justify="flex-end">
      <Progress value={value} w={70} size="sm" aria-hidden="true" color={value >= 100 ? 'green' : 'blue'} />
      <Text size="sm" w={40} ta="right">
        {value}%
      </Text>
    </Group>
  );
}

/** The name of a linked row, fetched once and cached (rows that only carry an id). */
export function LinkedName({ link, id }: { link: LinkRef; id: string | null | undefined }) {
  const row = useQuery({
    queryKey: ['desk-link-one', link.url, id],
    queryFn: ({ signal }) => api.get<Row>(`${link.url}/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: !!id,
    staleTime: 60_000,
    retry: false,
  });
  if (!id) return null;
  const label = row.data ? link.label(row.data) : id;
  return link.slug ? (
    <Anchor component={Link} to={`/app/${link.slug}/${encodeURIComponent(id)}`} size="sm">
      {label}
    </Anchor>
  ) : (
    <>{label}</>
  );
}

function OnboardingResult({ row }: { row: Row }) {
  const enrolled = (row.enrolled ?? []) as { courseId: string; enrollmentId: string; reused: boolean }[];
  const skipped = (row.skipped ?? []) as { courseId: string; reason: string }[];
  const assignments = (row.assignments ?? []) as { id: string; courseId: string; dueDate: string }[];
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="onboarding-result">
      <Title order={2} fz="lg" mb="sm" id="onboarding-result">
        Mandatory training
      </Title>
      <Stack gap="sm">
        <div>
          <Text fw={600} size="sm">
            Enrolled in {enrolled.length} {enrolled.length === 1 ? 'course' : 'courses'}
          </Text>
          <Table data-testid="onboarding-enrolled" fz="sm">
            <Table.Tbody>
              {enrolled.map((e) => (
                <Table.Tr key={e.enrollmentId}>
                  <Table.Td>
                    <LinkedName link={COURSE_LINK} id={e.courseId} />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/app/lms-enrollment/${e.enrollmentId}`} size="sm">
                      Enrollment{e.reused ? ' (already existed)' : ''}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>due {assignments.find((a) => a.courseId === e.courseId)?.dueDate ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
        {skipped.length > 0 && (
          <div>
            <Text fw={600} size="sm">
              Skipped
            </Text>
            {skipped.map((s) => (
              <Text key={s.courseId} size="sm">
                <LinkedName link={COURSE_LINK} id={s.courseId} /> — {s.reason}
              </Text>
            ))}
          </div>
        )}
      </Stack>
    </Paper>
  );
}

/** Departments and designations: names created on first use, listed with their headcount. */
function namesEntity(slug: 'department' | 'designation', label: string, icon: ReactNode): EntityMeta {
  return {
    slug,
    label,
    singular: label.slice(0, -1),
    description: `${label} (created on first use by an employee) and their headcount.`,
    icon,
    section: 'HR',
    roles: HR_ROLE_NAMES,
    api: { list: `/api/${slug}s`, create: false, update: false, exportCsv: `/api/${slug}s/export.csv` },
    columns: [
      {
        key: 'name',
        label: 'Name',
        render: (r) => (
          <Anchor component={Link} to={`/app/employee?${slug}=${encodeURIComponent(String(r.name))}`}>
            {String(r.name)}
          </Anchor>
        ),
      },
      { key: 'employees', label: 'Active employees', numeric: true },
    ],
    filters: [{ name: 'q', label: 'Name contains', kind: 'text' }],
    fields: [],
    noForm: true,
  };
}

function TemplatePreview({ row, unsaved }: { row: Row; unsaved: Record<string, unknown> }) {
  // The template as saved plus the form's unsaved edits (not its name or default flag), re-rendered
  // a moment after typing stops.
  const { name: _name, isDefault: _isDefault, ...edits } = unsaved;
  const [debounced] = useDebouncedValue(JSON.stringify(edits), 600);
  const pending = debounced !== '{}';
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="template-preview">
      <Title order={2} fz="lg" mb="sm" id="template-preview">
        Preview
      </Title>
      <Text size="sm" c="gray.7" mb="sm">
        {pending ? 'A sample certificate with your unsaved changes.' : 'A sample certificate rendered with this template as saved.'}
      </Text>
      <PreviewFrame id={String(row.id)} stamp={String(row.updatedAt)} edits={debounced} />
    </Paper>
  );
}

function PreviewFrame({ id, stamp, edits }: { id: string; stamp: string; edits: string }) {
  const pdf = useQuery({
    queryKey: ['desk-template-preview', id, stamp, edits],
    queryFn: async ({ signal }) => {
      const res = await fetch(`/api/certificate-templates/${encodeURIComponent(id)}/preview.pdf`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: edits,
        signal,
      });
      if (!res.ok) {
        const problem = (await res.json().catch(() => null)) as { detail?: string; errors?: { message: string }[] } | null;
        throw new Error(problem?.errors?.[0]?.message ?? problem?.detail ?? `The preview could not be rendered (HTTP ${res.status}).`);
      }
      return URL.createObjectURL(await res.blob());
    },
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
  if (pdf.isError) return <Text c="red">{String(pdf.error.message)}</Text>;
  if (!pdf.data) return <Text size="sm">Rendering…</Text>;
  return (
    <Anchor href={pdf.data} target="_blank" rel="noopener">
      Open the preview PDF
    </Anchor>
  );
}

export const ENTITIES: EntityMeta[] = [
  // ---------------------------------------------------------------------------------- Learning
  {
    slug: 'lms-course',
    label: 'Courses',
    singular: 'Course',
    description: 'Courses, their chapters and lessons.',
    icon: <IconBook size={18} />,
    section: 'Learning',
    roles: LMS_STAFF_ROLES,
    createRoles: AUTHORS,
    deleteRoles: MODERATORS,
    api: { list: '/api/courses', update: 'PATCH', delete: true, total: true, exportCsv: '/api/courses/export.csv' },
    auditEntity: 'course',
    columns: [
      { key: 'title', sort: 'title', label: 'Title' },
      { key: 'category', sort: 'category', label: 'Category' },
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
      { key: 'mandatory', label: 'Mandatory', render: (r) => (r.mandatory ? 'Yes' : 'No') },
      { key: 'lessonCount', label: 'Lessons', numeric: true },
    ],
    filters: [
      { name: 'q', label: 'Title contains', kind: 'text' },
      { name: 'published', label: 'Published', kind: 'boolean' },
      { name: 'mandatory', label: 'Mandatory', kind: 'boolean' },
      { name: 'category', label: 'Category', kind: 'text' },
    ],
    fields: [
      { name: 'title', label: 'Title', kind: 'text', required: true },
      { name: 'category', label: 'Category', kind: 'text', nullable: true },
      { name: 'shortIntroduction', label: 'Short introduction', kind: 'textarea' },
      { name: 'description', label: 'Description (Markdown)', kind: 'textarea' },
      { name: 'published', label: 'Published', kind: 'boolean' },
      { name: 'mandatory', label: 'Mandatory', kind: 'boolean', description: 'Onboarding enrolls every new employee.' },
      { name: 'sequential', label: 'Sequential lessons', kind: 'boolean' },
      { name: 'disableSelfEnrollment', label: 'No self-enrollment', kind: 'boolean' },
      { name: 'paid', label: 'Paid', kind: 'boolean' },
      { name: 'price', label: 'Price', kind: 'number', min: 0, nullable: true },
      { name: 'currency', label: 'Currency (ISO 4217)', kind: 'text', nullable: true },
      { name: 'enableCertification', label: 'Certification', kind: 'boolean' },
      { name: 'certificateIssueMode', label: 'Certificate issue', kind: 'select', options: ['auto', 'claim'] },
      { name: 'certificateTemplateId', label: 'Certificate template', kind: 'link', link: TEMPLATE_LINK, nullable: true },
      { name: 'certificateValidityMonths', label: 'Certificate validity (months)', kind: 'number', min: 1, max: 600, nullable: true },
    ],
    extras: (row) => <CourseEditor courseId={String(row.id)} />,
  },
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
      const e = await api.get<Row>(`/api/enrollments/${encodeURIComponent(id)}`, { signal });
      // Names of the member and the course; a reader who may not see one keeps the id.
      const [member, course] = await Promise.all([
        api.get<Row>(`/api/users/${encodeURIComponent(String(e.memberId))}`, { signal }).catch(() => null),
        api.get<Row>(`/api/courses/${encodeURIComponent(String(e.courseId))}`, { signal }).catch(() => null),
      ]);
      return {
        ...e,
        memberName: String(member?.fullName ?? e.memberId),
        memberEmail: member ? String(member.email) : null,
        courseTitle: String(course?.title ?? e.courseId),
      };
    },
    deleteWarning:
      'Deleting the enrollment revokes the learner’s access to the course and removes their lesson progress. The deleted enrollment and its progress are kept in the audit log.',
    columns: [
      { key: 'memberName', sort: 'memberName', label: 'Member' },
      { key: 'memberEmail', label: 'Email' },
      { key: 'courseTitle', sort: 'courseTitle', label: 'Course' },
      { key: 'progress', sort: 'progress', label: 'Progress', numeric: true, render: (r) => <ProgressCell value={r.progress as number} /> },
      {
        key: 'source',
        label: 'Source',
        render: (r) => (
          <Badge variant="outline" c="gray.9" tt="none">
            {String(r.source)}
          </Badge>
        ),
      },
      {
        key: 'completedAt',
        sort: 'completedAt',
        label: 'Completed',
        render: (r) => (r.completedAt ? String(r.completedAt).slice(0, 10) : ''),
      },
      { key: 'createdAt', sort: 'createdAt', label: 'Enrolled', render: (r) => String(r.createdAt).slice(0, 10) },
    ],
    filters: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK },
      { name: 'source', label: 'Source', kind: 'select', options: ENROLLMENT_SOURCES },
      { name: 'completed', label: 'Completed', kind: 'boolean' },
      { name: 'progress', label: 'Progress %', kind: 'range', rangeParams: ['progressMin', 'progressMax'], min: 0, max: 100 },
      { name: 'q', label: 'Member or course contains', kind: 'text' },
    ],
    fields: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK, required: true, createOnly: true },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK, required: true, createOnly: true },
      { name: 'memberName', label: 'Member', kind: 'text', editOnly: true, readOnly: true },
      { name: 'courseTitle', label: 'Course', kind: 'text', editOnly: true, readOnly: true },
      { name: 'progress', label: 'Progress (%)', kind: 'number', editOnly: true, readOnly: true },
      { name: 'source', label: 'Source', kind: 'text', editOnly: true, readOnly: true },
      { name: 'completedAt', label: 'Completed at', kind: 'text', editOnly: true, readOnly: true },
      { name: 'createdAt', label: 'Enrolled at', kind: 'text', editOnly: true, readOnly: true },
      { name: 'lastActivityAt', label: 'Last activity', kind: 'text', editOnly: true, readOnly: true },
    ],
    actions: (row) => (
      <>
        <DownloadButton
          url={`/api/enrollments/${encodeURIComponent(String(row.id))}/quiz-report.pdf`}
          fileName="course-quiz-report.pdf"
          label="Download Course Quiz PDF"
        />
        <FileToRecordButton kind="course-quiz-report" id={String(row.id)} />
      </>
    ),
  },
  {
    slug: 'lms-quiz',
    label: 'Quizzes',
    singular: 'Quiz',
    description: 'Quizzes, questions and pass marks.',
    icon: <IconQuiz size={18} />,
    section: 'Learning',
    roles: AUTHORS,
    api: { list: '/api/quizzes', update: 'PATCH', delete: true, total: true, exportCsv: '/api/quizzes/export.csv' },
    auditEntity: 'quiz',
    columns: [
      { key: 'title', label: 'Title' },
      { key: 'courseTitle', label: 'Course' },
      { key: 'questionCount', label: 'Questions', numeric: true },
      { key: 'passingPercentage', label: 'Pass %', numeric: true },
      {
        key: 'maxAttempts',
        label: 'Max attempts',
        numeric: true,
        render: (r) => (r.maxAttempts === 0 ? 'unlimited' : String(r.maxAttempts)),
      },
    ],
    filters: [
      { name: 'q', label: 'Title contains', kind: 'text' },
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
    ],
    fields: [
      { name: 'title', label: 'Title', kind: 'text', required: true },
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK, createOnly: true },
      { name: 'description', label: 'Description (Markdown)', kind: 'textarea' },
      { name: 'passingPercentage', label: 'Passing percentage', kind: 'number', min: 0, max: 100, required: true },
      { name: 'maxAttempts', label: 'Max attempts (0 = unlimited)', kind: 'number', min: 0, max: 1000 },
      { name: 'timeLimitMinutes', label: 'Time limit (minutes)', kind: 'number', min: 1, nullable: true },
      { name: 'shuffle', label: 'Shuffle questions and options', kind: 'boolean' },
      { name: 'showAnswers', label: 'Show answers after submit', kind: 'boolean' },
      {
        name: 'questions',
        label: 'Questions',
        kind: 'custom',
        wide: true,
        initial: [newQuestion()],
        fromRow: questionsFromQuiz,
        toWire: (v) => questionsToWire(v as QuestionDraft[]),
        render: (p) => <QuestionEditor {...p} />,
      },
    ],
  },
  {
    slug: 'lms-quiz-submission',
    label: 'Quiz Submissions',
    singular: 'Quiz submission',
    description: 'Quiz attempts with their scores.',
    icon: <IconClipboard size={18} />,
    section: 'Learning',
    roles: [...LMS_STAFF_ROLES, 'HR Manager', 'HR User'],
    api: { list: '/api/quiz-submissions', create: false, update: false, total: true, exportCsv: '/api/quiz-submissions/export.csv' },
    auditEntity: 'quiz_submission',
    title: (r) => `${String(r.quizTitle)} — ${String(r.memberName)} (attempt ${String(r.attempt)})`,
    columns: [
      { key: 'memberName', sort: 'memberName', label: 'Member' },
      { key: 'quizTitle', sort: 'quizTitle', label: 'Quiz' },
      { key: 'courseTitle', label: 'Course' },
      { key: 'attempt', sort: 'attempt', label: 'Attempt', numeric: true },
      { key: 'percentage', sort: 'percentage', label: 'Score %', numeric: true },
      { key: 'passed', label: 'Passed', render: (r) => (r.passed === null || r.passed === undefined ? '' : r.passed ? 'Yes' : 'No') },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge value={r.status as string} /> },
    ],
    filters: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
      { name: 'quizId', label: 'Quiz', kind: 'link', link: QUIZ_LINK },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK },
      { name: 'passed', label: 'Passed', kind: 'boolean' },
      { name: 'status', label: 'Status', kind: 'select', options: ['in_progress', 'pending_review', 'graded', 'expired'] },
    ],
    fields: [
      { name: 'memberName', label: 'Member', kind: 'text', readOnly: true },
      { name: 'quizTitle', label: 'Quiz', kind: 'text', readOnly: true },
      { name: 'score', label: 'Score', kind: 'number', readOnly: true },
      { name: 'percentage', label: 'Percentage', kind: 'number', readOnly: true },
      { name: 'status', label: 'Status', kind: 'text', readOnly: true },
      { name: 'submittedAt', label: 'Submitted at', kind: 'text', readOnly: true },
    ],
    actions: (row) => (
      <>
        <DownloadButton
          url={`/api/quiz-submissions/${encodeURIComponent(String(row.id))}/report.pdf`}
          fileName="quiz-submission-report.pdf"
          label="Download report PDF"
        />
        <FileToRecordButton kind="quiz-submission" id={String(row.id)} />
      </>
    ),
  },
  {
    slug: 'lms-certificate',
    label: 'Certificates',
    singular: 'Certificate',
    description: 'Certificates issued on completion.',
    icon: <IconAward size={18} />,
    section: 'Learning',
    roles: [...LMS_STAFF_ROLES, 'HR Manager', 'HR User'],
    createRoles: MODERATORS,
    api: { list: '/api/certificates', update: false, total: true, exportCsv: '/api/certificates/export.csv' },
    auditEntity: 'certificate',
    title: (r) => `${String(r.courseTitle)} — ${String(r.memberName)}`,
    columns: [
      { key: 'memberName', sort: 'memberName', label: 'Member' },
      { key: 'courseTitle', sort: 'courseTitle', label: 'Course' },
      { key: 'issueDate', sort: 'issueDate', label: 'Issued' },
      { key: 'expiryDate', sort: 'expiryDate', label: 'Expires' },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge value={r.status as string} /> },
    ],
    filters: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK },
      { name: 'status', label: 'Status', kind: 'select', options: CERTIFICATE_STATUSES },
      { name: 'expiringBefore', label: 'Expiring before', kind: 'date' },
    ],
    fields: [
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK, required: true },
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK, required: true },
      { name: 'issueDate', label: 'Issue date', kind: 'date' },
      { name: 'expiryDate', label: 'Expiry date', kind: 'date', editOnly: true, readOnly: true },
      { name: 'status', label: 'Status', kind: 'text', editOnly: true, readOnly: true },
      { name: 'verificationUrl', label: 'Verification link', kind: 'text', editOnly: true, readOnly: true },
    ],
    actions: (row, { refresh }) => (
      <>
        <DownloadButton
          url={`/api/certificates/${encodeURIComponent(String(row.id))}/pdf`}
          fileName="certificate.pdf"
          label="Download PDF"
        />
        <FileToRecordButton kind="certificate" id={String(row.id)} />
        {row.status !== 'revoked' && <RevokeButton id={String(row.id)} refresh={refresh} />}
      </>
    ),
  },
  {
    slug: 'lms-certificate-template',
    label: 'Certificate Templates',
    singular: 'Certificate template',
    description: 'Layouts and texts of certificates.',
    icon: <IconGrid size={18} />,
    section: 'Learning',
    roles: ['System Manager', 'Moderator'],
    createRoles: ['System Manager'],
    deleteRoles: ['System Manager'],
    api: { list: '/api/certificate-templates', unpaged: true, update: 'PATCH', delete: true },
    auditEntity: 'certificate-template',
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'orientation', label: 'Orientation' },
      { key: 'pageSize', label: 'Page' },
      { key: 'isDefault', label: 'Default', render: (r) => (r.isDefault ? 'Yes' : '') },
    ],
    filters: [],
    fields: [
      { name: 'name', label: 'Name', kind: 'text', required: true },
      { name: 'orientation', label: 'Orientation', kind: 'select', options: ['landscape', 'portrait'] },
      { name: 'pageSize', label: 'Page size', kind: 'select', options: ['A4', 'LETTER'] },
      { name: 'title', label: 'Title', kind: 'text' },
      { name: 'subtitle', label: 'Subtitle', kind: 'text' },
      { name: 'body', label: 'Body ({{memberName}}, {{courseTitle}}, {{issueDate}}…)', kind: 'textarea' },
      { name: 'signerName', label: 'Signer name', kind: 'text' },
      { name: 'signerTitle', label: 'Signer title', kind: 'text' },
      { name: 'primaryColor', label: 'Primary colour', kind: 'text' },
      { name: 'textColor', label: 'Text colour', kind: 'text' },
      { name: 'backgroundColor', label: 'Background colour', kind: 'text' },
      { name: 'isDefault', label: 'Default template', kind: 'boolean' },
    ],
    extras: (row, { unsaved }) => <TemplatePreview row={row} unsaved={unsaved} />,
  },
  {
    slug: 'lms-training-assignment',
    label: 'Training Assignments',
    singular: 'Training assignment',
    description: 'Mandatory training assigned to people, with due dates.',
    icon: <IconChecklist size={18} />,
    section: 'Learning',
    roles: [...LMS_STAFF_ROLES, 'HR Manager', 'HR User'],
    createRoles: ['System Manager', 'Moderator', 'HR Manager', 'HR User'],
    importKind: 'training-assignments',
    api: { list: '/api/training-assignments', update: false, total: true, exportCsv: '/api/training-assignments/export.csv' },
    auditEntity: 'training_assignment',
    title: (r) => `Assignment ${String(r.id)}`,
    columns: [
      { key: 'memberName', sort: 'memberName', label: 'Member' },
      { key: 'courseTitle', sort: 'courseTitle', label: 'Course' },
      { key: 'dueDate', sort: 'dueDate', label: 'Due' },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge value={r.status as string} /> },
      { key: 'progress', label: 'Progress', numeric: true, render: (r) => <ProgressCell value={r.progress as number | null} /> },
      { key: 'source', label: 'Source' },
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
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK, required: true },
      { name: 'dueDate', label: 'Due date', kind: 'date', required: true },
      { name: 'department', label: 'Everyone in department', kind: 'link', link: DEPARTMENT_LINK, createOnly: true },
      { name: 'designation', label: 'Everyone with designation', kind: 'link', link: DESIGNATION_LINK, createOnly: true },
      { name: 'status', label: 'Status', kind: 'text', editOnly: true, readOnly: true },
      { name: 'enrollmentId', label: 'Enrollment', kind: 'text', editOnly: true, readOnly: true },
    ],
  },
  // ---------------------------------------------------------------------------------------- HR
  {
    slug: 'employee',
    label: 'Employees',
    singular: 'Employee',
    description: 'People in the organisation.',
    icon: <IconUser size={18} />,
    section: 'HR',
    roles: HR_ROLE_NAMES,
    importKind: 'employees',
    api: { list: '/api/employees', update: 'PATCH', total: true, exportCsv: '/api/employees/export.csv' },
    auditEntity: 'employee',
    title: (r) => `${String(r.fullName)} (${String(r.employeeCode)})`,
    columns: [
      { key: 'fullName', sort: 'fullName', label: 'Name' },
      { key: 'employeeCode', sort: 'employeeCode', label: 'Code' },
      { key: 'department', sort: 'department', label: 'Department' },
      { key: 'designation', sort: 'designation', label: 'Designation' },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge value={r.status as string} /> },
      { key: 'userId', label: 'Linked user', render: (r) => (r.userId ? 'Yes' : 'No') },
    ],
    filters: [
      { name: 'q', label: 'Name or code contains', kind: 'text' },
      { name: 'department', label: 'Department', kind: 'link', link: DEPARTMENT_LINK },
      { name: 'designation', label: 'Designation', kind: 'link', link: DESIGNATION_LINK },
      { name: 'status', label: 'Status', kind: 'select', options: EMPLOYEE_STATUSES },
    ],
    fields: [
      { name: 'employeeCode', label: 'Employee code', kind: 'text', required: true },
      { name: 'fullName', label: 'Full name', kind: 'text', required: true },
      {
        name: 'userId',
        label: 'Linked user',
        kind: 'link',
        link: USER_LINK,
        nullable: true,
        description: 'The user gains the LMS Student role.',
      },
      { name: 'department', label: 'Department', kind: 'text', nullable: true },
      { name: 'designation', label: 'Designation', kind: 'text', nullable: true },
      { name: 'reportsToId', label: 'Reports to', kind: 'link', link: EMPLOYEE_LINK, nullable: true },
      { name: 'dateOfJoining', label: 'Date of joining', kind: 'date', nullable: true },
      { name: 'status', label: 'Status', kind: 'select', options: EMPLOYEE_STATUSES },
    ],
  },
  {
    slug: 'employee-onboarding',
    label: 'Onboarding',
    singular: 'Employee onboarding',
    description: 'Onboarding plans for new joiners; creating one enrolls the employee in mandatory training.',
    icon: <IconRocket size={18} />,
    section: 'HR',
    roles: HR_ROLE_NAMES,
    api: { list: '/api/employee-onboardings', update: 'PATCH', exportCsv: '/api/employee-onboardings/export.csv' },
    title: (r) => `Onboarding ${String(r.onboardingDate)}`,
    columns: [
      {
        key: 'employeeId',
        label: 'Employee',
        render: (r) => <LinkedName link={{ ...EMPLOYEE_LINK, slug: undefined }} id={r.employeeId as string} />,
      },
      { key: 'onboardingDate', label: 'Date' },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge value={r.status as string} /> },
      { key: 'enrolled', label: 'Enrolled', numeric: true, render: (r) => String((r.enrolled as unknown[]).length) },
    ],
    filters: [
      { name: 'employeeId', label: 'Employee', kind: 'link', link: EMPLOYEE_LINK },
      { name: 'status', label: 'Status', kind: 'select', options: ONBOARDING_STATUSES },
    ],
    fields: [
      { name: 'employeeId', label: 'Employee', kind: 'link', link: EMPLOYEE_LINK, required: true, createOnly: true },
      { name: 'onboardingDate', label: 'Onboarding date', kind: 'date', createOnly: true },
      { name: 'status', label: 'Status', kind: 'select', options: ONBOARDING_STATUSES, editOnly: true },
    ],
    extras: (row) => <OnboardingResult row={row} />,
  },
  {
    slug: 'employee-document',
    label: 'Documents',
    singular: 'Employee document',
    description: 'Documents on employee records, including filed LMS certificates and reports.',
    icon: <IconFile size={18} />,
    section: 'HR',
    roles: HR_ROLE_NAMES,
    deleteRoles: ['HR Manager'],
    api: { list: '/api/employee-documents', update: 'PATCH', delete: true, exportCsv: '/api/employee-documents/export.csv' },
    auditEntity: 'employee_document',
    columns: [
      { key: 'title', label: 'Title' },
      {
        key: 'employeeId',
        label: 'Employee',
        render: (r) => <LinkedName link={{ ...EMPLOYEE_LINK, slug: undefined }} id={r.employeeId as string} />,
      },
      { key: 'issueDate', label: 'Issued' },
      { key: 'expiryDate', label: 'Expires' },
      { key: 'source', label: 'From', render: (r) => (r.source ? String((r.source as Row).kind) : '') },
    ],
    filters: [
      { name: 'employeeId', label: 'Employee', kind: 'link', link: EMPLOYEE_LINK },
      { name: 'documentTypeId', label: 'Type', kind: 'link', link: DOC_TYPE_LINK },
      { name: 'expiringBefore', label: 'Expiring before', kind: 'date' },
    ],
    fields: [
      { name: 'employeeId', label: 'Employee', kind: 'link', link: EMPLOYEE_LINK, required: true, createOnly: true },
      { name: 'documentTypeId', label: 'Type', kind: 'link', link: DOC_TYPE_LINK, nullable: true },
      { name: 'title', label: 'Title', kind: 'text', required: true },
      { name: 'issueDate', label: 'Issue date', kind: 'date', nullable: true },
      { name: 'expiryDate', label: 'Expiry date', kind: 'date', nullable: true },
    ],
    actions: (row) =>
      row.fileUrl ? <DownloadButton url={String(row.fileUrl)} fileName={String(row.fileName ?? 'document')} label="Download file" /> : null,
  },
  {
    slug: 'employee-document-type',
    label: 'Document Types',
    singular: 'Document type',
    description: 'Kinds of employee documents and their validity.',
    icon: <IconFile size={18} />,
    section: 'HR',
    roles: HR_ROLE_NAMES,
    api: { list: '/api/employee-document-types', unpaged: true, update: 'PATCH' },
    auditEntity: 'employee_document_type',
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'expires', label: 'Expires' },
      { key: 'defaultValidityMonths', label: 'Validity (months)', numeric: true },
    ],
    filters: [],
    fields: [
      { name: 'name', label: 'Name', kind: 'text', required: true },
      { name: 'expires', label: 'Expires', kind: 'boolean' },
      { name: 'defaultValidityMonths', label: 'Default validity (months)', kind: 'number', min: 1, nullable: true },
    ],
  },
  {
    slug: 'employee-compliance',
    label: 'Compliance',
    singular: 'Employee compliance',
    description: 'Who is compliant, who is overdue.',
    icon: <IconShield size={18} />,
    section: 'HR',
    roles: HR_ROLE_NAMES,
    api: { list: '/api/employee-compliance', update: false, exportCsv: '/api/employee-compliance/export.csv' },
    auditEntity: 'employee_compliance',
    title: (r) => String(r.complianceTypeName),
    columns: [
      { key: 'complianceTypeName', label: 'Type' },
      {
        key: 'employeeId',
        label: 'Employee',
        render: (r) => <LinkedName link={{ ...EMPLOYEE_LINK, slug: undefined }} id={r.employeeId as string} />,
      },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge value={r.status as string} /> },
      { key: 'completedOn', label: 'Completed' },
      { key: 'renewalDate', label: 'Renewal' },
    ],
    filters: [
      { name: 'employeeId', label: 'Employee', kind: 'link', link: EMPLOYEE_LINK },
      { name: 'complianceTypeId', label: 'Type', kind: 'link', link: COMPLIANCE_TYPE_LINK },
      { name: 'status', label: 'Status', kind: 'select', options: COMPLIANCE_STATUSES },
      { name: 'department', label: 'Department', kind: 'link', link: DEPARTMENT_LINK },
    ],
    fields: [
      { name: 'employeeId', label: 'Employee', kind: 'link', link: EMPLOYEE_LINK, required: true },
      { name: 'complianceTypeId', label: 'Compliance type', kind: 'link', link: COMPLIANCE_TYPE_LINK, required: true },
      { name: 'status', label: 'Status', kind: 'text', editOnly: true, readOnly: true },
      { name: 'completedOn', label: 'Completed on', kind: 'text', editOnly: true, readOnly: true },
      { name: 'renewalDate', label: 'Renewal date', kind: 'text', editOnly: true, readOnly: true },
    ],
    actions: (row, { refresh }) => (row.status !== 'complete' ? <CompleteComplianceButton id={String(row.id)} refresh={refresh} /> : null),
  },
  {
    slug: 'compliance-type',
    label: 'Compliance Types',
    singular: 'Compliance type',
    description: 'Obligations, their renewal period and reminder lead time.',
    icon: <IconShield size={18} />,
    section: 'HR',
    roles: HR_ROLE_NAMES,
    api: { list: '/api/compliance-types', unpaged: true, update: 'PATCH' },
    auditEntity: 'compliance_type',
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'renewalMonths', label: 'Renewal (months)', numeric: true },
      { key: 'reminderLeadDays', label: 'Reminder lead (days)', numeric: true },
    ],
    filters: [],
    fields: [
      { name: 'name', label: 'Name', kind: 'text', required: true },
      { name: 'renewalMonths', label: 'Renewal (months)', kind: 'number', min: 1, nullable: true },
      { name: 'reminderLeadDays', label: 'Reminder lead time (days)', kind: 'number', min: 0 },
    ],
  },
  namesEntity('department', 'Departments', <IconUsers size={18} />),
  namesEntity('designation', 'Designations', <IconUser size={18} />),
  // ---------------------------------------------------------------------------------- Settings
  {
    slug: 'user',
    label: 'Users',
    singular: 'User',
    description: 'User accounts and their roles.',
    icon: <IconClipboard size={18} />,
    section: 'Settings',
    roles: ['System Manager'],
    api: { list: '/api/users', update: 'PATCH', exportCsv: '/api/users/export.csv' },
    auditEntity: 'user',
    title: (r) => String(r.fullName),
    columns: [
      { key: 'fullName', sort: 'fullName', label: 'Name' },
      { key: 'email', sort: 'email', label: 'Email' },
      { key: 'roles', label: 'Roles', render: (r) => ((r.roles ?? []) as string[]).join(', ') },
      { key: 'enabled', label: 'Enabled', render: (r) => (r.enabled ? 'Yes' : 'No') },
    ],
    filters: [
      { name: 'q', label: 'Name or email contains', kind: 'text' },
      { name: 'role', label: 'Role', kind: 'select', options: ROLES },
      { name: 'enabled', label: 'Enabled', kind: 'boolean' },
    ],
    fields: [
      { name: 'email', label: 'Email', kind: 'email', required: true, createOnly: true },
      { name: 'fullName', label: 'Full name', kind: 'text', required: true },
      { name: 'password', label: 'Password', kind: 'password', description: 'Leave empty to keep the current one.' },
      { name: 'roles', label: 'Roles', kind: 'multiselect', options: ROLES, createOnly: true },
      { name: 'enabled', label: 'Enabled', kind: 'boolean' },
    ],
    extras: (row, { refresh }) => <RolesEditor user={row} refresh={refresh} />,
  },
  {
    slug: 'lms-settings',
    label: 'LMS Settings',
    singular: 'LMS Settings',
    description: 'Organisation name, default due days and other settings.',
    icon: <IconSettings size={18} />,
    section: 'Settings',
    roles: ['System Manager'],
    api: { list: '/api/settings', create: false, update: 'PATCH' },
    auditEntity: 'settings',
    single: true,
    title: () => 'LMS Settings',
    columns: [],
    filters: [],
    fields: [
      { name: 'organisationName', label: 'Organisation name', kind: 'text', required: true },
      { name: 'defaultDueDays', label: 'Default due days for mandatory training', kind: 'number', min: 1, max: 3650 },
      { name: 'certificateExpiryWarningDays', label: 'Warn this many days before a certificate expires', kind: 'number', min: 1, max: 365 },
      { name: 'supportEmail', label: 'Support email', kind: 'email', nullable: true },
      {
        name: 'recommendationEndpoint',
        label: 'Recommendation provider endpoint',
        description: 'Optional: the chat-completions URL of an OpenAI-compatible service that re-orders course suggestions.',
        kind: 'text',
        nullable: true,
      },
      { name: 'recommendationModel', label: 'Recommendation provider model', kind: 'text', nullable: true },
      {
        name: 'recommendationApiKey',
        label: 'Recommendation provider key',
        description: 'Write-only: it is never shown again. Leave empty to keep the stored key.',
        kind: 'password',
      },
    ],
  },
  {
    slug: 'audit-log',
    label: 'Audit Log',
    singular: 'Audit entry',
    description: 'Who changed what, when — including deleted records.',
    icon: <IconClipboard size={18} />,
    section: 'Settings',
    roles: ['System Manager', 'Moderator'],
    api: { list: '/api/audit-log', create: false, update: false, exportCsv: '/api/audit-log/export.csv' },
    noForm: true,
    columns: [
      { key: 'at', label: 'When', render: (r) => String(r.at).slice(0, 19).replace('T', ' ') },
      {
        key: 'action',
        label: 'Action',
        render: (r) => (
          <Badge variant="light" c="gray.9" tt="none" color={r.action === 'delete' ? 'red' : 'blue'}>
            {String(r.action)}
          </Badge>
        ),
      },
      { key: 'entity', label: 'Entity' },
      { key: 'entityId', label: 'Record' },
      {
        key: 'actorId',
        label: 'By',
        render: (r) => <LinkedName link={{ ...USER_LINK, slug: undefined }} id={r.actorId as string | null} />,
      },
      {
        key: 'changes',
        label: 'Changes',
        render: (r) => (
          <Text size="xs" c="gray.7" maw={360} lineClamp={3}>
            {changesOf(r as { before: unknown; after: unknown })
              .map((c) => c.field)
              .join(', ')}
          </Text>
        ),
      },
    ],
    filters: [
      {
        name: 'entity',
        label: 'Entity',
        kind: 'select',
        options: [
          'enrollment',
          'course',
          'chapter',
          'lesson',
          'quiz',
          'quiz_submission',
          'certificate',
          'training_assignment',
          'employee',
          'employee_document',
          'employee_compliance',
          'user',
          'settings',
        ],
      },
      { name: 'entityId', label: 'Record id', kind: 'text' },
      { name: 'action', label: 'Action', kind: 'text' },
      { name: 'actorId', label: 'By', kind: 'link', link: USER_LINK },
      { name: 'importId', label: 'Import id', kind: 'text' },
    ],
    fields: [],
  },
];

export function findEntity(slug: string): EntityMeta | undefined {
  return ENTITIES.find((e) => e.slug === slug);
}
