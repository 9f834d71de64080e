/** The SCORM runtime's statements: the lesson as a learner commits to it, and the monotonic upsert. */
import { sql } from 'kysely';
import { prepared, type Executor } from '../../db/database.ts';
import type { ScormAttemptsTable } from '../../db/schema-scorm.ts';
import type { EnrollmentsTable } from '../../db/schema.ts';
import { progressSql } from '../enrollments/index.ts';

/**
 * A SCORM lesson with its package version, the course's order flag, the member's enrollment (with
 * progress) and the named SCO (null columns when the package has no such item).
 */
export const selectCommitTarget = prepared((db, a: { lessonId: string; memberId: string; scoId: string }) =>
  db
    .selectFrom('lessons as l')
    .innerJoin('scorm_packages as p', 'p.id', 'l.scorm_package_id')
    .innerJoin('courses as c', 'c.id', 'l.course_id')
    .innerJoin('enrollments as e', (j) => j.onRef('e.course_id', '=', 'l.course_id').on('e.member_id', '=', a.memberId))
    .leftJoin('scorm_scos as s', (j) => j.onRef('s.package_id', '=', 'p.id').on('s.item_id', '=', a.scoId))
    .selectAll('e')
    .select([
      'l.id as lesson_id',
      'p.id as package_id',
      'p.version',
      'c.sequential',
      's.id as sco_row_id',
      's.kind as sco_kind',
      's.title as sco_title',
      's.mastery_score',
      's.scaled_passing_score',
      progressSql('e', 'c').as('progress'),
    ])
    .where('l.id', '=', a.lessonId)
    .where('l.kind', '=', 'scorm'),
);

export type AttemptInsert = ScormAttemptsTable;

/**
 * Inserts the SCO's row or updates it, in one statement. With a sequence number the update happens
 * only when it is greater than the stored one (in the statement's WHERE, so out-of-order and
 * concurrent commits cannot regress the row, and the same commit twice changes nothing). A commit
 * from a new session adds the previous session's time to prior_seconds. Returns the row only when
 * it was written.
 */
function upsertAttempt(db: Executor, row: AttemptInsert, hasSeq: boolean) {
  return db
    .insertInto('scorm_attempts')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['lesson_id', 'member_id', 'sco_id'])
        .doUpdateSet({
          seq: hasSeq ? sql`excluded.seq` : sql`scorm_attempts.seq`,
          prior_seconds: sql`case when scorm_attempts.session_key = excluded.session_key then scorm_attempts.prior_seconds
                                  else scorm_attempts.prior_seconds + scorm_attempts.session_seconds end`,
          session_key: sql`excluded.session_key`,
          session_seconds: sql`excluded.session_seconds`,
          completion_status: sql`excluded.completion_status`,
          success_status: sql`excluded.success_status`,
          score_raw: sql`excluded.score_raw`,
          score_min: sql`excluded.score_min`,
          score_max: sql`excluded.score_max`,
          score_scaled: sql`excluded.score_scaled`,
          location: sql`excluded.location`,
          suspend_data: sql`excluded.suspend_data`,
          exit: sql`excluded.exit`,
          interactions: sql`excluded.interactions`,
          commits: sql`scorm_attempts.commits + 1`,
          updated_at: sql`excluded.updated_at`,
        })
        .where(hasSeq ? sql<boolean>`scorm_attempts.seq < excluded.seq` : sql<boolean>`true`),
    )
    .returningAll();
}

/** The upsert compiled once per database: with a sequence number (monotonic) and without. */
export const upsertWithSeq = prepared((db, row: AttemptInsert) => upsertAttempt(db, row, true));
export const upsertWithoutSeq = prepared((db, row: AttemptInsert) => upsertAttempt(db, row, false));

/**
 * What the one-statement commit returns: the member's enrollment with its progress, the SCO's
 * title and mastery, and of the attempt only what the statement decided (null when the commit
 * was not applied): the other columns are the values sent.
 */
