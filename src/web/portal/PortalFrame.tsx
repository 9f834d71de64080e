import './portal.css';
import { useEffect, useMemo, useRef } from 'react';
import { Link, Navigate, NavigationType, Route, Routes, useLocation, useNavigationType } from 'react-router';
import { Button, Paper } from '@mantine/core';
import { loadable } from '../ui/areas.tsx';
import { Frame, HeaderAreaLink, type FrameGroup } from '../ui/Frame.tsx';
import { IconAward, IconBell, IconBook, IconChecklist, IconGrid, IconTools, IconUser, IconUsers } from '../ui/icons.tsx';
import { Page } from '../ui/Page.tsx';
import { hasAnyRole, isStaff, type Me } from '../ui/session.ts';
import { Empty } from '../ui/states.tsx';
import MyCoursesPage from './MyCoursesPage.tsx';
import { useMyTeam } from './portal-api.ts';
import { NotificationBell } from '../ui/notification-bell.tsx';

// My Courses is the portal's landing page and ships with the frame; every other page is its own
// chunk, downloaded when it is first opened.
const CatalogPage = loadable(() => import('./CatalogPage.tsx'));
const CoursePage = loadable(() => import('./CoursePage.tsx'));
const LessonPage = loadable(() => import('./LessonPage.tsx'));
const CertificatesPage = loadable(() => import('./CertificatesPage.tsx'));
const CertificateVerifyPage = loadable(() => import('./CertificateVerifyPage.tsx'));
const InstructorDashboardPage = loadable(() => import('./InstructorDashboardPage.tsx'));
const TeachingPage = loadable(() => import('./TeachingPage.tsx'));
const ProfilePage = loadable(() => import('./ProfilePage.tsx'));
const BatchesPage = loadable(() => import('./BatchesPage.tsx'));
const BatchPage = loadable(() => import('./BatchPage.tsx'));
const NotificationsPage = loadable(() => import('./NotificationsPage.tsx'));
const NotificationPreferencesPage = loadable(() => import('./NotificationPreferencesPage.tsx'));
const AssignmentPage = loadable(() => import('./AssignmentPage.tsx'));
const GradingPage = loadable(() => import('./GradingPage.tsx'));
const GradeSubmissionPage = loadable(() => import('./GradingPage.tsx').then((m) => ({ default: m.GradeSubmissionPage })));
const EvaluationsPage = loadable(() => import('./EvaluationsPage.tsx'));
const EvaluatorCalendarPage = loadable(() => import('./EvaluatorCalendarPage.tsx'));
const PaymentsPage = loadable(() => import('./PaymentsPage.tsx'));
const TeamPage = loadable(() => import('./TeamPage.tsx'));
const PaymentReturnPage = loadable(() => import('./PaymentsPage.tsx').then((m) => ({ default: m.PaymentReturnPage })));

export const TEACHERS = ['System Manager', 'Moderator', 'Course Creator'] as const;
const GRADERS = ['System Manager', 'Moderator', 'Course Creator', 'Batch Evaluator'] as const;

/**
 * Learners get Profile in the header. Staff already have the Desk button there, so on wider
 * screens their Teaching and Profile links sit on the My Courses page (and in the phone menu),
 * which keeps the header on one line at tablet widths.
 */
function groupsFor(me: Me, manages: boolean): FrameGroup[] {
  const links = [
    { to: '/lms', label: 'My Courses', icon: <IconBook size={18} />, end: true },
    { to: '/lms/catalog', label: 'Catalog', icon: <IconGrid size={18} /> },
    { to: '/lms/batches', label: 'Batches', icon: <IconUsers size={18} /> },
    { to: '/lms/certificates', label: 'Certificates', icon: <IconAward size={18} /> },
    ...(manages ? [{ to: '/lms/team', label: 'My team', icon: <IconUsers size={18} /> }] : []),
  ];
  const profile = { to: '/lms/profile', label: 'Profile', icon: <IconUser size={18} /> };
  const notifications = { to: '/lms/notifications', label: 'Notifications', icon: <IconBell size={18} /> };
  if (!isStaff(me)) return [{ links: [...links, profile] }, { label: 'More', menuOnly: true, links: [notifications] }];
  const grading = hasAnyRole(me, GRADERS)
    ? [
        { to: '/lms/grading', label: 'Grading', icon: <IconChecklist size={18} /> },
        { to: '/lms/evaluations/calendar', label: 'Evaluation calendar', icon: <IconAward size={18} /> },
      ]
    : [];
  const more = [
    ...(hasAnyRole(me, TEACHERS) ? [{ to: '/lms/teaching', label: 'Teaching', icon: <IconChecklist size={18} /> }] : []),
    ...grading,
    profile,
  ];
  return [{ links }, { label: 'More', menuOnly: true, links: [...more, { to: '/app', label: 'Desk', icon: <IconTools size={18} /> }] }];
}

