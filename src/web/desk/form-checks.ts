/** The desk form's checks in words: what it can tell before sending, and the server's field errors said plainly. */
import type { FieldMeta } from './meta.ts';
import { moneyCheck } from './money-field.tsx';

type Values = Record<string, unknown>;

/** A field error in words a reader understands, in place of a schema library's wording. */
export function plainFieldMessage(label: string, message: string): string {
  if (/received undefined|required/i.test(message)) return `${label} is required.`;
  const tooShort = /Too small: expected string to have >=?(\d+) characters?/i.exec(message);
  if (tooShort) return tooShort[1] === '1' ? `${label} cannot be empty.` : `${label} needs at least ${tooShort[1]} characters.`;
  const tooLong = /Too big: expected string to have <=?(\d+) characters?/i.exec(message);
  if (tooLong) return `${label} can have at most ${tooLong[1]} characters.`;
  const small = /Too small: expected number to be >=?(-?[\d.]+)/i.exec(message);
  if (small) return `${label} must be at least ${small[1]}.`;
  const big = /Too big: expected number to be <=?(-?[\d.]+)/i.exec(message);
  if (big) return `${label} must be at most ${big[1]}.`;
  if (/^Invalid input: expected/i.test(message)) return `${label} has a value of the wrong kind.`;
  if (/^Invalid option/i.test(message)) return `Choose one of the offered values for ${label.toLowerCase()}.`;
  return message;
}

/** What the form can tell before sending: required fields and number limits. */
export function checkValues(fields: FieldMeta[], values: Values): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    if (f.readOnly) continue;
    const v = values[f.name];
    const empty = v === '' || v === null || v === undefined || (Array.isArray(v) && v.length === 0);
    if (f.required && empty && f.kind !== 'custom' && f.kind !== 'boolean') out[f.name] = `${f.label} is required.`;
    else if (f.kind === 'money') {
      const problem = moneyCheck(f, v, values);
      if (problem) out[f.name] = problem;
    }
    else if (f.kind === 'number' && !empty) {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) out[f.name] = `${f.label} must be a number.`;
      else if (f.min !== undefined && n < f.min) out[f.name] = `${f.label} must be at least ${f.min}.`;
      else if (f.max !== undefined && n > f.max) out[f.name] = `${f.label} must be at most ${f.max}.`;
    }
  }
  return out;
}
