import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Db, Dialect } from './db/database.ts';
import type { Hooks } from './platform/hooks.ts';
import type { PersonDetailsRegistry } from './platform/person-details.ts';

/** What every service needs: the database, its dialect, the configuration and the hooks. */
export interface AppContext {
  db: Db;
  dialect: Dialect;
  config: Config;
  hooks: Hooks;
  /** HR details of a user, provided by the HR integration when present. */
  people: PersonDetailsRegistry;
  log: FastifyBaseLogger;
}

/** Who is acting: the caller of a request, a CLI operator (null id) or the system. */
export interface Actor {
  id: string | null;
  roles: ReadonlySet<string>;
}

export const SYSTEM_ACTOR: Actor = { id: null, roles: new Set(['System Manager']) };
