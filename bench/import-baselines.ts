import { Client as PgClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';

import { AlertCategory, Severity } from '../src/domain/enums';
import { defaultMatchFunction, normalizeIndicatorValue } from '../src/domain/normalize';
import type { IndicatorInput } from '../src/services/inputs';
import { measure, type Sample } from './harness';
import { migrateDatabase } from './import-databases';
import { SqliteConnection, sqliteDatetime, type SqliteValue } from './import-sqlite';

/** Columns of the `indicator` table (migration InitialSchema1764000000000), in insert order. */
export const INDICATOR_COLUMNS = [
  'id',
  'organization_id',
  'alert_definition_id',
  'type',
  'value',
  'normalized_value',
  'match_function',
  'enabled',
  'expires_at',
  'description',
  'source',
  'created_at',
  'updated_at',
] as const;

/** One `indicator` row as the service writes it. */
export interface IndicatorRow {
  id: string;
  organizationId: string;
  alertDefinitionId: string;
  type: string;
  value: string;
  normalizedValue: string;
  matchFunction: string;
  enabled: boolean;
  expiresAt: Date | null;
  description: string;
  source: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Result of a baseline import: its timing and the number of rows the table contains afterwards. */
export interface BaselineResult {
  sample: Sample;
  stored: number;
}

/**
 * Turns inputs into the rows the service would store, normalizing each
 * value with the service's own function. Baselines call this before their
 * timer starts, so they time the database write alone.
 *
 * @throws Error when an input is invalid, which would be a generator bug.
 */
export function toIndicatorRows(inputs: readonly IndicatorInput[], organizationId: string, alertDefinitionId: string): IndicatorRow[] {
  const now = new Date();
  return inputs.map((input, position) => {
    const matchFunction = input.matchFunction ?? defaultMatchFunction(input.type);
    const normalized = normalizeIndicatorValue(input.type, matchFunction, input.value);
    if (!normalized.ok) throw new Error(`Generated indicator ${position} is invalid: ${normalized.reason}`);
    return {
      id: uuidv7(),
      organizationId,
      alertDefinitionId,
      type: input.type,
      value: input.value,
      normalizedValue: normalized.value,
      matchFunction,
      enabled: true,
      expiresAt: null,
      description: '',
      source: '',
      createdAt: now,
      updatedAt: now,
    };
  });
}

/** Binds an indicator row for SQLite: booleans as 0 and 1, dates as TypeORM writes them. */
export function sqliteIndicatorValues(row: IndicatorRow): SqliteValue[] {
  return [
    row.id,
    row.organizationId,
    row.alertDefinitionId,
    row.type,
    row.value,
    row.normalizedValue,
    row.matchFunction,
    row.enabled ? 1 : 0,
    row.expiresAt ? sqliteDatetime(row.expiresAt) : null,
    row.description,
    row.source,
    sqliteDatetime(row.createdAt),
    sqliteDatetime(row.updatedAt),
  ];
}

/** Owner rows the `indicator` foreign keys need: one organization and one definition. */
interface Owners {
  organizationId: string;
  alertDefinitionId: string;
}

function newOwners(): Owners {
  return { organizationId: uuidv7(), alertDefinitionId: uuidv7() };
}

const INSERT_ORGANIZATION = 'INSERT INTO organization (id, name) VALUES ($1, $2)';
const INSERT_DEFINITION =
  'INSERT INTO alert_definition (id, organization_id, title, severity, category, mitre_techniques) VALUES ($1, $2, $3, $4, $5, $6)';

/**
 * Baseline on SQLite: the raw `sqlite3` driver inserts every row with a
 * prepared `INSERT OR IGNORE` of `rowsPerStatement` rows in one transaction,
 * on a migrated database (same table, same indexes, same foreign keys).
 * Duplicates are left to the unique index, as a duplicate-skipping import
 * needs. Every run is queued before the first completes (see `runPrepared`).
 */
export async function importWithRawSqlite(url: string, inputs: readonly IndicatorInput[], rowsPerStatement: number): Promise<BaselineResult> {
  await migrateDatabase(url);
  const connection = await SqliteConnection.open(url);
  try {
    const owners = newOwners();
    await connection.run(INSERT_ORGANIZATION, [owners.organizationId, 'bench']);
    await connection.run(INSERT_DEFINITION, [
      owners.alertDefinitionId, owners.organizationId, 'Import baseline', Severity.HIGH, AlertCategory.Malware, '[]',
    ]);
    const values = toIndicatorRows(inputs, owners.organizationId, owners.alertDefinitionId).map(sqliteIndicatorValues);

    const sample = await measure(async () => {
      await connection.exec('BEGIN');
      try {
        await connection.insertRows('INSERT OR IGNORE', 'indicator', INDICATOR_COLUMNS, values, rowsPerStatement);
        await connection.exec('COMMIT');
      } catch (error) {
        await connection.exec('ROLLBACK');
        throw error;
      }
      return inputs.length;
    });
    const counted = await connection.get<{ count: number }>('SELECT COUNT(*) AS count FROM indicator');
    return { sample, stored: counted?.count ?? 0 };
  } finally {
    await connection.close();
  }
}

/** Rows per `INSERT ... SELECT FROM unnest(...)` statement on PostgreSQL. */
const POSTGRES_ROWS_PER_STATEMENT = 10_000;

/** PostgreSQL array type of each column in `INDICATOR_COLUMNS`, for `unnest`. */
const POSTGRES_ARRAY_TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'boolean', 'timestamptz', 'text', 'text', 'timestamptz', 'timestamptz'];

/**
 * Baseline on PostgreSQL: `pg` inserts the rows with multi-row
 * `INSERT ... SELECT * FROM unnest($1::text[], ...) ON CONFLICT DO NOTHING`
 * statements of `POSTGRES_ROWS_PER_STATEMENT` rows, one array parameter per
 * column, in one transaction. `COPY ... FROM STDIN` would be faster but
 * needs the pg-copy-streams package, which is not a dependency.
 */
export async function importWithRawPostgres(url: string, inputs: readonly IndicatorInput[]): Promise<BaselineResult> {
  await migrateDatabase(url);
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    const owners = newOwners();
    await client.query(INSERT_ORGANIZATION, [owners.organizationId, 'bench']);
    await client.query(INSERT_DEFINITION, [
      owners.alertDefinitionId, owners.organizationId, 'Import baseline', Severity.HIGH, AlertCategory.Malware, '[]',
    ]);
    const rows = toIndicatorRows(inputs, owners.organizationId, owners.alertDefinitionId);
    const arrays = POSTGRES_ARRAY_TYPES.map((type, position) => `$${position + 1}::${type}[]`).join(', ');
    const insert = `INSERT INTO indicator (${INDICATOR_COLUMNS.join(', ')}) SELECT * FROM unnest(${arrays}) ON CONFLICT DO NOTHING`;

    const sample = await measure(async () => {
      await client.query('BEGIN');
      try {
        for (let start = 0; start < rows.length; start += POSTGRES_ROWS_PER_STATEMENT) {
          await client.query(insert, postgresColumnArrays(rows.slice(start, start + POSTGRES_ROWS_PER_STATEMENT)));
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      return inputs.length;
    });
    const counted = await client.query<{ count: string }>('SELECT COUNT(*) AS count FROM indicator');
    return { sample, stored: Number(counted.rows[0].count) };
  } finally {
    await client.end();
  }
}

/** Splits rows into one array per column of `INDICATOR_COLUMNS`, in that order. */
function postgresColumnArrays(rows: readonly IndicatorRow[]): unknown[][] {
  return [
    rows.map((row) => row.id),
    rows.map((row) => row.organizationId),
    rows.map((row) => row.alertDefinitionId),
    rows.map((row) => row.type),
    rows.map((row) => row.value),
    rows.map((row) => row.normalizedValue),
    rows.map((row) => row.matchFunction),
    rows.map((row) => row.enabled),
    rows.map((row) => row.expiresAt),
    rows.map((row) => row.description),
    rows.map((row) => row.source),
    rows.map((row) => row.createdAt),
    rows.map((row) => row.updatedAt),
  ];
}
