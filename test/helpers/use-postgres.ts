// Selects PostgreSQL and Redis pub/sub for the test servers of this jest project; read by test-server.ts at import.
process.env.SIGHTLINE_TEST_DATABASE = 'postgres';
process.env.SIGHTLINE_TEST_REDIS = '1';
// A process time zone behind UTC by a half hour (-03:30), so no date handling can lean on UTC.
process.env.TZ = 'America/St_Johns';
