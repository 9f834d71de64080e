import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import {
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { api } from '../ui/api.ts';
import { formatMoney } from '../../contract/payments.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, ErrorState, PageLoader } from '../ui/states.tsx';
import { IconGrid } from '../ui/icons.tsx';
import { CourseImage, RefusalAlert, useEnroll } from './PortalParts.tsx';
import { enrollmentWindowText } from './enroll-refusal.ts';
import { keys, useMyCourses, type Course, type Page as ListPage } from './portal-api.ts';

const PAGE_SIZE = 24;

/** Published courses with search and filters; the filters live in the URL so links and reloads keep them. */
export default function CatalogPage() {
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [debouncedQ] = useDebouncedValue(q, 300);
  const category = params.get('category');
  const tag = params.get('tag');
  const mandatory = params.get('mandatory') === 'true';

  const setParam = (name: string, value: string | null) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );

  useEffect(() => {
    if ((params.get('q') ?? '') !== debouncedQ.trim()) setParam('q', debouncedQ.trim() || null);
  }, [debouncedQ]);

  const query = new URLSearchParams({ limit: String(PAGE_SIZE), published: 'true' });
  if (params.get('q')) query.set('q', params.get('q')!);
  if (category) query.set('category', category);
  if (tag) query.set('tag', tag);
  if (mandatory) query.set('mandatory', 'true');
  const qs = query.toString();

  const list = useInfiniteQuery({
    queryKey: keys.catalog(qs),
    queryFn: ({ pageParam, signal }) =>
      api.get<ListPage<Course>>(`/api/courses?${qs}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`, { signal }),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  // Categories and tags to choose from: those of the published courses.
  const facets = useQuery({
    queryKey: keys.facets,
    queryFn: ({ signal }) => api.get<ListPage<Course>>('/api/courses?limit=500&published=true', { signal }),
    staleTime: 5 * 60_000,
  });
  const { categories, tags } = useMemo(() => {
    const items = facets.data?.items ?? [];
    return {
      categories: [...new Set(items.map((c) => c.category).filter((c): c is string => !!c))].sort(),
      tags: [...new Set(items.flatMap((c) => c.tags))].sort(),
    };
  }, [facets.data]);
  const mine = useMyCourses();
  const enrolled = new Set((mine.data?.items ?? []).map((m) => m.course.id));
  const filtered = !!(params.get('q') || category || tag || mandatory);

  return (
    <Page title="Catalog" description="Published courses you can take.">
      <Paper withBorder radius="lg" p="md" role="search" aria-label="Find courses">
        <Group align="flex-end" gap="md" wrap="wrap">
          <TextInput
            label="Search"
            placeholder="Title or introduction"
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            style={{ flex: '1 1 220px' }}
            type="search"
          />
          <Select
            label="Category"
            placeholder="All categories"
            data={category && !categories.includes(category) ? [category, ...categories] : categories}
            value={category}
            onChange={(v) => setParam('category', v)}
            clearable
            clearButtonProps={{ 'aria-label': 'Clear category', 'aria-hidden': false, tabIndex: 0 }}
            style={{ flex: '1 1 160px' }}
          />
          <Select
            label="Tag"
            placeholder="All tags"
            data={tag && !tags.includes(tag) ? [tag, ...tags] : tags}
            value={tag}
            onChange={(v) => setParam('tag', v)}
            clearable
            clearButtonProps={{ 'aria-label': 'Clear tag', 'aria-hidden': false, tabIndex: 0 }}
            searchable
            style={{ flex: '1 1 160px' }}
          />
          <Checkbox
            label="Mandatory only"
            checked={mandatory}
            onChange={(e) => setParam('mandatory', e.currentTarget.checked ? 'true' : null)}
            mb={8}
          />
        </Group>
      </Paper>

      {list.isPending ? (
        <PageLoader label="Loading courses…" />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.pages[0]?.items.length === 0 ? (
        <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
          <Empty
            title={filtered ? 'No course matches these filters' : 'No courses are published yet'}
            description={filtered ? 'Try other words or clear a filter.' : 'When course creators publish courses they appear here.'}
            icon={<IconGrid size={28} />}
            action={
              filtered ? (
                <Button
                  variant="default"
                  onClick={() => {
                    setQ('');
                    setParams(new URLSearchParams(), { replace: true });
                  }}
                >
                  Clear filters
                </Button>
              ) : undefined
            }
          />
        </Paper>
      ) : (
        <Stack gap="md">
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {list.data.pages
              .flatMap((p) => p.items)
              .map((course) => (
                <li key={course.id}>
                  <CatalogCard course={course} enrolled={enrolled.has(course.id)} />
                </li>
              ))}
          </SimpleGrid>
          {list.hasNextPage && (
            <Group justify="center">
              <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
                Show more courses
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Page>
  );
}

function formatPrice(course: Course): string {
  if (course.price === null) return 'Paid';
  try {
    return formatMoney(course.price, course.currency ?? 'EUR');
  } catch {
    return `${course.price} ${course.currency ?? ''}`.trim();
  }
}

function CatalogCard({ course, enrolled }: { course: Course; enrolled: boolean }) {
  const { enroll, pending, refusal } = useEnroll(course.id);
  const titleId = `catalog-title-${course.id}`;
  return (
    <Card withBorder radius="lg" padding="md" h="100%" component="article" aria-labelledby={titleId} data-testid="catalog-card">
      <Card.Section>
        <CourseImage url={course.imageUrl} height={120} />
      </Card.Section>
      <Stack gap="xs" mt="md" style={{ flex: 1 }}>
        <Group gap={6} display={course.mandatory || course.category || course.paid ? undefined : 'none'}>
          {course.mandatory && (
            <Badge c="violet.9" color="violet" variant="light" size="sm">
              Mandatory
            </Badge>
          )}
          {course.category && (
            <Badge c="gray.9" color="gray" variant="light" size="sm">
              {course.category}
            </Badge>
          )}
          {course.paid && (
            <Badge c="gray.9" color="yellow" variant="light" size="sm">
              {formatPrice(course)}
            </Badge>
          )}
        </Group>
        {/* The title opens the course's page (description, outline, who teaches it) before enrolling. */}
        <Title order={2} fz="md" id={titleId}>
          <Anchor component={Link} to={`/lms/courses/${course.id}`} c="inherit" underline="hover">
            {course.title}
          </Anchor>
        </Title>
        {course.shortIntroduction && (
          <Text size="sm" c="gray.7" lineClamp={3}>
            {course.shortIntroduction}
          </Text>
        )}
        <Text size="xs" c="gray.7">
          {course.lessonCount} {course.lessonCount === 1 ? 'lesson' : 'lessons'}
          {course.instructors.length > 0 ? ` · ${course.instructors.map((i) => i.fullName).join(', ')}` : ''}
        </Text>
        {course.tags.length > 0 && (
          <Group gap={4}>
            {course.tags.map((t) => (
              <Badge key={t} variant="outline" color="gray" size="xs" tt="none">
                {t}
              </Badge>
            ))}
          </Group>
        )}
        <RefusalAlert refusal={refusal} />
        {!enrolled && course.disableSelfEnrollment && !refusal && (
          <Text size="sm" c="gray.7">
            Your training team enrolls people in this course.
          </Text>
        )}
        {!enrolled && !course.disableSelfEnrollment && !refusal && enrollmentWindowText(course) && (
          <Text size="sm" c="gray.7">
            {enrollmentWindowText(course)}
          </Text>
        )}
      </Stack>
      {enrolled ? (
        <Button component={Link} to={`/lms/courses/${course.id}`} mt="md" fullWidth variant="light">
          Go to course<VisuallyHidden> {course.title}</VisuallyHidden>
        </Button>
      ) : course.paid ? (
        <>
          <Text size="sm" c="gray.7" mt="md">
            Paid course: buy it on its page.
          </Text>
          <Button component={Link} to={`/lms/courses/${course.id}`} mt="xs" fullWidth variant="default">
            About this course<VisuallyHidden> {course.title}</VisuallyHidden>
          </Button>
        </>
      ) : (
        <Button mt="md" fullWidth onClick={enroll} loading={pending} disabled={course.disableSelfEnrollment || course.enrollmentState !== 'open'}>
          Enroll
          <VisuallyHidden> in {course.title}</VisuallyHidden>
        </Button>
      )}
    </Card>
  );
}
