import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Integration suites start dynalite / serverless package: give hooks room, never assert on time.
    hookTimeout: 120_000,
    testTimeout: 60_000,
    pool: 'forks',
  },
});
