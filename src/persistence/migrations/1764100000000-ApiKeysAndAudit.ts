import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Adds API keys and the audit log. */
export class ApiKeysAndAudit1764100000000 implements MigrationInterface {
  name = 'ApiKeysAndAudit1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const time = postgres ? 'timestamptz' : 'datetime';
    const now = postgres ? 'now()' : "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";

    await queryRunner.query(`
      CREATE TABLE api_key (
        id varchar(36) PRIMARY KEY NOT NULL,
        organization_id varchar(36) NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        role varchar(16) NOT NULL,
        key_hash varchar(64) NOT NULL,
        key_prefix varchar(16) NOT NULL,
        created_by_key_id varchar(36),
        created_at ${time} NOT NULL DEFAULT ${now},
        revoked_at ${time},
        last_used_at ${time}
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX uq_api_key_hash ON api_key (key_hash)');
    await queryRunner.query('CREATE INDEX ix_api_key_organization ON api_key (organization_id, id)');

    await queryRunner.query(`
      CREATE TABLE audit_event (
        id varchar(36) PRIMARY KEY NOT NULL,
        organization_id varchar(36) NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        actor_key_id varchar(36),
        actor_name varchar(100) NOT NULL,
        action varchar(40) NOT NULL,
        target_type varchar(40) NOT NULL,
        target_id varchar(36) NOT NULL,
        changes text NOT NULL,
        created_at ${time} NOT NULL DEFAULT ${now}
      )`);
    await queryRunner.query('CREATE INDEX ix_audit_event_organization ON audit_event (organization_id, id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_event');
    await queryRunner.query('DROP TABLE api_key');
  }
}
