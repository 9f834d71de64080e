/**
 * The desk's "markdown" field kind (course descriptions, lesson texts): Write and Preview tabs. The
 * preview is rendered by the server with the portal's renderer and sanitiser
 * (POST /api/markdown/preview) and shown with the portal's styles, so it is what learners see.
 */
import { useState } from 'react';
import { Group, Paper, Tabs, Text, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, errorMessage } from '../ui/api.ts';
import { MarkdownBody } from '../ui/MarkdownBody.tsx';

export interface MarkdownInputProps {
  id: string;
  label: string;
  description?: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  required?: boolean;
  disabled?: boolean;
  minRows?: number;
}

function MarkdownPreview({ markdown }: { markdown: string }) {
  const [settled] = useDebouncedValue(markdown, 300);
  const html = useQuery({
    queryKey: ['markdown-preview', settled],
    queryFn: ({ signal }) => api.post<{ html: string }>('/api/markdown/preview', { markdown: settled }, { signal }),
    enabled: settled.trim() !== '',
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
  if (!markdown.trim()) return <Text size="sm">Nothing to preview yet: write some text first.</Text>;
  if (html.isError) return <Text size="sm" c="red.8">{`The preview could not be shown: ${errorMessage(html.error)}`}</Text>;
  if (!html.data) return <Text size="sm">Rendering the preview…</Text>;
  return <MarkdownBody html={html.data.html} />;
}

export function MarkdownInput(props: MarkdownInputProps) {
  const [tab, setTab] = useState<string | null>('write');
  return (
    <Tabs value={tab} onChange={setTab} variant="outline" data-testid={`markdown-${props.id}`}>
      <Group justify="space-between" align="flex-end" wrap="nowrap" gap="sm">
        <Text component="label" htmlFor={props.id} size="sm" fw={500} pb={6}>
          {props.label}
          {props.required && (
            <Text component="span" c="red.8" aria-hidden="true">
              {' *'}
            </Text>
          )}
        </Text>
        <Tabs.List aria-label={`${props.label}: write or preview`}>
          <Tabs.Tab value="write">Write</Tabs.Tab>
          <Tabs.Tab value="preview">Preview</Tabs.Tab>
        </Tabs.List>
      </Group>
      <Tabs.Panel value="write" pt="xs">
        <Textarea
          id={props.id}
          aria-label={props.label}
          description={props.description ?? 'Markdown: # heading, **bold**, *italic*, - lists, [link](https://…).'}
          error={props.error}
          required={props.required}
          disabled={props.disabled}
          autosize
          minRows={props.minRows ?? 6}
          maxRows={24}
          value={props.value}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        />
      </Tabs.Panel>
      <Tabs.Panel value="preview" pt="xs">
        <Paper withBorder radius="md" p="md" aria-label={`${props.label}: preview as learners see it`} role="region">
          {tab === 'preview' && <MarkdownPreview markdown={props.value} />}
        </Paper>
        {props.error && (
          <Text size="sm" c="red.8" mt={4}>
            {props.error}
          </Text>
        )}
      </Tabs.Panel>
    </Tabs>
  );
}
