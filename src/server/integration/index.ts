import type { AppContext } from '../context.ts';

/** Subscribes the HR ↔ LMS hooks. The one place where hr/ and lms/ meet. */
export function registerIntegrations(_ctx: AppContext): void {}
