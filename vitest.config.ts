import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
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
        // Browser tests each run a server in their own process state.
        test: { name: 'browser', include: ['test/e2e/**/*.test.ts'] },
      },
    ],
  },
});
