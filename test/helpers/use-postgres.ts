// Selects PostgreSQL and Redis pub/sub for the test servers of this jest project; read by test-server.ts at import.
process.env.SIGHTLINE_TEST_DATABASE = 'postgres';
process.env.SIGHTLINE_TEST_REDIS = '1';
