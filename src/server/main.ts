import path from 'node:path';
import type { Config } from './config.ts';
import { buildApp, type Built } from './app.ts';
import { openDatabase, type Database } from './db/database.ts';
import { refreshStatistics } from './db/statistics.ts';
import { migrateToLatest } from './db/migrate.ts';
import { countUsers, createUser } from './platform/users.service.ts';
import { SYSTEM_ACTOR } from './context.ts';
import { reapStaleImports } from './platform/imports-stale.ts';
import type { Jobs } from './platform/jobs.ts';

export interface Running {
  built: Built;
  database: Database;
  url: string;
  jobs: Jobs;
  close(): Promise<void>;
}

/** Opens the database and applies every pending migration. */
export async function openAndMigrate(config: Config): Promise<Database> {
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database);
  } catch (e) {
    await database.close();
    throw e;
  }
  return database;
}

/** start: config -> database -> app -> listen. */
export async function startServer(config: Config, opts: { logger?: boolean; webDir?: string } = {}): Promise<Running> {
  const database = await openAndMigrate(config);
  const built = await buildApp({
    config,
    database,
    logger: opts.logger ?? true,
    webDir: opts.webDir ?? path.resolve('dist/web'),
  });
  const { app, ctx } = built;
  // SQLite plans from the statistics in its file: bring them up to date before serving. A writer
  // that holds the database longer than the busy timeout only postpones this to the daily job.
  if (database.dialect === 'sqlite') {
    await refreshStatistics(database.db, database.dialect).catch((e: unknown) =>
      app.log.warn({ err: e }, 'planner statistics were not refreshed at start; the db.statistics job will'),
    );
  }
  if (config.admin && (await countUsers(ctx.db)) === 0) {
    await createUser(ctx, SYSTEM_ACTOR, {
      email: config.admin.email,
      password: config.admin.password,
      fullName: 'Administrator',
      roles: ['System Manager'],
    });
    app.log.info({ email: config.admin.email }, 'created the first System Manager from SMOOTH_ADMIN_EMAIL');
  }
  // Every job is registered with the app (jobs-catalog.ts); this process also schedules them.
  const { jobs } = built;
  await reapStaleImports(ctx);
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  // Links that leave the server (certificate verification URLs, their QR codes) need an address
  // people can open: without SMOOTH_PUBLIC_URL it is the address the server listens on.
  if (!ctx.config.publicUrl) {
    ctx.config.publicUrl = url;
    if (['localhost', '127.0.0.1', '::1'].includes(config.host)) {
      app.log.info({ publicUrl: url }, 'SMOOTH_PUBLIC_URL is not set: links in certificates point to this machine');
    } else {
      app.log.warn({ publicUrl: url }, 'SMOOTH_PUBLIC_URL is not set: set it to the address people use, or certificate links will point here');
    }
  }
  jobs.start(config.jobSchedules);
  return {
    built,
    database,
    url,
    jobs,
    async close() {
      await jobs.stop();
      await app.close();
      await database.close();
    },
  };
}
