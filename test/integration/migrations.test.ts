import { DataSource } from 'typeorm';

import { loadConfig } from '../../src/config/config';
import { dataSourceOptions } from '../../src/persistence/data-source';
import { MIGRATIONS } from '../../src/persistence/migrations';
import { createTestDatabase } from '../helpers/test-server';

/** Opens the database with only the first `count` migrations known. */
async function openWith(databaseUrl: string, count: number): Promise<DataSource> {
  const options = dataSourceOptions(loadConfig({ DATABASE_URL: databaseUrl }).database);
  const dataSource = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, count) } as typeof options);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

describe('migrations', () => {
  it('numbers existing alerts per organization without losing rows', async () => {
    const database = await createTestDatabase();
    try {
      const before = await openWith(database.url, 2);
      for (const [org, name] of [['o1', 'first'], ['o2', 'second']]) {
        await before.query(`INSERT INTO organization (id, name) VALUES ('${org}', '${name}')`);
      }
      // Alerts of two organizations, interleaved, with a comment on one of them.
      for (let n = 1; n <= 6; n += 1) {
        const org = n % 2 === 0 ? 'o2' : 'o1';
        await before.query(
          `INSERT INTO alert (id, organization_id, alert_definition_id, indicator_id, indicator_type, title, severity, category,
             mitre_techniques, status, device_id, matched_field, matched_value, first_event_time, last_event_time, event_count)
           VALUES ('a${n}', '${org}', 'd', 'i${n}', 'FILE_SHA256', 'T', 'HIGH', 'Malware', '[]', 'NEW', 'dev', 'f', 'v',
             '2024-01-01 00:00:00.000', '2024-01-01 00:00:00.000', 1)`,
        );
      }
      await before.query(`INSERT INTO alert_comment (id, organization_id, alert_id, text, author) VALUES ('c1', 'o1', 'a3', 'kept', 'x')`);
      await before.destroy();

      const after = await openWith(database.url, MIGRATIONS.length);
      const alerts: Array<{ id: string; feed_sequence: string | number }> = await after.query(
        'SELECT id, feed_sequence FROM alert ORDER BY sequence',
      );
      const organizations: Array<{ id: string; alert_sequence: string | number }> = await after.query(
        'SELECT id, alert_sequence FROM organization ORDER BY id',
      );
      const comments: Array<{ id: string }> = await after.query('SELECT id FROM alert_comment');
      await after.destroy();

      expect(alerts.map((row) => [row.id, Number(row.feed_sequence)])).toEqual([
        ['a1', 1],
        ['a2', 1],
        ['a3', 2],
        ['a4', 2],
        ['a5', 3],
        ['a6', 3],
      ]);
      expect(organizations.map((row) => [row.id, Number(row.alert_sequence)])).toEqual([
        ['o1', 3],
        ['o2', 3],
      ]);
      expect(comments).toEqual([{ id: 'c1' }]);
    } finally {
      await database.drop();
    }
  });
});