export type FastCommitRow = EnrollmentsTable & {
  progress: number;
  sco_title: string;
  mastery_score: number | null;
  scaled_passing_score: number | null;
  written_id: string | null;
  written_seq: number | null;
  written_prior_seconds: number | null;
  written_created_at: string | null;
};

/**
 * PostgreSQL: a commit that does not finish the SCO, as one statement: the lesson (a SCORM lesson of
 * a course taken in any order, its package of the expected version), the member's enrollment and
 * the SCO are read and the row upserted together (see upsertAttempt for the rules). No row when
 * any of that does not hold: the caller then takes the path that explains why.
 */
export async function fastCommitPg(db: Executor, row: AttemptInsert, version: '1.2' | '2004', hasSeq: boolean): Promise<FastCommitRow | undefined> {
  const [r] = await (hasSeq ? fastCommitWithSeq : fastCommitWithoutSeq)(db, { ...row, version });
  return r;
}

// Compiled once and run as a named statement (parsed and planned once per connection).
const fastCommitWithSeq = prepared((db, a: AttemptInsert & { version: string }) => fastCommitSql(db, a, true));
const fastCommitWithoutSeq = prepared((db, a: AttemptInsert & { version: string }) => fastCommitSql(db, a, false));

function fastCommitSql(db: Executor, row: AttemptInsert & { version: string }, hasSeq: boolean) {
  const version = row.version;
  const query = sql<FastCommitRow>`
    with t as (
      select e.*, ${progressSql('e', 'c')} as progress, s.title as sco_title, s.mastery_score, s.scaled_passing_score
        from lessons l
        join scorm_packages p on p.id = l.scorm_package_id
        join courses c on c.id = l.course_id
        join enrollments e on e.course_id = l.course_id and e.member_id = ${row.member_id}
        join scorm_scos s on s.package_id = p.id and s.item_id = ${row.sco_id}
       where l.id = ${row.lesson_id} and l.kind = 'scorm' and p.version = ${version} and c.sequential = 0
         and e.suspended_at is null
    ), ins as (
      insert into scorm_attempts (id, lesson_id, course_id, member_id, sco_id, seq, session_key, completion_status, success_status,
                                  score_raw, score_min, score_max, score_scaled, session_seconds, prior_seconds, location, suspend_data,
                                  exit, interactions, commits, created_at, updated_at)
      select ${row.id}, ${row.lesson_id}, t.course_id, ${row.member_id}, ${row.sco_id}, ${row.seq}::bigint, ${row.session_key},
             ${row.completion_status}, ${row.success_status}, ${row.score_raw}::double precision, ${row.score_min}::double precision,
             ${row.score_max}::double precision, ${row.score_scaled}::double precision, ${row.session_seconds}::double precision, 0,
             ${row.location}, ${row.suspend_data}, ${row.exit}, ${row.interactions}, 1, ${row.created_at}, ${row.updated_at}
        from t
      on conflict (lesson_id, member_id, sco_id) do update set
        seq = ${hasSeq ? sql`excluded.seq` : sql`scorm_attempts.seq`},
        prior_seconds = case when scorm_attempts.session_key = excluded.session_key then scorm_attempts.prior_seconds
                             else scorm_attempts.prior_seconds + scorm_attempts.session_seconds end,
        session_key = excluded.session_key,
        session_seconds = excluded.session_seconds,
        completion_status = excluded.completion_status,
        success_status = excluded.success_status,
        score_raw = excluded.score_raw,
        score_min = excluded.score_min,
        score_max = excluded.score_max,
        score_scaled = excluded.score_scaled,
        location = excluded.location,
        suspend_data = excluded.suspend_data,
        exit = excluded.exit,
        interactions = excluded.interactions,
        commits = scorm_attempts.commits + 1,
        updated_at = excluded.updated_at
      where ${hasSeq ? sql`scorm_attempts.seq < excluded.seq` : sql`true`}
      returning id, seq, prior_seconds, created_at
    )
    select t.*, ins.id as written_id, ins.seq as written_seq, ins.prior_seconds as written_prior_seconds, ins.created_at as written_created_at
      from t left join ins on true`;
  return { compile: () => query.compile(db) };
}
