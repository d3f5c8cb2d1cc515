import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // A throwaway PostgreSQL cluster for the tests of the PostgreSQL backends (scripts/pg-cluster.sh).
    globalSetup: ['tests/setup/postgres.ts'],
  },
});
