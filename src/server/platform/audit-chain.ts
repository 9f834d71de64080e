import { hash } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { newId } from '../db/ids.ts';
import { nowIso } from '../db/dialect.ts';
import type { JobDefinition } from './jobs.ts';

/**
 * The audit log is one hash chain, in insertion order. Every entry carries
 *   seq       its position (1, 2, 3, ...),
 *   prev_hash the hash of the entry before it (GENESIS for the first),
 *   hash      lower-case hex SHA-256 of the UTF-8 bytes of its canonical string.
 *
 * The canonical string of an entry (the same on both databases, and in auditHash() below):
 *   prev_hash + "\n" + F(id) + F(at) + F(actor_id) + F(action) + F(entity) + F(entity_id)
 *     + F(before_json) + F(after_json) + F(request_id) + F(import_id)
 * where F(NULL) = "-;" and F(text) = <byte length of text in UTF-8, decimal> + ":" + text + ";".
 * The length prefix makes the string unambiguous: no text can move from one field to the next.
 * The position (seq) is not hashed: order is proven by each entry naming its predecessor's hash.
 *
 * Who fills seq/prev_hash/hash, so that every writer stays as it is (an audited write only
 * inserts its entry):
 * - SQLite: writers are serialized by the database itself (one writer at a time). The entries live
 *   in audit_log_entries and `audit_log` is a view over it (migration 0043): its INSTEAD OF INSERT
 *   trigger writes each entry once, with seq/prev_hash/hash computed from one read of
 *   audit_chain_head with sha256(), a deterministic function registered on every connection
 *   (db/database.ts), and moves the head (migrations 0021 and 0042 write the same canonical string
 *   in SQL). Updates and deletes are refused on the view and on the table.
 * - PostgreSQL: the sealer below, just after commit (migration 0040). A writer inserts its entry
 *   with the chain columns empty; nothing is locked, so the audited writes of any number of
 *   processes run side by side. sealChain() takes one advisory lock (one sealer at a time, on any
 *   number of processes) and has the database function audit_log_seal() (migration 0044) chain
 *   the committed entries still without a place, in id order, after the current head; an entry of
 *   a transaction still running is not visible to it and gets its place in a later round. So each
 *   entry is chained exactly once, in the order the sealer sees the entries committed (as the
 *   earlier in-transaction lock chained them in commit order).
 *   Every process seals every SEAL_EVERY_MS; reading the head, listing or verifying seals first,
 *   so they reflect every entry committed before. The append-only trigger lets exactly that fill
 *   through (content unchanged), and a CHECK keeps the three chain columns together.
 */
export const GENESIS = '0'.repeat(64);

export interface ChainedContent {
  id: string;
  at: string;
  actor_id: string | null;
  action: string;
  entity: string;
  entity_id: string;
  before_json: string | null;
  after_json: string | null;
  request_id: string | null;
  import_id: string | null;
}

const FIELDS = ['id', 'at', 'actor_id', 'action', 'entity', 'entity_id', 'before_json', 'after_json', 'request_id', 'import_id'] as const;

function field(v: string | null): string {
  return v === null ? '-;' : `${Buffer.byteLength(v, 'utf8')}:${v};`;
}

/** The canonical string of an entry (see above). */
export function canonicalEntry(prevHash: string, e: ChainedContent): string {
  let s = `${prevHash}\n`;
  for (const f of FIELDS) s += field(e[f]);
  return s;
}

/** One-shot hashing (no Hash object per entry): about twice as fast as createHash() for entries this size. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The hash an entry must carry, given its predecessor's hash. */
export function auditHash(prevHash: string, e: ChainedContent): string {
  return sha256Hex(canonicalEntry(prevHash, e));
}

export interface ChainProblem {
  /** Position of the entry where the chain first breaks. */
  seq: number;
  /** Id of that entry, when it is there. */
  entryId: string | null;
  kind: 'changed' | 'removed' | 'out-of-order';
  message: string;
}

export interface ChainVerification {
  entries: number;
  intact: boolean;
  headSeq: number;
  headHash: string;
  problem: ChainProblem | null;
  /** The one-line summary `smooth audit verify` prints. */
  summary: string;
}

