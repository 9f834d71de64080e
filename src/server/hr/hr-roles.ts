import type { Role } from '../../contract/roles.ts';

/**
 * HR Manager and HR User keep the same records (product.md §1); deleting an employee document,
 * which HR files as evidence, is left to the HR Manager (and System Manager).
 */
export const HR_MANAGERS: readonly Role[] = ['System Manager', 'HR Manager'];
