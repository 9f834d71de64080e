import { z } from 'zod';

// The desk checks input with the shared zod schemas. zod probes `new Function` for its fast path;
// the page's CSP (no unsafe-eval) refuses it, and reports each try. Schemas read this setting when
// they are built, so it runs before the desk's code is evaluated (src/web/ui/areas.ts).
z.config({ jitless: true });
