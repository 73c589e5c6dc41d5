import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Numbers each organization's alerts 1, 2, 3... in commit order. The feed
 * cursor uses this number, so a cursor reveals nothing about other
 * organizations, and a missing number always means a missed alert.
 */
export class FeedSequence1764200000000 implements MigrationInterface {
  name = 'FeedSequence1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE organization ADD COLUMN alert_sequence bigint NOT NULL DEFAULT 0');
    await queryRunner.query('ALTER TABLE alert ADD COLUMN feed_sequence bigint NOT NULL DEFAULT 0');

    // Existing alerts keep their order: number them per organization by the global sequence.
    await queryRunner.query(`
      UPDATE alert SET feed_sequence = numbered.position
      FROM (
        SELECT sequence, ROW_NUMBER() OVER (PARTITION BY organization_id ORDER BY sequence) AS position FROM alert
      ) AS numbered
      WHERE numbered.sequence = alert.sequence`);
    await queryRunner.query(`
      UPDATE organization SET alert_sequence = COALESCE(
        (SELECT MAX(feed_sequence) FROM alert WHERE alert.organization_id = organization.id), 0)`);
    await queryRunner.query('CREATE UNIQUE INDEX uq_alert_feed_sequence ON alert (organization_id, feed_sequence)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX uq_alert_feed_sequence');
    await queryRunner.query('ALTER TABLE alert DROP COLUMN feed_sequence');
    await queryRunner.query('ALTER TABLE organization DROP COLUMN alert_sequence');
  }
}