/**
 * Opening another page of the portal starts at its top, with keyboard and screen-reader focus at
 * the start of its content (not on the link that led there, e.g. "Next →" at the bottom of a long
 * lesson). Back and forward are left to the browser; filters in the query string do not count.
 */
function useStartAtTopOnNavigate() {
  const { pathname } = useLocation();
  const type = useNavigationType();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (type === NavigationType.Pop) return;
    window.scrollTo(0, 0);
    document.getElementById('main-content')?.focus({ preventScroll: true });
  }, [pathname, type]);
}

/** The learning portal (`/lms/*`): what a learner (and an instructor) sees. */
export default function PortalFrame({ me }: { me: Me }) {
  useStartAtTopOnNavigate();
  // Managers (someone reports to them on their employee record) get "My team".
  const manages = (useMyTeam().data?.members.length ?? 0) > 0;
  // The same element while `me` stays: the header's data arriving (team, unread count, logo) does not
  // render the page below it again (50 course cards on My Courses).
  const pages = useMemo(
    () => (
      <Routes>
        <Route index element={<MyCoursesPage me={me} />} />
        <Route path="catalog" element={<CatalogPage />} />
        <Route path="courses" element={<Navigate to="/lms/catalog" replace />} />
        <Route path="courses/:courseId" element={<CoursePage />} />
        <Route path="courses/:courseId/lessons/:lessonId" element={<LessonPage />} />
        <Route path="courses/:courseId/dashboard" element={<InstructorDashboardPage />} />
        <Route path="batches" element={<BatchesPage />} />
        <Route path="batches/:batchId" element={<BatchPage />} />
        <Route path="certificates" element={<CertificatesPage />} />
        <Route path="assignments/:assignmentId" element={<AssignmentPage />} />
        <Route path="grading" element={<GradingPage />} />
        <Route path="grading/:submissionId" element={<GradeSubmissionPage />} />
        <Route path="evaluations" element={<EvaluationsPage />} />
        <Route path="evaluations/calendar" element={<EvaluatorCalendarPage me={me} />} />
        <Route path="payments" element={<PaymentsPage />} />
        <Route path="payments/:paymentId" element={<PaymentReturnPage />} />
        <Route path="certificates/verify/:code" element={<CertificateVerifyPage embedded />} />
        <Route path="teaching" element={<TeachingPage me={me} />} />
        <Route path="team" element={<TeamPage />} />
        <Route path="profile" element={<ProfilePage me={me} />} />
        <Route path="notifications" element={<NotificationsPage />} />
        <Route path="notifications/preferences" element={<NotificationPreferencesPage />} />
        <Route path="*" element={<PortalNotFound />} />
      </Routes>
    ),
    [me],
  );
  return (
    <Frame
      me={me}
      homeHref="/lms"
      groups={groupsFor(me, manages)}
      layout="top"
      headerExtra={
        <>
          <NotificationBell />
          {isStaff(me) ? (
            <HeaderAreaLink to="/app" icon={<IconTools size={16} />}>
              Desk
            </HeaderAreaLink>
          ) : null}
        </>
      }
    >
      {pages}
    </Frame>
  );
}

function PortalNotFound() {
  return (
    <Page title="Page not found">
      <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
        <Empty
          title="This page does not exist"
          description="The link may be old or mistyped."
          action={
            <Button component={Link} to="/lms">
              Go to My Courses
            </Button>
          }
        />
      </Paper>
    </Page>
  );
}
