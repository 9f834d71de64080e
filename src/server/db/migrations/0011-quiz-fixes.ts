import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Quiz attempts:
 * - `preview` marks the attempts of a quiz's authors trying it out. They are numbered on their own
 *   (the unique attempt index now includes the flag), never count towards max attempts and never
 *   appear in lists, statistics or reports.
 * - `questions_json` holds the questions as they were when an attempt started, so an attempt in
 *   progress is shown and graded against what the learner saw even when the quiz is edited.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('quiz_submissions')
    .addColumn('preview', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`preview in (0, 1)`),
    )
    .execute();
  await db.schema.alterTable('quiz_submissions').addColumn('questions_json', 'text').execute();
  await db.schema.dropIndex('quiz_submissions_attempt_uq').execute();
  await db.schema
    .createIndex('quiz_submissions_attempt_uq')
    .on('quiz_submissions')
    .columns(['quiz_id', 'member_id', 'preview', 'attempt'])
    .unique()
    .execute();
}
