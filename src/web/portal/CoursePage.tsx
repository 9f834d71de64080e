import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Badge, Button, Group, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { api, errorMessage } from '../ui/api.ts';
import { readableDateTime } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { IconAward, IconChecklist } from '../ui/icons.tsx';
import { AttestationPanel } from './AttestationPanel.tsx';
import { CertificateActions, ProgressLine, RefusalAlert, useEnroll } from './PortalParts.tsx';
import { BuyButton } from './BuyButton.tsx';
import { enrollmentWindowText } from './enroll-refusal.ts';
import {
  continueLessonId,
  flatLessons,
  keys,
  KIND_LABEL,
  useCertificateState,
  useLatestSubmission,
  useLesson,
  useOutline,
  useQuiz,
  type Certificate,
  type Course,
  type Outline,
  type OutlineLesson,
} from './portal-api.ts';
import { MarkdownBody } from '../ui/MarkdownBody.tsx';
import { scoStatusWords } from '../../contract/scorm-words.ts';

/** A course's page: header with progress, Continue, certificate actions, and the outline. */
export default function CoursePage() {
  const { courseId = '' } = useParams();
  const outline = useOutline(courseId);
  if (outline.isPending) return <PageLoader label="Loading the course…" />;
  if (outline.isError)
    return <ErrorState error={outline.error} onRetry={() => void outline.refetch()} title="This course could not be loaded" />;
  return <CourseView outline={outline.data} />;
}

/**
 * "Leave course" for a learner who enrolled themselves in a course that is not mandatory, after a
 * confirmation; the server may still refuse (an open training assignment), said in words.
 */
function LeaveCourse({ courseId, title }: { courseId: string; title: string }) {
  const [open, setOpen] = useState(false);
  const client = useQueryClient();
  const navigate = useNavigate();
  const leave = useMutation({
    mutationFn: () => api.post<void>(`/api/courses/${courseId}/leave`),
    onSuccess: async () => {
      setOpen(false);
      await client.invalidateQueries({ queryKey: keys.myCourses });
      await client.invalidateQueries({ queryKey: keys.outline(courseId) });
      void navigate('/lms');
    },
  });
  return (
    <>
      <Button variant="default" color="red" onClick={() => setOpen(true)}>
        Leave course
      </Button>
      <ConfirmDialog
        opened={open}
        onClose={() => {
          setOpen(false);
          leave.reset();
        }}
        title={`Leave ${title}?`}
        cancelLabel="Stay enrolled"
        confirmLabel="Leave course"
        color="red"
        busy={leave.isPending}
        error={leave.isError ? errorMessage(leave.error) : null}
        onConfirm={() => leave.mutate()}
      >
        Your progress in this course will be removed. You can enroll again later, but you will start from the beginning.
      </ConfirmDialog>
    </>
  );
}

