import type { DataSource, EntityManager } from 'typeorm';

import type { DatabaseConfig } from '../config/config';
import { migrate, openDataSource, type DataSourceOverrides } from './data-source';
import { SerialQueue } from './serial-queue';

/**
 * The service's database handles. On SQLite, writes go through one
 * connection and one queue. Reads use a second connection that reads only
 * committed rows, because WAL mode lets it read while a write is open. On
 * PostgreSQL both handles are the same connection pool.
 */
export class Database {
  private constructor(
    readonly dialect: 'sqlite' | 'postgres',
    readonly writer: DataSource,
    readonly reader: DataSource,
    private readonly writeQueue: SerialQueue | null,
  ) {}

  /**
   * Opens the database and applies pending migrations.
   *
   * @returns the database and the names of the migrations it ran.
   */
  static async open(
    config: DatabaseConfig,
    overrides: DataSourceOverrides = {},
  ): Promise<{ database: Database; migrations: string[] }> {
    const writer = await openDataSource(config, overrides);
    let migrations: string[] = [];
    try {
      if (!overrides.synchronize) migrations = await migrate(writer);
    } catch (error) {
      await writer.destroy();
      throw error;
    }

    if (config.type === 'postgres') {
      return { database: new Database('postgres', writer, writer, null), migrations };
    }
    // Table statistics let SQLite pick the narrowest index (without them it reads every
    // indicator of an organization for a page of one definition's indicators).
    await writer.query('ANALYZE');
    const reader = await openDataSource(config, { onQuery: overrides.onQuery });
    return { database: new Database('sqlite', writer, reader, new SerialQueue()), migrations };
  }

  /** Runs `work` in one transaction; on SQLite, after every transaction submitted before it. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = () => this.writer.transaction(work);
    return this.writeQueue ? this.writeQueue.run(run) : run();
  }

  /** Resolves when the database returns the result of a trivial query. */
  async ping(): Promise<void> {
    await this.reader.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.reader !== this.writer && this.reader.isInitialized) await this.reader.destroy();
    if (this.writer.isInitialized) await this.writer.destroy();
  }
}
