import type { Database } from '../persistence/database';
import { IndicatorEntity } from '../persistence/entities';
import type { IndexedIndicator, IndicatorIndex } from '../matching/indicator-index';

/** Rows read per statement while the index is built. */
const LOAD_PAGE_SIZE = 10_000;

/**
 * Returns one shared copy of each repeated string (organization and
 * definition ids, types). Every row read from the database brings its own
 * copy, and the index may contain millions of rows.
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  intern<T extends string>(value: T): T {
    const existing = this.strings.get(value);
    if (existing !== undefined) return existing as T;
    this.strings.set(value, value);
    return value;
  }
}

export function toIndexed(row: IndicatorEntity, pool?: StringPool): IndexedIndicator {
  const shared = <T extends string>(value: T): T => (pool ? pool.intern(value) : value);
  return {
    id: row.id,
    organizationId: shared(row.organizationId),
    alertDefinitionId: shared(row.alertDefinitionId),
    type: shared(row.type),
    matchFunction: shared(row.matchFunction),
    normalizedValue: row.normalizedValue,
    expiresAt: row.expiresAt,
  };
}

/**
 * Reads every enabled, unexpired indicator of an enabled definition. Pages
 * by id, yielding to the event loop between pages.
 */
export async function loadMatchableIndicators(
  database: Database,
  where: { alertDefinitionId?: string } = {},
): Promise<IndexedIndicator[]> {
  const result: IndexedIndicator[] = [];
  const pool = new StringPool();
  let lastId = '';

  for (;;) {
    const query = database.reader
      .getRepository(IndicatorEntity)
      .createQueryBuilder('i')
      .innerJoin('alert_definition', 'd', 'd.id = i.alert_definition_id')
      .where('i.enabled = :enabled AND d.enabled = :enabled', { enabled: true })
      .andWhere('(i.expires_at IS NULL OR i.expires_at > :now)', { now: new Date() })
      .andWhere('i.id > :lastId', { lastId })
      .orderBy('i.id', 'ASC')
      .limit(LOAD_PAGE_SIZE);
    if (where.alertDefinitionId) query.andWhere('i.alert_definition_id = :definitionId', { definitionId: where.alertDefinitionId });

    const rows = await query.getMany();
    for (const row of rows) result.push(toIndexed(row, pool));
    if (rows.length < LOAD_PAGE_SIZE) return result;

    lastId = rows[rows.length - 1].id;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Reads the indicators among `ids` that can match now; ids not returned cannot. */
export async function loadMatchableByIds(database: Database, ids: readonly string[]): Promise<IndexedIndicator[]> {
  const result: IndexedIndicator[] = [];
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await database.reader
      .getRepository(IndicatorEntity)
      .createQueryBuilder('i')
      .innerJoin('alert_definition', 'd', 'd.id = i.alert_definition_id')
      .where('i.id IN (:...ids)', { ids: ids.slice(start, start + 500) })
      .andWhere('i.enabled = :enabled AND d.enabled = :enabled', { enabled: true })
      .andWhere('(i.expires_at IS NULL OR i.expires_at > :now)', { now: new Date() })
      .getMany();
    for (const row of rows) result.push(toIndexed(row));
  }
  return result;
}

/** Rebuilds `index` from the database. */
export async function rebuildIndex(database: Database, index: IndicatorIndex): Promise<number> {
  const indicators = await loadMatchableIndicators(database);
  index.replaceAll(indicators);
  return indicators.length;
}
