import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { rebuildSqliteTable } from './sqlite-rebuild.ts';

/**
 * Payments, the remaining defects:
 * - Course prices become integer minor units, as batch prices and payments already are. A stored
 *   major-unit price is multiplied by its currency's minor units, exactly as checkout used to
 *   convert it (so a course costs what it cost): 12.34 EUR → 1234, 4900 JPY → 4900,
 *   1.234 KWD → 1234. A price without a currency is taken as two decimals.
 * - At most one pending payment per member and course (or batch): partial unique indexes. Older
 *   pending duplicates are expired first (their coupon uses given back); the newest stays.
 * - A refund is claimed before the gateway is called: refund_started_at marks a refund under way
 *   (its reason and revoke choice recorded with it), refund_lease_until says who may finish it.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table courses alter column price type bigint using ${toMinor(sql`price`)}`.execute(db);
  } else {
    await rebuildCourses(db);
  }

  await sql`alter table payments add column refund_started_at text`.execute(db);
  await sql`alter table payments add column refund_lease_until text`.execute(db);
  await sql`alter table payments add column refund_revoke_access integer not null default 0`.execute(db);

  // The newest pending payment of a member for one course or batch stays; the others end.
  const now = new Date().toISOString();
  for (const col of ['course_id', 'batch_id'] as const) {
    const c = sql.ref(col);
    const stale = sql`select p.id from payments p
      where p.status = 'pending' and p.${c} is not null and exists (
        select 1 from payments q where q.status = 'pending' and q.member_id = p.member_id and q.${c} = p.${c}
          and (q.created_at > p.created_at or (q.created_at = p.created_at and q.id > p.id)))`;
    await sql`update coupons set uses = uses - (select count(*) from payments p where p.coupon_id = coupons.id and p.id in (${stale}))
      where id in (select p.coupon_id from payments p where p.id in (${stale}))`.execute(db);
    await sql`update payments set status = 'expired', updated_at = ${now} where id in (${stale})`.execute(db);
  }
  await db.schema
    .createIndex('payments_pending_course_uq')
    .on('payments')
    .columns(['member_id', 'course_id'])
    .unique()
    .where(sql.ref('status'), '=', sql.lit('pending'))
    .where(sql.ref('course_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('payments_pending_batch_uq')
    .on('payments')
    .columns(['member_id', 'batch_id'])
    .unique()
    .where(sql.ref('status'), '=', sql.lit('pending'))
    .where(sql.ref('batch_id'), 'is not', null)
    .execute();
}

/**
 * Currencies whose minor unit is not a hundredth, as this runtime's Intl knew them when checkout
 * converted prices with it (frozen here: a migration must not change with the ICU version).
 */
const NO_DECIMALS = ['AFN', 'ALL', 'BIF', 'CLP', 'COP', 'DJF', 'GNF', 'HUF', 'IDR', 'IQD', 'IRR', 'ISK', 'JPY', 'KMF', 'KPW', 'KRW', 'LAK', 'LBP', 'MGA', 'MMK', 'PKR', 'PYG', 'RWF', 'SLL', 'SOS', 'SYP', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF', 'YER'];
const THREE_DECIMALS = ['BHD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];

function list(codes: string[]) {
  return sql.join(codes.map((c) => sql.lit(c)));
}

/** The stored major-unit price as minor units of the course's currency (rounded half away from zero). */
function toMinor(price: ReturnType<typeof sql>) {
  return sql`round(${price} * case
    when upper(currency) in (${list(NO_DECIMALS)}) then 1
    when upper(currency) in (${list(THREE_DECIMALS)}) then 1000
    else 100 end)`;
}

/**
 * SQLite cannot change a column's type in place: the table is rebuilt from its own definition
 * (whatever columns earlier migrations added), with price declared integer and its indexes kept.
 */
async function rebuildCourses(db: Kysely<unknown>): Promise<void> {
  await rebuildSqliteTable(db, '0036', 'courses', async () => {
    const table = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'courses'`.execute(db)).rows[0]!.sql;
    const indexes = (await sql<{ sql: string }>`select sql from sqlite_master where type in ('index', 'trigger') and tbl_name = 'courses' and sql is not null`.execute(db)).rows;
    const declared = '"price" numeric(12, 2)';
    if (!table.includes(declared)) throw new Error('0036: courses.price is not declared as expected');
    const rebuilt = table
      .replace(/^CREATE TABLE "courses"/, 'CREATE TABLE "courses_0036"')
      .replace(declared, '"price" integer')
      .replace('check (price is null or price >= 0)', "check (price is null or (price >= 0 and typeof(price) = 'integer'))");
    await sql.raw(rebuilt).execute(db);
    await sql`update courses set price = cast(${toMinor(sql`price`)} as integer) where price is not null`.execute(db);
    await sql`insert into courses_0036 select * from courses`.execute(db);
    await sql`drop table courses`.execute(db);
    await sql`alter table courses_0036 rename to courses`.execute(db);
    for (const i of indexes) await sql.raw(i.sql).execute(db);
  });
}
