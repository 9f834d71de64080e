import { HR_ROLES, type Role } from '../../contract/roles.ts';

/**
 * HR Manager and HR User keep the same records (product.md §1); deleting an employee document,
 * which HR files as evidence, is left to the HR Manager (and System Manager).
 */
export const HR_MANAGERS: readonly Role[] = ['System Manager', 'HR Manager'];

/** HR User and HR Manager alike. */
export const HR: readonly Role[] = HR_ROLES;

/** Department and designation names are also needed by staff who assign training. */
export const NAME_READERS: readonly Role[] = [...HR_ROLES, 'Moderator'];
