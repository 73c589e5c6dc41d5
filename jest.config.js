/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
};

/**
 * Two projects: every test on SQLite, and the tests that start a server
 * again on the PostgreSQL server of the machine (one schema per server).
 */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'sqlite',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      setupFiles: ['reflect-metadata'],
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
