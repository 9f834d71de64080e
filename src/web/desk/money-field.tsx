/**
 * The desk's "money" field kind: people type a decimal amount in the currency of a sibling field
 * (49.90 EUR, 4900 JPY); the API takes and gives integer minor units (4990). The form keeps the
 * text; it is converted when sent, and refused next to the field when the currency has fewer
 * decimals than were typed, or is below `min` / above `max` (both in minor units).
 */
import { TextInput } from '@mantine/core';
import { minorDigits, minorToDecimal, parseDecimalMoney } from '../../contract/money.ts';
import { formatMoney } from '../../contract/payments.ts';
import type { FieldMeta, Row } from './meta.ts';

type Values = Record<string, unknown>;

function currencyOf(f: FieldMeta, values: Values | Row): string | null {
  const c: unknown = f.currencyField ? values[f.currencyField] : null;
  return typeof c === 'string' && c.trim() ? c.trim().toUpperCase() : null;
}

/** The form's text for a stored amount: "49.90" for 4990 EUR, "" for none. */
export function moneyInitial(f: FieldMeta, raw: unknown, row: Row | null): string {
  return typeof raw === 'number' ? minorToDecimal(raw, row ? currencyOf(f, row) : null) : '';
}

/** What the API takes: minor units, null for an empty nullable field (undefined: leave it out). */
export function moneyToWire(f: FieldMeta, value: unknown, values: Values): { send: boolean; value?: unknown } {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return f.nullable ? { send: true, value: null } : { send: false };
  const parsed = parseDecimalMoney(text, currencyOf(f, values), f.label);
  return parsed.ok ? { send: true, value: parsed.minor } : { send: false };
}

/** The field's error before sending, in plain words (undefined when it is fine). */
export function moneyCheck(f: FieldMeta, value: unknown, values: Values): string | undefined {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return undefined;
  const currency = currencyOf(f, values);
  const parsed = parseDecimalMoney(text, currency, f.label);
  if (!parsed.ok) return parsed.message;
  if (f.min !== undefined && parsed.minor < f.min) return `${f.label} must be at least ${minorToDecimal(f.min, currency)}.`;
  if (f.max !== undefined && parsed.minor > f.max) return `${f.label} must be at most ${minorToDecimal(f.max, currency)}.`;
  return undefined;
}

/** A changed currency changes what the typed amount means: the amount is sent again. */
export function moneyChanged(f: FieldMeta, values: Values, initial: Values): boolean {
  return !!f.currencyField && values[f.currencyField] !== initial[f.currencyField];
}

/** The server's bound messages speak of minor units: say them as amounts. */
export function moneyServerMessage(f: FieldMeta, message: string, values: Values): string | undefined {
  const currency = currencyOf(f, values);
  const big = /Too big: expected number to be <=?(\d+)/i.exec(message);
  if (big) return `${f.label} must be at most ${minorToDecimal(Number(big[1]), currency)}.`;
  if (/Too small/i.test(message)) return `${f.label} cannot be negative.`;
  if (/expected int|whole number/i.test(message)) return `${f.label} must be an amount such as 49.90.`;
  return undefined;
}

/** How a read-only record shows the amount: "€49.90". */
export function moneyDisplay(f: FieldMeta, row: Row): string {
  const v = row[f.name] as unknown;
  if (typeof v !== 'number') return '—';
  const currency = currencyOf(f, row);
  try {
    return currency ? formatMoney(v, currency, 'en-GB') : minorToDecimal(v, null);
  } catch {
    return `${minorToDecimal(v, currency)} ${currency ?? ''}`.trim();
  }
}

export function MoneyInput(props: {
  field: FieldMeta;
  id: string;
  value: unknown;
  values: Values;
  onChange: (v: unknown) => void;
  error: string | undefined;
  disabled: boolean;
}) {
  const { field: f, values } = props;
  const currency = currencyOf(f, values);
  const digits = minorDigits(currency);
  const example = digits === 0 ? '4900' : `49.${'9'.padEnd(digits, '0')}`;
  return (
    <TextInput
      id={props.id}
      label={f.label}
      description={f.description ?? `The amount in ${currency ?? 'the currency below'}, e.g. ${example}.`}
      error={props.error}
      required={f.required}
      disabled={props.disabled}
      inputMode="decimal"
      autoComplete="off"
      rightSection={currency ? <span aria-hidden="true">{currency}</span> : null}
      rightSectionWidth={48}
      value={typeof props.value === 'string' ? props.value : ''}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    />
  );
}
