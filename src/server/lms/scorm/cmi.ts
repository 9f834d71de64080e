/**
 * A commit's `cmi` object (SCORM 1.2 or 2004, as scorm-again renders it) turned into the columns
 * stored per SCO, with plain-words errors for values the data model does not allow.
 */
import type { FieldError } from '../../http/errors.ts';

export interface CmiFields {
  completion_status: string;
  success_status: string;
  score_raw: number | null;
  score_min: number | null;
  score_max: number | null;
  score_scaled: number | null;
  session_seconds: number;
  location: string;
  suspend_data: string;
  exit: string;
  interactions: Interaction[];
}

export interface Interaction {
  id: string;
  type: string;
  result: string;
  latency: string;
  learnerResponse: string;
  timestamp: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '');

const LESSON_STATUS_12 = ['passed', 'completed', 'failed', 'incomplete', 'browsed', 'not attempted'];
const COMPLETION_2004 = ['completed', 'incomplete', 'not attempted', 'unknown'];
const SUCCESS_2004 = ['passed', 'failed', 'unknown'];

/** Seconds of a SCORM 1.2 CMITimespan (`HHHH:MM:SS.SS`) or a 2004 ISO 8601 duration (`PT1H2M3.5S`); null when malformed. */
export function timeToSeconds(value: string): number | null {
  if (value === '') return 0;
  const hms = /^(\d{1,4}):([0-5]?\d):([0-5]?\d(?:\.\d{1,2})?)$/.exec(value);
  if (hms) return Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]);
  const iso = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (iso && value !== 'P' && !value.endsWith('T')) {
    const [, y, mo, d, h, mi, s] = iso.map((x) => Number(x ?? 0));
    return y! * 31_536_000 + mo! * 2_592_000 + d! * 86_400 + h! * 3600 + mi! * 60 + s!;
  }
  return null;
}