function CourseView({ outline }: { outline: Outline }) {
  const { course, enrollment } = outline;
  const next = continueLessonId(outline);
  const lessons = flatLessons(outline);
  const done = lessons.filter((l) => l.completed).length;
  const { enroll, pending, refusal } = useEnroll(course.id);
  const started = !!enrollment && (enrollment.progress > 0 || !!enrollment.currentLessonId);
  // Suspended by staff: the record and progress stay, the lessons are closed.
  const suspended = !!enrollment?.suspendedAt;
  // The full course record: its description, and whether learners may enroll themselves.
  const full = useQuery({
    queryKey: ['courses', course.id],
    queryFn: ({ signal }) => api.get<Course & { descriptionHtml?: string }>(`/api/courses/${course.id}`, { signal }),
  });
  const selfEnrollment = !full.data?.disableSelfEnrollment;
  // A paid course with a price is bought here; one without a price is arranged by the training team.
  const paid = !!course.paid;
  const price = full.data?.price ?? null;
  const currency = full.data?.currency ?? null;
  const buyable = paid && selfEnrollment && price !== null && !!currency;
  // The enrollment window and places: learners see when it opens or closed, and how many places are left.
  const state = full.data?.enrollmentState ?? 'open';
  const windowText = full.data ? enrollmentWindowText(full.data) : null;

  return (
    <Page
      title={course.title}
      description={course.shortIntroduction || undefined}
      actions={
        course.canManage ? (
          <Button component={Link} to={`/lms/courses/${course.id}/dashboard`} variant="default">
            Course dashboard
          </Button>
        ) : undefined
      }
    >
      <Paper withBorder radius="lg" p={{ base: 'md', sm: 'lg' }}>
        <Stack gap="sm">
          <Group gap={6}>
            {course.mandatory && (
              <Badge c="violet.9" color="violet" variant="light">
                Mandatory
              </Badge>
            )}
            {!course.published && (
              <Badge c="gray.9" color="orange" variant="light">
                Not published
              </Badge>
            )}
            {course.sequential && (
              <Badge c="gray.9" color="gray" variant="light">
                Taken in order
              </Badge>
            )}
            {suspended && (
              <Badge c="red.9" color="red" variant="light">
                Suspended
              </Badge>
            )}
            {/* Whether finishing the course earns a certificate, said before anyone starts. */}
            <Badge c="gray.9" color={course.enableCertification ? 'teal' : 'gray'} variant="light" tt="none" data-testid="certificate-badge">
              {!course.enableCertification
                ? 'No certificate'
                : course.evaluationRequired
                  ? 'Certificate after an evaluation'
                  : `Certificate on completion${course.certificateValidityMonths ? `, valid ${course.certificateValidityMonths} months` : ''}`}
            </Badge>
          </Group>
          {suspended && (
            <Alert color="red" variant="light" title="Suspended" data-testid="suspended-notice">
              Your enrollment in this course is suspended, so its lessons are closed for now. Your progress is kept.
              {enrollment?.suspendReason ? ` Reason: ${enrollment.suspendReason}` : ''}
            </Alert>
          )}
          {enrollment ? (
            <>
              <ProgressLine value={enrollment.progress} label={`Progress in ${course.title}`} size="lg" />
              <Text size="sm" c="gray.7">
                {done} of {lessons.length} {lessons.length === 1 ? 'lesson' : 'lessons'} complete
              </Text>
              <Group>
                {next && !suspended && (
                  <Button component={Link} to={`/lms/courses/${course.id}/lessons/${next}`}>
                    {enrollment.progress >= 100 ? 'Review lessons' : started ? 'Continue' : 'Start the course'}
                  </Button>
                )}
                {enrollment.source === 'self' && !course.mandatory && <LeaveCourse courseId={course.id} title={course.title} />}
              </Group>
            </>
          ) : (
            <>
              {!buyable && (
                <Text size="sm" c="gray.7">
                  {paid
                    ? 'This is a paid course. Access is given once it is paid for: ask your training team to arrange it and enroll you.'
                    : !selfEnrollment
                      ? 'You are not enrolled in this course. Your training team enrolls people in it: ask them to enroll you.'
                      : 'You are not enrolled in this course.'}
                </Text>
              )}
              {selfEnrollment && windowText && (
                <Text size="sm" fw={500} data-testid="enrollment-window">
                  {windowText}
                </Text>
              )}
              <RefusalAlert refusal={refusal} />
              {buyable && (
                <BuyButton
                  target={{ courseId: course.id }}
                  price={price}
                  currency={currency}
                  intro={
                    <Text size="sm" c="gray.7">
                      This is a paid course: buy it to enroll. Your receipt is under My payments.
                    </Text>
                  }
                />
              )}
              <Group>
                {selfEnrollment && !paid && state === 'open' && (
                  <Button onClick={enroll} loading={pending}>
                    Enroll
                  </Button>
                )}
                {course.canManage && next && (
                  <Button component={Link} to={`/lms/courses/${course.id}/lessons/${next}`} variant="default">
                    Preview lessons
                  </Button>
                )}
              </Group>
            </>
          )}
        </Stack>
      </Paper>

      {enrollment && enrollment.progress >= 100 && course.requiresAttestation && (
        <AttestationPanel courseId={course.id} statement={course.attestationText} />
      )}
      {enrollment && enrollment.progress >= 100 && course.enableCertification && <CertificatePanel courseId={course.id} />}

      {full.data?.descriptionHtml && (
        <section aria-labelledby="about-heading">
          <Title order={2} fz="lg" mb="sm" id="about-heading">
            Course description
          </Title>
          <Paper withBorder radius="lg" p={{ base: 'md', sm: 'lg' }}>
            <MarkdownBody html={full.data.descriptionHtml} />
          </Paper>
        </section>
      )}

      <section aria-labelledby="outline-heading">
        <Title order={2} fz="lg" mb="sm" id="outline-heading">
          Course outline
        </Title>
        {outline.chapters.length === 0 ? (
          <Text c="gray.7">This course has no lessons yet.</Text>
        ) : (
          <Stack gap="md">
            {outline.chapters.map((chapter) => (
              <Paper key={chapter.id} withBorder radius="lg" p="md" component="section" aria-labelledby={`chapter-${chapter.id}`}>
                <Title order={3} fz="md" mb="xs" id={`chapter-${chapter.id}`}>
                  {chapter.title}
                </Title>
                <Stack component="ol" gap={4} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                  {chapter.lessons.map((lesson) => (
                    <LessonRow
                      key={lesson.id}
                      courseId={course.id}
                      lesson={lesson}
                      enrolled={!!enrollment}
                      canOpen={course.canManage || (!suspended && (!!enrollment || lesson.isPreview))}
                    />
                  ))}
                </Stack>
              </Paper>
            ))}
          </Stack>
        )}
      </section>
    </Page>
  );
}

