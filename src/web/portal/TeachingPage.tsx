import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Badge, Button, Group, Paper, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { api } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { hasAnyRole, type Me } from '../ui/session.ts';
import { Empty, QueryState } from '../ui/states.tsx';
import type { Course, Page as ListPage } from './portal-api.ts';

/** Courses the caller teaches (Course Creators) or manages (Moderators, System Managers), with their dashboards. */
export default function TeachingPage({ me }: { me: Me }) {
  const courses = useQuery({
    queryKey: ['courses', 'teaching'],
    queryFn: ({ signal }) => api.get<ListPage<Course>>('/api/courses?limit=500', { signal }),
  });
  const all = hasAnyRole(me, ['System Manager', 'Moderator']);
  return (
    <Page title="Teaching" description={all ? 'Every course, with its learner dashboard.' : 'The courses you teach, with their learner dashboards.'}>
      <QueryState query={courses} loadingLabel="Loading courses…">
        {(data) => {
          const mine = all ? data.items : data.items.filter((c) => c.instructors.some((i) => i.id === me.id));
          if (mine.length === 0) {
            return (
              <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
                <Empty title="You teach no course yet" description="Courses where you are an instructor appear here." />
              </Paper>
            );
          }
          return (
            <Paper withBorder radius="lg" p="md">
              <Table.ScrollContainer minWidth={560}>
                <Table highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Course</Table.Th>
                      <Table.Th>Lessons</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>
                        <VisuallyHidden>Actions</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {mine.map((c) => (
                      <Table.Tr key={c.id}>
                        <Table.Td>
                          <Stack gap={0}>
                            <Link to={`/lms/courses/${c.id}`} style={{ color: 'var(--mantine-color-blue-8)', fontWeight: 600 }}>
                              {c.title}
                            </Link>
                            <Text size="xs" c="gray.7">
                              {c.instructors.map((i) => i.fullName).join(', ') || 'No instructors'}
                            </Text>
                          </Stack>
                        </Table.Td>
                        <Table.Td>{c.lessonCount}</Table.Td>
                        <Table.Td>
                          <Badge c="gray.9" variant="light" color={c.published ? 'teal' : 'gray'}>
                            {c.published ? 'Published' : 'Draft'}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          <Group justify="flex-end">
                            <Button component={Link} to={`/lms/courses/${c.id}/dashboard`} size="xs" variant="light">
                              Dashboard<VisuallyHidden> of {c.title}</VisuallyHidden>
                            </Button>
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          );
        }}
      </QueryState>
    </Page>
  );
}
