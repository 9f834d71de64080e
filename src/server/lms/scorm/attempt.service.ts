/**
 * The SCORM runtime's data: commits from the player (one SCO at a time, monotonic by the client's
 * sequence number), the caller's attempt for resuming, and lesson completion through the same path
 * as every lesson once every SCO is done (api.md: completed/passed in 1.2; completed, and passed
 * where a passing score is set, in 2004).
 */
import type { Selectable } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import type { ScormAttemptsTable } from '../../db/schema-scorm.ts';
import { errors } from '../../http/errors.ts';
import type { Enrollment } from '../../../contract/enrollments.ts';
import type { ScormAttempt, ScormCommitInput, ScormScoAttempt } from '../../../contract/scorm.ts';
import { canManageCourse } from '../courses/index.ts';
import { assertUnlocked, enrollmentSuspended, lockForCompletion, markLessonComplete, toEnrollment } from '../enrollments/index.ts';
import { parseCmi, scoDone, type CmiFields } from './cmi.ts';
import { fastCommitPg, selectCommitTarget, upsertWithSeq, upsertWithoutSeq, type AttemptInsert } from './attempt.queries.ts';
import { presentPackage, scosOf, type ScoRow } from './package.service.ts';

export type AttemptRow = Selectable<ScormAttemptsTable>;
type Version = '1.2' | '2004';
type Mastery = Pick<ScoRow, 'mastery_score' | 'scaled_passing_score'>;

export function presentScoAttempt(version: Version, r: AttemptRow, sco: (Mastery & { title: string }) | null): ScormScoAttempt {
  let interactions: ScormScoAttempt['interactions'] = [];
  try {
    interactions = JSON.parse(r.interactions) as ScormScoAttempt['interactions'];
  } catch {
    interactions = [];
  }
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    scoId: r.sco_id,
    title: sco?.title ?? null,
    seq: Number(r.seq),
    completionStatus: r.completion_status,
    successStatus: r.success_status,
    scoreRaw: num(r.score_raw),
    scoreMin: num(r.score_min),
    scoreMax: num(r.score_max),
    scoreScaled: num(r.score_scaled),
    sessionSeconds: Number(r.session_seconds),
    totalSeconds: Number(r.prior_seconds) + Number(r.session_seconds),
    location: r.location,
    suspendData: r.suspend_data,
    exit: r.exit,
    interactions,
    done: sco !== null && scoDone(version, r, sco),
    updatedAt: r.updated_at,
  };
}

/** Whether every SCO of the package is done in these rows (assets never count). */
export function allScosDone(version: Version, scos: readonly ScoRow[], rows: readonly AttemptRow[]): boolean {
  const byId = new Map(rows.map((r) => [r.sco_id, r]));
  const required = scos.filter((s) => s.kind === 'sco');
  return required.length > 0 && required.every((s) => {
    const r = byId.get(s.item_id);
    return r !== undefined && scoDone(version, r, s);
  });
}

/** The SCORM lesson and its package; 404 when the lesson is not a SCORM lesson with a package. */
async function scormLesson(db: Executor, lessonId: string) {
  const row = await db
    .selectFrom('lessons as l')
    .innerJoin('scorm_packages as p', 'p.id', 'l.scorm_package_id')
    .select(['l.id', 'l.course_id', 'l.is_preview', 'p.id as package_id'])
    .selectAll('p')
    .select(['l.id as lesson_id'])
    .where('l.id', '=', lessonId)
    .where('l.kind', '=', 'scorm')
    .executeTakeFirst();
  if (!row) throw errors.notFound('The lesson');
  return row;
}

/** The caller's attempt at a SCORM lesson: every SCO with what it last reported (for resuming and the outline). */
export async function getAttempt(ctx: AppContext, actor: Actor, lessonId: string): Promise<ScormAttempt> {
  const row = await scormLesson(ctx.db, lessonId);
  const me = actor.id ?? '';
  const enrollment = await ctx.db
    .selectFrom('enrollments')
    .select(['id', 'suspended_at', 'suspend_reason'])
    .where('course_id', '=', row.course_id)
    .where('member_id', '=', me)
    .executeTakeFirst();
  if (!enrollment && !(await canManageCourse(ctx.db, actor, row.course_id))) throw errors.notFound('The lesson');
  if (enrollment?.suspended_at) throw enrollmentSuspended(enrollment.suspend_reason);
  if (enrollment) await assertUnlocked(ctx.db, { id: lessonId, course_id: row.course_id }, me);
  const [scos, rows, completion] = await Promise.all([
    scosOf(ctx.db, row.package_id),
    ctx.db.selectFrom('scorm_attempts').selectAll().where('lesson_id', '=', lessonId).where('member_id', '=', me).execute(),
    ctx.db.selectFrom('lesson_completions').select('id').where('lesson_id', '=', lessonId).where('member_id', '=', me).executeTakeFirst(),
  ]);
  return buildAttempt(row.version as Version, { lessonId, courseId: row.course_id, memberId: me, packageId: row.package_id }, scos, rows, completion !== undefined);
}

