import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Payments, after issue 20.
 *
 * A paid payment that could not give what it paid for needs staff: `attention` says why.
 * 'batch_full': the batch's seats were taken between the checkout and the payment, so the money
 * was taken and no membership was made (the payment stays paid until staff refund it).
 *
 * The database holds the rule: only a batch payment that was paid (or since refunded), without a
 * membership, carries it. SQLite cannot add a table constraint, but a column's CHECK may name other
 * columns (as 0034 does).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // The process holding a refund's claim (`host:pid:start`, see platform/process-owner.ts): a retry
  // takes over a claim whose process is gone (killed mid-refund) without waiting for its lease.
  await db.schema.alterTable('payments').addColumn('refund_owner', 'text').execute();
  const rule = sql`attention is null
      or (attention = 'batch_full' and batch_id is not null and batch_member_id is null and status in ('paid', 'refunded'))`;
  if (dialect === 'postgres') {
    await db.schema.alterTable('payments').addColumn('attention', 'text').execute();
    await db.schema.alterTable('payments').addCheckConstraint('payments_attention', rule).execute();
  } else {
    await sql`alter table payments add column attention text constraint payments_attention check (${rule})`.execute(db);
  }
  // The desk's "Needs attention" filter: such payments are few, so a partial index finds them.
  await db.schema
    .createIndex('payments_attention_idx')
    .on('payments')
    .column('id')
    .where(sql.ref('attention'), 'is not', null)
    .execute();
}
