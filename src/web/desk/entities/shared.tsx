/** Roles, link pickers and cells the desk entities share. */
import { Anchor, Group, Progress, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { type Role } from '../../../contract/roles.ts';
import { api } from '../../ui/api.ts';
import type { LinkRef, Row } from '../meta.ts';
import { readableDay } from '../../ui/dates.ts';

export const MODERATORS: readonly Role[] = ['System Manager', 'Moderator'];
export const AUTHORS: readonly Role[] = ['System Manager', 'Moderator', 'Course Creator'];
export const ENROLLERS: readonly Role[] = ['System Manager', 'Moderator'];

export const USER_LINK: LinkRef = { url: '/api/users', slug: 'user', label: (r) => `${String(r.fullName)} <${String(r.email)}>` };
/** A user by name alone, where the email would crowd a table (the audit log). */
export const USER_NAME_LINK: LinkRef = { ...USER_LINK, label: (r) => String(r.fullName) };
export const COURSE_LINK: LinkRef = { url: '/api/courses', slug: 'lms-course', label: (r) => String(r.title) };
export const EMPLOYEE_LINK: LinkRef = {
  url: '/api/employees',
  slug: 'employee',
  label: (r) => `${String(r.fullName)} (${String(r.employeeCode)})`,
};
export const QUIZ_LINK: LinkRef = { url: '/api/quizzes', slug: 'lms-quiz', label: (r) => String(r.title) };
export const CERTIFICATE_LINK: LinkRef = {
  url: '/api/certificates',
  slug: 'lms-certificate',
  label: (r) => `${String(r.courseTitle)}, issued ${readableDay(r.issueDate)}`,
};
export const TEMPLATE_LINK: LinkRef = {
  url: '/api/certificate-templates',
  slug: 'lms-certificate-template',
  label: (r) => String(r.name),
  noSearch: true,
};
export const DOC_TYPE_LINK: LinkRef = {
  url: '/api/employee-document-types',
  slug: 'employee-document-type',
  label: (r) => String(r.name),
  noSearch: true,
};
export const COMPLIANCE_TYPE_LINK: LinkRef = {
  url: '/api/compliance-types',
  slug: 'compliance-type',
  label: (r) => String(r.name),
  noSearch: true,
};
export const DEPARTMENT_LINK: LinkRef = { url: '/api/departments', label: (r) => String(r.name), valueKey: 'name' };
export const DESIGNATION_LINK: LinkRef = { url: '/api/designations', label: (r) => String(r.name), valueKey: 'name' };

export function ProgressCell({ value, align = 'end' }: { value: number | null | undefined; align?: 'start' | 'end' }) {
  if (value === null || value === undefined) return null;
  return (
    <Group gap="xs" wrap="nowrap" justify={align === 'end' ? 'flex-end' : 'flex-start'}>
      <Progress value={value} w={48} size="sm" aria-hidden="true" color={value >= 100 ? 'green' : 'blue'} />
      <Text size="sm" w={40} ta={align === 'end' ? 'right' : 'left'}>
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
