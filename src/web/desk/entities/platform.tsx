/** Desk entities: users, LMS settings and the audit log. */
import { Anchor, Badge, Button, Group, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { ImportState } from '../../../contract/imports.ts';
import { AUDIT_READERS } from '../../../contract/audit.ts';
import { api } from '../../ui/api.ts';
import { ROLES } from '../../../contract/roles.ts';
import { IconClipboard, IconSettings } from '../../ui/icons.tsx';
import { AuditChainStatus, RolesEditor } from '../actions.tsx';
import { hasAnyRole, useMe } from '../../ui/session.ts';
import type { EntityMeta } from '../meta.ts';
import { COMPLIANCE_TYPE_LINK, COURSE_LINK, DOC_TYPE_LINK, EMPLOYEE_LINK, QUIZ_LINK, TEMPLATE_LINK, USER_LINK, USER_NAME_LINK, LinkedName } from './shared.tsx';
import { readableDay, readableMoment } from '../../ui/dates.ts';
import { wordsOf } from '../words.ts';
import type { LinkRef } from '../meta.ts';
import { MAX_REMINDER_DAYS } from '../../../contract/settings.ts';
import { notificationEventInWords } from '../../../contract/notifications.ts';
import { LogoSettings } from '../LogoSettings.tsx';
import { changedFields } from '../AuditHistory.tsx';

/** "7, 1" → [7, 1]; a word that is not a whole number is sent as written, for the server to refuse. */
function parseReminderDays(text: string): unknown[] {
  return text
    .split(/[\s,;]+/)
    .filter((x) => x !== '')
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

/** What is wrong with the reminder days as typed, in words, or null. */
function reminderDaysProblem(text: string): string | null {
  const days = parseReminderDays(text);
  if (days.some((d) => typeof d !== 'number')) return 'Write whole numbers of days separated by commas, e.g. 7, 1.';
  const n = days as number[];
  if (n.length > MAX_REMINDER_DAYS) return `At most ${MAX_REMINDER_DAYS} reminder days.`;
  if (n.some((d) => d < 1 || d > 365)) return 'Each reminder day must be between 1 and 365.';
  if (new Set(n).size !== n.length) return 'Write each day only once.';
  return null;
}

/**
 * An audited entity in words. "assignment" (hand-in work) is also an enrollment source, which the
 * shared words call a training assignment: here it is the entity.
 */
function entityInWords(entity: string): string {
  return entity === 'assignment' ? 'Assignment (hand-in)' : wordsOf(entity);
}

export const PLATFORM_ENTITIES: EntityMeta[] = [
  {
    slug: 'user',
    label: 'Users',
    singular: 'User',
    description: 'User accounts and their roles.',
    icon: <IconClipboard size={18} />,
    section: 'Settings',
    roles: ['System Manager'],
    api: { list: '/api/users', update: 'PATCH', exportCsv: '/api/users/export.csv' },
    importKind: 'users',
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
      // Set when the account is made; shown with the record's details after that.
      { name: 'email', label: 'Email', kind: 'email', required: true, fixedWhen: () => true },
      { name: 'fullName', label: 'Full name', kind: 'text', required: true },
      {
        name: 'password',
        label: 'Password',
        kind: 'password',
        description: 'Leave empty to keep the current one.',
        // Whether a user has one is not told: the input only ever replaces it.
        placeholder: 'Type a new password to replace the current one',
      },
      { name: 'roles', label: 'Roles', kind: 'multiselect', options: ROLES, createOnly: true },
      { name: 'enabled', label: 'Enabled', kind: 'boolean' },
    ],
    extras: (row, { refresh }) => <RolesEditor user={row} refresh={refresh} />,
  },
  {
    slug: 'lms-settings',
    label: 'LMS settings',
    singular: 'LMS settings',
    description: 'Organisation name, default due days and other settings.',
    icon: <IconSettings size={18} />,
    section: 'Settings',
    roles: ['System Manager'],
    api: { list: '/api/settings', create: false, update: 'PATCH' },
    auditEntity: 'settings',
    single: true,
    title: () => 'LMS settings',
    validate: (values): Record<string, string> => {
      const problem = reminderDaysProblem(typeof values.reminderDays === 'string' ? values.reminderDays : '');
      return problem ? { reminderDays: problem } : {};
    },
    extras: () => <LogoSettings />,
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
      {
        name: 'reminderDays',
        label: 'Remind learners this many days before the due date',
        description: `Up to ${MAX_REMINDER_DAYS} whole numbers of days, separated by commas (e.g. 7, 1). Leave empty for no reminders before the due date.`,
        kind: 'text',
        fromRow: (r) => ((r.reminderDays ?? []) as number[]).join(', '),
        toWire: (v) => parseReminderDays(typeof v === 'string' ? v : ''),
      },
      {
        name: 'escalateAfterDays',
        label: 'Tell the manager after this many days overdue (HR Managers after twice as many)',
        kind: 'number',
        min: 1,
        max: 365,
      },
      { name: 'mailFrom', label: 'Send mail from', kind: 'email', nullable: true },
      {
        name: 'smtpUrl',
        label: 'SMTP server',
        description:
          'smtps://user:password@mail.example.com:465 (or smtp:// with STARTTLS). Write-only: leave empty to keep the stored one. SMOOTH_SMTP_URL wins when set.',
        kind: 'password',
      },
      {
        name: 'paymentGateway',
        label: 'Payment gateway',
        kind: 'select',
        options: ['manual', 'stripe'],
        description: 'Manual: staff mark invoices as paid. Stripe: learners pay by card through Stripe Checkout.',
      },
      {
        name: 'stripeSecretKey',
        label: 'Stripe secret key',
        description: 'Write-only (sk_…): it is never shown again. Leave empty to keep the stored key.',
        kind: 'password',
      },
      {
        name: 'stripeWebhookSecret',
        label: 'Stripe webhook signing secret',
        description: 'Write-only (whsec_…) for the endpoint /api/payments/webhooks/stripe. Leave empty to keep the stored secret.',
        kind: 'password',
      },
    ],
  },
  {
    slug: 'audit-log',
    label: 'Audit log',
    singular: 'Audit entry',
    description: 'Who changed what, when — including deleted records.',
    icon: <IconClipboard size={18} />,
    section: 'Settings',
    roles: AUDIT_READERS,
    api: { list: '/api/audit-log', create: false, update: false, exportCsv: '/api/audit-log/export.csv' },
    listHeader: () => <AuditChainHeader />,
    noForm: true,
    columns: [
      { key: 'at', label: 'When', render: (r) => readableMoment(r.at) },
      {
        key: 'action',
        label: 'Action',
        render: (r) => (
          <Badge variant="light" c="gray.9" tt="none" color={r.action === 'delete' ? 'red' : 'blue'}>
            {wordsOf(String(r.action))}
          </Badge>
        ),
      },
      { key: 'entity', label: 'Entity', render: (r) => entityInWords(String(r.entity)) },
      { key: 'entityId', label: 'Record', wrap: true, render: (r) => <AuditRecordLink entity={String(r.entity)} id={String(r.entityId)} image={(r.after ?? r.before) as unknown} /> },
      {
        key: 'actorId',
        label: 'By',
        wrap: true,
        // No actor: a scheduled job or the system itself did it.
        render: (r) =>
          r.actorId ? (
            <LinkedName link={{ ...USER_NAME_LINK, slug: undefined }} id={r.actorId as string} />
          ) : (
            <Text size="sm" c="gray.7">
              The system
            </Text>
          ),
      },
      {
        key: 'changes',
        label: 'Changes',
        wrap: true,
        render: (r) => (
          <Text size="xs" c="gray.7" maw={260} lineClamp={3}>
            {changedFields(r as { before: unknown; after: unknown }).join(', ')}
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
          'quiz_override',
          'scorm_package',
          'assignment',
          'assignment_submission',
          'certificate',
          'certificate_request',
          'training_assignment',
          'batch',
          'batch_member',
          'live_class',
          'payment',
          'coupon',
          'employee',
          'employee_onboarding',
          'employee_document',
          'employee_compliance',
          'compliance_type',
          'employee_document_type',
          'user',
          'api_token',
          'notification_template',
          'notification_preferences',
          'batch_assessment',
          'evaluator_availability',
          'calendar_feed',
          'settings',
          'import',
        ],
        optionLabel: entityInWords,
      },
      { name: 'entityId', label: 'Record id', kind: 'text' },
      // The actions in the words the list shows them in.
      {
        name: 'action',
        label: 'Action',
        kind: 'select',
        options: ['create', 'update', 'delete', 'submit', 'grade', 'issue', 'revoke', 'complete', 'mark-complete', 'import', 'suspend', 'resume', 'renew', 'recertify', 'expire', 'login', 'grant-role', 'set-password', 'reset'],
      },
      { name: 'actorId', label: 'By', kind: 'link', link: USER_LINK },
      { name: 'importId', label: 'Import id', kind: 'text' },
    ],
    fields: [],
  },
];