function LessonRow({
  courseId,
  lesson,
  enrolled,
  canOpen,
}: {
  courseId: string;
  lesson: OutlineLesson;
  enrolled: boolean;
  canOpen: boolean;
}) {
  return (
    <li data-testid="outline-lesson" data-completed={lesson.completed ? 'true' : 'false'}>
      <Group gap="sm" wrap="nowrap" py={6} align="flex-start">
        <ThemeIcon
          size={24}
          radius="xl"
          variant={lesson.completed ? 'filled' : 'light'}
          color={lesson.completed ? 'teal.8' : 'gray.5'}
          aria-hidden="true"
          style={{ flexShrink: 0 }}
        >
          {lesson.completed ? '✓' : ''}
        </ThemeIcon>
        <Stack gap={0} style={{ minWidth: 0 }}>
          <Group gap={8} wrap="wrap">
            {canOpen ? (
              <Link to={`/lms/courses/${courseId}/lessons/${lesson.id}`} style={{ color: 'var(--mantine-color-blue-8)', fontWeight: 500 }}>
                {lesson.title}
              </Link>
            ) : (
              <Text fw={500}>{lesson.title}</Text>
            )}
            <Text size="xs" c="gray.7">
              {KIND_LABEL[lesson.kind]}
            </Text>
          </Group>
          {/* Where the learner stands; a visitor who is not enrolled has nothing to do yet. */}
          {(enrolled || lesson.completed) && (
            <Text size="xs" c={lesson.completed ? 'teal.9' : lesson.quizCompletedNotPassed ? 'red.9' : 'gray.7'}>
              {lesson.completed ? (
                'Completed'
              ) : lesson.quizCompletedNotPassed ? (
                'Completed, not passed'
              ) : lesson.kind === 'quiz' ? (
                <QuizPendingReason lessonId={lesson.id} />
              ) : (
                'To do'
              )}
              {!lesson.completed && lesson.scorm && <ScormPendingReason status={lesson.scorm} />}
            </Text>
          )}
        </Stack>
      </Group>
    </li>
  );
}

