/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};

/**
 * Two projects: every test on SQLite with in-process pub/sub, and the tests
 * that start a server again on the machine's PostgreSQL (one schema per
 * server) with Redis pub/sub, the way several instances run.
 */
module.exports = {
  // Jest reads the timeout only at the top level, not per project.
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'sqlite',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      setupFiles: ['reflect-metadata', '<rootDir>/test/helpers/use-time-zone.ts'],
    },
    {
      ...common,
      displayName: 'postgres',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/{integration,e2e,security}/**/*.test.ts'],
      setupFiles: ['reflect-metadata', '<rootDir>/test/helpers/use-postgres.ts'],
    },
  ],
};