/** Audit entities with a desk page: where a record opens, and how its name is read (when it has one). */
const AUDIT_RECORD_PAGES: Record<string, { slug?: string; link?: LinkRef }> = {
  user: { slug: 'user', link: USER_NAME_LINK },
  course: { slug: 'lms-course', link: COURSE_LINK },
  quiz: { slug: 'lms-quiz', link: QUIZ_LINK },
  employee: { slug: 'employee', link: EMPLOYEE_LINK },
  // A lesson is edited in its course's outline: named, not linked.
  lesson: { link: { url: '/api/lessons', label: (r) => String(r.title) } },
  enrollment: { slug: 'lms-enrollment', link: { url: '/api/enrollments', label: (r) => `${String(r.memberName)} in ${String(r.courseTitle)}` } },
  quiz_submission: {
    slug: 'lms-quiz-submission',
    link: { url: '/api/quiz-submissions', label: (r) => `${String(r.memberName)}: ${String(r.quizTitle)}, attempt ${String(r.attempt)}` },
  },
  certificate: { slug: 'lms-certificate', link: { url: '/api/certificates', label: (r) => `${String(r.memberName)} — ${String(r.courseTitle)}` } },
  training_assignment: {
    slug: 'lms-training-assignment',
    link: { url: '/api/training-assignments', label: (r) => `${String(r.courseTitle)} for ${String(r.memberName)}` },
  },
  employee_document: { slug: 'employee-document', link: { url: '/api/employee-documents', label: (r) => String(r.title) } },
  employee_compliance: { slug: 'employee-compliance', link: { url: '/api/employee-compliance', label: (r) => String(r.complianceTypeName) } },
  batch: { slug: 'lms-batch', link: { url: '/api/batches', label: (r) => String(r.title) } },
  payment: { slug: 'lms-payment', link: { url: '/api/payments', label: (r) => `Payment of ${String(r.memberName)} for ${String(r.itemTitle)}` } },
  employee_onboarding: {
    slug: 'employee-onboarding',
    link: { url: '/api/employee-onboardings', label: (r) => `Onboarding of ${String(r.employeeName ?? 'an employee')} on ${readableDay(r.onboardingDate)}` },
  },
  scorm_package: { link: { url: '/api/scorm-packages', label: (r) => String(r.title) } },
  coupon: { slug: 'lms-coupon', link: { url: '/api/coupons', label: (r) => String(r.code) } },
  assignment: { slug: 'lms-assignment', link: { url: '/api/assignments', label: (r) => String(r.title) } },
  'certificate-template': { slug: TEMPLATE_LINK.slug, link: TEMPLATE_LINK },
  compliance_type: { slug: COMPLIANCE_TYPE_LINK.slug, link: COMPLIANCE_TYPE_LINK },
  employee_document_type: { slug: DOC_TYPE_LINK.slug, link: DOC_TYPE_LINK },
  // A person's notification preferences are kept under their user id: named by the person.
  notification_preferences: { slug: 'user', link: { url: '/api/users', label: (r) => `Preferences of ${String(r.fullName)}` } },
};

