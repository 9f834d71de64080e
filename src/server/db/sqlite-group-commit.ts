/**
 * SQLite with group commit. SQLite has one writer and every commit writes the changed pages to
 * the write-ahead log; with many small transactions (one per request) that write dominates. Here
 * the transactions of requests that arrive together share one database transaction:
 *
 * - the first transaction opens `BEGIN IMMEDIATE`; each request's transaction runs inside it as
 *   `SAVEPOINT smooth_tx` and ends with `RELEASE` (kept) or `ROLLBACK TO` (undone, alone);
 * - a request's commit resolves only once the shared transaction has committed, so a response
 *   never reports a change that is not durable; if that commit fails, every request in the group
 *   gets the error;
 * - the shared transaction commits as soon as nobody is waiting for the connection and no
 *   transaction joined it during the last turn of the loop (checked after the I/O callbacks of
 *   each turn), or after `maxBatch` transactions or `maxWaitMs`;
 * - a statement that writes outside a transaction commits the group before it returns.
 *
 * Requests still run one at a time on the single connection (as with the plain driver); only the
 * commits are shared. Reads on this connection may see changes of the open group that are a few
 * milliseconds from being committed; other processes see them once committed.
 */
import type SQLite from 'better-sqlite3';
import {
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/** What the driver needs of the connection: prepared statements (cached) and raw statements. */
export interface SqliteHandle {
  prepare(sqlText: string): SQLite.Statement;
  exec(sqlText: string): void;
  readonly inTransaction: boolean;
  close(): void;
}

export interface GroupCommitOptions {
  /** Commit after this many transactions even if more are waiting. */
  maxBatch?: number;
  /** Commit once the group is this old (ms) even if more are waiting. */
  maxWaitMs?: number;
}

class Mutex {
  private queue: (() => void)[] = [];
  private locked = false;

  lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  unlock(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.locked = false;
  }

  get waiting(): number {
    return this.queue.length;
  }
}

class Connection implements DatabaseConnection {
  inTx = false;
  /** Commit (or its failure) handed back: the transaction is over for this holder. */
  finished = false;
  released = false;
  wroteOutsideTx = false;
  /** A transaction with its own commit (see OwnCommitDriver). */
  alone = false;

  constructor(private readonly handle: SqliteHandle) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.handle.prepare(compiled.sql);
    const params = compiled.parameters as unknown[];
    if (!this.inTx && !stmt.readonly) this.wroteOutsideTx = true;
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(params) as R[] });
    const { changes, lastInsertRowid } = stmt.run(params);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error('SQLite streams only select queries');
    const stmt = this.handle.prepare(compiled.sql);
    for (const row of stmt.iterate(compiled.parameters)) yield { rows: [row as R] };
  }
}

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

