import { useState, type DragEvent } from 'react';
import { Badge, Button, FileInput, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notify } from './notify.ts';
import { useQuery } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { SCORM_ZIP } from './ScormPackageField.tsx';
import { chosenFileProblem, UploadProgressBar } from './file-upload.tsx';
import { UPLOAD_LIMITS, type UploadLimit } from '../../contract/uploads.ts';
import { uploadFile, type UploadProgress } from '../ui/upload.ts';
import { LinkPicker } from './LinkPicker.tsx';
import { LessonModal, NewQuizLink, PreviewAsLearner, QUIZ_LINK } from './LessonEditor.tsx';
import { LESSON_KINDS, type LessonKind } from '../../contract/courses.ts';
import { KIND_LABEL } from '../ui/lesson-kinds.ts';

interface OutlineLesson {
  id: string;
  title: string;
  kind: string;
  position: number;
}
interface OutlineChapter {
  id: string;
  title: string;
  position: number;
  lessons: OutlineLesson[];
}
interface Outline {
  chapters: OutlineChapter[];
}
const KINDS = LESSON_KINDS.map((k) => ({ value: k, label: KIND_LABEL[k] }));

type Drag = { type: 'chapter'; id: string } | { type: 'lesson'; id: string; chapterId: string };

function moved<T>(list: T[], from: number, to: number): T[] {
  const next = [...list];
  const [x] = next.splice(from, 1);
  if (x !== undefined) next.splice(to, 0, x);
  return next;
}

