import type { AppContext } from '../context.ts';

/** Subscribes LMS-internal hooks (e.g. certificates issued on enrollment.completed). */
export function registerLmsHooks(_ctx: AppContext): void {}
