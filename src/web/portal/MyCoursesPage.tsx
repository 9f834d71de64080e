import { Link } from 'react-router';
import { Alert, Button, Group, Loader, Paper, Stack, Text, Title, VisuallyHidden } from '@mantine/core';
import { Page } from '../ui/Page.tsx';
import { readableDay } from '../ui/dates.ts';
import { errorMessage } from '../ui/api.ts';
import { hasAnyRole, isStaff, type Me } from '../ui/session.ts';
import { Empty, QueryState } from '../ui/states.tsx';
import { IconAlert, IconBook } from '../ui/icons.tsx';
import { ALERT_STYLES, RefusalAlert, useEnroll } from './enroll.tsx';
import {
  todayIso,
  useMyAssignments,
  useMyCourses,
  useRecommendations,
  type MyCourse,
  type Recommendation,
  type TrainingAssignment,
} from './portal-api.ts';

/** How many suggestions the "Recommended for you" row shows. */
const RECOMMENDED = 6;

/** The due date that matters for a course: the earliest open or overdue assignment. */
function dueOf(assignments: TrainingAssignment[], courseId: string): TrainingAssignment | null {
  const open = assignments
    .filter((a) => a.courseId === courseId && a.status !== 'completed')
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate));
  return open[0] ?? null;
}

export default function MyCoursesPage({ me }: { me: Me }) {
  const courses = useMyCourses();
  const assignments = useMyAssignments();
  const first = me.fullName.trim().split(/\s+/)[0] ?? me.fullName;
  // Due dates are extra: the page works when they cannot be loaded.
  const assigned = assignments.data?.items ?? [];
  return (
    <Page
      title="My Courses"
      description={`Hello ${first}. Your courses, most recent first.`}
      actions={
        isStaff(me) ? (
          <>
            {hasAnyRole(me, ['System Manager', 'Moderator', 'Course Creator']) && (
              <Button component={Link} to="/lms/teaching" variant="default" visibleFrom="sm">
                Teaching
              </Button>
            )}
            {hasAnyRole(me, ['System Manager', 'Moderator', 'Course Creator', 'Batch Evaluator']) && (
              <>
                <Button component={Link} to="/lms/grading" variant="default" visibleFrom="sm">
                  Grading
                </Button>
                <Button component={Link} to="/lms/evaluations/calendar" variant="default" visibleFrom="sm">
                  Evaluation calendar
                </Button>
              </>
            )}
            <Button component={Link} to="/lms/profile" variant="default" visibleFrom="sm">
              Profile
            </Button>
          </>
        ) : undefined
      }
    >
      <QueryState query={courses} loadingLabel="Loading your courses…">
        {(data) => {
          if (data.items.length === 0) {
            return (
              <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
                <Empty
                  title="You are not enrolled in any course yet"
                  description="Browse the catalog to find a course, or wait for your organisation to assign training to you."
                  icon={<IconBook size={28} />}
                  action={
                    <Button component={Link} to="/lms/catalog">
                      Browse the catalog
                    </Button>
                  }
                />
              </Paper>
            );
          }
          // Started: some progress, or a lesson opened; a course at 0 % nobody opened is not started.
          const started = (c: (typeof data.items)[number]) => c.enrollment.progress > 0 || !!c.enrollment.currentLessonId;
          const inProgress = data.items.filter((c) => c.enrollment.progress < 100 && started(c));
          const notStarted = data.items.filter((c) => c.enrollment.progress < 100 && !started(c));
          const completed = data.items.filter((c) => c.enrollment.progress >= 100);
          return (
            <Stack gap="xl">
              <section aria-labelledby="in-progress-heading">
                <Title order={2} fz="lg" mb="sm" id="in-progress-heading">
                  In progress ({inProgress.length})
                </Title>
                {inProgress.length === 0 && notStarted.length > 0 ? (
                  <Text c="gray.7">Nothing started yet: your courses to start are below.</Text>
                ) : inProgress.length === 0 ? (
                  <Text c="gray.7">
                    Nothing in progress — well done. Find your next course in the{' '}
                    <Text component={Link} to="/lms/catalog" c="blue.8" td="underline">
                      catalog
                    </Text>
                    .
                  </Text>
                ) : (
                  <CourseGrid items={inProgress} assignments={assigned} />
                )}
              </section>
              {notStarted.length > 0 && (
                <section aria-labelledby="not-started-heading">
                  <Title order={2} fz="lg" mb="sm" id="not-started-heading">
                    Not started ({notStarted.length})
                  </Title>
                  <CourseGrid items={notStarted} assignments={assigned} />
                </section>
              )}
              {completed.length > 0 && (
                <section aria-labelledby="completed-heading">
                  <Title order={2} fz="lg" mb="sm" id="completed-heading">
                    Completed ({completed.length})
                  </Title>
                  <CourseGrid items={completed} assignments={assigned} />
                </section>
              )}
            </Stack>
          );
        }}
      </QueryState>
      <RecommendedRow enrolled={new Set((courses.data?.items ?? []).map((c) => c.course.id))} ask={!courses.isPending} />
    </Page>
  );
}

