import { lazy, Suspense, useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Box, Button, Container, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { useTitle } from '../ui/useTitle.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { ProgressLine, ALERT_STYLES } from './PortalParts.tsx';
import { QuizPlayer } from './QuizPlayer.tsx';
import { useMe } from '../ui/session.ts';

// The SCORM runtime is large: it loads with the first SCORM lesson.
const ScormPlayer = lazy(() => import('./ScormPlayer.tsx'));
import { LessonAssignment } from './LessonAssignment.tsx';
import {
  applyEnrollment,
  flatLessons,
  KIND_LABEL,
  useLesson,
  useOutline,
  type Enrollment,
  type Lesson,
  type Outline,
} from './portal-api.ts';
import { MarkdownBody } from '../ui/MarkdownBody.tsx';
import { videoEmbed } from '../../contract/video.ts';
import { readableSize } from '../ui/upload.ts';

/** The lesson player: content by kind, Previous/Next, Mark complete, live progress. */
export default function LessonPage() {
  const { courseId = '', lessonId = '' } = useParams();
  const outline = useOutline(courseId);
  const lesson = useLesson(lessonId);
  useTitle(lesson.data?.title ?? 'Lesson');
  if (outline.isPending || lesson.isPending) return <PageLoader label="Loading the lesson…" />;
  if (outline.isError) return <ErrorState error={outline.error} onRetry={() => void outline.refetch()} />;
  if (lesson.isError)
    return <ErrorState error={lesson.error} onRetry={() => void lesson.refetch()} title="This lesson could not be loaded" />;
  return <Player outline={outline.data} lesson={lesson.data} />;
}

function Player({ outline, lesson }: { outline: Outline; lesson: Lesson }) {
  const client = useQueryClient();
  const { course, enrollment } = outline;
  const lessons = flatLessons(outline);
  const at = lessons.findIndex((l) => l.id === lesson.id);
  const prev = at > 0 ? lessons[at - 1] : undefined;
  const next = at >= 0 && at < lessons.length - 1 ? lessons[at + 1] : undefined;
  const completed = lessons[at]?.completed ?? false;
  const chapter = outline.chapters.find((c) => c.id === lesson.chapterId);

  // Opening a lesson records it as the current one (for Continue).
  const enrolled = !!enrollment;
  const { mutate: markCurrent } = useMutation({
    mutationFn: (id: string) => api.put<{ enrollment: Enrollment }>(`/api/lessons/${id}/current`),
    onSuccess: (r) => applyEnrollment(client, course.id, r.enrollment),
  });
  useEffect(() => {
    if (enrolled) markCurrent(lesson.id);
  }, [enrolled, lesson.id, markCurrent]);

  const complete = useMutation({
    mutationFn: () => api.post<{ enrollment: Enrollment }>(`/api/lessons/${lesson.id}/complete`),
    onSuccess: (r) => applyEnrollment(client, course.id, r.enrollment, lesson.id),
  });

  return (
    <Container size="lg" px={{ base: 'md', sm: 'xl' }} py={{ base: 'lg', sm: 'xl' }}>
      <Stack gap="lg">
        <Stack gap={6}>
          <Anchor component={Link} to={`/lms/courses/${course.id}`} size="sm">
            ← {course.title}
          </Anchor>
          {enrollment && <ProgressLine value={enrollment.progress} label={`Progress in ${course.title}`} />}
        </Stack>
        <Box>
          <Group gap="xs" mb={4}>
            <Badge c="gray.9" variant="light" color="gray">
              {KIND_LABEL[lesson.kind]}
            </Badge>
            {chapter && (
              <Text size="sm" c="gray.7">
                {chapter.title} · lesson {at + 1} of {lessons.length}
              </Text>
            )}
            {completed && (
              <Badge color="teal.9" variant="outline" data-testid="lesson-completed">
                ✓ Completed
              </Badge>
            )}
          </Group>
          <Title order={1} fz={{ base: 24, sm: 28 }}>
            {lesson.title}
          </Title>
        </Box>

        <LessonContent lesson={lesson} courseId={course.id} enrolled={enrolled} />

        {!enrolled && (
          <Alert styles={ALERT_STYLES} color="blue" variant="light" title="Preview">
            You are not enrolled in this course, so your progress is not recorded.
          </Alert>
        )}
        {complete.isError && (
          <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="The lesson was not marked complete">
            {complete.error instanceof ApiError && complete.error.code === 'LESSON_LOCKED'
              ? 'This course is taken in order: complete the previous lessons first.'
              : errorMessage(complete.error)}
          </Alert>
        )}

        <Paper withBorder radius="lg" p="sm">
          <Group justify="space-between" gap="sm">
            {prev ? (
              <Button component={Link} to={`/lms/courses/${course.id}/lessons/${prev.id}`} variant="default">
                ← Previous
              </Button>
            ) : (
              <span />
            )}
            {enrolled && lesson.kind !== 'quiz' && lesson.kind !== 'scorm' && lesson.kind !== 'assignment' && !completed && (
              <Button onClick={() => complete.mutate()} loading={complete.isPending} color="teal.9">
                Mark complete
              </Button>
            )}
            {next ? (
              <Button component={Link} to={`/lms/courses/${course.id}/lessons/${next.id}`} variant={completed ? 'filled' : 'default'}>
                Next →
              </Button>
            ) : (
              <Button component={Link} to={`/lms/courses/${course.id}`} variant="default">
                Back to the course
              </Button>
            )}
          </Group>
        </Paper>
        {enrollment && enrollment.progress >= 100 && (
          <Alert styles={ALERT_STYLES} color="teal" variant="light" title="Course complete" role="status">
            <Text size="sm">
              You completed every lesson.{' '}
              {course.enableCertification ? (
                <Anchor component={Link} to={`/lms/courses/${course.id}`} c="blue.9">
                  See your certificate on the course page
                </Anchor>
              ) : (
                'Well done.'
              )}
            </Text>
          </Alert>
        )}
      </Stack>
    </Container>
  );
}

function LessonContent({ lesson, courseId, enrolled }: { lesson: Lesson; courseId: string; enrolled: boolean }) {
  const body = lesson.bodyHtml ? <MarkdownBody html={lesson.bodyHtml} /> : null;
  switch (lesson.kind) {
    case 'video': {
      const src = lesson.fileUrl ?? lesson.videoUrl;
      const embed = !lesson.fileUrl && lesson.videoUrl ? videoEmbed(lesson.videoUrl) : null;
      return (
        <Stack gap="md">
          {embed ? (
            <Box style={{ borderRadius: 'var(--mantine-radius-lg)', overflow: 'hidden', background: 'black', aspectRatio: '16 / 9' }}>
              <iframe
                src={embed.embedUrl}
                title={`Video (${embed.provider}): ${lesson.title}`}
                allow="fullscreen; picture-in-picture; encrypted-media"
                referrerPolicy="strict-origin-when-cross-origin"
                style={{ display: 'block', width: '100%', height: '100%', border: 0 }}
                data-testid="lesson-video-embed"
              />
            </Box>
          ) : src ? (
            <Box style={{ borderRadius: 'var(--mantine-radius-lg)', overflow: 'hidden', background: 'black' }}>
              {/* Captions are not part of the lesson model yet; the lesson text carries the transcript. */}
              <video
                controls
                preload="metadata"
                src={src}
                style={{ display: 'block', width: '100%', maxHeight: '70vh' }}
                aria-label={`Video: ${lesson.title}`}
                data-testid="lesson-video"
              >
                <track kind="captions" />
              </video>
            </Box>
          ) : (
            <Text c="gray.7">This video lesson has no video yet.</Text>
          )}
          {body}
        </Stack>
      );
    }
    case 'pdf':
      return (
        <Stack gap="md">
          {lesson.fileUrl ? (
            <>
              <iframe
                src={lesson.fileUrl}
                title={`PDF: ${lesson.title}`}
                style={{
                  width: '100%',
                  height: '75vh',
                  border: '1px solid var(--mantine-color-gray-3)',
                  borderRadius: 'var(--mantine-radius-lg)',
                }}
                data-testid="lesson-pdf"
              />
              <Group gap="sm">
                <Anchor href={lesson.fileUrl} target="_blank" rel="noopener" size="sm">
                  Open the PDF in a new tab
                </Anchor>
                {lesson.file && (
                  <Text size="sm" c="gray.7">
                    {lesson.file.filename} · {readableSize(lesson.file.size)}
                  </Text>
                )}
              </Group>
            </>
          ) : (
            <Text c="gray.7">This PDF lesson has no document yet.</Text>
          )}
          {body}
        </Stack>
      );
    case 'quiz':
      return (
        <Stack gap="md">
          {body}
          {lesson.quizId ? (
            enrolled ? (
              <QuizPlayer quizId={lesson.quizId} courseId={courseId} />
            ) : (
              <QuizPreview quizId={lesson.quizId} courseId={courseId} />
            )
          ) : (
            <Text c="gray.7">This quiz lesson has no quiz yet.</Text>
          )}
        </Stack>
      );
    case 'assignment':
      return (
        <Stack gap="md">
          {body}
          {enrolled ? <LessonAssignment lessonId={lesson.id} /> : <Text c="gray.7">Enroll in the course to hand in this assignment.</Text>}
        </Stack>
      );
    case 'scorm':
      return (
        <Stack gap="md">
          {body}
          {lesson.scormPackageId ? (
            enrolled ? (
              <Suspense fallback={<PageLoader label="Loading the SCORM player…" />}>
                <ScormLesson lesson={lesson} courseId={courseId} />
              </Suspense>
            ) : (
              <ScormPreview lesson={lesson} courseId={courseId} />
            )
          ) : (
            <Alert styles={ALERT_STYLES} color="gray" variant="light" title="SCORM package">
              This SCORM lesson has no package yet.
            </Alert>
          )}
        </Stack>
      );
    default:
      return body ?? <Text c="gray.7">This lesson has no text yet.</Text>;
  }
}

/**
 * A quiz lesson for someone not enrolled: its authors (the quiz answers them its staff view) try it
 * as a preview that never counts; anyone else is asked to enroll.
 */
function QuizPreview({ quizId, courseId }: { quizId: string; courseId: string }) {
  const quiz = useQuery({
    queryKey: ['quiz-preview-view', quizId],
    queryFn: ({ signal }) => api.get<{ view: 'staff' | 'learner' }>(`/api/quizzes/${encodeURIComponent(quizId)}`, { signal }),
    retry: false,
  });
  if (quiz.isPending) return <PageLoader label="Loading the quiz…" />;
  if (quiz.data?.view !== 'staff') return <Text c="gray.7">Enroll in the course to take this quiz.</Text>;
  return (
    <Stack gap="sm">
      <Alert styles={ALERT_STYLES} color="blue" variant="light" title="Preview">
        You are not enrolled: your attempts here are previews. They are not scored for anyone and never count.
      </Alert>
      <QuizPlayer quizId={quizId} courseId={courseId} />
    </Stack>
  );
}

function ScormLesson({ lesson, courseId, preview = false }: { lesson: Lesson; courseId: string; preview?: boolean }) {
  const me = useMe().data;
  return (
    <ScormPlayer
      lessonId={lesson.id}
      courseId={courseId}
      title={lesson.title}
      learner={{ id: me?.id ?? '', name: me?.fullName ?? '' }}
      preview={preview}
    />
  );
}

/** A SCORM lesson for someone not enrolled: its course's managers (the attempt answers them) try it without recording; others are asked to enroll. */
function ScormPreview({ lesson, courseId }: { lesson: Lesson; courseId: string }) {
  const attempt = useQuery({
    queryKey: ['lessons', lesson.id, 'scorm-attempt'],
    queryFn: ({ signal }) => api.get<unknown>(`/api/lessons/${encodeURIComponent(lesson.id)}/scorm-attempt`, { signal }),
    retry: false,
    staleTime: Infinity,
  });
  if (attempt.isPending) return <PageLoader label="Loading the SCORM lesson…" />;
  if (attempt.isError) return <Text c="gray.7">Enroll in the course to take this lesson.</Text>;
  return (
    <Stack gap="sm">
      <Alert styles={ALERT_STYLES} color="blue" variant="light" title="Preview">
        You are not enrolled: the package runs as a learner would see it, and nothing it reports is recorded.
      </Alert>
      <Suspense fallback={<PageLoader label="Loading the SCORM player…" />}>
        <ScormLesson lesson={lesson} courseId={courseId} preview />
      </Suspense>
    </Stack>
  );
}
