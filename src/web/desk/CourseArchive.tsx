/** Course archives in the desk: "Export" on a course's form, "Import course" on the course list. */
import { useState } from 'react';
import { Alert, Anchor, Button, FileInput, Group, List, Modal, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { describeImport, type CourseImportResult } from '../../contract/course-archive.ts';
import type { Role } from '../../contract/roles.ts';
import { api, ApiError, errorMessage, useMe } from '../ui/api.ts';
import { downloadFile } from './actions.tsx';
import { notify } from './notify.ts';

/** Who exports and imports courses (the API's rule; Course Creators export the courses they teach). */
const ARCHIVERS: readonly Role[] = ['System Manager', 'Moderator', 'Course Creator'];

function useMayArchive(): boolean {
  const me = useMe().data;
  return !!me?.roles.some((r) => ARCHIVERS.includes(r));
}

/** Downloads the course's archive (course.json and files). */
export function CourseExportButton({ courseId }: { courseId: string }) {
  const [busy, setBusy] = useState(false);
  if (!useMayArchive()) return null;
  return (
    <Button
      variant="default"
      loading={busy}
      title="Download the course's content (settings, chapters, lessons, quizzes and files) as a zip, without learners' data"
      onClick={() => {
        setBusy(true);
        downloadFile(`/api/courses/${encodeURIComponent(courseId)}/export.zip`, 'course.zip')
          .then(() => notify('The course archive is downloading.', 'green'))
          .catch((e: unknown) => notify(errorMessage(e), 'red'))
          .finally(() => setBusy(false));
      }}
    >
      Export
    </Button>
  );
}

/** Uploads a course archive, then says what the import made and links to the new course. */
export function CourseImportButton() {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const [result, setResult] = useState<CourseImportResult | null>(null);
  const mayArchive = useMayArchive();
  if (!mayArchive) return null;

  const close = () => {
    setOpen(false);
    setFile(null);
    setErrors([]);
    setResult(null);
  };
  const upload = async () => {
    if (!file) return setErrors(['Choose the course archive (a .zip exported from a course) first.']);
    setBusy(true);
    setErrors([]);
    try {
      const form = new FormData();
      form.append('file', file, file.name);
      setResult(await api.post<CourseImportResult>('/api/courses/import', form));
      await client.invalidateQueries({ queryKey: ['desk-list', 'lms-course'] });
    } catch (e) {
      setErrors(e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => f.message) : [errorMessage(e)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button variant="default" onClick={() => setOpen(true)}>
        Import course
      </Button>
      <Modal opened={open} onClose={close} title="Import a course" size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
        {result ? (
          <Stack>
            <Alert
              color="green"
              variant="light"
              role="status"
              title={
                <Text fw={700} size="sm" c="gray.9">
                  Course imported
                </Text>
              }
            >
              <Text size="sm">{describeImport(result)}</Text>
            </Alert>
            {result.report.warnings.length > 0 && (
              <div>
                <Text size="sm" fw={600}>
                  Not carried over
                </Text>
                <List size="sm">
                  {result.report.warnings.map((w) => (
                    <List.Item key={w}>{w}</List.Item>
                  ))}
                </List>
              </div>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Close
              </Button>
              <Anchor component={Link} to={`/app/lms-course/${encodeURIComponent(result.courseId)}`} onClick={close}>
                Open “{result.title}”
              </Anchor>
            </Group>
          </Stack>
        ) : (
          <Stack>
            <Text size="sm">
              A course archive comes from a course&apos;s Export button, here or on another Smooth LMS. The import creates a new,
              unpublished course with its chapters, lessons, quizzes and files; no learners come with it.
            </Text>
            <FileInput
              label="Course archive (.zip)"
              accept=".zip,application/zip"
              value={file}
              onChange={(f) => {
                setFile(f);
                setErrors([]);
              }}
              error={errors.length ? errors.join(' ') : null}
              clearable
              clearButtonProps={{ 'aria-label': 'Remove the file' }}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button loading={busy} onClick={() => void upload()}>
                Import
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
