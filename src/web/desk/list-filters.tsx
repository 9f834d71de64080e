/** The desk list's filter inputs: select, link, yes/no, date, a text that applies as one types, a number range. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Group, NumberInput, Select, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { LinkPicker } from './LinkPicker.tsx';
import type { FilterMeta } from './meta.ts';
import { optionsInWords } from './words.ts';

/** One filter of a list, its value kept in the URL's query. */
export function FilterInput({
  filter: f,
  search,
  setFilter,
}: {
  filter: FilterMeta;
  search: URLSearchParams;
  setFilter: (name: string, value: string | null) => void;
}) {
  const value = search.get(f.name);
  const id = `filter-${f.name}`;
  const data = useMemo(
    () => (f.optionLabel ? (f.options ?? []).map((c) => ({ value: c, label: f.optionLabel!(c) })) : optionsInWords(f.options ?? [])),
    [f.options, f.optionLabel],
  );
  switch (f.kind) {
    case 'select':
      return (
        <Select id={id} label={f.label} data={data} value={value} onChange={(v) => setFilter(f.name, v)} clearable placeholder="Any" />
      );
    case 'boolean':
      return (
        <Select
          id={id}
          label={f.label}
          data={[
            { value: 'true', label: 'Yes' },
            { value: 'false', label: 'No' },
          ]}
          value={value}
          onChange={(v) => setFilter(f.name, v)}
          clearable
          placeholder="Any"
        />
      );
    case 'link':
      return f.link ? (
        <LinkPicker id={id} link={f.link} label={f.label} value={value} onChange={(v) => setFilter(f.name, v)} placeholder="Any" />
      ) : null;
    case 'date':
      return (
        <TextInput id={id} type="date" label={f.label} value={value ?? ''} onChange={(e) => setFilter(f.name, e.currentTarget.value)} />
      );
    case 'range':
      return <RangeFilter f={f} search={search} setFilter={setFilter} />;
    default:
      return <TextFilter id={id} f={f} value={value} setFilter={setFilter} />;
  }
}

/** A text filter that applies a moment after typing stops (and at once on Enter). */
function TextFilter({
  id,
  f,
  value,
  setFilter,
}: {
  id: string;
  f: FilterMeta;
  value: string | null;
  setFilter: (name: string, value: string | null) => void;
}) {
  const [text, setText] = useState(value ?? '');
  const [debounced] = useDebouncedValue(text, 350);
  const applied = useRef(value ?? '');
  // The URL changed from elsewhere (Clear filters, a link): show its value.
  useEffect(() => {
    if ((value ?? '') !== applied.current) {
      applied.current = value ?? '';
      setText(value ?? '');
    }
  }, [value]);
  const apply = (v: string) => {
    const t = v.trim();
    if (t === applied.current) return;
    applied.current = t;
    setFilter(f.name, t);
  };
  useEffect(() => {
    apply(debounced);
  }, [debounced]);
  return (
    <TextInput
      id={id}
      label={f.label}
      value={text}
      placeholder="Search…"
      onChange={(e) => setText(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') apply(text);
      }}
    />
  );
}

/**
 * A number range (e.g. progress from–to): checked in the form (whole numbers within the limits,
 * from ≤ to) and applied a moment after typing stops; an invalid range says why next to the field
 * and keeps the list as it was.
 */
function RangeFilter({
  f,
  search,
  setFilter,
}: {
  f: FilterMeta;
  search: URLSearchParams;
  setFilter: (name: string, value: string | null) => void;
}) {
  const [minName, maxName] = f.rangeParams ?? [`${f.name}Min`, `${f.name}Max`];
  const urlMin = search.get(minName) ?? '';
  const urlMax = search.get(maxName) ?? '';
  const [from, setFrom] = useState<string>(urlMin);
  const [to, setTo] = useState<string>(urlMax);
  const [debounced] = useDebouncedValue(`${from}|${to}`, 400);
  const applied = useRef(`${urlMin}|${urlMax}`);
  useEffect(() => {
    const now = `${urlMin}|${urlMax}`;
    if (now !== applied.current) {
      applied.current = now;
      setFrom(urlMin);
      setTo(urlMax);
    }
  }, [urlMin, urlMax]);
  const lo = f.min ?? Number.MIN_SAFE_INTEGER;
  const hi = f.max ?? Number.MAX_SAFE_INTEGER;
  const check = (v: string, label: string): string | null => {
    if (v === '') return null;
    const n = Number(v);
    if (!Number.isInteger(n)) return `${label} must be a whole number.`;
    if (n < lo || n > hi) return `${label} must be between ${lo} and ${hi}.`;
    return null;
  };
  const fromError = check(from, 'From');
  const toError =
    check(to, 'To') ?? (from !== '' && to !== '' && !fromError && Number(from) > Number(to) ? 'To must not be below from.' : null);
  const valid = !fromError && !toError;
  useEffect(() => {
    const [a, b] = debounced.split('|') as [string, string];
    if (!valid || `${a}|${b}` !== `${from}|${to}` || debounced === applied.current) return;
    applied.current = debounced;
    setFilter(minName, a === '' ? null : a);
    setFilter(maxName, b === '' ? null : b);
  }, [debounced, valid]);
  return (
    <Group gap="xs" grow wrap="nowrap" align="flex-start">
      <NumberInput
        id={`filter-${minName}`}
        label={`${f.label} from`}
        value={from}
        min={f.min}
        max={f.max}
        allowDecimal={false}
        allowNegative={lo < 0}
        error={fromError}
        onChange={(v) => setFrom(v === '' ? '' : String(v))}
      />
      <NumberInput
        id={`filter-${maxName}`}
        label={`${f.label} to`}
        value={to}
        min={f.min}
        max={f.max}
        allowDecimal={false}
        allowNegative={lo < 0}
        error={toError}
        onChange={(v) => setTo(v === '' ? '' : String(v))}
      />
    </Group>
  );
}
