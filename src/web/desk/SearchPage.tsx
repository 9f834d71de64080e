import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Anchor, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { api } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { hasAnyRole, HR_ROLE_NAMES, LMS_STAFF_ROLES, type Me } from '../ui/session.ts';
import type { Row } from './meta.ts';

interface Source {
  key: string;
  label: string;
  url: string;
  slug: string;
  show: (r: Row) => string;
  sub?: (r: Row) => string;
  allowed: (me: Me) => boolean;
}

// Until the API has one search endpoint (GET /api/search?q=), the desk asks each list's `q` filter.
const SOURCES: Source[] = [
  {
    key: 'courses',
    label: 'Courses',
    url: '/api/courses',
    slug: 'lms-course',
    show: (r) => String(r.title),
    sub: (r) => (r.published ? 'published' : 'draft'),
    allowed: (me) => hasAnyRole(me, LMS_STAFF_ROLES),
  },
  {
    key: 'people',
    label: 'People',
    url: '/api/users',
    slug: 'user',
    show: (r) => String(r.fullName),
    sub: (r) => String(r.email),
    allowed: (me) => hasAnyRole(me, ['System Manager']),
  },
  {
    key: 'employees',
    label: 'Employees',
    url: '/api/employees',
    slug: 'employee',
    show: (r) => String(r.fullName),
    sub: (r) => [r.employeeCode, r.department].filter(Boolean).join(' · '),
    allowed: (me) => hasAnyRole(me, HR_ROLE_NAMES),
  },
];

function Results({ source, q }: { source: Source; q: string }) {
  const res = useQuery({
    queryKey: ['desk-search', source.key, q],
    queryFn: ({ signal }) => api.get<{ items: Row[] }>(`${source.url}?q=${encodeURIComponent(q)}&limit=10`, { signal }),
    enabled: q.length > 0,
  });
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={`search-${source.key}`}>
      <Title order={2} fz="md" mb="xs" id={`search-${source.key}`}>
        {source.label}
      </Title>
      {!q ? (
        <Text size="sm" c="gray.7">
          Type to search.
        </Text>
      ) : res.isPending ? (
        <Text size="sm">Searching…</Text>
      ) : res.isError ? (
        <Text size="sm" c="red">
          Could not search {source.label.toLowerCase()}.
        </Text>
      ) : res.data.items.length === 0 ? (
        <Text size="sm" c="gray.7">
          No matches.
        </Text>
      ) : (
        <Stack gap={4}>
          {res.data.items.map((r) => (
            <div key={String(r.id)}>
              <Anchor component={Link} to={`/app/${source.slug}/${encodeURIComponent(String(r.id))}`}>
                {source.show(r)}
              </Anchor>
              {source.sub && (
                <Text span size="xs" c="gray.7" ml={6}>
                  {source.sub(r)}
                </Text>
              )}
            </div>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

/** Global search over courses, people and employees (what the user's roles may read). */
export function SearchPage({ me }: { me: Me }) {
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const [q] = useDebouncedValue(text.trim(), 250);
  const sources = SOURCES.filter((s) => s.allowed(me));
  return (
    <Page title="Search" description="Courses, people and employees." size="xl">
      <TextInput
        label="Search for"
        placeholder="A name, email, employee code or course title"
        value={text}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setText(v);
          setParams(v ? { q: v } : {}, { replace: true });
        }}
        size="md"
        autoFocus
      />
      <SimpleGrid cols={{ base: 1, md: sources.length || 1 }} spacing="md">
        {sources.map((s) => (
          <Results key={s.key} source={s} q={q} />
        ))}
      </SimpleGrid>
    </Page>
  );
}
