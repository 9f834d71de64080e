/** What the outline shows for a member's incomplete SCORM lessons: which SCOs are not done and what they last reported. */
import type { Executor } from '../../db/database.ts';
import type { ScormLessonStatus } from '../../../contract/scorm.ts';
import { scoDone } from './cmi.ts';

/** For the given SCORM lessons (set-based: two queries), keyed by lesson id. */
export async function scormLessonStatuses(db: Executor, memberId: string, lessonIds: readonly string[]): Promise<Map<string, ScormLessonStatus>> {
  const out = new Map<string, ScormLessonStatus>();
  if (!lessonIds.length) return out;
  const [scos, attempts] = await Promise.all([
    db
      .selectFrom('lessons as l')
      .innerJoin('scorm_packages as p', 'p.id', 'l.scorm_package_id')
      .innerJoin('scorm_scos as s', 's.package_id', 'p.id')
      .select(['l.id as lesson_id', 'p.version', 's.item_id', 's.title', 's.kind', 's.mastery_score', 's.scaled_passing_score'])
      .where('l.id', 'in', [...lessonIds])
      .where('s.kind', '=', 'sco')
      .orderBy('l.id')
      .orderBy('s.position')
      .execute(),
    db
      .selectFrom('scorm_attempts')
      .select(['lesson_id', 'sco_id', 'completion_status', 'success_status', 'score_raw', 'updated_at'])
      .where('member_id', '=', memberId)
      .where('lesson_id', 'in', [...lessonIds])
      .execute(),
  ]);
  const byKey = new Map(attempts.map((a) => [`${a.lesson_id}\u0000${a.sco_id}`, a]));
  for (const s of scos) {
    const status = out.get(s.lesson_id) ?? { scoCount: 0, doneCount: 0, incomplete: [] };
    out.set(s.lesson_id, status);
    status.scoCount += 1;
    const a = byKey.get(`${s.lesson_id}\u0000${s.item_id}`);
    if (a && scoDone(s.version as '1.2' | '2004', a, s)) {
      status.doneCount += 1;
      continue;
    }
    status.incomplete.push({
      scoId: s.item_id,
      title: s.title,
      completionStatus: a?.completion_status ?? 'not attempted',
      successStatus: a?.success_status ?? 'unknown',
      scoreRaw: a?.score_raw == null ? null : Number(a.score_raw),
      lastReportedAt: a?.updated_at ?? null,
    });
  }
  return out;
}
