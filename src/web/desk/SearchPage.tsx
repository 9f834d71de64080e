import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Anchor, Kbd, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { ErrorState } from '../ui/states.tsx';
import { SEARCH_MAX, SEARCH_MIN, type SearchKind, type SearchResult } from '../../contract/search.ts';

const KIND_LABELS: Record<SearchKind, string> = {
  course: 'Courses',
  quiz: 'Quizzes',
  user: 'People',
  employee: 'Employees',
};

function KindGroup({ kind, results }: { kind: SearchKind; results: SearchResult[] }) {
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={`search-${kind}`} data-testid={`search-${kind}`}>
      <Title order={2} fz="md" mb="xs" id={`search-${kind}`}>
        {KIND_LABELS[kind]}
      </Title>
      <Stack gap={4}>
        {results.map((r) => (
          <div key={r.id}>
            <Anchor component={Link} to={r.url}>
              {r.title}
            </Anchor>
            {r.subtitle && (
              <Text span size="xs" c="gray.7" ml={6}>
                {r.subtitle}
              </Text>
            )}
          </div>
        ))}
      </Stack>
    </Paper>
  );
}

/** Global search (GET /api/search): courses, quizzes, people and employees, as far as the user's roles allow. */
export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const urlQ = params.get('q') ?? '';
  const [text, setText] = useState(urlQ);
  // A new search from the header box while this page is open.
  const typed = useRef(urlQ);
  useEffect(() => {
    if (urlQ !== typed.current) {
      typed.current = urlQ;
      setText(urlQ);
    }
  }, [urlQ]);
  const [debounced] = useDebouncedValue(text.trim(), 250);
  const q = debounced.slice(0, SEARCH_MAX);
  const res = useQuery({
    queryKey: ['desk-search', q],
    queryFn: ({ signal }) => api.get<{ results: SearchResult[] }>(`/api/search?q=${encodeURIComponent(q)}`, { signal }),
    enabled: q.length >= SEARCH_MIN,
    placeholderData: keepPreviousData,
  });
  const results = res.data?.results ?? [];
  const kinds = (Object.keys(KIND_LABELS) as SearchKind[]).filter((k) => results.some((r) => r.kind === k));
  return (
    <Page title="Search" description="Courses, quizzes, people and employees." size="xl">
      <TextInput
        label="Search for"
        placeholder="A name, email, employee code or course title"
        value={text}
        maxLength={SEARCH_MAX}
        onChange={(e) => {
          const v = e.currentTarget.value;
          typed.current = v;
          setText(v);
          setParams(v ? { q: v } : {}, { replace: true });
        }}
        size="md"
        autoFocus
      />
      {q.length < SEARCH_MIN ? (
        <Text size="sm" c="gray.7">
          Type at least {SEARCH_MIN} characters.
        </Text>
      ) : res.isError ? (
        <ErrorState error={res.error} onRetry={() => void res.refetch()} />
      ) : res.isPending ? (
        <Text size="sm">Searching…</Text>
      ) : kinds.length === 0 ? (
        <Text size="sm" c="gray.7" data-testid="search-empty">
          Nothing matches “{q}”.
        </Text>
      ) : (
        <SimpleGrid cols={{ base: 1, md: Math.min(kinds.length, 3) }} spacing="md" aria-busy={res.isFetching}>
          {kinds.map((k) => (
            <KindGroup key={k} kind={k} results={results.filter((r) => r.kind === k)} />
          ))}
        </SimpleGrid>
      )}
    </Page>
  );
}

function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** The desk header's search box: Enter opens the search page; "/" anywhere focuses it. */
export function DeskSearchBox() {
  const navigate = useNavigate();
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState('');
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || typingInField(e.target)) return;
      e.preventDefault();
      input.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <form
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const q = text.trim();
        void navigate(q ? `/app/search?q=${encodeURIComponent(q)}` : '/app/search');
        setText('');
        input.current?.blur();
      }}
    >
      <TextInput
        ref={input}
        aria-label="Search the desk"
        placeholder="Search"
        value={text}
        maxLength={SEARCH_MAX}
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') input.current?.blur();
        }}
        rightSection={<Kbd size="xs">/</Kbd>}
        size="sm"
        w={{ base: 150, sm: 220 }}
        data-testid="desk-search-box"
      />
    </form>
  );
}
