/** Values in words for the desk. */
import { readableDateTime } from '../ui/dates.ts';

/** A timestamp or date in words a reader expects ("6 Dec 2026, 07:59"); other values as they are. */
export function readableValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}.*)?$/.test(v)) return readableDateTime(v);
  if (typeof v === 'number') return v.toLocaleString('en');
  return typeof v === 'string' ? v.replace(/_/g, ' ') : JSON.stringify(v);
}
