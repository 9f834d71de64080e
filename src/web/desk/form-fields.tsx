/** The desk form's fields: initial values from a record, the value each sends, and the input per field kind. */
import { Autocomplete, MultiSelect, NumberInput, PasswordInput, Select, Switch, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../ui/api.ts';
import { LinkPicker } from './LinkPicker.tsx';
import type { FieldMeta, LinkRef, Row } from './meta.ts';
import { ColorField } from './color-field.tsx';
import { MarkdownInput } from './markdown-field.tsx';
import { MoneyInput, moneyInitial, moneyToWire } from './money-field.tsx';
import { optionsInWords } from './words.ts';

export type Values = Record<string, unknown>;

export function initialValues(fields: FieldMeta[], row: Row | null): Values {
  const v: Values = {};
  for (const f of fields) {
    const raw: unknown = row ? (f.fromRow ? f.fromRow(row) : row[f.name]) : undefined;
    if (f.kind === 'custom') v[f.name] = row ? raw : f.initial;
    else if (!row && f.initial !== undefined) v[f.name] = f.initial;
    // Write-only: the server says only whether one is stored ({ set }); the input starts empty.
    else if (f.kind === 'password') v[f.name] = '';
    else if (f.kind === 'boolean') v[f.name] = raw === true;
    else if (f.kind === 'multiselect') v[f.name] = Array.isArray(raw) ? raw : [];
    else if (f.kind === 'number') v[f.name] = typeof raw === 'number' ? raw : '';
    else if (f.kind === 'datetime') v[f.name] = typeof raw === 'string' ? localDateTime(raw) : '';
    else if (f.kind === 'money') v[f.name] = moneyInitial(f, raw, row);
    else v[f.name] = raw === null || raw === undefined ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
  }
  return v;
}

export function toWire(f: FieldMeta, value: unknown, values: Values): { send: boolean; value?: unknown } {
  if (f.toWire) return { send: true, value: f.toWire(value) };
  if (f.kind === 'money') return moneyToWire(f, value, values);
  if (f.kind === 'boolean' || f.kind === 'multiselect' || f.kind === 'custom') return { send: true, value };
  if (value === '' || value === null || value === undefined) return f.nullable ? { send: true, value: null } : { send: false };
  if (f.kind === 'number') return { send: true, value: typeof value === 'number' ? value : Number(value) };
  if (f.kind === 'datetime') {
    const t = new Date(typeof value === 'string' ? value : NaN);
    // An unreadable value goes as typed: the server names the field in its answer.
    return { send: true, value: Number.isNaN(t.getTime()) ? value : t.toISOString() };
  }
  return { send: true, value };
}

/** A UTC timestamp as the value of a datetime-local input (the browser's time zone). */
export function localDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A write-only value (secret, key) the server reports as `{ set: true }`. */
export function isStored(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { set?: unknown }).set === true;
}

export function FieldInput({
  field: f,
  values,
  value,
  stored = false,
  onChange,
  error,
  disabled,
}: {
  field: FieldMeta;
  values: Values;
  value: unknown;
  stored?: boolean;
  onChange: (v: unknown) => void;
  error: string | undefined;
  disabled: boolean;
}) {
  const id = `field-${f.name}`;
  const common = { id, label: f.label, description: f.description, error, required: f.required, disabled };
  const str = typeof value === 'string' ? value : '';
  switch (f.kind) {
    case 'textarea':
      return <Textarea {...common} autosize minRows={3} maxRows={16} value={str} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'markdown':
      return <MarkdownInput {...common} value={str} onChange={onChange} />;
    case 'color':
      return <ColorField {...common} value={str} onChange={onChange} />;
    case 'password':
      return (
        <PasswordInput
          {...common}
          value={str}
          placeholder={f.placeholder ?? (stored ? 'Stored (hidden): type a new one to replace it' : 'Not set')}
          onChange={(e) => onChange(e.currentTarget.value)}
          autoComplete="new-password"
        />
      );
    case 'number':
      return (
        <NumberInput
          {...common}
          value={typeof value === 'number' || typeof value === 'string' ? value : ''}
          min={f.min}
          max={f.max}
          onChange={(v) => onChange(v)}
        />
      );
    case 'money':
      return <MoneyInput field={f} id={id} value={value} values={values} onChange={onChange} error={error} disabled={disabled} />;
    case 'boolean':
      return <Switch {...common} mt="lg" checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />;
    case 'date':
      return <TextInput {...common} type="date" value={str} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'datetime':
      return <TextInput {...common} type="datetime-local" value={str} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'select':
      return (
        <Select
          {...common}
          data={optionsInWords(f.options ?? [])}
          value={str || null}
          onChange={(v) => onChange(v ?? '')}
          clearable={!f.required}
          // A long list (time zones) filters as one types.
          searchable={(f.options?.length ?? 0) > 12}
        />
      );
    case 'multiselect':
      return (
        <MultiSelect
          {...common}
          data={optionsInWords(f.options ?? [])}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={(v) => onChange(v)}
        />
      );
    case 'link':
      return f.link ? (
        disabled ? (
          <LinkPicker
            link={f.link}
            id={id}
            label={f.label}
            value={str || null}
            onChange={() => {}}
            error={error}
            description={f.description}
          />
        ) : (
          <LinkPicker
            link={f.link}
            id={id}
            label={f.label}
            value={str || null}
            onChange={(v) => onChange(v ?? '')}
            error={error}
            required={f.required}
            description={f.description}
          />
        )
      ) : null;
    default:
      if (f.suggestions) return <SuggestedText common={common} link={f.suggestions} value={str} onChange={onChange} />;
      return (
        <TextInput {...common} type={f.kind === 'email' ? 'email' : 'text'} value={str} onChange={(e) => onChange(e.currentTarget.value)} />
      );
  }
}

/** Free text that offers the names already in use (a department), so a typo does not start a new one. */
function SuggestedText({
  common,
  link,
  value,
  onChange,
}: {
  common: { id: string; label: string; description: string | undefined; error: string | undefined; required: boolean | undefined; disabled: boolean };
  link: LinkRef;
  value: string;
  onChange: (v: unknown) => void;
}) {
  const names = useQuery({
    queryKey: ['desk-suggestions', link.url],
    queryFn: ({ signal }) =>
      api.get<{ items: Row[] } | Row[]>(`${link.url}?limit=200`, { signal }).then((r) => [...new Set((Array.isArray(r) ? r : r.items).map((x) => link.label(x)))]),
    staleTime: 60_000,
  });
  return <Autocomplete {...common} data={names.data ?? []} value={value} onChange={(v) => onChange(v)} limit={20} />;
}
