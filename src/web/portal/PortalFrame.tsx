import { Link, Route, Routes } from 'react-router';
import { Button, Paper } from '@mantine/core';
import { Frame, type FrameGroup } from '../ui/Frame.tsx';
import { IconAward, IconBook, IconGrid, IconTools } from '../ui/icons.tsx';
import { Page } from '../ui/Page.tsx';
import { isStaff, type Me } from '../ui/session.ts';
import { Empty } from '../ui/states.tsx';

const GROUPS: FrameGroup[] = [
  {
    links: [
      { to: '/lms', label: 'My Courses', icon: <IconBook size={18} />, end: true },
      { to: '/lms/catalog', label: 'Catalog', icon: <IconGrid size={18} /> },
      { to: '/lms/certificates', label: 'Certificates', icon: <IconAward size={18} /> },
    ],
  },
];

/** The learning portal (`/lms/*`): what a learner sees. */
export default function PortalFrame({ me }: { me: Me }) {
  const groups = isStaff(me)
    ? [...GROUPS, { label: 'Staff', menuOnly: true, links: [{ to: '/app', label: 'Desk', icon: <IconTools size={18} /> }] }]
    : GROUPS;
  return (
    <Frame
      me={me}
      homeHref="/lms"
      groups={groups}
      layout="top"
      headerExtra={
        isStaff(me) ? (
          <Button
            component={Link}
            to="/app"
            variant="subtle"
            color="gray"
            size="compact-sm"
            h={32}
            leftSection={<IconTools size={16} />}
            visibleFrom="sm"
          >
            Desk
          </Button>
        ) : null
      }
    >
      <Routes>
        <Route index element={<MyCourses me={me} />} />
        <Route path="catalog" element={<Catalog />} />
        <Route path="certificates" element={<Certificates />} />
        <Route path="*" element={<PortalNotFound />} />
      </Routes>
    </Frame>
  );
}

function MyCourses({ me }: { me: Me }) {
  const first = me.fullName.trim().split(/\s+/)[0] ?? me.fullName;
  return (
    <Page title="My Courses" description={`Hello ${first}. Courses you are enrolled in and your progress appear here.`}>
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
    </Page>
  );
}

function Catalog() {
  return (
    <Page title="Catalog" description="Courses you can enrol in.">
      <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
        <Empty
          title="No courses are published yet"
          description="When course creators publish courses they appear here for you to enrol."
          icon={<IconGrid size={28} />}
        />
      </Paper>
    </Page>
  );
}

function Certificates() {
  return (
    <Page title="Certificates" description="Certificates you have earned by completing courses.">
      <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
        <Empty
          title="No certificates yet"
          description="Complete a course to earn its certificate. Your certificates can be downloaded and verified here."
          icon={<IconAward size={28} />}
          action={
            <Button component={Link} to="/lms" variant="default">
              Go to My Courses
            </Button>
          }
        />
      </Paper>
    </Page>
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
