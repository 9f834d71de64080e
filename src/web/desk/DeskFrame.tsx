import '@mantine/notifications/styles.css';
import { Link, Route, Routes, useParams } from 'react-router';
import { Notifications } from '@mantine/notifications';
import { findEntity } from './entities/index.ts';
import { FormView } from './FormView.tsx';
import { GettingStarted } from './GettingStarted.tsx';
import { ImportPage } from './ImportPage.tsx';
import { NotificationBell } from '../ui/notification-bell.tsx';
import { ListView } from './ListView.tsx';
import { DeskSearchBox, SearchPage } from './SearchPage.tsx';
import StatisticsPage from './StatisticsPage.tsx';
import NotificationsDeskPage from './NotificationsDeskPage.tsx';
import { Anchor, Box, Button, Group, Paper, SimpleGrid, Stack, Text, ThemeIcon, Title, UnstyledButton } from '@mantine/core';
import { Frame, HeaderAreaLink, type FrameGroup } from '../ui/Frame.tsx';
import { IconBook, IconGrid, IconHome, IconTools } from '../ui/icons.tsx';
import { Page } from '../ui/Page.tsx';
import type { Me } from '../ui/session.ts';
import { Empty } from '../ui/states.tsx';
import { findDoctype, mayOpen, sectionsFor } from './nav.tsx';

/** The staff desk (`/app/*`): a sidebar of lists, grouped and filtered by the user's roles. */
export default function DeskFrame({ me }: { me: Me }) {
  const groups: FrameGroup[] = [
    {
      links: [
        { to: '/app', label: 'Home', icon: <IconHome size={18} />, end: true },
        { to: '/app/search', label: 'Search', icon: <IconGrid size={18} /> },
      ],
    },
    ...sectionsFor(me).map((s) => ({
      label: s.label,
      links: s.items.map((d) => ({ to: `/app/${d.slug}`, label: d.label, icon: d.icon })),
    })),
    { label: 'Learning portal', menuOnly: true, links: [{ to: '/lms', label: 'My Courses', icon: <IconBook size={18} /> }] },
  ];
  return (
    <>
      {/* The desk's notices (saved, deleted, failed): only the desk shows any. */}
      {/* Bottom right: a toast never covers the header's search, name and Log out. */}
      <Notifications position="bottom-right" />
      <Frame
        me={me}
        homeHref="/app"
        areaLabel="Desk"
        groups={groups}
        layout="side"
        headerExtra={
          <>
            {/* Narrower screens reach search from the sidebar's Search link. */}
            <Box visibleFrom="md">
              <DeskSearchBox />
            </Box>
            <HeaderAreaLink to="/lms" icon={<IconBook size={16} />}>
              Learning portal
            </HeaderAreaLink>
            {/* Staff are told things too (escalations, payments needing attention): the same bell as the portal's. */}
            <NotificationBell />
          </>
        }
      >
        <Routes>
          <Route index element={<DeskHome me={me} />} />
          <Route path="search" element={<SearchPage />} />
          <Route path=":slug" element={<DeskList me={me} />} />
          <Route path=":slug/:id" element={<DeskList me={me} />} />
          <Route path=":slug/*" element={<DeskList me={me} />} />
        </Routes>
      </Frame>
    </>
  );
}

function DeskHome({ me }: { me: Me }) {
  const sections = sectionsFor(me);
  return (
    <Page title={`Welcome, ${me.fullName}`} description="This is the desk, where staff manage courses, people and training." size="xl">
      {sections.length === 0 ? (
        <Paper withBorder radius="lg" p="xl">
          <Empty
            title="Nothing to manage yet"
            description="Your roles do not include any desk lists. Ask a System Manager if you need access."
          />
        </Paper>
      ) : (
        <Stack gap="xl">
          {me.roles.includes('System Manager') && <GettingStarted />}
          {sections.map((section) => (
            <section key={section.label} aria-labelledby={`desk-section-${section.label}`}>
              <Title order={2} fz="lg" mb="sm" id={`desk-section-${section.label}`}>
                {section.label}
              </Title>
              <SimpleGrid cols={{ base: 1, xs: 2, md: 3, lg: 4 }} spacing="md">
                {section.items.map((d) => (
                  <UnstyledButton key={d.slug} component={Link} to={`/app/${d.slug}`} className="desk-card">
                    <Paper withBorder radius="lg" p="md" h="100%">
                      <Group gap="sm" wrap="nowrap" align="flex-start">
                        <ThemeIcon variant="light" size={40} radius="md" aria-hidden="true">
                          {d.icon}
                        </ThemeIcon>
                        <div>
                          <Text fw={650}>{d.label}</Text>
                          <Text size="sm" c="gray.7">
                            {d.description}
                          </Text>
                        </div>
                      </Group>
                    </Paper>
                  </UnstyledButton>
                ))}
              </SimpleGrid>
            </section>
          ))}
        </Stack>
      )}
    </Page>
  );
}

function DeskList({ me }: { me: Me }) {
  const { slug = '', id } = useParams();
  const found = findDoctype(slug);
  if (!found) {
    return (
      <Page title="Page not found" size="xl">
        <Paper withBorder radius="lg" p="xl">
          <Empty
            title="Page not found"
            icon={<IconTools size={28} />}
            description={
              <>
                There is no desk page at <code>/app/{slug}</code>. Check the address, or find the page in the menu.
              </>
            }
            action={
              <Button component={Link} to="/app" variant="default">
                Back to the desk
              </Button>
            }
          />
        </Paper>
      </Page>
    );
  }
  const { doctype } = found;
  if (!mayOpen(me, doctype)) {
    return (
      <Page title={doctype.label} size="xl">
        <Paper withBorder radius="lg" p="xl">
          <Empty
            title="You do not have access to this list"
            description={`${doctype.label} is for these roles: ${doctype.roles.join(', ')}. Ask a System Manager if you need access.`}
            action={
              <Button component={Link} to="/app" variant="default">
                Back to the desk
              </Button>
            }
          />
        </Paper>
      </Page>
    );
  }
  if (slug === 'statistics') return <StatisticsPage me={me} />;
  if (slug === 'notifications') return <NotificationsDeskPage />;
  const meta = findEntity(slug);
  if (!meta) {
    return (
      <Page title={doctype.label} description={doctype.description} size="xl">
        <Paper withBorder radius="lg" p="xl">
          <Empty
            title="Not available yet"
            icon={doctype.icon}
            description={
              <>
                The {doctype.label.toLowerCase()} list is not built yet. Meanwhile the same data is available through the{' '}
                <Anchor href="/api/docs">API</Anchor>.
              </>
            }
          />
        </Paper>
      </Page>
    );
  }
  if (meta.single) return <FormView key={meta.slug} meta={meta} me={me} id={null} />;
  if (id === undefined) return <ListView key={meta.slug} meta={meta} me={me} />;
  if (id === 'import' && meta.importKind) return <ImportPage key={meta.slug} meta={meta} kind={meta.importKind} />;
  if (meta.noForm) return <ListView key={meta.slug} meta={meta} me={me} />;
  return <FormView key={`${meta.slug}/${id}`} meta={meta} me={me} id={id === 'new' ? null : id} />;
}