/** Seconds as a SCORM 1.2 CMITimespan. */
export function secondsToTimespan(total: number): string {
  const t = Math.max(0, Math.round(total * 100) / 100);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t - h * 3600 - m * 60;
  return `${String(Math.min(h, 9999)).padStart(4, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
}

/** Seconds as an ISO 8601 duration (SCORM 2004 timeinterval). */
export function secondsToDuration(total: number): string {
  const t = Math.max(0, Math.round(total * 100) / 100);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = Math.round((t - h * 3600 - m * 60) * 100) / 100;
  return `PT${h}H${m}M${s}S`;
}

/** Entries of a CMI array as scorm-again renders it (an array, or an object keyed "0", "1", ...). */
function entries(v: unknown): Obj[] {
  if (Array.isArray(v)) return v.map(obj);
  const o = obj(v);
  return Object.keys(o)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => obj(o[k]));
}

export function parseCmi(version: '1.2' | '2004', input: Obj): { fields: CmiFields | null; errors: FieldError[] } {
  const errs: FieldError[] = [];
  // scorm-again wraps the data model in `{ cmi: ... }`; the bare object is accepted too.
  const cmi = input.cmi && typeof input.cmi === 'object' ? obj(input.cmi) : input;
  const num = (path: string, v: unknown, min: number, max: number): number | null => {
    const s = str(v).trim();
    if (s === '') return null;
    const n = Number(s);
    if (!Number.isFinite(n) || n < min || n > max) {
      errs.push({ path, message: `${path} must be a number from ${min} to ${max}.` });
      return null;
    }
    return n;
  };
  const text = (path: string, v: unknown, max: number): string => {
    const s = str(v);
    if (s.length > max) errs.push({ path, message: `${path} is longer than ${max} characters.` });
    return s.slice(0, max);
  };
  const time = (path: string, v: unknown): number => {
    const s = str(v).trim();
    const n = timeToSeconds(s);
    if (n === null) {
      errs.push({ path, message: `${path} is not a SCORM time (${version === '1.2' ? 'HHHH:MM:SS.SS' : 'an ISO 8601 duration such as PT1M30S'}).` });
      return 0;
    }
    return n;
  };
  const interactions = (list: Obj[], latencyKey: string, responseKey: string, timeKey: string): Interaction[] =>
    list.slice(0, 500).map((i, n) => ({
      id: text(`cmi.interactions.${n}.id`, i.id, 4000),
      type: text(`cmi.interactions.${n}.type`, i.type, 100),
      result: text(`cmi.interactions.${n}.result`, i.result, 100),
      latency: text(`cmi.interactions.${n}.latency`, i[latencyKey], 100),
      learnerResponse: text(`cmi.interactions.${n}.${responseKey}`, i[responseKey], 4000),
      timestamp: text(`cmi.interactions.${n}.${timeKey}`, i[timeKey], 100),
    }));

  let fields: CmiFields;
  if (version === '1.2') {
    const core = obj(cmi.core);
    const score = obj(core.score);
    const status = str(core.lesson_status) || 'not attempted';
    if (!LESSON_STATUS_12.includes(status)) errs.push({ path: 'cmi.core.lesson_status', message: `cmi.core.lesson_status must be one of ${LESSON_STATUS_12.join(', ')}.` });
    const success = status === 'passed' ? 'passed' : status === 'failed' ? 'failed' : 'unknown';
    fields = {
      completion_status: LESSON_STATUS_12.includes(status) ? status : 'unknown',
      success_status: success,
      score_raw: num('cmi.core.score.raw', score.raw, 0, 100),
      score_min: num('cmi.core.score.min', score.min, 0, 100),
      score_max: num('cmi.core.score.max', score.max, 0, 100),
      score_scaled: null,
      session_seconds: time('cmi.core.session_time', core.session_time),
      location: text('cmi.core.lesson_location', core.lesson_location, 255),
      suspend_data: text('cmi.suspend_data', cmi.suspend_data, 4096),
      exit: text('cmi.core.exit', core.exit, 20),
      interactions: interactions(entries(cmi.interactions), 'latency', 'student_response', 'time'),
    };
    if (fields.score_raw !== null) fields.score_scaled = Math.round(((fields.score_raw - (fields.score_min ?? 0)) / Math.max(1e-9, (fields.score_max ?? 100) - (fields.score_min ?? 0))) * 10000) / 10000;
    if (fields.score_scaled !== null) fields.score_scaled = Math.max(-1, Math.min(1, fields.score_scaled));
  } else {
    const score = obj(cmi.score);
    const completion = str(cmi.completion_status) || 'unknown';
    const success = str(cmi.success_status) || 'unknown';
    if (!COMPLETION_2004.includes(completion)) errs.push({ path: 'cmi.completion_status', message: `cmi.completion_status must be one of ${COMPLETION_2004.join(', ')}.` });
    if (!SUCCESS_2004.includes(success)) errs.push({ path: 'cmi.success_status', message: `cmi.success_status must be one of ${SUCCESS_2004.join(', ')}.` });
    fields = {
      completion_status: COMPLETION_2004.includes(completion) ? completion : 'unknown',
      success_status: SUCCESS_2004.includes(success) ? success : 'unknown',
      score_raw: num('cmi.score.raw', score.raw, -1e9, 1e9),
      score_min: num('cmi.score.min', score.min, -1e9, 1e9),
      score_max: num('cmi.score.max', score.max, -1e9, 1e9),
      score_scaled: num('cmi.score.scaled', score.scaled, -1, 1),
      session_seconds: time('cmi.session_time', cmi.session_time),
      location: text('cmi.location', cmi.location, 1000),
      suspend_data: text('cmi.suspend_data', cmi.suspend_data, 64000),
      exit: text('cmi.exit', cmi.exit, 20),
      interactions: interactions(entries(cmi.interactions), 'latency', 'learner_response', 'timestamp'),
    };
  }
  return errs.length ? { fields: null, errors: errs.slice(0, 20) } : { fields, errors: [] };
}

/** Whether a SCO's stored state counts as done for the lesson (api.md's rule). */
export function scoDone(
  version: '1.2' | '2004',
  row: { completion_status: string; success_status: string },
  sco: { mastery_score: number | null; scaled_passing_score: number | null },
): boolean {
  if (version === '1.2') return row.completion_status === 'completed' || row.completion_status === 'passed';
  if (row.completion_status !== 'completed') return false;
  return sco.scaled_passing_score === null || row.success_status === 'passed';
}
