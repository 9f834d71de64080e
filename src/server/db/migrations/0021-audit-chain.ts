import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

const FIELDS = ['id', 'at', 'actor_id', 'action', 'entity', 'entity_id', 'before_json', 'after_json', 'request_id', 'import_id'];
const GENESIS = '0'.repeat(64);

/**
 * The canonical string of an audit entry as SQL over `row` after the hash `prev` — the same
 * string as canonicalEntry() in platform/audit-chain.ts (where it is described):
 * prev + "\n" + for each field: NULL -> "-;", text -> <UTF-8 byte length> ":" text ";".
 */
export function canonicalSql(prev: string, row: string, newline: string): string {
  const parts = FIELDS.map((f) => `coalesce(octet_length(${row}.${f}) || ':' || ${row}.${f}, '-') || ';'`);
  return `${prev} || ${newline} || ${parts.join(' || ')}`;
}

/**
 * The audit log becomes a hash chain (see platform/audit-chain.ts): every entry gets its position
 * (seq), its predecessor's hash (prev_hash) and its own hash, computed by a trigger, so every
 * writer stays unchanged. The existing entries are chained in the order of their ids (time order)
 * by copying them into the new table through that trigger.
 *
 * On PostgreSQL the row trigger takes a transaction-scoped advisory lock, so concurrent writers
 * append one at a time (in commit order), and a statement trigger moves audit_chain_head (the last
 * position and hash); SQLite serializes writers itself, and its row trigger moves the head.
 * audit_heads keeps the heads the daily audit.head job recorded.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  // The old table steps aside with its indexes and triggers.
  for (const idx of ['audit_log_entity_idx', 'audit_log_actor_idx', 'audit_log_import_idx']) await sql.raw(`drop index ${idx}`).execute(db);
  if (pg) {
    await sql`drop trigger audit_log_no_update on audit_log`.execute(db);
    await sql`alter table audit_log rename to audit_log_unchained`.execute(db);
    await sql`alter table audit_log_unchained rename constraint audit_log_pkey to audit_log_unchained_pkey`.execute(db);
  } else {
    await sql`drop trigger audit_log_no_update`.execute(db);
    await sql`drop trigger audit_log_no_delete`.execute(db);
    await sql`alter table audit_log rename to audit_log_unchained`.execute(db);
  }

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .addColumn('request_id', 'text')
    .addColumn('import_id', 'text')
    // Filled by the chain trigger (on SQLite right after the insert, so they cannot be NOT NULL there).
    .addColumn('seq', pg ? 'bigint' : 'integer', (c) => (pg ? c.notNull() : c))
    .addColumn('prev_hash', 'text', (c) => (pg ? c.notNull() : c))
    .addColumn('hash', 'text', (c) => (pg ? c.notNull() : c))
    .execute();
  await db.schema.createIndex('audit_log_entity_idx').on('audit_log').columns(['entity', 'entity_id', 'id']).execute();
  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor_id', 'id']).execute();
  await sql`create index audit_log_import_idx on audit_log (import_id, id) where import_id is not null`.execute(db);
  await sql`create unique index audit_log_seq_idx on audit_log (seq)`.execute(db);

  await db.schema
    .createTable('audit_chain_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('seq', pg ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_chain_head (id, seq, hash) values (1, 0, ${GENESIS})`.execute(db);

  await db.schema
    .createTable('audit_heads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('seq', pg ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();

  if (pg) {
    await sql
      .raw(
        `create function audit_log_chain() returns trigger language plpgsql as $$
        declare head_seq bigint; head_hash text;
        begin
          -- One chain writer at a time: the lock is held until this transaction ends, so entries
          -- are chained in commit order on any number of processes. The previous entry is the
          -- last one by seq (rows inserted earlier by the same statement are visible here).
          perform pg_advisory_xact_lock(hashtext('smooth.audit_log_chain'));
          select seq, hash into head_seq, head_hash from audit_log order by seq desc limit 1;
          new.seq := coalesce(head_seq, 0) + 1;
          new.prev_hash := coalesce(head_hash, '${GENESIS}');
          new.hash := encode(sha256(convert_to(${canonicalSql('new.prev_hash', 'new', 'chr(10)')}, 'UTF8')), 'hex');
          return new;
        end $$`,
      )
      .execute(db);
    await sql`create trigger audit_log_chain before insert on audit_log for each row execute function audit_log_chain()`.execute(db);
    // The head moves once per statement, not per row: a row updated many times in one transaction
    // leaves a chain of versions that every later read of it walks.
    await sql`create function audit_log_chain_head() returns trigger language plpgsql as $$
        begin
          update audit_chain_head h set seq = l.seq, hash = l.hash
            from (select seq, hash from audit_log order by seq desc limit 1) l where h.id = 1;
          return null;
        end $$`.execute(db);
    await sql`create trigger audit_log_chain_head after insert on audit_log for each statement execute function audit_log_chain_head()`.execute(db);
    await sql`create trigger audit_log_no_update before update or delete on audit_log
      for each row execute function audit_log_append_only()`.execute(db);
  } else {
    // sha256() is registered on the connection (db/database.ts).
    const head = '(select hash from audit_chain_head where id = 1)';
    await sql
      .raw(
        `create trigger audit_log_chain after insert on audit_log begin
          update audit_log set
            seq = (select seq + 1 from audit_chain_head where id = 1),
            prev_hash = ${head},
            hash = sha256(${canonicalSql(head, 'new', 'char(10)')})
          where rowid = new.rowid;
          update audit_chain_head set seq = seq + 1, hash = (select hash from audit_log where rowid = new.rowid) where id = 1;
        end`,
      )
      .execute(db);
    // Append-only, except the chain trigger's own fill of a row that has no hash yet.
    await sql`create trigger audit_log_no_update before update on audit_log when old.hash is not null
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
  }

  const cols = FIELDS.join(', ');
  await sql.raw(`insert into audit_log (${cols}) select ${cols} from audit_log_unchained order by id`).execute(db);
  await sql`drop table audit_log_unchained`.execute(db);
}
