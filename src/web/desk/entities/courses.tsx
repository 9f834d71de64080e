/** Desk entities: courses. */
import { useState } from 'react';
import { Badge } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import type { Course } from '../../../contract/courses.ts';
import { IconBook } from '../../ui/icons.tsx';
import { LMS_STAFF_ROLES } from '../../ui/session.ts';
import { CourseAuditButton } from '../actions.tsx';
import { CourseExportButton, CourseImportButton } from '../CourseArchive.tsx';
import { CourseEditor } from '../CourseEditor.tsx';
import { ImageField } from '../ImageField.tsx';
import type { EntityMeta, Row } from '../meta.ts';
import { MODERATORS, AUTHORS, TEMPLATE_LINK } from './shared.tsx';

/**
 * The course cover. The image is saved at once (not with the form's Save), and the form is not
 * reloaded for it, so fields being edited keep what was typed.
 */
function CourseCover({ row }: { row: Row }) {
  const client = useQueryClient();
  const [imageUrl, setImageUrl] = useState<string | null>(typeof row.imageUrl === 'string' ? row.imageUrl : null);
  return (
    <ImageField
      title="Cover image"
      noun="cover image"
      description="Shown on the course's card in the catalog and My Courses, and at the top of its page. A PNG, JPEG, WebP or GIF image of at most 5 MB."
      imageUrl={imageUrl}
      url={`/api/courses/${encodeURIComponent(String(row.id))}/image`}
      accept={['image/png', 'image/jpeg', 'image/webp', 'image/gif']}
      acceptLabel="a PNG, JPEG, WebP or GIF image"
      maxBytes={5 * 1024 * 1024}
      previewAlt={`Cover image of ${String(row.title)}`}
      previewHeight={120}
      testId="course-cover"
      onChanged={async (saved) => {
        setImageUrl((saved as Course).imageUrl);
        await client.invalidateQueries({ queryKey: ['desk-list', 'lms-course'] });
        await client.invalidateQueries({ queryKey: ['desk-audit'] });
      }}
    />
  );
}

export const COURSE_ENTITIES: EntityMeta[] = [
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
    actions: (row) => (
      <>
        <CourseExportButton courseId={String(row.id)} />
        <CourseAuditButton courseId={String(row.id)} title={String(row.title)} />
      </>
    ),
    listActions: () => <CourseImportButton />,
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
      { name: 'description', label: 'Description', kind: 'markdown', wide: true },
      { name: 'published', label: 'Published', kind: 'boolean' },
      { name: 'mandatory', label: 'Mandatory', kind: 'boolean', description: 'Onboarding enrolls every new employee.' },
      { name: 'sequential', label: 'Sequential lessons', kind: 'boolean' },
      { name: 'disableSelfEnrollment', label: 'No self-enrollment', kind: 'boolean' },
      {
        name: 'enrollmentOpensAt',
        label: 'Self-enrollment opens (your time)',
        kind: 'datetime',
        nullable: true,
        description: 'Empty: open now. Staff, cohorts, onboarding and training assignments still enroll people at any time.',
      },
      {
        name: 'enrollmentClosesAt',
        label: 'Self-enrollment closes (your time)',
        kind: 'datetime',
        nullable: true,
        description: 'Empty: never closes. After this, learners can no longer enroll themselves; staff still can.',
      },
      {
        name: 'maxEnrollments',
        label: 'Maximum enrollments',
        kind: 'number',
        min: 1,
        max: 1000000,
        nullable: true,
        description: 'Self-enrollment stops when the course holds this many enrollments. Staff, cohort, onboarding and assignment enrollments are not limited.',
      },
      { name: 'paid', label: 'Paid', kind: 'boolean' },
      { name: 'price', label: 'Price', kind: 'money', currencyField: 'currency', max: 100_000_000, nullable: true },
      { name: 'currency', label: 'Currency (ISO 4217)', kind: 'text', nullable: true },
      { name: 'enableCertification', label: 'Certification', kind: 'boolean' },
      { name: 'certificateIssueMode', label: 'Certificate issue', kind: 'select', options: ['auto', 'claim'] },
      {
        name: 'evaluationRequired',
        label: 'Certificate only after an evaluation',
        kind: 'boolean',
        description: 'Learners book a certificate evaluation; a pass issues the certificate (not 100% progress).',
      },
      { name: 'certificateTemplateId', label: 'Certificate template', kind: 'link', link: TEMPLATE_LINK, nullable: true },
      { name: 'certificateValidityMonths', label: 'Certificate validity (months)', kind: 'number', min: 1, max: 600, nullable: true },
      {
        name: 'requiresAttestation',
        label: 'Learners attest',
        kind: 'boolean',
        description: 'On completion learners sign the statement below with their password; the certificate waits for it.',
      },
      { name: 'attestationText', label: 'Attestation statement', kind: 'textarea', nullable: true },
      {
        name: 'recertifyDaysBefore',
        label: 'Start recertification this many days before a certificate expires',
        description:
          'Needs a certificate validity. The learner starts the course again, with a training assignment due on the expiry date.',
        kind: 'number',
        min: 1,
        max: 3650,
        nullable: true,
      },
    ],
    extras: (row) => (
      <>
        <CourseCover row={row} />
        <CourseEditor courseId={String(row.id)} />
      </>
    ),
  },
];