/** Why a SCORM lesson is still pending: the items not done yet and what each last reported. */
function ScormPendingReason({ status }: { status: NonNullable<OutlineLesson['scorm']> }) {
  const first = status.incomplete[0];
  if (!first) return null;
  const what = (i: typeof first) => {
    const said = scoStatusWords(i.completionStatus === 'not attempted' && !i.lastReportedAt ? null : { ...i, done: false }).toLowerCase();
    const score = i.scoreRaw !== null ? `, score ${i.scoreRaw}` : '';
    const when = i.lastReportedAt ? `, last reported ${readableDateTime(i.lastReportedAt)}` : '';
    return `“${i.title}” ${said}${score}${when}`;
  };
  const more = status.incomplete.length - 1;
  return (
    <span data-testid="scorm-reason">
      {' '}
      — {status.doneCount} of {status.scoCount} parts done; {what(first)}
      {more > 0 ? ` (and ${more} more part${more === 1 ? '' : 's'} to do)` : ''}
    </span>
  );
}

/** Where a quiz lesson not yet passed stands: not attempted, waiting for a grade, or not passed with the attempts left. */
function QuizPendingReason({ lessonId }: { lessonId: string }) {
  const lesson = useLesson(lessonId);
  const quizId = lesson.data?.quizId ?? null;
  const quiz = useQuiz(quizId);
  const latest = useLatestSubmission(quizId);
  if (!quiz.data || latest.isPending) return <>To do</>;
  const left = quiz.data.attemptsLeft;
  const leftText = left === null ? 'unlimited attempts left' : left === 1 ? '1 attempt left' : `${left} attempts left`;
  let reason: string;
  if (!latest.data) reason = 'Not attempted yet';
  else if (latest.data.status === 'pending_review') reason = 'Waiting for a grader';
  else if (latest.data.status === 'in_progress') reason = 'Attempt in progress';
  else if (latest.data.passed === false)
    reason = left === 0 ? 'Not passed, no attempts left — ask your instructor' : `Not passed (${latest.data.percentage ?? 0}%), ${leftText}`;
  else reason = 'Not passed yet';
  return <span data-testid="quiz-reason">{reason}</span>;
}

function CertificatePanel({ courseId }: { courseId: string }) {
  const state = useCertificateState(courseId, true);
  const client = useQueryClient();
  const claim = useMutation({
    mutationFn: () => api.post<Certificate>(`/api/courses/${courseId}/certificate`),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.certificateState(courseId) });
      void client.invalidateQueries({ queryKey: keys.myCertificates });
    },
  });
  return (
    <Paper withBorder radius="lg" p={{ base: 'md', sm: 'lg' }} component="section" aria-labelledby="certificate-heading">
      <Group gap="sm" mb="sm">
        <ThemeIcon color="teal.8" variant="light" radius="xl" aria-hidden="true">
          <IconAward size={18} />
        </ThemeIcon>
        <Title order={2} fz="lg" id="certificate-heading">
          Your certificate
        </Title>
      </Group>
      {state.isPending ? (
        <Text size="sm" c="gray.7" role="status">
          Loading your certificate…
        </Text>
      ) : state.isError ? (
        <ErrorState error={state.error} onRetry={() => void state.refetch()} title="The certificate could not be loaded" />
      ) : state.data.certificate ? (
        <CertificateActions certificate={state.data.certificate} />
      ) : state.data.eligible ? (
        <Stack gap="xs" align="flex-start">
          <Text size="sm">You completed the course. Get your certificate to download it and share its verification link.</Text>
          <Button onClick={() => claim.mutate()} loading={claim.isPending} leftSection={<IconChecklist size={16} />}>
            Get my certificate
          </Button>
          {claim.isError && (
            <Text size="sm" c="red.8" role="alert">
              {errorMessage(claim.error)}
            </Text>
          )}
        </Stack>
      ) : (
        <Text size="sm" c="gray.7">
          Your certificate is being prepared. Reload the page in a moment.
        </Text>
      )}
    </Paper>
  );
}
