import type { AppContext } from '../context.ts';
import { ping } from '../db/database.ts';

/** Whether the database answers a trivial query (logged when it does not). */
export async function databaseReachable(ctx: AppContext): Promise<boolean> {
  try {
    await ping(ctx.db);
    return true;
  } catch (err) {
    ctx.log.error({ err }, 'health: database unreachable');
    return false;
  }
}
