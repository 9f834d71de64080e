/** An employee document's expiry as HR reads it, and its file: shown, downloaded, attached or replaced. */
import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { daysUntil, readableDay } from '../ui/dates.ts';
import { DownloadButton } from './actions.tsx';
import { UPLOAD_LIMITS } from '../../contract/uploads.ts';
import { FileUpload } from './file-upload.tsx';
import { notify } from './notify.ts';
import type { Row } from './meta.ts';

/** How soon a document expires, where HR looks first: expired in red, within 30 days in orange. */
export function ExpiryCell({ date }: { date: string | null | undefined }) {
  if (!date) return <>—</>;
  const days = daysUntil(date);
  const label = readableDay(date);
  if (days > 30) return <>{label}</>;
  return (
    <Group gap={6} wrap="nowrap">
      {label}
      <Badge variant="light" color={days < 0 ? 'red' : 'orange'} c="gray.9" tt="none">
        {days < 0 ? 'Expired' : days === 0 ? 'Expires today' : `In ${days === 1 ? '1 day' : `${days} days`}`}
      </Badge>
    </Group>
  );
}

/** The document's file on its desk page: download it, or attach one (replacing the one there). */
export function DocumentFile({ row, refresh }: { row: Row; refresh: () => void }) {
  const hasFile = typeof row.fileUrl === 'string' && row.fileUrl !== '';
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="document-file-title" data-testid="document-file">
      <Stack gap="sm">
        <Title order={2} fz="lg" id="document-file-title">
          File
        </Title>
        <Group gap="sm">
          <Text size="sm">Expires:</Text>
          <ExpiryCell date={row.expiryDate as string | null} />
        </Group>
        {hasFile ? (
          <Group gap="sm">
            <Text size="sm">{String(row.fileName ?? 'Attached file')}</Text>
            <DownloadButton url={String(row.fileUrl)} fileName={String(row.fileName ?? 'document')} label="Download file" />
          </Group>
        ) : (
          <Text size="sm" c="gray.7">
            No file attached yet.
          </Text>
        )}
        <FileUpload
          label={hasFile ? 'Replace the file' : 'Attach a file'}
          limit={UPLOAD_LIMITS.employeeDocument}
          url={`/api/employee-documents/${encodeURIComponent(String(row.id))}/file`}
          onUploaded={() => {
            notify(hasFile ? 'File replaced.' : 'File attached.');
            refresh();
          }}
        />
      </Stack>
    </Paper>
  );
}