/** Chapters and lessons of a course: add, rename, reorder (drag, or the arrow buttons), edit a lesson's content. */
export function CourseEditor({ courseId }: { courseId: string }) {
  const outline = useQuery({
    queryKey: ['desk-outline', courseId],
    queryFn: ({ signal }) => api.get<Outline>(`/api/courses/${encodeURIComponent(courseId)}/outline`, { signal }),
  });
  const [drag, setDrag] = useState<Drag | null>(null);
  const [newChapter, setNewChapter] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    try {
      await fn();
      if (done) notify(done, 'green');
    } catch (e) {
      notify(errorMessage(e), 'red');
    } finally {
      setBusy(false);
      await outline.refetch();
    }
  };

  if (outline.isPending) return <PageLoader label="Loading chapters…" />;
  if (outline.isError) return <ErrorState error={outline.error} onRetry={() => void outline.refetch()} />;
  const chapters = outline.data.chapters;

  const reorderChapters = (from: number, to: number) =>
    run(() => api.put(`/api/courses/${courseId}/chapter-order`, { chapterIds: moved(chapters, from, to).map((c) => c.id) }));
  const reorderLessons = (ch: OutlineChapter, from: number, to: number) =>
    run(() => api.put(`/api/chapters/${ch.id}/lesson-order`, { lessonIds: moved(ch.lessons, from, to).map((l) => l.id) }));
  const moveLesson = (lessonId: string, chapterId: string, position: number) =>
    run(() => api.post(`/api/lessons/${lessonId}/move`, { chapterId, position }));

  const onDropChapter = (e: DragEvent, target: number) => {
    e.preventDefault();
    if (drag?.type === 'chapter') {
      const from = chapters.findIndex((c) => c.id === drag.id);
      if (from >= 0 && from !== target) void reorderChapters(from, target);
    } else if (drag?.type === 'lesson') {
      const ch = chapters[target];
      if (ch && ch.id !== drag.chapterId) void moveLesson(drag.id, ch.id, ch.lessons.length);
    }
    setDrag(null);
  };
  const onDropLesson = (e: DragEvent, ch: OutlineChapter, target: number) => {
    e.preventDefault();
    e.stopPropagation();
    if (drag?.type === 'lesson') {
      if (drag.chapterId === ch.id) {
        const from = ch.lessons.findIndex((l) => l.id === drag.id);
        if (from >= 0 && from !== target) void reorderLessons(ch, from, target);
      } else void moveLesson(drag.id, ch.id, target);
    }
    setDrag(null);
  };

  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="chapters-title">
      <Title order={2} fz="lg" mb="xs" id="chapters-title">
        Chapters and lessons
      </Title>
      <Text size="sm" c="gray.7" mb="md">
        Drag chapters and lessons to reorder them (or use the arrows). Adding or removing lessons recomputes every learner&apos;s progress.
      </Text>
      <Stack gap="md" data-testid="course-editor">
        {chapters.map((ch, ci) => (
          <Paper
            key={ch.id}
            withBorder
            radius="md"
            p="sm"
            draggable
            onDragStart={() => setDrag({ type: 'chapter', id: ch.id })}
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => onDropChapter(e, ci)}
            data-testid="chapter"
            aria-label={`Chapter ${ci + 1}: ${ch.title}`}
            component="section"
          >
            <ChapterHeader
              chapter={ch}
              index={ci}
              count={chapters.length}
              busy={busy}
              onRename={(title) => run(() => api.patch(`/api/chapters/${ch.id}`, { title }), 'Chapter renamed.')}
              onMove={(d) => reorderChapters(ci, ci + d)}
              onDelete={() => run(() => api.delete(`/api/chapters/${ch.id}`), 'Chapter deleted.')}
            />
            <Stack gap={4} mt="xs" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
              {ch.lessons.map((l, li) => (
                <Group
                  component="li"
                  key={l.id}
                  justify="space-between"
                  wrap="nowrap"
                  p={6}
                  className="desk-lesson-row"
                  draggable
                  onDragStart={(e) => {
                    e.stopPropagation();
                    setDrag({ type: 'lesson', id: l.id, chapterId: ch.id });
                  }}
                  onDragOver={(e) => e.preventDefault()}
                  onDrop={(e) => onDropLesson(e, ch, li)}
                  data-testid="lesson"
                >
                  <Group gap="xs" wrap="nowrap" miw={0}>
                    <Text aria-hidden="true" c="gray.6" style={{ cursor: 'grab' }}>
                      ⠿
                    </Text>
                    <Text size="sm" truncate>
                      {li + 1}. {l.title}
                    </Text>
                    <Badge size="sm" variant="light" c="gray.9" tt="none">
                      {KIND_LABEL[l.kind as LessonKind] ?? l.kind}
                    </Badge>
                  </Group>
                  <Group gap={4} wrap="nowrap">
                    <Button
                      size="compact-xs"
                      variant="default"
                      disabled={busy || li === 0}
                      onClick={() => void reorderLessons(ch, li, li - 1)}
                      aria-label={`Move ${l.title} up`}
                    >
                      ↑
                    </Button>
                    <Button
                      size="compact-xs"
                      variant="default"
                      disabled={busy || li === ch.lessons.length - 1}
                      onClick={() => void reorderLessons(ch, li, li + 1)}
                      aria-label={`Move ${l.title} down`}
                    >
                      ↓
                    </Button>
                    <Button size="compact-xs" variant="light" onClick={() => setEditing(l.id)} aria-label={`Edit ${l.title}`}>
                      Edit
                    </Button>
                    <PreviewAsLearner courseId={courseId} lessonId={l.id} title={l.title} compact />
                  </Group>
                </Group>
              ))}
            </Stack>
            <AddLesson chapterId={ch.id} busy={busy} onAdded={() => outline.refetch()} />
          </Paper>
        ))}
        <Group
          align="flex-end"
          component="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!newChapter.trim()) return;
            void run(() => api.post(`/api/courses/${courseId}/chapters`, { title: newChapter.trim() }), 'Chapter added.').then(() =>
              setNewChapter(''),
            );
          }}
        >
          <TextInput label="New chapter title" value={newChapter} onChange={(e) => setNewChapter(e.currentTarget.value)} />
          <Button type="submit" variant="default" loading={busy}>
            Add chapter
          </Button>
        </Group>
      </Stack>
      {editing && <LessonModal courseId={courseId} lessonId={editing} onClose={() => setEditing(null)} onSaved={() => void outline.refetch()} />}
    </Paper>
  );
}

function ChapterHeader({
  chapter,
  index,
  count,
  busy,
  onRename,
  onMove,
  onDelete,
}: {
  chapter: OutlineChapter;
  index: number;
  count: number;
  busy: boolean;
  onRename: (title: string) => Promise<void>;
  onMove: (d: number) => Promise<void>;
  onDelete: () => Promise<void>;
}) {
  const [title, setTitle] = useState(chapter.title);
  return (
    <Group justify="space-between" wrap="nowrap" align="flex-end">
      <TextInput
        label={`Chapter ${index + 1}`}
        value={title}
        onChange={(e) => setTitle(e.currentTarget.value)}
        onBlur={() => {
          if (title.trim() && title !== chapter.title) void onRename(title.trim());
        }}
        flex={1}
      />
      <Group gap={4} wrap="nowrap">
        <Button
          size="compact-sm"
          variant="default"
          disabled={busy || index === 0}
          onClick={() => void onMove(-1)}
          aria-label={`Move chapter ${chapter.title} up`}
        >
          ↑
        </Button>
        <Button
          size="compact-sm"
          variant="default"
          disabled={busy || index === count - 1}
          onClick={() => void onMove(1)}
          aria-label={`Move chapter ${chapter.title} down`}
        >
          ↓
        </Button>
        <Button size="compact-sm" color="red" variant="light" disabled={busy || chapter.lessons.length > 0} onClick={() => void onDelete()}>
          Delete
        </Button>
      </Group>
    </Group>
  );
}