/** Records named by their member and course, which their audited images carry (also once the record is deleted). */
const MEMBER_IN_COURSE: Record<string, (member: ReactNode, course: ReactNode) => ReactNode> = {
  enrollment: (member, course) => (
    <>
      {member} in {course}
    </>
  ),
  training_assignment: (member, course) => (
    <>
      {course} for {member}
    </>
  ),
};

/** The audited record: its name and a link where the desk has a page for it (deleted ones open from the log). */
function AuditRecordLink({ entity, id, image }: { entity: string; id: string; image: unknown }) {
  const page = AUDIT_RECORD_PAGES[entity];
  const img = image && typeof image === 'object' ? (image as Record<string, unknown>) : {};
  const compose = MEMBER_IN_COURSE[entity];
  if (compose && page?.slug && typeof img.memberId === 'string' && typeof img.courseId === 'string') {
    return (
      <Anchor component={Link} to={`/app/${page.slug}/${encodeURIComponent(id)}`} size="sm">
        {compose(<LinkedName link={{ ...USER_NAME_LINK, slug: undefined }} id={img.memberId} />, <LinkedName link={{ ...COURSE_LINK, slug: undefined }} id={img.courseId} />)}
      </Anchor>
    );
  }
  // A message template is kept under its event's code: named by the event, opened in the template editor.
  if (entity === 'notification_template') {
    return (
      <Anchor component={Link} to={`/app/notifications?tab=templates&event=${encodeURIComponent(id)}`} size="sm">
        “{notificationEventInWords(id)}” message
      </Anchor>
    );
  }
  // An import: named by its file, opening what it wrote.
  if (entity === 'import') {
    return (
      <Anchor component={Link} to={`/app/audit-log?importId=${encodeURIComponent(id)}`} size="sm">
        {typeof img.fileName === 'string' ? `Import of ${img.fileName}` : 'An import'}
      </Anchor>
    );
  }
  // A record without a page of its own that the log names (a chapter by its title).
  const named = typeof img.title === 'string' ? img.title : typeof img.name === 'string' ? img.name : null;
  if (named && !page) return <Text size="sm">{named}</Text>;
  // A record without a name of its own: the start of its id (all of it on hover and for screen readers), linked to its page.
  const cut = { display: 'inline-block', maw: '11ch', truncate: true, title: id, ff: 'monospace', size: 'sm' } as const;
  if (page?.link) return <LinkedName link={{ ...page.link, slug: page.slug }} id={id} />;
  if (!page?.slug) return <Text {...cut}>{id}</Text>;
  return (
    <Anchor component={Link} to={`/app/${page.slug}/${encodeURIComponent(id)}`} {...cut}>
      {id}
    </Anchor>
  );
}

