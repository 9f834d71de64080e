import type { AppContext } from '../context.ts';

/** SQLite: about how long one write transaction of an import may take (ms); see WriteSlices. */
const SQLITE_WRITE_SLICE_MS = 40;
/** PostgreSQL: most items per write call (see WriteSlices). */
const POSTGRES_WRITE_SLICE = 500;

/**
 * How many items each write call takes (a valid-rows import commits each on its own).
 * PostgreSQL: other requests run on other connections meanwhile, but building and sending a
 * statement's parameters is synchronous, so at most POSTGRES_WRITE_SLICE items. SQLite: one
 * connection serves every request and runs each statement synchronously, so a transaction holds
 * every other request (and the event loop) for its whole length: the size follows the measured
 * time per item so that one takes about SQLITE_WRITE_SLICE_MS. Sizes are powers of two (up to the
 * kind's batch), so the few statement shapes stay in the statement cache.
 */
export class WriteSlices {
  size: number;
  private readonly timed: boolean;

  constructor(
    private readonly max: number,
    dialect: AppContext['dialect'],
  ) {
    this.timed = dialect === 'sqlite';
    this.size = Math.min(max, this.timed ? 64 : POSTGRES_WRITE_SLICE);
  }

  /** One transaction of `items` items took `ms`. */
  record(items: number, ms: number): void {
    if (!this.timed || items < this.size) return;
    const fits = (SQLITE_WRITE_SLICE_MS * items) / Math.max(ms, 0.1);
    let size = 16;
    while (size * 2 <= fits && size * 2 <= this.max) size *= 2;
    // Grow at most twofold a step (a first statement pays for its compilation; one fast slice proves little).
    this.size = Math.min(size, this.size * 2, this.max);
  }
}
