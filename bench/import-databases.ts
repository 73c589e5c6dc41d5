import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pino from 'pino';
import { Client as PgClient } from 'pg';
import { getMetadataArgsStorage } from 'typeorm';

import { loadConfig, type AppConfig } from '../src/config/config';
import { createLogger, type Logger } from '../src/logging/logger';
import { Database } from '../src/persistence/database';

/**
 * PostgreSQL server the benchmarks use. `SIGHTLINE_BENCH_POSTGRES_URL`
 * points them elsewhere, and each run works in a schema of its own there.
 */
export const BENCH_POSTGRES_URL = process.env.SIGHTLINE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A throwaway database: the `DATABASE_URL` that selects it, and how to delete it. */
export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Returns a SQLite file path in a new temporary folder, and `drop` deletes the folder. */
export function createSqliteDatabase(): BenchDatabase {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-bench-'));
  return {
    url: path.join(directory, 'sightline.db'),
    drop: async () => fs.rmSync(directory, { recursive: true, force: true }),
  };
}

/**
 * Creates a schema `bench_<random>` and returns a URL whose `search_path`
 * selects it; `drop` removes the schema with everything in it.
 */
export async function createPostgresDatabase(): Promise<BenchDatabase> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  await runPostgres(`CREATE SCHEMA ${schema}`);
  const separator = BENCH_POSTGRES_URL.includes('?') ? '&' : '?';
  return {
    url: `${BENCH_POSTGRES_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: () => runPostgres(`DROP SCHEMA ${schema} CASCADE`),
  };
}

/** Returns null when a query on PostgreSQL succeeds, or else the reason it cannot be used. */
export async function postgresUnavailableReason(): Promise<string | null> {
  try {
    await runPostgres('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${BENCH_POSTGRES_URL} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Runs `work` on a fresh database that is dropped afterwards, even when `work` fails. */
export async function withDatabase<T>(
  kind: 'sqlite' | 'postgres',
  work: (database: BenchDatabase) => Promise<T>,
): Promise<T> {
  const database = kind === 'sqlite' ? createSqliteDatabase() : await createPostgresDatabase();
  try {
    return await work(database);
  } finally {
    await database.drop();
    if (kind === 'postgres') restoreSqliteColumnTypes();
  }
}

/**
 * Turns TypeORM's global column metadata back to what the entities declare.
 * Opening a PostgreSQL data source rewrites every `datetime` column to
 * `timestamptz` in `getMetadataArgsStorage()` (src/persistence/data-source.ts),
 * for the whole process, and a SQLite data source opened afterwards fails
 * with "Data type timestamptz ... is not supported by sqlite". The entities
 * declare no `timestamptz` column themselves, so the reverse rewrite is exact.
 */
function restoreSqliteColumnTypes(): void {
  for (const column of getMetadataArgsStorage().columns) {
    if (column.options.type === 'timestamptz') column.options.type = 'datetime';
  }
}

/** Service configuration for `url` on loopback with an ephemeral port. */
export function benchConfig(url: string): AppConfig {
  return loadConfig({ DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
}

/** Creates the logger of a service under measurement: warnings and errors only, on standard error, away from the result table. */
export function benchLogger(): Logger {
  return createLogger('warn', pino.destination(2));
}

/** Applies the service's migrations to an empty database, as its first start would. */
export async function migrateDatabase(url: string): Promise<void> {
  const { database } = await Database.open(benchConfig(url).database);
  await database.close();
}

/** Runs one statement on its own connection. */
export async function runPostgres(sql: string, url = BENCH_POSTGRES_URL): Promise<void> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs a full garbage collection when node was started with `--expose-gc`; returns whether it could. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}