/** The audit log page's header: the tamper check (verification is for System Managers) and, when the list shows one record or one import, which in words. */
function AuditChainHeader() {
  const me = useMe();
  return (
    <>
      <AuditChainStatus canVerify={hasAnyRole(me.data, ['System Manager'])} />
      <AuditScopeInWords />
    </>
  );
}

/** "The history of Fire Safety Basics (course)" or "The changes of the import of people.csv…": the record or import the filters name, by name, with a way back to every entry. */
function AuditScopeInWords() {
  const [search, setSearch] = useSearchParams();
  const entity = search.get('entity');
  const entityId = search.get('entityId');
  const importId = search.get('importId');
  const imported = useQuery({
    queryKey: ['desk-import', importId],
    queryFn: ({ signal }) => api.get<ImportState>(`/api/imports/${encodeURIComponent(importId ?? '')}`, { signal }),
    enabled: !!importId,
    retry: false,
  });
  // The record's newest entry carries its image: a deleted record is named from it, as in the list.
  const newest = useQuery({
    queryKey: ['desk-audit-newest', entity, entityId],
    queryFn: ({ signal }) =>
      api.get<{ items: { before: unknown; after: unknown }[] }>(`/api/audit-log?${new URLSearchParams({ entity: entity ?? '', entityId: entityId ?? '', limit: '1' }).toString()}`, { signal }),
    enabled: !importId && !!entity && !!entityId,
  });
  if (!importId && !(entity && entityId)) return null;
  const clear = () => {
    const next = new URLSearchParams(search);
    for (const k of ['entity', 'entityId', 'importId', 'cursor']) next.delete(k);
    setSearch(next, { replace: true });
  };
  const i = imported.data;
  return (
    <Group gap="xs" data-testid="audit-scope" wrap="wrap">
      <Text size="sm">
        {importId ? (
          i ? (
            <>
              The changes written by the import of <strong>{i.fileName}</strong> ({wordsOf(i.kind).toLowerCase()}) on {readableMoment(i.createdAt)}
              {i.createdBy ? (
                <>
                  {' '}
                  by <LinkedName link={{ ...USER_NAME_LINK, slug: undefined }} id={i.createdBy} />
                </>
              ) : null}
              : {i.created.toLocaleString('en')} {i.created === 1 ? 'row' : 'rows'} written.
            </>
          ) : imported.isPending ? (
            'The changes written by one import…'
          ) : (
            'The changes written by one import.'
          )
        ) : (
          <>
            The history of{' '}
            {newest.isPending ? 'one record' : <AuditRecordLink entity={entity!} id={entityId!} image={newest.data?.items[0]?.after ?? newest.data?.items[0]?.before ?? null} />} (
            {entityInWords(entity!).toLowerCase()}).
          </>
        )}
      </Text>
      <Button variant="subtle" size="compact-sm" onClick={clear}>
        Show every entry
      </Button>
    </Group>
  );
}
