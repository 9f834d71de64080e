import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * PostgreSQL: the audit log is chained just after commit instead of inside every writer's
 * transaction (see platform/audit-chain.ts). The chain trigger held one advisory lock from a
 * writer's first audit entry to its commit, so every audited write in every process ran one at a
 * time, its commit's disk flush included. Now a writer only inserts its entries (seq, prev_hash
 * and hash still empty); the sealer chains committed entries under that lock, a batch at a time. The append-only trigger lets exactly that one fill through:
 * an entry without a hash gets its position and hashes, its content unchanged.
 *
 * SQLite has one writer at a time anyway: its trigger keeps chaining each entry as it is written.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`drop trigger audit_log_chain on audit_log`.execute(db);
  await sql`drop trigger audit_log_chain_head on audit_log`.execute(db);
  await sql`drop function audit_log_chain()`.execute(db);
  await sql`drop function audit_log_chain_head()`.execute(db);
  await sql`alter table audit_log alter column seq drop not null, alter column prev_hash drop not null, alter column hash drop not null`.execute(db);
  // The entries waiting for the sealer, in id order (ids are time-ordered, monotonic per process).
  await sql`create index audit_log_unsealed_idx on audit_log (id) where seq is null`.execute(db);
  // Either all three chain columns are empty (waiting) or all are set.
  await sql`alter table audit_log add constraint audit_log_chain_columns
    check ((seq is null) = (hash is null) and (hash is null) = (prev_hash is null))`.execute(db);

  await sql`drop trigger audit_log_no_update on audit_log`.execute(db);
  await sql`create function audit_log_seal_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.hash is null and old.seq is null
         and (new.id, new.at, new.actor_id, new.action, new.entity, new.entity_id, new.before_json, new.after_json,
              new.request_id, new.import_id)
             is not distinct from
             (old.id, old.at, old.actor_id, old.action, old.entity, old.entity_id, old.before_json, old.after_json,
              old.request_id, old.import_id) then
        return new;
      end if;
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
  await sql`create trigger audit_log_no_update before update or delete on audit_log
    for each row execute function audit_log_seal_only()`.execute(db);
}
