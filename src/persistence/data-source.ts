import fs from 'node:fs';
import path from 'node:path';

import { DataSource, getMetadataArgsStorage, type DataSourceOptions } from 'typeorm';

import type { DatabaseConfig } from '../config/config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** How long a SQLite statement waits for a lock held by another connection, in milliseconds. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface DataSourceOverrides {
  /** Log every SQL statement through this function (used by tests that count queries). */
  onQuery?: (sql: string) => void;
  /** Create tables from the entities instead of running migrations; throwaway test databases only. */
  synchronize?: boolean;
}

/**
 * Builds the TypeORM options for the configured database. Entities declare
 * timestamps as `datetime`; on PostgreSQL they become `timestamptz`.
 */
export function dataSourceOptions(database: DatabaseConfig, overrides: DataSourceOverrides = {}): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: overrides.synchronize ?? false,
    logging: overrides.onQuery ? (['query'] as ('query')[]) : false,
    logger: overrides.onQuery ? new QueryCounterLogger(overrides.onQuery) : undefined,
  };

  useTimestampColumnsOf(database.type);
  if (database.type === 'postgres') {
    return { ...common, type: 'postgres', url: database.url };
  }
  return {
    ...common,
    type: 'sqlite',
    database: database.path,
    enableWAL: true,
    busyTimeout: SQLITE_BUSY_TIMEOUT_MS,
  };
}

/** Opens the database, creating the SQLite file's folder when needed. */
export async function openDataSource(database: DatabaseConfig, overrides: DataSourceOverrides = {}): Promise<DataSource> {
  if (database.type === 'sqlite') {
    fs.mkdirSync(path.dirname(database.path), { recursive: true });
  }
  const dataSource = new DataSource(dataSourceOptions(database, overrides));
  await dataSource.initialize();
  return dataSource;
}

/** Applies every pending migration; returns the names of those it ran. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  return ran.map((migration) => migration.name);
}

/** Entity columns declared as `datetime`, found once before any is rewritten. */
let timestampColumns: Array<{ options: { type?: unknown } }> | null = null;

/**
 * Sets the type of every timestamp column for `dialect`. TypeORM keeps
 * column options in one global store and reads them when a DataSource
 * initializes, so this runs before each one, and a process can open SQLite
 * after PostgreSQL.
 */
function useTimestampColumnsOf(dialect: DatabaseConfig['type']): void {
  timestampColumns ??= getMetadataArgsStorage().columns.filter((column) => column.options.type === 'datetime');
  for (const column of timestampColumns) column.options.type = dialect === 'postgres' ? 'timestamptz' : 'datetime';
}

class QueryCounterLogger {
  constructor(private readonly onQuery: (sql: string) => void) {}
  logQuery(query: string): void {
    this.onQuery(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
