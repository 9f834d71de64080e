import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Group, List, Paper, Progress, Text, ThemeIcon, Title } from '@mantine/core';
import { api } from '../ui/api.ts';
import { IconCheck } from '../ui/icons.tsx';
import { SETTINGS_DEFAULTS } from '../../contract/settings.ts';

interface Step {
  key: string;
  label: string;
  hint: string;
  to: string;
  action: string;
}

/** What a new installation needs, in the order an administrator sets it up. */
const STEPS: Step[] = [
  {
    key: 'organisation',
    label: 'Name your organisation',
    hint: 'It heads every certificate and report.',
    to: '/app/lms-settings',
    action: 'Open settings',
  },
  {
    key: 'people',
    label: 'Add the people who learn and teach',
    hint: 'One by one, or a CSV of accounts.',
    to: '/app/user/import',
    action: 'Import users',
  },
  {
    key: 'employees',
    label: 'Bring in your employees',
    hint: 'HR records: departments, designations, managers.',
    to: '/app/employee/import',
    action: 'Import employees',
  },
  {
    key: 'course',
    label: 'Publish a first course',
    hint: 'Chapters, lessons and a quiz; learners see it once published.',
    to: '/app/lms-course/new',
    action: 'New course',
  },
  {
    key: 'mandatory',
    label: 'Make a course mandatory',
    hint: 'Every new employee is enrolled in it at onboarding.',
    to: '/app/lms-course',
    action: 'Open courses',
  },
  {
    key: 'enrollment',
    label: 'Enroll learners',
    hint: 'One by one, by CSV, or by assigning a course to a department.',
    to: '/app/lms-training-assignment/new',
    action: 'Assign a course',
  },
];

type Page = { items: unknown[] };
const any = (url: string, signal: AbortSignal) => api.get<Page>(url, { signal }).then((p) => p.items.length > 0);

/**
 * A fresh installation's checklist on the desk home (System Managers): each step says whether it
 * is done, read from the data itself, and links to where it is done. It disappears once all are.
 */
export function GettingStarted() {
  const done = useQuery({
    queryKey: ['desk-getting-started'],
    queryFn: async ({ signal }) => {
      const [settings, users, employees, course, mandatory, enrollment] = await Promise.all([
        api.get<{ organisationName: string }>('/api/settings', { signal }),
        api.get<Page>('/api/users?limit=2', { signal }),
        any('/api/employees?limit=1', signal),
        any('/api/courses?published=true&limit=1', signal),
        any('/api/courses?mandatory=true&published=true&limit=1', signal),
        any('/api/enrollments?limit=1', signal),
      ]);
      const state: Record<string, boolean> = {
        organisation: settings.organisationName !== SETTINGS_DEFAULTS.organisationName,
        people: users.items.length > 1,
        employees,
        course,
        mandatory,
        enrollment,
      };
      return state;
    },
  });
  if (!done.data) return null;
  const count = STEPS.filter((s) => done.data[s.key]).length;
  if (count === STEPS.length) return null;
  return (
    <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="getting-started-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} fz="lg" id="getting-started-title">
          Getting started
        </Title>
        <Text size="sm" c="gray.7">
          {count} of {STEPS.length} done
        </Text>
      </Group>
      <Progress value={(count / STEPS.length) * 100} size="sm" mb="md" aria-label={`${count} of ${STEPS.length} steps done`} />
      <List spacing="sm" listStyleType="none" data-testid="getting-started">
        {STEPS.map((s) => {
          const ok = done.data[s.key];
          return (
            <List.Item
              key={s.key}
              data-done={ok ? 'true' : 'false'}
              icon={
                <ThemeIcon size={22} radius="xl" color={ok ? 'teal.8' : 'gray.3'} variant={ok ? 'filled' : 'light'} aria-hidden="true">
                  {ok ? <IconCheck size={14} /> : null}
                </ThemeIcon>
              }
            >
              <Group gap="xs" wrap="wrap">
                <Text fw={600} td={ok ? 'line-through' : undefined} c={ok ? 'gray.7' : undefined}>
                  {s.label}
                </Text>
                {ok ? (
                  <Text size="sm" c="teal.9" fw={600}>
                    Done
                  </Text>
                ) : (
                  <Anchor component={Link} to={s.to} size="sm">
                    {s.action}
                  </Anchor>
                )}
              </Group>
              <Text size="sm" c="gray.7">
                {s.hint}
              </Text>
            </List.Item>
          );
        })}
      </List>
    </Paper>
  );
}
