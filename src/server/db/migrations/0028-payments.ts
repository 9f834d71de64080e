import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { rebuildSqliteTable } from './sqlite-rebuild.ts';

/**
 * Payments for paid courses and batches: the payment record (amounts in integer minor units, a
 * course or a batch, the coupon, the enrollment or batch membership it created), coupons with
 * their course limits, and the webhook events already processed (idempotency by event id).
 * The old payments table (amount in major units, status "completed") becomes the new one; its
 * rows keep their ids, so enrollments pointing at them stay valid.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('coupons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('percent_off', 'integer')
    .addColumn('amount_off', 'integer')
    .addColumn('currency', 'text')
    .addColumn('valid_from', 'text')
    .addColumn('valid_until', 'text')
    .addColumn('max_uses', 'integer')
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    // Exactly one kind of discount; a use count that never passes the maximum.
    .addCheckConstraint('coupons_discount', sql`(percent_off is null) <> (amount_off is null)`)
    .addCheckConstraint('coupons_percent', sql`percent_off is null or (percent_off >= 1 and percent_off <= 100)`)
    .addCheckConstraint('coupons_amount', sql`amount_off is null or amount_off >= 1`)
    .addCheckConstraint('coupons_uses', sql`uses >= 0 and (max_uses is null or (max_uses >= 1 and uses <= max_uses))`)
    .addCheckConstraint('coupons_window', sql`valid_from is null or valid_until is null or valid_until >= valid_from`)
    .execute();
  await db.schema.createIndex('coupons_code_uq').on('coupons').columns(['code']).unique().execute();

  await db.schema
    .createTable('coupon_courses')
    .addColumn('coupon_id', 'text', (c) => c.notNull().references('coupons.id').onDelete('cascade'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('coupon_courses_pk', ['coupon_id', 'course_id'])
    .execute();

  if (dialect === 'postgres') await alterPostgres(db);
  else await rebuildSqlite(db);

  await db.schema.createIndex('payments_member_idx').on('payments').columns(['member_id', 'id']).execute();
  await db.schema.createIndex('payments_status_idx').on('payments').columns(['status', 'id']).execute();
  await db.schema.createIndex('payments_batch_idx').on('payments').columns(['batch_id', 'member_id']).execute();
  // One payment per gateway session: a webhook finds its payment by the session id too.
  await db.schema.createIndex('payments_gateway_ref_uq').on('payments').columns(['gateway', 'gateway_reference']).unique().execute();
  // A payment creates at most one enrollment: the paid path's exactly-once as a database fact.
  await db.schema.createIndex('enrollments_payment_uq').on('enrollments').columns(['payment_id']).unique().execute();

  await db.schema
    .createTable('processed_webhook_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.references('payments.id'))
    .addColumn('processed_at', 'text', (c) => c.notNull())
    .execute();
}

const STATUSES = sql`status in ('pending', 'paid', 'failed', 'refunded', 'expired')`;
const GATEWAYS = sql`gateway in ('stripe', 'manual', 'none')`;

async function alterPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`alter table payments drop constraint payments_status`.execute(db);
  await sql`update payments set status = 'paid' where status = 'completed'`.execute(db);
  await sql`alter table payments alter column course_id drop not null`.execute(db);
  await sql`alter table payments alter column amount type bigint using round(amount * 100)`.execute(db);
  await sql`update payments set gateway = 'manual' where gateway not in ('stripe', 'manual', 'none')`.execute(db);
  await sql`alter table payments
    add column batch_id text references batches (id),
    add column coupon_id text references coupons (id),
    add column discount integer not null default 0,
    add column invoice_number text,
    add column gateway_payment_ref text,
    add column enrollment_id text,
    add column batch_member_id text,
    add column refund_reason text,
    add column access_revoked integer not null default 0,
    add column paid_at text,
    add column refunded_at text,
    add constraint payments_status check (${STATUSES}),
    add constraint payments_gateway check (${GATEWAYS}),
    add constraint payments_target check ((course_id is null) <> (batch_id is null)),
    add constraint payments_amount check (amount >= 0 and discount >= 0),
    add constraint payments_currency check (currency ~ '^[A-Z]{3}$')`.execute(db);
}

async function rebuildSqlite(db: Kysely<unknown>): Promise<void> {
  await rebuildSqliteTable(db, '0028', 'payments', async () => {
    await sql`create table "payments_0028" (
      "id" text primary key,
      "member_id" text not null references "users" ("id"),
      "course_id" text references "courses" ("id"),
      "batch_id" text references "batches" ("id"),
      "amount" integer not null,
      "currency" text not null,
      "coupon_id" text references "coupons" ("id"),
      "discount" integer not null default 0,
      "status" text not null,
      "gateway" text not null,
      "gateway_reference" text,
      "gateway_payment_ref" text,
      "invoice_number" text,
      "enrollment_id" text,
      "batch_member_id" text,
      "refund_reason" text,
      "access_revoked" integer not null default 0,
      "paid_at" text,
      "refunded_at" text,
      "created_at" text not null,
      "updated_at" text not null,
      constraint "payments_status" check (${STATUSES}),
      constraint "payments_gateway" check (${GATEWAYS}),
      constraint "payments_target" check ((course_id is null) <> (batch_id is null)),
      constraint "payments_amount" check (amount >= 0 and discount >= 0),
      constraint "payments_currency" check (length(currency) = 3 and upper(currency) = currency)
    )`.execute(db);
    await sql`insert into payments_0028 (id, member_id, course_id, amount, currency, status, gateway, gateway_reference, created_at, updated_at)
      select id, member_id, course_id, cast(round(amount * 100) as integer), upper(currency),
        case status when 'completed' then 'paid' else status end,
        case when gateway in ('stripe', 'manual', 'none') then gateway else 'manual' end,
        gateway_reference, created_at, updated_at
      from payments`.execute(db);
    await sql`drop index if exists payments_member_course_idx`.execute(db);
    await sql`drop table payments`.execute(db);
    await sql`alter table payments_0028 rename to payments`.execute(db);
    await sql`create index payments_member_course_idx on payments (member_id, course_id, status)`.execute(db);
  });
}