interface WalkRow extends ChainedContent {
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

/**
 * Walks the chain in position order, a page at a time (keyset on seq), checking that positions
 * run 1, 2, 3, ... without a gap, that each entry names its predecessor's hash, that each hash is
 * the hash of its entry, that the chain ends where the head says, and that every head recorded by
 * the audit.head job is still in it. Reports the first break.
 */
export async function verifyChain(db: Executor, opts: { pageSize?: number } = {}): Promise<ChainVerification> {
  const pageSize = opts.pageSize ?? 5000;
  await sealChain(db, { wait: true });
  const recorded = new Map<number, string>();
  for (const r of await db.selectFrom('audit_heads').select(['seq', 'hash']).execute()) recorded.set(Number(r.seq), r.hash);
  const head = await db.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  const headSeq = Number(head?.seq ?? 0);
  const headHash = head?.hash ?? GENESIS;

  let expected = 1;
  let prev = GENESIS;
  let problem: ChainProblem | null = null;
  // SQLite: entries whose chain columns are NULL were never chained (the trigger fills them in the
  // inserting statement), and are reported as changed. PostgreSQL: such an entry is one that
  // committed since the seal above; the next seal gives it the next place (an entry whose place was
  // emptied on purpose shows as the gap it leaves).
  const unchained = onPostgres(db) ? undefined : await db.selectFrom('audit_log').select('id').where('seq', 'is', null).limit(1).executeTakeFirst();
  if (unchained) {
    problem = { seq: 0, entryId: unchained.id, kind: 'changed', message: `entry ${unchained.id} has no place in the chain (its position or hash was removed)` };
  }
  let after = 0;
  while (!problem) {
    const rows = (await db
      .selectFrom('audit_log')
      .select(['seq', 'prev_hash', 'hash', ...FIELDS])
      .where('seq', '>', after)
      // Up to the head read above: entries chained while the walk runs are the next verify's.
      .where('seq', '<=', headSeq)
      .orderBy('seq')
      .limit(pageSize)
      .execute()) as WalkRow[];
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expected) {
        problem = {
          seq: expected,
          entryId: null,
          kind: 'removed',
          message: `entry #${expected} was removed (the chain goes from #${expected - 1} to #${seq}, ${r.id})`,
        };
        break;
      }
      if (r.prev_hash !== prev) {
        problem = {
          seq,
          entryId: r.id,
          kind: 'out-of-order',
          message: `entry #${seq} (${r.id}) does not follow entry #${seq - 1}: it was inserted out of order, or the entry before it was replaced`,
        };
        break;
      }
      if (auditHash(prev, r) !== r.hash) {
        problem = { seq, entryId: r.id, kind: 'changed', message: `entry #${seq} (${r.id}) was changed: its hash does not match its content` };
        break;
      }
      const known = recorded.get(seq);
      if (known !== undefined && known !== r.hash) {
        problem = {
          seq,
          entryId: r.id,
          kind: 'changed',
          message: `entry #${seq} (${r.id}) is not the entry the recorded head of the chain named: the chain was rewritten from there back`,
        };
        break;
      }
      prev = r.hash;
      expected++;
    }
    if (rows.length < pageSize) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  const entries = expected - 1;
  if (!problem && (headSeq !== entries || headHash !== prev)) {
    problem =
      headSeq > entries
        ? { seq: entries + 1, entryId: null, kind: 'removed', message: `entry #${entries + 1} was removed: the chain head says ${headSeq} entries, the log ends at #${entries}` }
        : { seq: entries, entryId: null, kind: 'out-of-order', message: `the chain head (#${headSeq}) does not match the last entry (#${entries}): entries were added around the chain` };
  }
  for (const [seq] of recorded) {
    if (!problem && seq > entries) {
      problem = { seq, entryId: null, kind: 'removed', message: `entry #${seq} was removed: a recorded head of the chain named it, the log ends at #${entries}` };
    }
  }
  return {
    entries,
    intact: problem === null,
    headSeq,
    headHash,
    problem,
    summary: problem ? `chain broken: ${problem.message}` : `${entries} entries, chain intact`,
  };
}

/** Where the audit log stands: the number of entries and the hash of the last one. */
export async function chainHead(db: Executor): Promise<{ seq: number; hash: string }> {
  await sealChain(db, { wait: true });
  const head = await db.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  return { seq: Number(head?.seq ?? 0), hash: head?.hash ?? GENESIS };
}

/** Records the current head (the audit.head job): a later rewrite of the chain before it shows in verify. */
export async function recordChainHead(db: Executor): Promise<{ seq: number; hash: string; at: string }> {
  const head = await chainHead(db);
  const at = nowIso();
  await db.insertInto('audit_heads').values({ id: newId(), at, seq: head.seq, hash: head.hash }).execute();
  return { ...head, at };
}

/** How often every PostgreSQL process runs the sealer (the entries it finds wait at most about this long). */
export const SEAL_EVERY_MS = 250;
/** Entries chained per sealer transaction. */
const SEAL_BATCH = 5000;
const SEAL_LOCK = sql`hashtext('smooth.audit_log_chain')`;

function onPostgres(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * PostgreSQL: chains the committed entries that wait for it (see the top of this file); SQLite
 * chains in its trigger, so nothing waits there. `wait: true` waits for a sealer
 * running in another process instead of leaving the work to it (before reading the head). Runs in
 * `db` when it is a transaction. Returns how many entries it chained.
 */
export async function sealChain(db: Executor, opts: { wait?: boolean } = {}): Promise<number> {
  if (!onPostgres(db)) return 0;
  const round = async (trx: Executor): Promise<number> => {
    if (opts.wait) await sql`select pg_advisory_xact_lock(${SEAL_LOCK})`.execute(trx);
    else {
      const got = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${SEAL_LOCK}) as ok`.execute(trx);
      if (!got.rows[0]?.ok) return 0;
    }
    // The database chains them (migration 0044: the same canonical string and hash as auditHash()).
    const { rows } = await sql<{ n: number }>`select audit_log_seal(${SEAL_BATCH}) as n`.execute(trx);
    return Number(rows[0]?.n ?? 0);
  };
  let total = 0;
  for (;;) {
    const n = db.isTransaction ? await round(db) : await db.transaction().execute(round);
    total += n;
    if (n < SEAL_BATCH) return total;
  }
}

/**
 * Seals every SEAL_EVERY_MS on PostgreSQL (nothing on SQLite); `stop()` ends it after the round
 * under way. Errors (the database restarting, say) are logged and the next round tries again.
 */
export function startSealer(db: Executor, log: (err: unknown) => void): { stop(): Promise<void> } {
  if (!onPostgres(db)) return { stop: () => Promise.resolve() };
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? 0 : sealChain(db).catch(log)));
  }, SEAL_EVERY_MS);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** The heads recorded so far, newest first. */
export async function recordedHeads(db: Executor, limit = 10) {
  const rows = await db.selectFrom('audit_heads').select(['at', 'seq', 'hash']).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ at: r.at, seq: Number(r.seq), hash: r.hash }));
}

/** Daily: records the chain head (and logs it: the job's result), so a later rewrite shows in verify. */
export const auditHeadJob: JobDefinition = {
  name: 'audit.head',
  schedule: '7 0 * * *',
  run: (ctx) => recordChainHead(ctx.db),
};
