/** One member's SCORM results in one course, for reports (the Course Quiz PDF). */
import type { Executor } from '../../db/database.ts';
import { scoDone } from './cmi.ts';

export interface ScormReportRow {
  lessonId: string;
  lessonTitle: string;
  /** The lesson is complete (it stays complete whatever the package reports later). */
  lessonCompleted: boolean;
  /** The member opened the item (its package reported something). */
  reported: boolean;
  scoTitle: string;
  version: '1.2' | '2004';
  completionStatus: string;
  successStatus: string;
  scoreRaw: number | null;
  scoreMax: number | null;
  scoreScaled: number | null;
  totalSeconds: number;
  done: boolean;
  lastReportedAt: string | null;
}

/** Every SCO of every SCORM lesson of the course, with what the member last reported (in course order). */
export async function scormReportRows(db: Executor, memberId: string, courseId: string): Promise<ScormReportRow[]> {
  const rows = await db
    .selectFrom('lessons as l')
    .innerJoin('chapters as ch', 'ch.id', 'l.chapter_id')
    .innerJoin('scorm_packages as p', 'p.id', 'l.scorm_package_id')
    .innerJoin('scorm_scos as s', 's.package_id', 'p.id')
    .leftJoin('scorm_attempts as a', (j) => j.onRef('a.lesson_id', '=', 'l.id').onRef('a.sco_id', '=', 's.item_id').on('a.member_id', '=', memberId))
    .leftJoin('lesson_completions as lc', (j) => j.onRef('lc.lesson_id', '=', 'l.id').on('lc.member_id', '=', memberId))
    .select([
      'l.id as lesson_id',
      'lc.id as completion_id',
      'l.title as lesson_title',
      's.title as sco_title',
      'p.version',
      's.mastery_score',
      's.scaled_passing_score',
      'a.completion_status',
      'a.success_status',
      'a.score_raw',
      'a.score_max',
      'a.score_scaled',
      'a.prior_seconds',
      'a.session_seconds',
      'a.updated_at',
    ])
    .where('l.course_id', '=', courseId)
    .where('l.kind', '=', 'scorm')
    .where('s.kind', '=', 'sco')
    .orderBy('ch.position')
    .orderBy('l.position')
    .orderBy('l.id')
    .orderBy('s.position')
    .execute();
  const n = (v: number | null) => (v === null ? null : Number(v));
  return rows.map((r) => {
    const version = r.version as '1.2' | '2004';
    const state = { completion_status: r.completion_status ?? 'not attempted', success_status: r.success_status ?? 'unknown' };
    return {
      lessonId: r.lesson_id,
      lessonTitle: r.lesson_title,
      lessonCompleted: r.completion_id !== null,
      reported: r.completion_status !== null,
      scoTitle: r.sco_title,
      version,
      completionStatus: state.completion_status,
      successStatus: state.success_status,
      scoreRaw: n(r.score_raw),
      scoreMax: n(r.score_max),
      scoreScaled: n(r.score_scaled),
      totalSeconds: Number(r.prior_seconds ?? 0) + Number(r.session_seconds ?? 0),
      done: r.completion_status !== null && scoDone(version, state, r),
      lastReportedAt: r.updated_at,
    };
  });
}
