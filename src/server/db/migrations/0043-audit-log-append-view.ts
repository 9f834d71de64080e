import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { canonicalSql } from './0021-audit-chain.ts';

/**
 * SQLite: an audit entry is written once, already chained. Until now the entry was inserted with
 * its chain columns empty and an AFTER INSERT trigger then rewrote the row with its position and
 * hashes (two writes of the row and of the position index per entry). The entries now live in
 * audit_log_entries; `audit_log` is a view over it, so every reader and writer keeps the name, and
 * an INSTEAD OF INSERT trigger on the view inserts the row with seq, prev_hash and hash computed
 * from one read of audit_chain_head (the same canonical string as migrations 0021 and 0042), then
 * moves the head. SQLite runs one writer at a time, so reading the head and moving it in the same
 * trigger program is the whole of the concurrency story. Updates and deletes through the view, and
 * of the table itself, are refused: the log is append-only.
 *
 * PostgreSQL chains in the sealer (migration 0040): nothing changes there.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') return;
  await sql`drop trigger audit_log_chain`.execute(db);
  await sql`drop trigger audit_log_no_update`.execute(db);
  await sql`drop trigger audit_log_no_delete`.execute(db);
  await sql`alter table audit_log rename to audit_log_entries`.execute(db);
  await sql`create view audit_log as select * from audit_log_entries`.execute(db);
  for (const sqlText of sqliteAuditTriggers()) await sql.raw(sqlText).execute(db);
}

/** The SQLite triggers of the audit log (the chaining insert and the append-only guards). */
function sqliteAuditTriggers(): string[] {
  const cols = 'id, at, actor_id, action, entity, entity_id, before_json, after_json, request_id, import_id';
  const values = cols
    .split(', ')
    .map((c) => `new.${c}`)
    .join(', ');
  const refuse = "begin select raise(abort, 'audit_log is append-only'); end";
  return [
    // sha256() is registered on the connection (db/database.ts).
    `create trigger audit_log_chain instead of insert on audit_log begin
      insert into audit_log_entries (${cols}, seq, prev_hash, hash)
        select ${values}, h.seq + 1, h.hash, sha256(${canonicalSql('h.hash', 'new', 'char(10)')})
        from audit_chain_head h where h.id = 1;
      update audit_chain_head set seq = seq + 1, hash = (select hash from audit_log_entries where rowid = last_insert_rowid()) where id = 1;
    end`,
    `create trigger audit_log_no_update instead of update on audit_log ${refuse}`,
    `create trigger audit_log_no_delete instead of delete on audit_log ${refuse}`,
    `create trigger audit_log_entries_no_update before update on audit_log_entries ${refuse}`,
    `create trigger audit_log_entries_no_delete before delete on audit_log_entries ${refuse}`,
  ];
}
