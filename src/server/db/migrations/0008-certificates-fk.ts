import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { rebuildSqliteTable } from './sqlite-rebuild.ts';

/**
 * courses.certificate_template_id becomes a foreign key to certificate_templates (no action on
 * delete: a template that courses use cannot be deleted). References to templates that no longer
 * exist are cleared first (those courses already rendered with the default template).
 *
 * SQLite cannot add a constraint to a column, so the courses table is rebuilt (rebuildSqliteTable):
 * a copy with the constraint is filled, the old table dropped, the copy renamed and the indexes
 * and triggers recreated.
 *
 * Zip jobs get an index for finding the ones left queued or running by a process that died.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const clearDangling = sql`
    update courses set certificate_template_id = null
    where certificate_template_id is not null
      and not exists (select 1 from certificate_templates t where t.id = courses.certificate_template_id)`;

  if (dialect === 'postgres') {
    await clearDangling.execute(db);
    await sql`
      alter table courses add constraint courses_certificate_template_fk
      foreign key (certificate_template_id) references certificate_templates (id)`.execute(db);
  } else {
    await rebuildSqliteCourses(db, clearDangling);
  }
  await db.schema.createIndex('courses_certificate_template_idx').on('courses').column('certificate_template_id').execute();
  await db.schema.createIndex('certificate_zip_jobs_status_idx').on('certificate_zip_jobs').columns(['status', 'updated_at']).execute();
}

async function rebuildSqliteCourses(db: Kysely<unknown>, clearDangling: ReturnType<typeof sql>): Promise<void> {
  await rebuildSqliteTable(db, '0008', 'courses', async () => {
    await clearDangling.execute(db);
    const table = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'courses'`.execute(db)).rows[0];
    if (!table) throw new Error('0008: the courses table is missing');
    const column = /"certificate_template_id" text(?=\s*[,)])/;
    const head = /^create table "courses"/i;
    if (!column.test(table.sql) || !head.test(table.sql)) throw new Error(`0008: unexpected courses definition: ${table.sql}`);
    const createNew = table.sql
      .replace(head, 'create table "courses_0008"')
      .replace(column, '"certificate_template_id" text references "certificate_templates" ("id")');
    const others = (
      await sql<{ sql: string }>`
        select sql from sqlite_master where tbl_name = 'courses' and type in ('index', 'trigger') and sql is not null order by type, name`.execute(
        db,
      )
    ).rows;
    const columns = (await sql<{ name: string }>`select name from pragma_table_info('courses') order by cid`.execute(db)).rows.map(
      (c) => c.name,
    );
    const list = sql.join(columns.map((c) => sql.ref(c)));

    await sql.raw(createNew).execute(db);
    await sql`insert into courses_0008 (${list}) select ${list} from courses`.execute(db);
    await sql`drop table courses`.execute(db);
    await sql`alter table courses_0008 rename to courses`.execute(db);
    for (const o of others) await sql.raw(o.sql).execute(db);
  });
}
