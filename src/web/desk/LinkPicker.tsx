import { useMemo, useState } from 'react';
import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../ui/api.ts';
import type { LinkRef, Row } from './meta.ts';

interface Page {
  items: Row[];
}

/** A searchable picker over another entity's list API: a linked record (member, course, employee…). */
export function LinkPicker({
  link,
  label,
  value,
  onChange,
  error,
  required,
  description,
  placeholder = 'Search…',
  id,
}: {
  link: LinkRef;
  label: string;
  value: string | null;
  onChange: (value: string | null) => void;
  error?: string | undefined;
  required?: boolean | undefined;
  description?: string | undefined;
  placeholder?: string;
  id?: string;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  const valueKey = link.valueKey ?? 'id';
  const q = link.noSearch ? '' : debounced.trim();
  const options = useQuery<Page>({
    queryKey: ['desk-link', link.url, link.params ?? {}, q],
    queryFn: ({ signal }) => {
      const params = new URLSearchParams({ ...link.params, limit: '20' });
      if (q) params.set('q', q);
      return api.get<Page | Row[]>(`${link.url}?${params.toString()}`, { signal }).then((r): Page => (Array.isArray(r) ? { items: r } : r));
    },
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const items = options.data?.items;
  const known = !!value && !!items?.some((r) => String(r[valueKey]) === value);
  const current = useQuery({
    queryKey: ['desk-link-one', link.url, value],
    queryFn: ({ signal }) => api.get<Row>(`${link.url}/${encodeURIComponent(value ?? '')}`, { signal }),
    enabled: !!value && !known && valueKey === 'id',
    staleTime: 60_000,
  });
  const data = useMemo(() => {
    const list = (items ?? []).map((r) => ({ value: String(r[valueKey]), label: link.label(r) }));
    if (value && !list.some((o) => o.value === value)) {
      list.unshift({ value, label: current.data ? link.label(current.data) : value });
    }
    return list;
  }, [items, value, current.data, link, valueKey]);

  return (
    <Select
      id={id}
      label={label}
      description={description}
      placeholder={placeholder}
      data={data}
      value={value}
      // The whole name on hover, where a narrow filter cuts it.
      title={value ? data.find((o) => o.value === value)?.label : undefined}
      onChange={(v) => onChange(v)}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      filter={link.noSearch ? undefined : ({ options: o }) => o}
      nothingFoundMessage={options.isFetching ? 'Searching…' : 'Nothing found'}
      error={error}
      withAsterisk={required}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
