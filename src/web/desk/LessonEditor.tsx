/**
 * A lesson's editor in the course form: its content (Markdown with a preview), video, quiz or SCORM
 * package, free-preview flag, and "Preview as learner", which opens the portal's lesson page (what
 * a learner sees, saved changes only) in a new tab.
 */
import { useState } from 'react';
import { Button, Group, Modal, Paper, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { LinkPicker } from './LinkPicker.tsx';
import { MarkdownInput } from './markdown-field.tsx';
import type { LinkRef } from './meta.ts';
import { notify } from './notify.ts';
import { ScormPackageField } from './ScormPackageField.tsx';
import { chosenFileProblem, FileUpload } from './file-upload.tsx';
import { UPLOAD_LIMITS } from '../../contract/uploads.ts';
import { readableSize, uploadFile } from '../ui/upload.ts';

interface LessonFull {
  id: string;
  title: string;
  kind: string;
  body: string;
  videoUrl: string | null;
  fileUrl: string | null;
  file: { filename: string; contentType: string; size: number } | null;
  quizId: string | null;
  scormPackageId: string | null;
  isPreview: boolean;
}

/** Quizzes a lesson may show: picked by title, with the course each belongs to. */
export const QUIZ_LINK: LinkRef = {
  url: '/api/quizzes',
  slug: 'lms-quiz',
  label: (r) => (r.courseTitle ? `${String(r.title)} · ${String(r.courseTitle)}` : String(r.title)),
};

/** Where a quiz is written: the quiz form, in a new tab, so the lesson being added stays here. */
export function NewQuizLink() {
  return (
    <Text size="xs">
      No quiz yet?{' '}
      <a href="/app/lms-quiz/new" target="_blank" rel="noopener">
        Write a new quiz
      </a>{' '}
      (opens in a new tab), then search for its title here.
    </Text>
  );
}

/** The portal's page of a lesson, as its learners see it (staff who manage the course may open it). */
export function lessonPortalUrl(courseId: string, lessonId: string): string {
  return `/lms/courses/${encodeURIComponent(courseId)}/lessons/${encodeURIComponent(lessonId)}`;
}

export function PreviewAsLearner({ courseId, lessonId, title, compact = false }: { courseId: string; lessonId: string; title: string; compact?: boolean }) {
  return (
    <Button
      component="a"
      href={lessonPortalUrl(courseId, lessonId)}
      target="_blank"
      rel="noopener"
      variant="default"
      size={compact ? 'compact-xs' : 'sm'}
      aria-label={compact ? `Preview ${title} as a learner (opens in a new tab)` : `Preview as learner: ${title} (opens in a new tab)`}
    >
      {compact ? 'Preview' : 'Preview as learner'}
    </Button>
  );
}

export function LessonModal({
  courseId,
  lessonId,
  onClose,
  onSaved,
}: {
  courseId: string;
  lessonId: string;
  onClose: () => void;
  onSaved: () => void;
}) {
  const lesson = useQuery({
    queryKey: ['desk-lesson', lessonId],
    queryFn: ({ signal }) => api.get<LessonFull>(`/api/lessons/${lessonId}`, { signal }),
  });
  return (
    <Modal opened onClose={onClose} title="Edit lesson" size="xl" closeButtonProps={{ 'aria-label': 'Close' }}>
      {lesson.isPending ? (
        <PageLoader />
      ) : lesson.isError ? (
        <ErrorState error={lesson.error} />
      ) : (
        <LessonForm
          courseId={courseId}
          lesson={lesson.data}
          onFileChanged={async () => {
            onSaved();
            await lesson.refetch();
          }}
          onDone={() => {
            onSaved();
            onClose();
          }}
          onDeleted={() => {
            onSaved();
            onClose();
          }}
        />
      )}
    </Modal>
  );
}

function LessonForm({
  courseId,
  lesson,
  onFileChanged,
  onDone,
  onDeleted,
}: {
  courseId: string;
  lesson: LessonFull;
  onFileChanged: () => Promise<unknown>;
  onDone: () => void;
  onDeleted: () => void;
}) {
  const [title, setTitle] = useState(lesson.title);
  const [body, setBody] = useState(lesson.body);
  const [videoUrl, setVideoUrl] = useState(lesson.videoUrl ?? '');
  const [quizId, setQuizId] = useState<string | null>(lesson.quizId);
  const [isPreview, setIsPreview] = useState(lesson.isPreview);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  /** A file chosen in the file field but not uploaded yet: Save sends it first. */
  const [chosen, setChosen] = useState<File | null>(null);
  const save = async () => {
    setSaving(true);
    setError(null);
    const patch: Record<string, unknown> = { title, body, isPreview };
    if (lesson.kind === 'video') patch.videoUrl = videoUrl.trim() || null;
    if (lesson.kind === 'quiz') patch.quizId = quizId;
    try {
      if (chosen) {
        const limit = lesson.kind === 'video' ? UPLOAD_LIMITS.lessonVideo : UPLOAD_LIMITS.lessonPdf;
        const wrong = chosenFileProblem(chosen, limit);
        if (wrong) {
          setError(new ApiError(400, 'VALIDATION_FAILED', wrong));
          return;
        }
        await uploadFile('PUT', `/api/lessons/${lesson.id}/file`, chosen);
      }
      await api.patch(`/api/lessons/${lesson.id}`, patch);
      notify('Lesson saved.', 'green');
      onDone();
    } catch (e) {
      if (e instanceof ApiError) setError(e);
      else notify(errorMessage(e), 'red');
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    try {
      await api.delete(`/api/lessons/${lesson.id}`);
      notify('Lesson deleted.', 'green');
      onDeleted();
    } catch (e) {
      notify(errorMessage(e), 'red');
    }
  };
  return (
    <Stack gap="sm">
      {error && error.fieldErrors.length === 0 && (
        <Text c="red" size="sm" role="alert">
          {error.detail}
        </Text>
      )}
      <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={error?.fieldError('title')} />
      <MarkdownInput id={`lesson-body-${lesson.id}`} label="Content" minRows={8} value={body} onChange={setBody} error={error?.fieldError('body')} />
      {lesson.kind === 'video' && (
        <TextInput
          label="Video URL (https)"
          value={videoUrl}
          onChange={(e) => setVideoUrl(e.currentTarget.value)}
          error={error?.fieldError('videoUrl')}
        />
      )}
      {(lesson.kind === 'video' || lesson.kind === 'pdf') && <LessonFile lesson={lesson} onChanged={onFileChanged} onChosen={setChosen} />}
      {lesson.kind === 'quiz' && (
        <Stack gap={4}>
          <LinkPicker link={QUIZ_LINK} label="Quiz" value={quizId} onChange={setQuizId} error={error?.fieldError('quizId')} required />
          <NewQuizLink />
        </Stack>
      )}
      {lesson.kind === 'scorm' && lesson.scormPackageId && <ScormPackageField packageId={lesson.scormPackageId} />}
      <Switch label="Free preview" checked={isPreview} onChange={(e) => setIsPreview(e.currentTarget.checked)} />
      {lesson.kind === 'assignment' && (
        <Text size="sm">
          Learners hand in work here; it completes when an evaluator passes it. Write the assignment in the desk under Assignments
          (New assignment) and choose this lesson there.
        </Text>
      )}
      <Group justify="space-between">
        <Group gap="sm">
          <Button color="red" variant="light" onClick={() => void remove()}>
            Delete lesson
          </Button>
          <PreviewAsLearner courseId={courseId} lessonId={lesson.id} title={lesson.title} />
        </Group>
        <Button onClick={() => void save()} loading={saving}>
          Save lesson
        </Button>
      </Group>
    </Stack>
  );
}

/** A video or PDF lesson's file: which one it is, open it, upload one (replacing the one there). */
function LessonFile({ lesson, onChanged, onChosen }: { lesson: LessonFull; onChanged: () => Promise<unknown>; onChosen: (f: File | null) => void }) {
  const video = lesson.kind === 'video';
  const limit = video ? UPLOAD_LIMITS.lessonVideo : UPLOAD_LIMITS.lessonPdf;
  return (
    <Paper withBorder p="sm" radius="md" data-testid="lesson-file">
      <Stack gap="xs">
        <Text fw={600} size="sm">
          {video ? 'Video file' : 'PDF'}
        </Text>
        {lesson.file && lesson.fileUrl ? (
          <Text size="sm">
            <a href={lesson.fileUrl} target="_blank" rel="noopener">
              {lesson.file.filename}
            </a>{' '}
            · {readableSize(lesson.file.size)}
            {video && ' · plays instead of the video URL'}
          </Text>
        ) : (
          <Text size="sm" c="gray.7">
            {video ? 'No video file yet: learners see the video URL, if there is one.' : 'No PDF yet: learners see “This PDF lesson has no document yet”.'}
          </Text>
        )}
        <FileUpload
          label={lesson.file ? (video ? 'Replace the video' : 'Replace the PDF') : video ? 'Upload a video' : 'Upload the PDF'}
          limit={limit}
          url={`/api/lessons/${lesson.id}/file`}
          onChosen={onChosen}
          onUploaded={async () => {
            notify(lesson.file ? 'File replaced.' : 'File uploaded.', 'green');
            await onChanged();
          }}
        />
      </Stack>
    </Paper>
  );
}
