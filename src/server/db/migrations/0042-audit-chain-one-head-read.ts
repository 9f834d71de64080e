import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { canonicalSql } from './0021-audit-chain.ts';

/**
 * SQLite: the chain trigger reads the head once per entry instead of three times. The entry's
 * position, predecessor's hash and own hash come from one read of audit_chain_head (a row value),
 * so the hash is computed over the same canonical string as before (migration 0021) and the
 * entries already chained stay as they are. The head still moves in the same statement.
 *
 * PostgreSQL chains in the sealer (migration 0040): nothing changes there.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') return;
  await sql`drop trigger audit_log_chain`.execute(db);
  // sha256() is registered on the connection (db/database.ts).
  await sql
    .raw(
      `create trigger audit_log_chain after insert on audit_log begin
        update audit_log set (seq, prev_hash, hash) = (
            select h.seq + 1, h.hash, sha256(${canonicalSql('h.hash', 'new', 'char(10)')}) from audit_chain_head h where h.id = 1)
          where rowid = new.rowid;
        update audit_chain_head set seq = seq + 1, hash = (select hash from audit_log where rowid = new.rowid) where id = 1;
      end`,
    )
    .execute(db);
}
