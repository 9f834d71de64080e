/**
 * One image a record holds (the organisation logo, a course cover, a certificate template's logo,
 * signature or background): shows the current one, uploads a new one (multipart part "file", PUT)
 * and removes it (DELETE). A file too large or of the wrong kind is explained next to the field,
 * before sending when the browser can tell, else in the server's words.
 */
import { useId, useState, type ReactNode } from 'react';
import { Button, FileInput, Group, Image, Paper, Stack, Text, Title } from '@mantine/core';
import { ApiError, api, errorMessage } from '../ui/api.ts';
import { notify } from './notify.ts';

const MB = 1024 * 1024;

export interface ImageFieldProps {
  /** Heading of the field ("Organisation logo", "Cover image"). */
  title: string;
  /** What it is called in buttons and messages ("logo" → "Upload logo", "Remove logo"). */
  noun: string;
  description: ReactNode;
  /** The current image (null: none yet). */
  imageUrl: string | null;
  /** PUT here to upload, DELETE here to remove. */
  url: string;
  /** What the server takes: MIME types for the file picker, and in words ("a PNG or JPEG image"). */
  accept: readonly string[];
  acceptLabel: string;
  maxBytes: number;
  /** Alternative text of the preview. */
  previewAlt: string;
  /** After an upload or removal, with the API's answer (the record as saved; nothing for a 204). */
  onChanged: (saved: unknown) => Promise<unknown>;
  disabled?: boolean;
  /** `section`: its own bordered section with a level-2 heading; `inline`: a level-3 heading inside a section. */
  variant?: 'section' | 'inline';
  previewHeight?: number;
  testId?: string;
}

/** What is wrong with a chosen file before it is sent (the server checks the bytes again), or null. */
export function imageFileProblem(file: File, props: Pick<ImageFieldProps, 'noun' | 'maxBytes'>): string | null {
  if (file.size > props.maxBytes) {
    return `The file is ${(file.size / MB).toFixed(1)} MB: the ${props.noun} may be at most ${props.maxBytes / MB} MB.`;
  }
  return null;
}

export function ImageField(props: ImageFieldProps) {
  const { noun, variant = 'section' } = props;
  const headingId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await props.onChanged(await fn());
      notify(done, 'green');
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? (err.fieldErrors[0]?.message ?? err.detail) : errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const upload = async () => {
    if (!file) {
      setError(`Choose ${props.acceptLabel} first.`);
      return;
    }
    const problem = imageFileProblem(file, props);
    if (problem) {
      setError(problem);
      return;
    }
    const form = new FormData();
    form.append('file', file);
    if (await run(() => api.put(props.url, form), 'Saved.')) setFile(null);
  };

  const body = (
    <Stack gap="sm">
      <Title order={variant === 'section' ? 2 : 3} fz={variant === 'section' ? 'lg' : 'md'} id={headingId}>
        {props.title}
      </Title>
      <Text size="sm" c="gray.7">
        {props.description}
      </Text>
      {props.imageUrl ? (
        <Group gap="md">
          <Image
            src={props.imageUrl}
            alt={props.previewAlt}
            h={props.previewHeight ?? 48}
            w="auto"
            maw="100%"
            fit="contain"
            data-testid={props.testId ? `${props.testId}-preview` : undefined}
          />
          {!props.disabled && (
            <Button
              variant="default"
              color="red"
              onClick={() => void run(() => api.delete(props.url), `${noun[0]!.toUpperCase()}${noun.slice(1)} removed.`)}
              loading={busy}
            >
              {`Remove ${noun}`}
            </Button>
          )}
        </Group>
      ) : (
        <Text size="sm">{`No ${noun} yet.`}</Text>
      )}
      {!props.disabled && (
        <Group align="flex-start">
          <FileInput
            label={`New ${noun}`}
            accept={props.accept.join(',')}
            value={file}
            onChange={(f) => {
              setFile(f);
              setError(null);
            }}
            error={error}
            clearable
            w={320}
          />
          <Button onClick={() => void upload()} loading={busy} mt={25}>
            {`Upload ${noun}`}
          </Button>
        </Group>
      )}
    </Stack>
  );

  if (variant === 'inline') {
    return (
      <section aria-labelledby={headingId} data-testid={props.testId}>
        {body}
      </section>
    );
  }
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={headingId} data-testid={props.testId}>
      {body}
    </Paper>
  );
}
