import type { EntityManager, ObjectLiteral, EntityTarget } from 'typeorm';

/**
 * Rows per INSERT statement. An indicator row binds 13 parameters, so 500
 * rows stay far below SQLite's limit of 32,766 bound parameters per
 * statement (SQLite 3.32 and later) and PostgreSQL's 65,535.
 */
export const INSERT_CHUNK_ROWS = 500;

/** Inserts `rows` with multi-row statements of at most `INSERT_CHUNK_ROWS` rows. */
export async function insertInChunks<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  rows: readonly T[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
    const chunk = rows.slice(start, start + INSERT_CHUNK_ROWS);
    await manager.createQueryBuilder().insert().into(target).values(chunk as T[]).updateEntity(false).execute();
  }
}
