import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { rebuildSqliteTable } from './sqlite-rebuild.ts';

/**
 * SCORM packages, their launchable items (SCOs and assets) and the learners' runtime data per
 * lesson, member and SCO.
 *
 * - scorm_packages: one uploaded package; its files are extracted under `content_dir` (inside the
 *   data directory) and the original zip is a `files` row. Replacing the package changes these
 *   columns and the items, never the attempts.
 * - scorm_scos: the organization's items in reading order; `item_id` is the manifest's item
 *   identifier, which attempts are keyed by (so they survive a replacement).
 * - scorm_attempts: what the package last committed for one SCO of one lesson and member; `seq`
 *   only grows (the commit statement updates only when its sequence number is greater).
 *
 * lessons.scorm_package_id becomes a foreign key (a package used by a lesson cannot be deleted).
 * SQLite cannot add a constraint to a column, so there the lessons table is rebuilt.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  const real = dialect === 'postgres' ? 'double precision' : 'real';

  await db.schema
    .createTable('scorm_packages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('schema_version', 'text', (c) => c.notNull())
    .addColumn('manifest_identifier', 'text', (c) => c.notNull())
    .addColumn('zip_file_id', 'text', (c) => c.notNull().references('files.id'))
    .addColumn('content_dir', 'text', (c) => c.notNull().unique())
    .addColumn('total_bytes', bigint, (c) => c.notNull())
    .addColumn('file_count', 'integer', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('scorm_packages_version', sql`version in ('1.2', '2004')`)
    .addCheckConstraint('scorm_packages_sizes', sql`total_bytes >= 0 and file_count > 0 and revision >= 1`)
    .execute();
  await db.schema.createIndex('scorm_packages_creator_idx').on('scorm_packages').columns(['created_by', 'id']).execute();

  await db.schema
    .createTable('scorm_scos')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('package_id', 'text', (c) => c.notNull().references('scorm_packages.id').onDelete('cascade'))
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('launch', 'text', (c) => c.notNull())
    .addColumn('depth', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('mastery_score', real)
    .addColumn('scaled_passing_score', real)
    .addCheckConstraint('scorm_scos_kind', sql`kind in ('sco', 'asset')`)
    .addCheckConstraint('scorm_scos_mastery', sql`mastery_score is null or (mastery_score >= 0 and mastery_score <= 100)`)
    .addCheckConstraint('scorm_scos_passing', sql`scaled_passing_score is null or (scaled_passing_score >= -1 and scaled_passing_score <= 1)`)
    .execute();
  await db.schema.createIndex('scorm_scos_item_uq').on('scorm_scos').columns(['package_id', 'item_id']).unique().execute();
  await db.schema.createIndex('scorm_scos_order_idx').on('scorm_scos').columns(['package_id', 'position']).execute();

  await db.schema
    .createTable('scorm_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lesson_id', 'text', (c) => c.notNull().references('lessons.id').onDelete('cascade'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('sco_id', 'text', (c) => c.notNull())
    .addColumn('seq', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('session_key', 'text', (c) => c.notNull())
    .addColumn('completion_status', 'text', (c) => c.notNull())
    .addColumn('success_status', 'text', (c) => c.notNull())
    .addColumn('score_raw', real)
    .addColumn('score_min', real)
    .addColumn('score_max', real)
    .addColumn('score_scaled', real)
    .addColumn('session_seconds', real, (c) => c.notNull().defaultTo(0))
    .addColumn('prior_seconds', real, (c) => c.notNull().defaultTo(0))
    .addColumn('location', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('suspend_data', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('exit', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('interactions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('commits', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'scorm_attempts_completion',
      sql`completion_status in ('completed', 'incomplete', 'not attempted', 'unknown', 'passed', 'failed', 'browsed')`,
    )
    .addCheckConstraint('scorm_attempts_success', sql`success_status in ('passed', 'failed', 'unknown')`)
    .addCheckConstraint('scorm_attempts_scaled', sql`score_scaled is null or (score_scaled >= -1 and score_scaled <= 1)`)
    .addCheckConstraint('scorm_attempts_times', sql`session_seconds >= 0 and prior_seconds >= 0 and seq >= 0 and commits >= 1`)
    .execute();
  // One row per lesson, member and SCO: concurrent first commits meet here.
  await db.schema.createIndex('scorm_attempts_uq').on('scorm_attempts').columns(['lesson_id', 'member_id', 'sco_id']).unique().execute();
  await db.schema.createIndex('scorm_attempts_page_idx').on('scorm_attempts').columns(['lesson_id', 'id']).execute();
  await db.schema.createIndex('scorm_attempts_member_idx').on('scorm_attempts').columns(['member_id', 'id']).execute();
  await db.schema.createIndex('scorm_attempts_course_idx').on('scorm_attempts').columns(['course_id', 'id']).execute();

  const clearDangling = sql`
    update lessons set scorm_package_id = null
    where scorm_package_id is not null
      and not exists (select 1 from scorm_packages p where p.id = lessons.scorm_package_id)`;
  if (dialect === 'postgres') {
    await clearDangling.execute(db);
    await sql`alter table lessons add constraint lessons_scorm_package_fk foreign key (scorm_package_id) references scorm_packages (id)`.execute(db);
  } else {
    await rebuildSqliteLessons(db, clearDangling);
  }
  await db.schema.createIndex('lessons_scorm_package_idx').on('lessons').column('scorm_package_id').execute();
}

async function rebuildSqliteLessons(db: Kysely<unknown>, clearDangling: ReturnType<typeof sql>): Promise<void> {
  await rebuildSqliteTable(db, '0025', 'lessons', async () => {
    await clearDangling.execute(db);
    const table = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'lessons'`.execute(db)).rows[0];
    if (!table) throw new Error('0025: the lessons table is missing');
    const column = /"scorm_package_id" text(?=\s*[,)])/;
    const head = /^create table "lessons"/i;
    if (!column.test(table.sql) || !head.test(table.sql)) throw new Error(`0025: unexpected lessons definition: ${table.sql}`);
    const createNew = table.sql
      .replace(head, 'create table "lessons_0025"')
      .replace(column, '"scorm_package_id" text references "scorm_packages" ("id")');
    const others = (
      await sql<{ sql: string }>`
        select sql from sqlite_master where tbl_name = 'lessons' and type in ('index', 'trigger') and sql is not null order by type, name`.execute(db)
    ).rows;
    const columns = (await sql<{ name: string }>`select name from pragma_table_info('lessons') order by cid`.execute(db)).rows.map((c) => c.name);
    const list = sql.join(columns.map((c) => sql.ref(c)));
    await sql.raw(createNew).execute(db);
    await sql`insert into lessons_0025 (${list}) select ${list} from lessons`.execute(db);
    await sql`drop table lessons`.execute(db);
    await sql`alter table lessons_0025 rename to lessons`.execute(db);
    for (const o of others) await sql.raw(o.sql).execute(db);
  });
}
