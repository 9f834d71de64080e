import { useEffect, useId, type ReactNode } from 'react';
import { NavLink as RouterNavLink, Link, useLocation } from 'react-router';
import { AppShell, Avatar, Badge, Box, Burger, Button, Group, NavLink, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure, useHotkeys, useMediaQuery } from '@mantine/hooks';
import { IconLogo, IconLogout } from './icons.tsx';
import { useLogout, type Me } from './session.ts';
import { useOrganisation } from './organisation.ts';

export interface FrameLink {
  to: string;
  label: string;
  icon?: ReactNode;
  /** Active only on exactly this path (not on pages below it). */
  end?: boolean;
}

export interface FrameGroup {
  label?: string;
  /** Only in the phone menu (with the `top` layout the header already offers it on wider screens). */
  menuOnly?: boolean;
  links: FrameLink[];
}

export interface FrameProps {
  me: Me;
  /** Where the brand in the header leads. */
  homeHref: string;
  /** A short name of the area next to the brand ("Desk"). */
  areaLabel?: string;
  groups: FrameGroup[];
  /** `top`: links sit in the header (a menu on phones); `side`: links sit in a sidebar. */
  layout: 'top' | 'side';
  /** Extra header content before the user's name (e.g. a link to the other area). */
  headerExtra?: ReactNode;
  children: ReactNode;
}

const SM = '(min-width: 48em)';

function isActive(pathname: string, link: FrameLink): boolean {
  if (link.end) return pathname === link.to || pathname === `${link.to}/`;
  return pathname === link.to || pathname.startsWith(`${link.to}/`);
}

/** A link in the header to the other area (the desk from the portal, and back); hidden on phones. */
export function HeaderAreaLink({ to, icon, children }: { to: string; icon: ReactNode; children: ReactNode }) {
  return (
    <Button component={Link} to={to} variant="subtle" color="gray" size="compact-sm" h={32} leftSection={icon} visibleFrom="sm">
      {children}
    </Button>
  );
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const first = parts[0]?.[0] ?? '';
  const last = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '';
  return (first + last).toUpperCase() || '?';
}

/**
 * The page frame shared by the learning portal and the staff desk: a header with the brand, the
 * logged-in user and "Log out", navigation (in the header or a sidebar), and the main landmark.
 */
