import type { ReactNode } from 'react';
import type { Role } from '../../contract/roles.ts';
import {
  IconAward,
  IconBook,
  IconChecklist,
  IconClipboard,
  IconFile,
  IconQuiz,
  IconRocket,
  IconShield,
  IconUser,
  IconUsers,
} from '../ui/icons.tsx';
import { HR_ROLE_NAMES, LMS_STAFF_ROLES, hasAnyRole, type Me } from '../ui/session.ts';

export interface DeskDoctype {
  slug: string;
  label: string;
  description: string;
  icon: ReactNode;
}

export interface DeskSection {
  label: string;
  roles: readonly Role[];
  items: DeskDoctype[];
}

/** The desk's sidebar: sections, the roles that see them, and their lists. */
export const DESK_SECTIONS: DeskSection[] = [
  {
    label: 'Learning',
    roles: LMS_STAFF_ROLES,
    items: [
      { slug: 'lms-course', label: 'Courses', description: 'Courses, their chapters and lessons.', icon: <IconBook size={18} /> },
      {
        slug: 'lms-enrollment',
        label: 'Enrollments',
        description: 'Who is enrolled in which course, and their progress.',
        icon: <IconUsers size={18} />,
      },
      { slug: 'lms-quiz', label: 'Quizzes', description: 'Quizzes, questions and pass marks.', icon: <IconQuiz size={18} /> },
      { slug: 'lms-certificate', label: 'Certificates', description: 'Certificates issued on completion.', icon: <IconAward size={18} /> },
      {
        slug: 'lms-training-assignment',
        label: 'Training Assignments',
        description: 'Mandatory training assigned to people, with due dates.',
        icon: <IconChecklist size={18} />,
      },
    ],
  },
  {
    label: 'HR',
    roles: HR_ROLE_NAMES,
    items: [
      { slug: 'employee', label: 'Employees', description: 'People in the organisation.', icon: <IconUser size={18} /> },
      {
        slug: 'employee-onboarding',
        label: 'Onboarding',
        description: 'Onboarding plans for new joiners.',
        icon: <IconRocket size={18} />,
      },
      {
        slug: 'employee-document',
        label: 'Documents',
        description: 'Policies and documents to read and acknowledge.',
        icon: <IconFile size={18} />,
      },
      {
        slug: 'employee-compliance',
        label: 'Compliance',
        description: 'Who is compliant, who is overdue.',
        icon: <IconShield size={18} />,
      },
    ],
  },
  {
    label: 'Settings',
    roles: ['System Manager'],
    items: [{ slug: 'user', label: 'Users', description: 'User accounts and their roles.', icon: <IconClipboard size={18} /> }],
  },
];

/** The sections a user may see (System Managers see all of them). */
export function sectionsFor(me: Me): DeskSection[] {
  return DESK_SECTIONS.filter((s) => hasAnyRole(me, s.roles) || hasAnyRole(me, ['System Manager']));
}

export function findDoctype(slug: string): { section: DeskSection; doctype: DeskDoctype } | null {
  for (const section of DESK_SECTIONS) {
    const doctype = section.items.find((d) => d.slug === slug);
    if (doctype) return { section, doctype };
  }
  return null;
}