export function buildAttempt(
  version: Version,
  ids: { lessonId: string; courseId: string; memberId: string; packageId: string },
  scos: ScoRow[],
  rows: AttemptRow[],
  lessonCompleted: boolean,
): ScormAttempt {
  const byId = new Map(rows.map((r) => [r.sco_id, r]));
  const known = new Set(scos.map((s) => s.item_id));
  const pkg = presentPackage({ id: ids.packageId } as never, scos);
  return {
    ...ids,
    version,
    scos: scos.map((s, i) => {
      const r = byId.get(s.item_id);
      return { sco: pkg.scos[i]!, attempt: r ? presentScoAttempt(version, r, s) : null };
    }),
    retired: rows.filter((r) => !known.has(r.sco_id)).map((r) => presentScoAttempt(version, r, null)),
    lessonCompleted,
  };
}

export interface CommitResult {
  attempt: ScormScoAttempt;
  /** False when the commit was older than (or the same as) the stored one and changed nothing. */
  applied: boolean;
  /** Every SCO of the lesson's package is done (the lesson is complete). */
  scosDone: boolean;
  enrollment: Enrollment;
}

/**
 * Stores one SCO's commit. 404 for a lesson the caller is not enrolled in (or not a SCORM lesson),
 * 400 for an unknown SCO or values outside the data model. When the commit reports the SCO done,
 * the lesson completes (once every SCO is done) in the same transaction, through markLessonComplete.
 */
export async function commitAttempt(ctx: AppContext, actor: Actor, lessonId: string, input: ScormCommitInput): Promise<CommitResult> {
  if (!actor.id) throw errors.notFound('The lesson');
  const memberId = actor.id;
  if (ctx.dialect === 'postgres') {
    const fast = await commitInOneStatement(ctx, memberId, lessonId, input);
    if (fast) return fast;
  }
  const [target] = await selectCommitTarget(ctx.db, { lessonId, memberId, scoId: input.scoId });
  if (!target) throw errors.notFound('The lesson');
  if (target.suspended_at !== null) throw enrollmentSuspended(target.suspend_reason);
  if (target.sco_row_id === null || target.sco_kind === null)
    throw errors.validation([{ path: 'scoId', message: `The lesson's SCORM package has no item "${input.scoId}".` }]);
  if (target.sequential === 1) await assertUnlocked(ctx.db, { id: lessonId, course_id: target.course_id }, memberId, 1);
  const version = target.version as Version;
  const parsed = parseCmi(version, input.cmi);
  if (!parsed.fields) throw errors.validation(parsed.errors, 'The SCORM data is outside what the data model allows.');
  const f = parsed.fields;
  const now = nowIso();
  const row = attemptRow({ id: newId(), lessonId, courseId: target.course_id, memberId, input, f, now });

  const upsert = (db: Executor) => (input.seq === undefined ? upsertWithoutSeq(db, row) : upsertWithSeq(db, row));
  const sco = { title: target.sco_title ?? input.scoId, mastery_score: target.mastery_score, scaled_passing_score: target.scaled_passing_score };
  const done = sco && scoDone(version, f, sco);

  if (!done) {
    // PostgreSQL: one statement on its own. SQLite: inside a transaction, so that the commits of
    // requests arriving together are shared (group commit; a lone write would commit alone).
    const [written] = ctx.dialect === 'postgres' ? await upsert(ctx.db) : await ctx.db.transaction().execute((trx) => upsert(trx));
    const stored = written ?? (await storedRow(ctx.db, lessonId, memberId, input.scoId));
    return { attempt: presentScoAttempt(version, stored, sco), applied: written !== undefined, scosDone: false, enrollment: toEnrollment({ ...target, progress: Number(target.progress) }) };
  }

  return ctx.db.transaction().execute(async (trx: Tx) => {
    // Course, then enrollment: the order every completion locks in (PostgreSQL).
    if (!(await lockForCompletion(ctx, trx, memberId, lessonId))) throw errors.notFound('The lesson');
    const [written] = await upsert(trx);
    const [scos, rows] = await Promise.all([
      scosOf(trx, target.package_id),
      trx.selectFrom('scorm_attempts').selectAll().where('lesson_id', '=', lessonId).where('member_id', '=', memberId).execute(),
    ]);
    const stored = written ?? rows.find((r) => r.sco_id === input.scoId)!;
    let enrollment = toEnrollment({ ...target, progress: Number(target.progress) });
    const complete = allScosDone(version, scos, rows);
    if (complete) {
      enrollment = toEnrollment(await markLessonComplete(ctx, trx, { memberId, lessonId, courseId: target.course_id, actorId: memberId }));
    }
    return { attempt: presentScoAttempt(version, stored, sco), applied: written !== undefined, scosDone: complete, enrollment };
  });
}

