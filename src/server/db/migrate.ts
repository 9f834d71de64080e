import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.ts';
import * as m0001 from './migrations/0001-platform.ts';
import * as m0002 from './migrations/0002-lms-core.ts';
import * as m0003 from './migrations/0003-course-extras.ts';
import * as m0004 from './migrations/0004-quizzes.ts';
import * as m0005 from './migrations/0005-certificates.ts';
import * as m0006 from './migrations/0006-hr.ts';
import * as m0007 from './migrations/0007-imports.ts';
import * as m0008 from './migrations/0008-certificates-fk.ts';
import * as m0009 from './migrations/0009-compliance-speed.ts';
import * as m0010 from './migrations/0010-import-kinds.ts';
import * as m0011 from './migrations/0011-quiz-fixes.ts';
import * as m0012 from './migrations/0012-sort-indexes.ts';
import * as m0013 from './migrations/0013-progress-index.ts';
import * as m0014 from './migrations/0014-derived-progress.ts';
import * as m0015 from './migrations/0015-audit-import-index.ts';
import * as m0016 from './migrations/0016-compliance-row-triggers.ts';
import * as m0017 from './migrations/0017-login-throttle.ts';
import * as m0018 from './migrations/0018-import-owner.ts';
import * as m0019 from './migrations/0019-batches.ts';
import * as m0020 from './migrations/0020-integrations.ts';
import * as m0021 from './migrations/0021-audit-chain.ts';
import * as m0024 from './migrations/0024-submission-course.ts';
import * as m0025 from './migrations/0025-scorm.ts';
import * as m0026 from './migrations/0026-notifications.ts';
import * as m0027 from './migrations/0027-assignments.ts';
import * as m0028 from './migrations/0028-payments.ts';
import * as m0029 from './migrations/0029-attestation.ts';
import * as m0032 from './migrations/0032-job-owner.ts';
import * as m0033 from './migrations/0033-password-links.ts';
import * as m0034 from './migrations/0034-enrollment-suspension.ts';
import * as m0035 from './migrations/0035-enrollment-window-quiz-availability.ts';
import * as m0036 from './migrations/0036-payment-fixes.ts';
import * as m0038 from './migrations/0038-cycle-attempts-outbox-dedupe.ts';
import * as m0039 from './migrations/0039-payment-attention.ts';
import * as m0040 from './migrations/0040-audit-chain-sealer.ts';
import * as m0041 from './migrations/0041-attestation-cycle.ts';
import * as m0042 from './migrations/0042-audit-chain-one-head-read.ts';
import * as m0043 from './migrations/0043-audit-log-append-view.ts';
import * as m0044 from './migrations/0044-audit-seal-in-database.ts';
import * as m0045 from './migrations/0045-escalation-per-due-date.ts';

type Step = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

/** The one ordered migration set; every step runs on both dialects. */
const STEPS: Record<string, Step> = {
  '0001-platform': m0001,
  '0002-lms-core': m0002,
  '0003-course-extras': m0003,
  '0004-quizzes': m0004,
  '0005-certificates': m0005,
  '0006-hr': m0006,
  '0007-imports': m0007,
  '0008-certificates-fk': m0008,
  '0009-compliance-speed': m0009,
  '0010-import-kinds': m0010,
  '0011-quiz-fixes': m0011,
  '0012-sort-indexes': m0012,
  '0013-progress-index': m0013,
  '0014-derived-progress': m0014,
  '0015-audit-import-index': m0015,
  '0016-compliance-row-triggers': m0016,
  '0017-login-throttle': m0017,
  '0018-import-owner': m0018,
  '0019-batches': m0019,
  '0020-integrations': m0020,
  '0021-audit-chain': m0021,
  '0024-submission-course': m0024,
  '0025-scorm': m0025,
  '0026-notifications': m0026,
  '0027-assignments': m0027,
  '0028-payments': m0028,
  '0029-attestation': m0029,
  '0032-job-owner': m0032,
  '0033-password-links': m0033,
  '0034-enrollment-suspension': m0034,
  '0035-enrollment-window-quiz-availability': m0035,
  '0036-payment-fixes': m0036,
  '0038-cycle-attempts-outbox-dedupe': m0038,
  '0039-payment-attention': m0039,
  '0040-audit-chain-sealer': m0040,
  '0041-attestation-cycle': m0041,
  '0042-audit-chain-one-head-read': m0042,
  '0043-audit-log-append-view': m0043,
  '0044-audit-seal-in-database': m0044,
  '0045-escalation-per-due-date': m0045,
};

class Provider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, step] of Object.entries(STEPS)) {
      out[name] = { up: (db) => step.up(db, this.dialect) };
    }
    return Promise.resolve(out);
  }
}

function migrator(database: Database): Migrator {
  return new Migrator({
    db: database.db,
    provider: new Provider(database.dialect),
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
}

export async function migrateToLatest(database: Database): Promise<string[]> {
  const { error, results } = await migrator(database).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Runs the migrations up to and including `name` (to test a later migration on data of that schema). */
export async function migrateUpTo(database: Database, name: keyof typeof STEPS): Promise<void> {
  const { error } = await migrator(database).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
}