export class GroupCommitDriver implements Driver {
  private readonly mutex = new Mutex();
  private holder: Connection | null = null;
  private open = false;
  private openedAt = 0;
  private waiters: Waiter[] = [];
  private checkScheduled = false;
  /** Size of the group at the last idle check. */
  private seenAtCheck = 0;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly handle: SqliteHandle,
    opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 64;
    this.maxWaitMs = opts.maxWaitMs ?? 10;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    const c = new Connection(this.handle);
    this.holder = c;
    return c;
  }

  /** A transaction with its own commit (the handle of ownCommitDialect). */
  async beginOwnTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as Connection;
    // Nobody else is in a transaction (this caller holds the connection): the group commits first.
    if (this.open) this.flushQuietly();
    this.handle.exec('BEGIN IMMEDIATE');
    c.inTx = true;
    c.alone = true;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as Connection;
    if (!this.open) {
      this.handle.exec('BEGIN IMMEDIATE');
      this.open = true;
      this.openedAt = performance.now();
    }
    this.handle.exec('SAVEPOINT smooth_tx');
    c.inTx = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as Connection;
    if (c.alone) {
      this.handle.exec('COMMIT');
      c.inTx = false;
      return;
    }
    this.handle.exec('RELEASE smooth_tx');
    c.inTx = false;
    c.finished = true;
    const committed = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // Give the connection to the next request now; the commit is shared with it.
    this.release(c);
    await committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as Connection;
    if (c.finished) return; // its group's commit failed: nothing of it is left to undo
    c.inTx = false;
    if (c.alone) {
      if (this.handle.inTransaction) this.handle.exec('ROLLBACK');
      return;
    }
    if (this.open && this.handle.inTransaction) {
      this.handle.exec('ROLLBACK TO smooth_tx');
      this.handle.exec('RELEASE smooth_tx');
    } else if (this.open) {
      // SQLite rolled the whole transaction back by itself (e.g. disk full): the group is lost.
      this.fail(new Error('the database rolled back the transaction'));
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as Connection;
    if (c.released) return;
    // A write outside any transaction is committed before its caller hears of it.
    if (c.wroteOutsideTx && this.open) {
      try {
        this.flush();
      } finally {
        this.release(c);
      }
      return;
    }
    this.release(c);
  }

  async destroy(): Promise<void> {
    try {
      if (this.open && this.holder?.inTx) {
        // A transaction still running is abandoned, as closing the connection alone would do:
        // only the group's finished transactions are committed.
        this.holder.inTx = false;
        this.handle.exec('ROLLBACK TO smooth_tx');
        this.handle.exec('RELEASE smooth_tx');
      }
      if (this.open) this.flush();
    } finally {
      this.handle.close();
    }
  }

  private release(c: Connection): void {
    c.released = true;
    if (this.open && (this.waiters.length >= this.maxBatch || performance.now() - this.openedAt >= this.maxWaitMs)) this.flushQuietly();
    this.holder = null;
    this.mutex.unlock();
    if (this.open && !this.checkScheduled) this.scheduleCheck();
  }

  private scheduleCheck(): void {
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      // Nobody took the connection during this turn of the loop: commit now, unless the group
      // grew during the turn (requests are arriving: one more turn lets the next ones join).
      // Otherwise the holder's release decides again.
      if (!this.open || this.holder !== null || this.mutex.waiting !== 0) return;
      if (this.waiters.length > this.seenAtCheck) {
        this.seenAtCheck = this.waiters.length;
        this.scheduleCheck();
        return;
      }
      this.flushQuietly();
    });
  }

  /** Commits the shared transaction (synchronously: nobody holds the connection). */
  private flush(): void {
    if (!this.open) return;
    const waiters = this.waiters;
    this.waiters = [];
    this.seenAtCheck = 0;
    this.open = false;
    try {
      this.handle.exec('COMMIT');
    } catch (e) {
      if (this.handle.inTransaction) this.handle.exec('ROLLBACK');
      for (const w of waiters) w.reject(e);
      throw e;
    }
    for (const w of waiters) w.resolve();
  }

  /** Commits; a failure reaches the group's waiters (whose requests answer with it), not the caller. */
  private flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // already handed to every waiter
    }
  }

  private fail(e: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.seenAtCheck = 0;
    this.open = false;
    if (this.handle.inTransaction) this.handle.exec('ROLLBACK');
    for (const w of waiters) w.reject(e);
  }
}

/**
 * The group's connection, with every transaction committed on its own: for long transactions
 * (imports, bulk assignments, structure changes that recompute a large course), so that the
 * quick transactions grouped before them do not wait for them. Closing is the group's business.
 */
class OwnCommitDriver implements Driver {
  constructor(private readonly group: GroupCommitDriver) {}
  async init(): Promise<void> {}
  acquireConnection(): Promise<DatabaseConnection> {
    return this.group.acquireConnection();
  }
  beginTransaction(connection: DatabaseConnection): Promise<void> {
    return this.group.beginOwnTransaction(connection);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.group.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.group.rollbackTransaction(connection);
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.group.releaseConnection(connection);
  }
  async destroy(): Promise<void> {}
}

export class GroupCommitSqliteDialect implements Dialect {
  private driver: GroupCommitDriver | null = null;
  constructor(
    private readonly handle: SqliteHandle,
    private readonly opts: GroupCommitOptions = {},
  ) {}
  createDriver(): Driver {
    return (this.driver ??= new GroupCommitDriver(this.handle, this.opts));
  }
  /** The same database and connection, every transaction with its own commit (OwnCommitDriver). */
  ownCommitDialect(): Dialect {
    return {
      createDriver: () => new OwnCommitDriver(this.createDriver() as GroupCommitDriver),
      createQueryCompiler: () => this.createQueryCompiler(),
      createAdapter: () => this.createAdapter(),
      createIntrospector: (db) => this.createIntrospector(db),
    };
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
