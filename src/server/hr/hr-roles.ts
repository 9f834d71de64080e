import type { Actor } from '../context.ts';
import type { Role } from '../../contract/roles.ts';
import { hasAnyRole } from '../http/access.ts';

/**
 * HR User keeps the records day to day: employees, onboardings, employee documents and employee
 * compliance rows. HR Manager (and System Manager) also owns what those records are built from —
 * departments, designations, document types and compliance types — and deletes documents.
 */
export const HR_MANAGERS: readonly Role[] = ['System Manager', 'HR Manager'];

export function isHrManager(actor: Actor): boolean {
  return hasAnyRole(actor.roles, HR_MANAGERS);
}
