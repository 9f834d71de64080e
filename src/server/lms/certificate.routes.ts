import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';

export function registerCertificateRoutes(_app: App, _ctx: AppContext): void {}