export function Frame({ me, homeHref, areaLabel, groups, layout, headerExtra, children }: FrameProps) {
  const [opened, { toggle, close }] = useDisclosure(false);
  const isDesktop = useMediaQuery(SM, true, { getInitialValueInEffect: false });
  const location = useLocation();
  const logout = useLogout();
  const navId = useId();
  const organisation = useOrganisation().data;

  useEffect(() => {
    close();
  }, [location.pathname, close]);
  useHotkeys([['Escape', close]]);

  // The sidebar is only in the page (for focus and screen readers) while it can be seen.
  const navbarVisible = layout === 'side' ? isDesktop || opened : !isDesktop && opened;

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 264, breakpoint: 'sm', collapsed: { mobile: !opened, desktop: layout === 'top' } }}
      padding={0}
    >
      <a className="skip-link" href="#main-content">
        Skip to main content
      </a>
      <AppShell.Header>
        <Group h="100%" px={{ base: 'sm', sm: 'md' }} justify="space-between" wrap="nowrap" gap="sm">
          {/* The brand gives way first (the name is cut short): Log out always fits, also on a phone. */}
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0, flexShrink: 1 }}>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
              aria-expanded={opened}
              aria-controls={navId}
            />
            <UnstyledButton component={Link} to={homeHref} className="brand-link" style={{ minWidth: 0 }}>
              <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
                {organisation?.logo ? (
                  <img
                    src={organisation.logo.url}
                    alt={`${organisation.organisationName} logo`}
                    data-testid="organisation-logo"
                    style={{ height: 32, maxWidth: 140, objectFit: 'contain', display: 'block' }}
                  />
                ) : (
                  <IconLogo />
                )}
                {/* The organisation's name once it has one (the settings start with the product's). */}
                <Text fw={750} fz="lg" lh={1.2} c="gray.9" truncate="end" maw={{ base: 150, sm: 320 }} title={organisation?.organisationName} data-testid="organisation-name">
                  {organisation?.organisationName ?? 'Smooth LMS'}
                </Text>
                {areaLabel && (
                  <Badge variant="light" color="blue" radius="sm" visibleFrom="xs">
                    {areaLabel}
                  </Badge>
                )}
              </Group>
            </UnstyledButton>
          </Group>

          {layout === 'top' && (
            <Box component="nav" aria-label="Main navigation" visibleFrom="sm" style={{ flex: 1 }}>
              <ul className="top-nav">
                {groups
                  .filter((g) => !g.menuOnly)
                  .flatMap((g) => g.links)
                  .map((link) => (
                    <li key={link.to}>
                      <RouterNavLink to={link.to} end={link.end ?? false} className="top-nav-link">
                        {link.icon}
                        <span>{link.label}</span>
                      </RouterNavLink>
                    </li>
                  ))}
              </ul>
            </Box>
          )}

          <Group gap="sm" wrap="nowrap" style={{ flexShrink: 0 }}>
            {headerExtra}
            <Group gap={8} wrap="nowrap" visibleFrom="sm">
              <Avatar color="blue" radius="xl" size={32} aria-hidden="true" title={me.fullName}>
                {initials(me.fullName)}
              </Avatar>
              {/* With links in the header, tablets have room for the initials only. */}
              <Text
                fw={600}
                size="sm"
                c="gray.9"
                data-testid="user-name"
                visibleFrom={layout === 'top' ? 'md' : 'sm'}
                style={{ whiteSpace: 'nowrap' }}
              >
                {me.fullName}
              </Text>
            </Group>
            <Button
              variant="default"
              size="compact-sm"
              h={32}
              px="sm"
              leftSection={<IconLogout size={16} />}
              onClick={() => logout.mutate()}
              loading={logout.isPending}
            >
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar id={navId} aria-label="Main navigation" inert={!navbarVisible} p="sm">
        {navbarVisible && (
          <>
            {/* Native scrolling (app.css): a custom scroll area would add its code to every first page. */}
            <AppShell.Section grow className="frame-nav-scroll">
              <Stack gap="md">
                {groups.map((group, i) => (
                  <NavGroup key={group.label ?? i} group={group} pathname={location.pathname} />
                ))}
              </Stack>
            </AppShell.Section>
            <AppShell.Section hiddenFrom="sm" pt="sm" mt="sm" style={{ borderTop: '1px solid var(--mantine-color-gray-3)' }}>
              <Group gap="sm" wrap="nowrap">
                <Avatar color="blue" radius="xl" size={36} aria-hidden="true">
                  {initials(me.fullName)}
                </Avatar>
                <Box miw={0}>
                  <Text fw={600} size="sm" truncate>
                    {me.fullName}
                  </Text>
                  <Text size="xs" c="gray.7" truncate>
                    {me.email}
                  </Text>
                </Box>
              </Group>
            </AppShell.Section>
          </>
        )}
      </AppShell.Navbar>

      <AppShell.Main id="main-content" tabIndex={-1} bg="gray.0" style={{ outline: 'none' }}>
        {children}
      </AppShell.Main>
    </AppShell>
  );
}

function NavGroup({ group, pathname }: { group: FrameGroup; pathname: string }) {
  const headingId = useId();
  return (
    <Box component="section" aria-labelledby={group.label ? headingId : undefined} {...(group.menuOnly ? { hiddenFrom: 'sm' } : {})}>
      {group.label && (
        <Text id={headingId} component="h2" size="xs" fw={700} tt="uppercase" c="gray.7" px="sm" mb={4} style={{ letterSpacing: '0.06em' }}>
          {group.label}
        </Text>
      )}
      <Stack gap={2} component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {group.links.map((link) => {
          const active = isActive(pathname, link);
          return (
            <li key={link.to}>
              <NavLink
                component={RouterNavLink}
                to={link.to}
                end={link.end ?? false}
                label={link.label}
                leftSection={link.icon}
                active={active}
                variant="light"
                fw={active ? 600 : 500}
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
              />
            </li>
          );
        })}
      </Stack>
    </Box>
  );
}
