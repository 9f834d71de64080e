/** A form field holding a list of ids of linked records, shown by name, added with a search picker. */
import { useQuery } from '@tanstack/react-query';
import { ActionIcon, Button, Group, Stack, Text } from '@mantine/core';
import { api } from '../ui/api.ts';
import { LinkPicker } from './LinkPicker.tsx';
import type { CustomFieldProps, LinkRef, Row } from './meta.ts';

/** The name behind an id (course title or person), fetched once and cached. */
function NameOf({ link, id }: { link: LinkRef; id: string }) {
  const row = useQuery({
    queryKey: ['desk-link-one', link.url, id],
    queryFn: ({ signal }) => api.get<Row>(`${link.url}/${encodeURIComponent(id)}`, { signal }),
    staleTime: 60_000,
    retry: false,
  });
  return <>{row.data ? link.label(row.data) : '…'}</>;
}

/** A list of linked records (a batch's courses in order, its instructors, a coupon's courses) with a picker to add more. */
export function IdListField({ link, label, ordered, ...p }: CustomFieldProps & { link: LinkRef; label: string; ordered?: boolean }) {
  const ids = Array.isArray(p.value) ? (p.value as string[]) : [];
  const set = (next: string[]) => p.onChange(next);
  const move = (i: number, d: -1 | 1) => {
    const next = [...ids];
    const [x] = next.splice(i, 1);
    next.splice(i + d, 0, x!);
    set(next);
  };
  return (
    <Stack gap={6}>
      <LinkPicker
        link={link}
        label={label}
        value={null}
        placeholder="Search to add…"
        onChange={(v) => {
          if (v && !ids.includes(v)) set([...ids, v]);
        }}
        error={p.errors[0]?.message}
      />
      {ids.length > 0 && (
        <Stack gap={4} component="ol" style={{ margin: 0, paddingLeft: 20 }}>
          {ids.map((id, i) => (
            <li key={id}>
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" style={{ flex: 1 }}>
                  <NameOf link={link} id={id} />
                </Text>
                {ordered && (
                  <>
                    <ActionIcon variant="subtle" aria-label="Move up" disabled={p.disabled || i === 0} onClick={() => move(i, -1)}>
                      ↑
                    </ActionIcon>
                    <ActionIcon variant="subtle" aria-label="Move down" disabled={p.disabled || i === ids.length - 1} onClick={() => move(i, 1)}>
                      ↓
                    </ActionIcon>
                  </>
                )}
                <Button size="compact-xs" variant="subtle" color="red" disabled={p.disabled} onClick={() => set(ids.filter((x) => x !== id))}>
                  Remove
                </Button>
              </Group>
            </li>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
