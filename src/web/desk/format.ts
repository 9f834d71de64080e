/** Values in words for the desk. */
import { readableDateTime } from '../ui/dates.ts';
import { wordsOf } from './words.ts';
import { fieldInWords } from '../../contract/audit.ts';

/** A timestamp or date in words a reader expects ("6 Dec 2026, 07:59"); other values as they are. */
export function readableValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}.*)?$/.test(v)) return readableDateTime(v);
  if (typeof v === 'number') return v.toLocaleString('en');
  // A stored code ("in_progress") reads as words; any other text (a link, a verification code) as it is.
  if (typeof v === 'string') return /^[a-z]+(?:_[a-z]+)+$/.test(v) ? wordsOf(v) : v;
  return JSON.stringify(v);
}

/** A field or key name in words (one rule with the server's reports). */
export const fieldLabel = fieldInWords;