/**
 * "Recommended for you": published courses the learner is not in, each with the reason it is
 * suggested. Hidden when there is nothing to suggest. A course enrolled in a moment ago drops out
 * at once (My Courses is refreshed on enrolling), before the suggestions are asked for again.
 * Asked for once the learner's own courses have arrived (`ask`): those come first.
 */
function RecommendedRow({ enrolled, ask }: { enrolled: ReadonlySet<string>; ask: boolean }) {
  const recommendations = useRecommendations(RECOMMENDED, ask);
  const items = (recommendations.data ?? []).filter((r) => !enrolled.has(r.course.id));
  if (recommendations.isSuccess && items.length === 0) return null;
  return (
    <section aria-labelledby="recommended-heading" aria-busy={recommendations.isPending} data-testid="recommendations">
      <Title order={2} fz="lg" mb="sm" mt="xl" id="recommended-heading">
        Recommended for you
      </Title>
      {recommendations.isPending ? (
        <Group gap="xs" role="status" aria-live="polite">
          <Loader size="xs" aria-hidden="true" />
          <Text size="sm" c="gray.7">
            Finding courses for you…
          </Text>
        </Group>
      ) : recommendations.isError ? (
        <Alert
          styles={ALERT_STYLES}
          variant="light"
          color="red"
          title="Recommendations could not be loaded"
          icon={<IconAlert />}
          role="alert"
          maw={640}
        >
          <Stack gap="sm" align="flex-start">
            <Text size="sm">{errorMessage(recommendations.error)}</Text>
            <Button variant="default" size="xs" onClick={() => void recommendations.refetch()}>
              Try again
            </Button>
          </Stack>
        </Alert>
      ) : (
        <ul className="course-grid">
          {items.map((r) => (
            <li key={r.course.id}>
              <RecommendationCard recommendation={r} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A suggested course: Enroll when the learner may enroll themself, else Open to read about it. */
function RecommendationCard({ recommendation }: { recommendation: Recommendation }) {
  const { course, reason } = recommendation;
  const { enroll, pending, refusal } = useEnroll(course.id);
  const titleId = `recommended-title-${course.id}`;
  const selfEnroll = !course.paid && !course.disableSelfEnrollment;
  return (
    <article className="course-card" aria-labelledby={titleId} data-testid="recommendation-card">
      {course.imageUrl ? (
        <img className="course-card-image" src={course.imageUrl} alt="" loading="lazy" />
      ) : (
        <div className="course-card-image course-card-placeholder" aria-hidden="true" />
      )}
      <div className="course-card-body">
        {course.mandatory && (
          <p className="course-card-tags">
            <span className="course-tag course-tag-mandatory">Mandatory</span>
          </p>
        )}
        <h3 className="course-card-title" id={titleId}>
          <Link to={`/lms/courses/${course.id}`}>{course.title}</Link>
        </h3>
        <Text size="sm" fw={600} c="gray.8" data-testid="recommendation-reason">
          {reason}
        </Text>
        {course.shortIntroduction && <p className="course-card-intro">{course.shortIntroduction}</p>}
        <RefusalAlert refusal={refusal} />
      </div>
      {selfEnroll ? (
        <Button m="md" onClick={enroll} loading={pending}>
          Enroll<VisuallyHidden> in {course.title}</VisuallyHidden>
        </Button>
      ) : (
        <Link to={`/lms/courses/${course.id}`} className="course-card-action secondary">
          Open<span className="sr-only"> {course.title}</span>
        </Link>
      )}
    </article>
  );
}

function CourseGrid({ items, assignments }: { items: MyCourse[]; assignments: TrainingAssignment[] }) {
  return (
    <ul className="course-grid">
      {items.map((item) => (
        <li key={item.enrollment.id}>
          <CourseCard item={item} due={dueOf(assignments, item.course.id)} />
        </li>
      ))}
    </ul>
  );
}

/**
 * One card of My Courses. Plain elements styled by portal.css rather than a dozen library
 * components per card: a learner with many enrollments gets the page noticeably sooner.
 */
function CourseCard({ item, due }: { item: MyCourse; due: TrainingAssignment | null }) {
  const { course, enrollment } = item;
  const done = enrollment.progress >= 100;
  const suspended = enrollment.status === 'suspended';
  const overdue = !!due && (due.status === 'overdue' || due.dueDate < todayIso());
  const continueTo = enrollment.currentLessonId
    ? `/lms/courses/${course.id}/lessons/${enrollment.currentLessonId}`
    : `/lms/courses/${course.id}`;
  const titleId = `course-title-${enrollment.id}`;
  return (
    <article className="course-card" aria-labelledby={titleId} data-testid="course-card">
      {course.imageUrl ? (
        <img className="course-card-image" src={course.imageUrl} alt="" loading="lazy" />
      ) : (
        <div className="course-card-image course-card-placeholder" aria-hidden="true" />
      )}
      <div className="course-card-body">
        {(course.mandatory || done || suspended) && (
          <p className="course-card-tags">
            {course.mandatory && <span className="course-tag course-tag-mandatory">Mandatory</span>}
            {done && <span className="course-tag course-tag-done">Completed</span>}
            {suspended && <span className="course-tag course-tag-mandatory">Suspended</span>}
          </p>
        )}
        {suspended && (
          <p className="course-due overdue" data-testid="suspended-reason">
            Suspended{enrollment.suspendReason ? `: ${enrollment.suspendReason}` : ''}
          </p>
        )}
        <h3 className="course-card-title" id={titleId}>
          <Link to={`/lms/courses/${course.id}`}>{course.title}</Link>
        </h3>
        {course.shortIntroduction && <p className="course-card-intro">{course.shortIntroduction}</p>}
        <div className="course-progress" data-testid="progress">
          <div
            className="course-progress-track"
            role="progressbar"
            aria-label={`Progress in ${course.title}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={enrollment.progress}
          >
            <div className={done ? 'course-progress-bar done' : 'course-progress-bar'} style={{ width: `${enrollment.progress}%` }} />
          </div>
          <span className={done ? 'course-progress-value done' : 'course-progress-value'} data-testid="progress-value">
            {enrollment.progress}%
          </span>
        </div>
        {due && !done && (
          <p className={overdue ? 'course-due overdue' : 'course-due'} data-testid="due-date">
            {overdue ? `Overdue — was due ${readableDay(due.dueDate)}` : `Due ${readableDay(due.dueDate)}`}
          </p>
        )}
        {done && enrollment.completedAt && <p className="course-due">Completed {readableDay(enrollment.completedAt)}</p>}
      </div>
      <Link to={done || suspended ? `/lms/courses/${course.id}` : continueTo} className={done ? 'course-card-action secondary' : 'course-card-action'}>
        {suspended ? 'View course' : done ? 'Review course' : enrollment.progress === 0 && !enrollment.currentLessonId ? 'Start' : 'Continue'}
        <span className="sr-only"> {course.title}</span>
      </Link>
    </article>
  );
}
