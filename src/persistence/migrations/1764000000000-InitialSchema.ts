import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the initial schema. SQLite and PostgreSQL get the same tables;
 * only the column types differ (timestamps are `timestamptz` on PostgreSQL).
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const time = postgres ? 'timestamptz' : 'datetime';
    const now = postgres ? 'now()' : "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
    const sequence = postgres ? 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY' : 'integer PRIMARY KEY AUTOINCREMENT';

    await queryRunner.query(`
      CREATE TABLE organization (
        id varchar(36) PRIMARY KEY NOT NULL,
        name varchar(120) NOT NULL,
        created_at ${time} NOT NULL DEFAULT ${now},
        CONSTRAINT uq_organization_name UNIQUE (name)
      )`);

    await queryRunner.query(`
      CREATE TABLE alert_definition (
        id varchar(36) PRIMARY KEY NOT NULL,
        organization_id varchar(36) NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        title varchar(120) NOT NULL,
        description text NOT NULL DEFAULT '',
        severity varchar(16) NOT NULL,
        category varchar(32) NOT NULL,
        recommended_actions text NOT NULL DEFAULT '',
        mitre_techniques text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at ${time} NOT NULL DEFAULT ${now},
        updated_at ${time} NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query(
      'CREATE UNIQUE INDEX uq_alert_definition_title ON alert_definition (organization_id, title)',
    );

    await queryRunner.query(`
      CREATE TABLE indicator (
        id varchar(36) PRIMARY KEY NOT NULL,
        organization_id varchar(36) NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        alert_definition_id varchar(36) NOT NULL REFERENCES alert_definition (id) ON DELETE CASCADE,
        type varchar(32) NOT NULL,
        value text NOT NULL,
        normalized_value text NOT NULL,
        match_function varchar(32) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        expires_at ${time},
        description text NOT NULL DEFAULT '',
        source varchar(200) NOT NULL DEFAULT '',
        created_at ${time} NOT NULL DEFAULT ${now},
        updated_at ${time} NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query(
      'CREATE UNIQUE INDEX uq_indicator_value ON indicator (alert_definition_id, type, match_function, normalized_value)',
    );
    await queryRunner.query('CREATE INDEX ix_indicator_organization ON indicator (organization_id, created_at)');

    await queryRunner.query(`
      CREATE TABLE alert (
        sequence ${sequence},
        id varchar(36) NOT NULL,
        organization_id varchar(36) NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        alert_definition_id varchar(36) NOT NULL,
        indicator_id varchar(36) NOT NULL,
        indicator_type varchar(32) NOT NULL,
        title varchar(120) NOT NULL,
        severity varchar(16) NOT NULL,
        category varchar(32) NOT NULL,
        description text NOT NULL DEFAULT '',
        recommended_actions text NOT NULL DEFAULT '',
        mitre_techniques text NOT NULL,
        status varchar(16) NOT NULL,
        classification varchar(40),
        determination varchar(40),
        assigned_to varchar(200),
        device_id varchar(256) NOT NULL,
        device_name varchar(256),
        matched_field varchar(128) NOT NULL,
        matched_value text NOT NULL,
        first_event_time ${time} NOT NULL,
        last_event_time ${time} NOT NULL,
        event_count integer NOT NULL,
        created_at ${time} NOT NULL DEFAULT ${now},
        updated_at ${time} NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX uq_alert_public_id ON alert (id)');
    await queryRunner.query('CREATE INDEX ix_alert_organization_sequence ON alert (organization_id, sequence)');
    // At most one open alert per indicator and device: repeated matches update it.
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_alert_open ON alert (organization_id, indicator_id, device_id) WHERE status <> 'RESOLVED'`,
    );

    await queryRunner.query(`
      CREATE TABLE alert_comment (
        id varchar(36) PRIMARY KEY NOT NULL,
        organization_id varchar(36) NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        alert_id varchar(36) NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
        text text NOT NULL,
        author varchar(200) NOT NULL,
        created_at ${time} NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query('CREATE INDEX ix_alert_comment_alert ON alert_comment (alert_id, created_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE alert_comment');
    await queryRunner.query('DROP TABLE alert');
    await queryRunner.query('DROP TABLE indicator');
    await queryRunner.query('DROP TABLE alert_definition');
    await queryRunner.query('DROP TABLE organization');
  }
}
