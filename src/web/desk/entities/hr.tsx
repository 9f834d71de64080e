/** Desk entities: employees, onboarding, documents, compliance, departments and designations. */
import { readableDay } from '../../ui/dates.ts';
import { api } from '../../ui/api.ts';
import { EmployeeTraining } from '../EmployeeTraining.tsx';
import { readableValue } from '../format.ts';
import { Anchor, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { COMPLIANCE_STATUSES } from '../../../contract/compliance.ts';
import { EMPLOYEE_STATUSES } from '../../../contract/employees.ts';
import { ONBOARDING_STATUSES } from '../../../contract/onboarding.ts';
import { IconFile, IconRocket, IconShield, IconUser, IconUsers } from '../../ui/icons.tsx';
import { HR_ROLE_NAMES } from '../../ui/session.ts';
import { CompleteComplianceButton } from '../actions.tsx';
import { StatusBadge } from '../ListView.tsx';
import { wordsOf } from '../words.ts';
import { EmployeeAccount } from '../EmployeeAccount.tsx';
import { DocumentFile, ExpiryCell } from '../document-file.tsx';
import type { ReactNode } from 'react';
import type { EntityMeta, Row } from '../meta.ts';
import {
  USER_LINK,
  COURSE_LINK,
  EMPLOYEE_LINK,
  DOC_TYPE_LINK,
  COMPLIANCE_TYPE_LINK,
  DEPARTMENT_LINK,
  DESIGNATION_LINK,
  LinkedName,
} from './shared.tsx';

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
                  <Table.Td>due {readableDay(assignments.find((a) => a.courseId === e.courseId)?.dueDate)}</Table.Td>
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

export const HR_ENTITIES: EntityMeta[] = [
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
    historyFields: { reportsToId: { label: 'Reports to', value: (v) => (typeof v === 'string' ? <LinkedName link={EMPLOYEE_LINK} id={v} /> : '—') } },
    title: (r) => `${String(r.fullName)} (${String(r.employeeCode)})`,
    extras: (row, { refresh }) => (
      <>
        <EmployeeAccount row={row} refresh={refresh} />
        <EmployeeTraining employeeId={String(row.id)} />
      </>
    ),
    actions: (row) => (
      <Button
        component="a"
        variant="default"
        href={`/api/employees/${encodeURIComponent(String(row.id))}/training-record.pdf`}
        target="_blank"
        rel="noopener"
      >
        Training record
      </Button>
    ),
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
      { name: 'department', label: 'Department', kind: 'text', nullable: true, suggestions: DEPARTMENT_LINK, description: 'Choose one in use, or type a new one.' },
      { name: 'designation', label: 'Designation', kind: 'text', nullable: true, suggestions: DESIGNATION_LINK, description: 'Choose one in use, or type a new one.' },
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
    api: { list: '/api/employee-onboardings', update: 'PATCH', total: true, exportCsv: '/api/employee-onboardings/export.csv' },
    title: (r) => `Onboarding of ${String(r.employeeName ?? 'an employee')} on ${readableValue(r.onboardingDate)}`,
    load: async (id, signal) => {
      const o = await api.get<Row>(`/api/employee-onboardings/${encodeURIComponent(id)}`, { signal });
      const employee = await api.get<Row>(`/api/employees/${encodeURIComponent(String(o.employeeId))}`, { signal }).catch(() => null);
      return { ...o, employeeName: employee ? String(employee.fullName) : null };
    },
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
    api: { list: '/api/employee-documents', update: 'PATCH', delete: true, total: true, exportCsv: '/api/employee-documents/export.csv' },
    auditEntity: 'employee_document',
    title: (r) => String(r.title),
    columns: [
      { key: 'title', label: 'Title' },
      {
        key: 'employeeId',
        label: 'Employee',
        render: (r) => <LinkedName link={{ ...EMPLOYEE_LINK, slug: undefined }} id={r.employeeId as string} />,
      },
      { key: 'issueDate', label: 'Issued' },
      { key: 'expiryDate', label: 'Expires', render: (r) => <ExpiryCell date={r.expiryDate as string | null} /> },
      { key: 'source', label: 'From', render: (r) => (r.source ? wordsOf(String((r.source as Row).kind)) : '') },
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
    // Whose document it is; when it expires and its file, attached or replaced here.
    extras: (row, { refresh }) => (
      <>
        <Group gap="lg" data-testid="document-owner">
          <Text size="sm">
            Employee: <LinkedName link={EMPLOYEE_LINK} id={row.employeeId as string} />
          </Text>
        </Group>
        <DocumentFile row={row} refresh={refresh} />
      </>
    ),
  },
  {
    slug: 'employee-document-type',
    label: 'Document types',
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
    api: { list: '/api/employee-compliance', update: false, total: true, exportCsv: '/api/employee-compliance/export.csv' },
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
      { name: 'status', label: 'Status', kind: 'text', editOnly: true, readOnly: true, display: (r) => wordsOf(String(r.status)) },
      { name: 'completedOn', label: 'Completed on', kind: 'date', editOnly: true, readOnly: true },
      { name: 'renewalDate', label: 'Renewal date', kind: 'date', editOnly: true, readOnly: true },
    ],
    actions: (row, { refresh }) => (row.status !== 'complete' ? <CompleteComplianceButton id={String(row.id)} refresh={refresh} /> : null),
  },
  {
    slug: 'compliance-type',
    label: 'Compliance types',
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
];
