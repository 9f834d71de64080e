/**
 * Long work that runs in the server process (imports of 100,000 rows) must let the other requests
 * in: the SQLite driver runs every statement synchronously, so a loop of awaited queries never
 * gives the event loop a turn by itself, and neither does a loop over a large array.
 */

/** Resolves after one turn of the event loop: requests that arrived meanwhile are read and started. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Splits synchronous work into slices of about `sliceMs`: call `pace()` between two units of work;
 * it gives the event loop a turn once the current slice is used up, and costs a clock read otherwise.
 */
export class Pacer {
  private started = performance.now();

  constructor(private readonly sliceMs = 10) {}

  async pace(): Promise<void> {
    if (performance.now() - this.started < this.sliceMs) return;
    await nextTurn();
    this.started = performance.now();
  }
}
