/** An employee document's expiry as HR reads it, and its file: shown, downloaded, attached or replaced. */
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Badge, Button, FileInput, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { daysUntil, readableDay } from '../ui/dates.ts';
import { DownloadButton } from './actions.tsx';
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

/** What the server takes (routes of hr/documents): PDF, PNG or JPEG up to 20 MB. */
const ACCEPT = ['application/pdf', 'image/png', 'image/jpeg'];
const MAX_BYTES = 20 * 1024 * 1024;

/** The document's file on its desk page: download it, or attach one (replacing the one there). */
export function DocumentFile({ row, refresh }: { row: Row; refresh: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const hasFile = typeof row.fileUrl === 'string' && row.fileUrl !== '';
  const upload = useMutation({
    mutationFn: (f: File) => {
      const form = new FormData();
      form.append('file', f);
      return api.put(`/api/employee-documents/${encodeURIComponent(String(row.id))}/file`, form);
    },
    onSuccess: () => {
      setFile(null);
      notify(hasFile ? 'File replaced.' : 'File attached.');
      refresh();
    },
    onError: (err) => setProblem(err instanceof ApiError ? (err.fieldErrors[0]?.message ?? err.detail) : errorMessage(err)),
  });
  const send = () => {
    if (!file) return setProblem('Choose a PDF, PNG or JPEG file first.');
    if (!ACCEPT.includes(file.type)) return setProblem('The file must be a PDF, PNG or JPEG.');
    if (file.size > MAX_BYTES) return setProblem('The file is larger than 20 MB.');
    upload.mutate(file);
  };
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
        <Group align="flex-start">
          <FileInput
            label={hasFile ? 'Replace the file' : 'Attach a file'}
            description="PDF, PNG or JPEG, at most 20 MB"
            accept={ACCEPT.join(',')}
            value={file}
            onChange={(f) => {
              setFile(f);
              setProblem(null);
            }}
            error={problem}
            clearable
            w={320}
          />
          <Button onClick={send} loading={upload.isPending} mt={45}>
            Upload
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