/** What a new lesson of a kind takes as a file: SCORM and PDF lessons need one, a video may have one. */
const LESSON_FILES: Partial<Record<LessonKind, { label: string; limit: UploadLimit; required?: string }>> = {
  scorm: { label: 'SCORM package (.zip)', limit: SCORM_ZIP, required: 'Choose the SCORM package (a .zip file) for this lesson.' },
  pdf: { label: 'The PDF', limit: UPLOAD_LIMITS.lessonPdf, required: 'Choose the PDF this lesson shows.' },
  video: { label: 'Video file (optional)', limit: UPLOAD_LIMITS.lessonVideo },
};

function AddLesson({ chapterId, busy, onAdded }: { chapterId: string; busy: boolean; onAdded: () => Promise<unknown> }) {
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<LessonKind>('text');
  const [quizId, setQuizId] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [saving, setSaving] = useState(false);
  const [missing, setMissing] = useState<{ title?: string; quizId?: string; file?: string }>({});
  const fileRule = LESSON_FILES[kind];
  const submit = async () => {
    const fileProblem = fileRule && (file ? chosenFileProblem(file, fileRule.limit) : fileRule.required);
    const problems = {
      ...(title.trim() ? {} : { title: 'Give the lesson a title.' }),
      ...(kind === 'quiz' && !quizId ? { quizId: 'Choose the quiz this lesson shows.' } : {}),
      ...(fileProblem ? { file: fileProblem } : {}),
    };
    setMissing(problems);
    if (Object.keys(problems).length) return;
    setSaving(true);
    let added: { id: string } | null = null;
    try {
      let scormPackageId: string | undefined;
      if (kind === 'scorm' && file) scormPackageId = (await uploadFile<{ id: string }>('POST', '/api/scorm-packages', file, setProgress)).id;
      setProgress(null);
      added = await api.post<{ id: string }>(`/api/chapters/${chapterId}/lessons`, {
        title: title.trim(),
        kind,
        ...(kind === 'quiz' && quizId ? { quizId } : {}),
        ...(scormPackageId ? { scormPackageId } : {}),
      });
      if (file && kind !== 'scorm') await uploadFile('PUT', `/api/lessons/${added.id}/file`, file, setProgress);
      notify('Lesson added.', 'green');
      setTitle('');
      setQuizId(null);
      setFile(null);
    } catch (e) {
      const reason = e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => f.message).join(' ') : errorMessage(e);
      if (added) setMissing({ file: `The lesson was added without its file: ${reason} Open the lesson to attach the file again.` });
      else if (file) setMissing({ file: reason });
      else notify(reason, 'red');
    } finally {
      setSaving(false);
      setProgress(null);
      await onAdded();
    }
  };
  return (
    <Stack gap={4} mt="xs">
      <Group
        align="flex-start"
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <TextInput
          id={`new-lesson-${chapterId}`}
          label="New lesson title"
          size="xs"
          value={title}
          error={missing.title}
          onChange={(e) => setTitle(e.currentTarget.value)}
        />
        <Select
          label="Kind"
          size="xs"
          w={140}
          data={KINDS}
          value={kind}
          allowDeselect={false}
          onChange={(v) => {
            setKind(v ?? 'text');
            setFile(null);
            setMissing({});
          }}
        />
        {kind === 'quiz' && (
          <LinkPicker
            id={`new-lesson-quiz-${chapterId}`}
            link={QUIZ_LINK}
            label="Quiz"
            value={quizId}
            onChange={setQuizId}
            error={missing.quizId}
            required
          />
        )}
        {fileRule && (
          <FileInput
            label={fileRule.label}
            size="xs"
            w={240}
            accept={fileRule.limit.accept.join(',')}
            placeholder="Choose a file"
            value={file}
            onChange={(f) => {
              setFile(f);
              setMissing((m) => ({ ...m, file: f ? (chosenFileProblem(f, fileRule.limit) ?? undefined) : undefined }));
            }}
            error={missing.file}
            clearable
          />
        )}
        <Button type="submit" size="xs" variant="default" disabled={busy} loading={saving} mt={22}>
          Add lesson
        </Button>
      </Group>
      {progress && <UploadProgressBar name={file?.name} progress={progress} />}
      {kind === 'quiz' && <NewQuizLink />}
    </Stack>
  );
}
