/**
 * Choose a file and upload it, with a progress bar while it goes (videos and packages take a
 * while). A file of the wrong kind or too large is explained next to the field before anything is
 * sent; the server checks the bytes again and its words show in the same place.
 */
import { useState } from 'react';
import { Button, FileInput, Group, Progress, Stack, Text } from '@mantine/core';
import { ApiError, errorMessage } from '../ui/api.ts';
import type { UploadLimit } from '../../contract/uploads.ts';
import { readableSize, uploadFile, type UploadProgress } from '../ui/upload.ts';

export interface FileUploadProps {
  label: string;
  /**
   * What the server takes: `accept` as MIME types and file name endings (".zip") is the file
   * picker's filter and is checked before sending (a file matching either passes; the server reads
   * the bytes), `label` in words ("a PDF document").
   */
  limit: UploadLimit;
  method?: 'POST' | 'PUT';
  url: string;
  buttonLabel?: string;
  /** After the server took the file, with its answer. */
  onUploaded: (saved: unknown) => void | Promise<unknown>;
  testId?: string;
  w?: number;
  /** Hears the file chosen and not yet uploaded (null once sent or cleared), for a form that saves it with its own Save. */
  onChosen?: (file: File | null) => void;
}

/** What is wrong with a chosen file before sending it, or null. */
export function chosenFileProblem(file: File, limit: UploadLimit): string | null {
  const name = file.name.toLowerCase();
  const known = limit.accept.some((a) => (a.startsWith('.') ? name.endsWith(a) : a === file.type));
  if (file.type && !known) return `The file must be ${limit.label}.`;
  if (file.size > limit.maxBytes) return `The file is ${readableSize(file.size)}; it may be at most ${readableSize(limit.maxBytes)}.`;
  return null;
}

/** How far an upload has gone, under the field that sent it. */
export function UploadProgressBar({ name, progress }: { name: string | undefined; progress: UploadProgress }) {
  const share = progress.total > 0 ? Math.min(100, Math.round((progress.sent / progress.total) * 100)) : 0;
  return (
    <Stack gap={2} maw={480} role="status">
      <Progress value={share} size="sm" aria-label={`Upload ${share}% done`} />
      <Text size="xs" c="gray.7">
        Uploading {name ?? 'the file'}: {share}% ({readableSize(progress.sent)} of {readableSize(progress.total)})
      </Text>
    </Stack>
  );
}

export function FileUpload(props: FileUploadProps) {
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const send = async () => {
    if (!file) return setProblem(`Choose ${props.limit.label} first.`);
    const wrong = chosenFileProblem(file, props.limit);
    if (wrong) return setProblem(wrong);
    setProblem(null);
    setProgress({ sent: 0, total: file.size });
    try {
      const saved = await uploadFile<unknown>(props.method ?? 'PUT', props.url, file, setProgress);
      setFile(null);
      props.onChosen?.(null);
      await props.onUploaded(saved);
    } catch (err) {
      setProblem(err instanceof ApiError ? (err.fieldErrors[0]?.message ?? err.detail) : errorMessage(err));
    } finally {
      setProgress(null);
    }
  };
  return (
    <Stack gap={6} data-testid={props.testId}>
      <Group align="flex-start" wrap="wrap">
        <FileInput
          label={props.label}
          description={`${props.limit.label[0]!.toUpperCase()}${props.limit.label.slice(1)}, at most ${readableSize(props.limit.maxBytes)}`}
          accept={props.limit.accept.join(',')}
          placeholder="Choose a file"
          value={file}
          onChange={(f) => {
            setFile(f);
            setProblem(f ? chosenFileProblem(f, props.limit) : null);
            props.onChosen?.(f);
          }}
          error={problem}
          disabled={progress !== null}
          clearable
          w={props.w ?? 320}
        />
        <Button onClick={() => void send()} loading={progress !== null} mt={45}>
          {props.buttonLabel ?? 'Upload'}
        </Button>
      </Group>
      {progress && <UploadProgressBar name={file?.name} progress={progress} />}
    </Stack>
  );
}