/**
 * PostgreSQL's common case in one round trip: a commit that does not finish its SCO, for a lesson
 * of a course taken in any order. The version is read from the shape of `cmi` (1.2 has `core`) and
 * checked in the statement. Null when the commit needs the full path (errors, completion, order).
 */
async function commitInOneStatement(ctx: AppContext, memberId: string, lessonId: string, input: ScormCommitInput): Promise<CommitResult | null> {
  const cmi = (input.cmi.cmi && typeof input.cmi.cmi === 'object' ? input.cmi.cmi : input.cmi) as Record<string, unknown>;
  const version: Version = 'core' in cmi ? '1.2' : '2004';
  const parsed = parseCmi(version, input.cmi);
  if (!parsed.fields) return null;
  const f = parsed.fields;
  // A status that may finish the SCO goes the transactional way (lesson completion).
  if (version === '1.2' ? ['completed', 'passed'].includes(f.completion_status) : f.completion_status === 'completed') return null;
  const now = nowIso();
  const row = attemptRow({ id: newId(), lessonId, courseId: '', memberId, input, f, now });
  const r = await fastCommitPg(ctx.db, row, version, input.seq !== undefined);
  if (!r) return null;
  const sco = { title: r.sco_title, mastery_score: r.mastery_score, scaled_passing_score: r.scaled_passing_score };
  // Written: the row holds the values sent, with the sequence number, the earlier sessions' time
  // and the creation time the statement kept.
  const stored =
    r.written_id !== null
      ? { ...row, id: r.written_id, course_id: r.course_id, seq: Number(r.written_seq), prior_seconds: Number(r.written_prior_seconds), created_at: r.written_created_at! }
      : await storedRow(ctx.db, lessonId, memberId, input.scoId);
  return {
    attempt: presentScoAttempt(version, stored, sco),
    applied: r.written_id !== null,
    scosDone: false,
    enrollment: toEnrollment({ ...r, progress: Number(r.progress) }),
  };
}

function attemptRow(a: { id: string; lessonId: string; courseId: string; memberId: string; input: ScormCommitInput; f: CmiFields; now: string }): AttemptInsert {
  const { f, input } = a;
  return {
    id: a.id,
    lesson_id: a.lessonId,
    course_id: a.courseId,
    member_id: a.memberId,
    sco_id: input.scoId,
    seq: input.seq ?? 0,
    session_key: input.session ?? '-',
    completion_status: f.completion_status,
    success_status: f.success_status,
    score_raw: f.score_raw,
    score_min: f.score_min,
    score_max: f.score_max,
    score_scaled: f.score_scaled,
    session_seconds: f.session_seconds,
    prior_seconds: 0,
    location: f.location,
    suspend_data: f.suspend_data,
    exit: f.exit,
    interactions: JSON.stringify(f.interactions),
    commits: 1,
    created_at: a.now,
    updated_at: a.now,
  };
}

async function storedRow(db: Executor, lessonId: string, memberId: string, scoId: string): Promise<AttemptRow> {
  return db
    .selectFrom('scorm_attempts')
    .selectAll()
    .where('lesson_id', '=', lessonId)
    .where('member_id', '=', memberId)
    .where('sco_id', '=', scoId)
    .executeTakeFirstOrThrow();
}
