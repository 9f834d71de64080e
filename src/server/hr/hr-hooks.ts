import type { OnboardingResult } from '../../contract/onboarding.ts';

export interface OnboardingHookItem {
  onboardingId: string;
  employeeId: string;
  /** The employee's linked user, or null (nothing can be enrolled then). */
  userId: string | null;
  onboardingDate: string;
  /** Filled by the handlers (integration/): what was enrolled and assigned, what was skipped and why. */
  result: OnboardingResult;
}

declare module '../platform/hooks.ts' {
  interface HookEvents {
    /** An employee was created; fires inside the creating transaction. */
    'employee.created': { employeeId: string; userId: string | null; actorId: string | null };
    /** A batch of employees was created (an import), inside its transaction: the set-based form of employee.created. */
    'employees.created': { actorId: string | null; importId: string | null; employees: { employeeId: string; userId: string | null }[] };
    /** A user was linked to an existing employee (or the link changed). */
    'employee.user-linked': { employeeId: string; userId: string; actorId: string | null };
    /** An employee's status became `left`, inside the transaction that changed it (userId: their linked user, if any). */
    'employee.left': { employeeId: string; userId: string | null; actorId: string | null; requestId: string | null };
    /** An employee who had left is active again (rehired, or `left` was set by mistake), inside the transaction that changed it. */
    'employee.returned': { employeeId: string; userId: string | null; actorId: string | null; requestId: string | null };
    /** One or more onboardings were created (one request or an import-sized batch), inside their transaction. */
    'onboarding.created': { actorId: string | null; onboardings: OnboardingHookItem[] };
  }
}

export {};
