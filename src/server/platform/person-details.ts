import type { Executor } from '../db/database.ts';

/** HR facts about a user that LMS documents print (quiz reports, certificates). */
export interface PersonDetails {
  employeeCode: string | null;
  department: string | null;
  designation: string | null;
}

type Provider = (db: Executor, userId: string) => Promise<PersonDetails | null>;

/**
 * LMS code asks for a person's HR details without importing hr/: the integration module
 * registers the provider that reads the employee record.
 */
export class PersonDetailsRegistry {
  private provider: Provider | null = null;

  register(provider: Provider): void {
    this.provider = provider;
  }

  async get(db: Executor, userId: string): Promise<PersonDetails | null> {
    return this.provider ? this.provider(db, userId) : null;
  }
}
