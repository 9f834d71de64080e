/** Desk entities: certificates and certificate templates. */
import { Anchor, Paper, SimpleGrid, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../ui/api.ts';
import { useDebouncedValue } from '@mantine/hooks';
import { CERTIFICATE_SOURCE_WORDS, CERTIFICATE_STATUSES, type TemplateImageSlot } from '../../../contract/certificates.ts';
import { IconAward, IconGrid } from '../../ui/icons.tsx';
import { hasAnyRole, LMS_STAFF_ROLES, useMe } from '../../ui/session.ts';
import { colorProblem } from '../color-field.tsx';
import { ImageField } from '../ImageField.tsx';
import { DownloadButton, FileToRecordButton, RevokeButton } from '../actions.tsx';
import { StatusBadge } from '../ListView.tsx';
import type { EntityMeta, Row } from '../meta.ts';
import { LinkedName, MODERATORS, USER_LINK, COURSE_LINK } from './shared.tsx';
import { wordsOf } from '../words.ts';

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

/**
 * Before a certificate is issued by hand: a warning when the member has not completed the course
 * (the API allows it — evaluated or external training — but it is rarely meant), else null.
 */
async function issueWarning(body: Record<string, unknown>): Promise<string | null> {
  const memberId = typeof body.memberId === 'string' ? body.memberId : '';
  const courseId = typeof body.courseId === 'string' ? body.courseId : '';
  if (!memberId || !courseId) return null;
  const query = new URLSearchParams({ memberId, courseId, limit: '1' });
  const found = await api.get<{ items: { memberName: string; progress: number }[] }>(`/api/enrollments?${query.toString()}`);
  const enrollment = found.items[0];
  if (enrollment) {
    if (enrollment.progress >= 100) return null;
    return `${enrollment.memberName} has completed ${enrollment.progress}% of the course. Issue the certificate anyway?`;
  }
  const member = await api.get<{ fullName: string }>(`/api/users/${encodeURIComponent(memberId)}`);
  return `${member.fullName} is not enrolled in this course. Issue the certificate anyway?`;
}

const TEMPLATE_COLOURS = [
  ['primaryColor', 'Primary colour'],
  ['textColor', 'Text colour'],
  ['backgroundColor', 'Background colour'],
] as const;

const TEMPLATE_IMAGES: { slot: TemplateImageSlot; title: string; description: string }[] = [
  { slot: 'logo', title: 'Logo', description: 'Printed at the top of the certificate.' },
  { slot: 'signature', title: 'Signature', description: "The signer's signature, printed above the signer's name." },
  { slot: 'background', title: 'Background', description: 'Fills the whole page behind the text (a light image reads best).' },
];

/**
 * The template's images and its preview. An image is saved at once and its answer (the template as
 * saved) renders the preview again; the form is not reloaded, so fields being edited keep what was typed.
 */
function TemplateExtras({ row, unsaved }: { row: Row; unsaved: Record<string, unknown> }) {
  const client = useQueryClient();
  const [saved, setSaved] = useState<Row>(row);
  const current = saved.updatedAt > row.updatedAt ? saved : row;
  const onSaved = async (template: unknown) => {
    setSaved(template as Row);
    await client.invalidateQueries({ queryKey: ['desk-audit'] });
  };
  return (
    <>
      <TemplateImages row={current} onSaved={onSaved} />
      <TemplatePreview row={current} unsaved={unsaved} />
    </>
  );
}

/** The template's logo, signature and background. */
function TemplateImages({ row, onSaved }: { row: Row; onSaved: (template: unknown) => Promise<void> }) {
  const me = useMe().data;
  const images = (row.images ?? {}) as Partial<Record<TemplateImageSlot, string | null>>;
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="template-images">
      <Title order={2} fz="lg" mb={4} id="template-images">
        Images
      </Title>
      <Text size="sm" c="gray.7" mb="md">
        PNG or JPEG images of at most 2 MB each.
      </Text>
      <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="lg">
        {TEMPLATE_IMAGES.map((i) => (
          <ImageField
            key={i.slot}
            variant="inline"
            title={i.title}
            noun={i.title.toLowerCase()}
            description={i.description}
            imageUrl={images[i.slot] ?? null}
            url={`/api/certificate-templates/${encodeURIComponent(String(row.id))}/images/${i.slot}`}
            accept={['image/png', 'image/jpeg']}
            acceptLabel="a PNG or JPEG image"
            maxBytes={2 * 1024 * 1024}
            previewAlt={`${i.title} of this template`}
            previewHeight={64}
            testId={`template-${i.slot}`}
            disabled={!hasAnyRole(me, ['System Manager'])}
            onChanged={onSaved}
          />
        ))}
      </SimpleGrid>
    </Paper>
  );
}

/** A certificate's source in words ("Issued on completing the course"). */
function sourceInWords(v: unknown): string {
  return CERTIFICATE_SOURCE_WORDS[v as keyof typeof CERTIFICATE_SOURCE_WORDS] ?? wordsOf(String(v));
}

export const CERTIFICATE_ENTITIES: EntityMeta[] = [
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
      { name: 'reason', label: 'Reason for an issue date before the enrollment', kind: 'textarea', createOnly: true },
      { name: 'expiryDate', label: 'Expiry date', kind: 'date', editOnly: true, readOnly: true },
      { name: 'status', label: 'Status', kind: 'text', editOnly: true, readOnly: true, display: (r) => wordsOf(String(r.status)) },
      {
        name: 'source',
        label: 'How it was issued',
        kind: 'text',
        editOnly: true,
        readOnly: true,
        display: (r) => (
          <>
            {sourceInWords(r.source)}
            {r.issuedBy ? (
              <>
                {' by '}
                <LinkedName link={USER_LINK} id={String(r.issuedBy)} />
              </>
            ) : null}
          </>
        ),
      },
      {
        name: 'verificationUrl',
        label: 'Verification link',
        kind: 'text',
        editOnly: true,
        readOnly: true,
        // Exactly as issued: the code is case- and underscore-sensitive.
        display: (r) => (
          <Anchor href={String(r.verificationUrl)} target="_blank" rel="noreferrer" size="sm" style={{ wordBreak: 'break-all' }}>
            {String(r.verificationUrl)}
          </Anchor>
        ),
      },
    ],
    historyFields: { source: { label: 'How it was issued', value: sourceInWords } },
    confirmCreate: { title: 'Issue the certificate anyway?', confirmLabel: 'Issue anyway', check: issueWarning },
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
    label: 'Certificate templates',
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
      { key: 'orientation', label: 'Orientation', render: (r) => wordsOf(String(r.orientation)) },
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
      { name: 'primaryColor', label: 'Primary colour', kind: 'color' },
      { name: 'textColor', label: 'Text colour', kind: 'color' },
      { name: 'backgroundColor', label: 'Background colour', kind: 'color' },
      { name: 'isDefault', label: 'Default template', kind: 'boolean' },
    ],
    validate: (values) => {
      const out: Record<string, string> = {};
      for (const [name, label] of TEMPLATE_COLOURS) {
        const problem = colorProblem(label, values[name]);
        if (problem) out[name] = problem;
      }
      return out;
    },
    extras: (row, { unsaved }) => <TemplateExtras row={row} unsaved={unsaved} />,
  },
];
