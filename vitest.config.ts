import { defineConfig } from 'vitest/config';

// Three projects: pure rules once, and every database test twice — on embedded PGlite and on PostgreSQL.
// A database test is a `*.db.test.ts` file (beside its module), a story under test/flows/ or a money model
// under test/money/.
const dbTests = [
  'src/**/*.db.test.ts',
  'test/**/*.db.test.ts',
  'test/flows/**/*.test.ts',
  'test/money/**/*.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'web/src/**/*.test.ts'],
          exclude: dbTests,
        },
      },
      {
        test: {
          name: 'pglite',
          include: dbTests,
          env: { TEST_DB: 'pglite' },
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'pg',
          include: dbTests,
          env: { TEST_DB: 'pg' },
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
