import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Db, Dialect } from './db/database.ts';
import type { Hooks } from './platform/hooks.ts';

/** What every service needs: the database, its dialect, the configuration and the hooks. */
export interface AppContext {
  db: Db;
  dialect: Dialect;
  config: Config;
  hooks: Hooks;
  log: FastifyBaseLogger;
}

/** Who is acting: the caller of a request, a CLI operator (null id) or the system. */
export interface Actor {
  id: string | null;
  roles: ReadonlySet<string>;
}

export const SYSTEM_ACTOR: Actor = { id: null, roles: new Set(['System Manager']) };
