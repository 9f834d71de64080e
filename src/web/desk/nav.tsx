import type { ReactNode } from 'react';
import { STATISTICS_ROLES, type Role } from '../../contract/roles.ts';
import { IconBell, IconGrid } from '../ui/icons.tsx';
import { HR_ROLE_NAMES, LMS_STAFF_ROLES, hasAnyRole, type Me } from '../ui/session.ts';
import { ENTITIES } from './entities/index.ts';
import type { EntityMeta } from './meta.ts';

export interface DeskDoctype {
  slug: string;
  label: string;
  description: string;
  icon: ReactNode;
  roles: readonly Role[];
}

export interface DeskSection {
  label: string;
  roles: readonly Role[];
  items: DeskDoctype[];
}


const STATISTICS: DeskDoctype = {
  slug: 'statistics',
  label: 'Statistics',
  description: 'Mandatory training compliance, scores, learners at risk.',
  icon: <IconGrid size={18} />,
  roles: STATISTICS_ROLES,
};

const NOTIFICATIONS: DeskDoctype = {
  slug: 'notifications',
  label: 'Notifications and Jobs',
  description: 'The mail outbox, scheduled jobs with their last run, and message templates.',
  icon: <IconBell size={18} />,
  roles: ['System Manager'],
};

function doctypeOf(e: EntityMeta): DeskDoctype {
  return { slug: e.slug, label: e.label, description: e.description, icon: e.icon, roles: e.roles };
}

/** The desk's sidebar: sections, and in each the entities of that section (from the registry). */
export const DESK_SECTIONS: DeskSection[] = [
  { label: 'Learning', roles: LMS_STAFF_ROLES, items: [STATISTICS, ...ENTITIES.filter((e) => e.section === 'Learning').map(doctypeOf)] },
  { label: 'HR', roles: HR_ROLE_NAMES, items: ENTITIES.filter((e) => e.section === 'HR').map(doctypeOf) },
  {
    label: 'Settings',
    roles: ['System Manager', 'Moderator'],
    items: [...ENTITIES.filter((e) => e.section === 'Settings').map(doctypeOf), NOTIFICATIONS],
  },
];

export function mayOpen(me: Pick<Me, 'roles'>, d: Pick<DeskDoctype, 'roles'>): boolean {
  return hasAnyRole(me, [...d.roles, 'System Manager']);
}

/** The sections a user may see, each with only the lists their roles allow. */
export function sectionsFor(me: Me): DeskSection[] {
  return DESK_SECTIONS.map((s) => ({ ...s, items: s.items.filter((d) => mayOpen(me, d)) })).filter((s) => s.items.length > 0);
}

export function findDoctype(slug: string): { section: DeskSection; doctype: DeskDoctype } | null {
  for (const section of DESK_SECTIONS) {
    const doctype = section.items.find((d) => d.slug === slug);
    if (doctype) return { section, doctype };
  }
  return null;
}
