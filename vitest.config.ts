import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
    // A poll waits for what another part of the system does (a job, a mail over SMTP, a page):
    // on a busy machine that takes longer than Vitest's default second.
    expect: { poll: { timeout: 20_000 } },
    env: { SMOOTH_SCRYPT_COST: '10', LOG_LEVEL: 'silent' },
    projects: [
      {
        extends: true,
        // Server and security tests build their own app, database and data directory per file, so
        // a worker keeps the modules it loaded for the next file (loading the server graph again
        // for every file was a third of the run).
        test: {
          name: 'server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['test/e2e/**', '**/node_modules/**'],
          isolate: false,
        },
      },
      {
        extends: true,
        // Browser tests start their own server (a new SQLite file and data directory) and browser
        // per file and close both after it, so they too keep the loaded modules for the next file:
        // loading and transforming the server graph again was 5 to 12 s of every browser file.
        // A browser test walks a whole flow (20 s on a quiet machine for the longest): a minute
        // before it counts as hung.
        test: { name: 'browser', include: ['test/e2e/**/*.test.ts'], isolate: false, testTimeout: 60_000 },
      },
    ],
  },
});
