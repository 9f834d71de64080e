import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { canonicalSql } from './0021-audit-chain.ts';

/**
 * PostgreSQL: the sealer's work happens in the database. audit_log_seal(n) chains up to n committed
 * entries still without a place, in id order, after audit_chain_head, and moves the head: the
 * same canonical string and hash as the SQLite trigger and verify (migration 0021), computed with
 * PostgreSQL's sha256(). Before, the sealer read every waiting entry's content into the server
 * process, hashed it there and sent the hashes back. The caller holds the sealer's advisory lock
 * (platform/audit-chain.ts). An entry changed between the read and the update fails the call.
 *
 * SQLite chains in its trigger (migration 0043): nothing changes there.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql
    .raw(
      `create function audit_log_seal(max_entries integer) returns integer language plpgsql as $$
      declare
        r record;
        n integer := 0;
        head_seq bigint;
        prev text;
        ids text[] := '{}';
        seqs bigint[] := '{}';
        prevs text[] := '{}';
        hashes text[] := '{}';
        sealed integer;
      begin
        select seq, hash into head_seq, prev from audit_chain_head where id = 1;
        for r in
          select id, at, actor_id, action, entity, entity_id, before_json, after_json, request_id, import_id
            from audit_log where seq is null order by id limit max_entries
        loop
          n := n + 1;
          ids := ids || r.id;
          seqs := seqs || (head_seq + n);
          prevs := prevs || prev;
          prev := encode(sha256(convert_to(${canonicalSql('prev', 'r', 'chr(10)')}, 'UTF8')), 'hex');
          hashes := hashes || prev;
        end loop;
        if n = 0 then
          return 0;
        end if;
        update audit_log a set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
          from unnest(ids, seqs, prevs, hashes) as v(id, seq, prev_hash, hash)
         where a.id = v.id and a.seq is null;
        get diagnostics sealed = row_count;
        if sealed <> n then
          raise exception 'audit chain: an entry changed while it was being sealed';
        end if;
        update audit_chain_head set seq = head_seq + n, hash = prev where id = 1;
        return n;
      end $$`,
    )
    .execute(db);
}
