import type { Tx } from '../db/database.ts';

/**
 * Domain hooks. Handlers run inside the caller's transaction, in registration order, so a hook's
 * writes commit or roll back with the change that fired it.
 */
export interface HookEvents {
  /** `invite`: the account has no password yet, so its person is sent a set-password invitation. */
  'user.created': { userId: string; actorId: string | null; invite: boolean };
}

type Handler<P> = (trx: Tx, payload: P) => Promise<void>;

export class Hooks<Events extends object = HookEvents> {
  private readonly handlers = new Map<keyof Events, Handler<never>[]>();

  on<K extends keyof Events>(event: K, handler: Handler<Events[K]>): void {
    const list = this.handlers.get(event) ?? [];
    list.push(handler);
    this.handlers.set(event, list);
  }

  async emit<K extends keyof Events>(event: K, trx: Tx, payload: Events[K]): Promise<void> {
    for (const h of this.handlers.get(event) ?? []) {
      await (h as Handler<Events[K]>)(trx, payload);
    }
  }
}
