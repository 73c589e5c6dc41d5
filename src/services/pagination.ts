import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

import { decodeCursor, encodeCursor, type CursorKind } from '../domain/cursor';
import type { PageRequest } from './inputs';

/** One page of a keyset-paginated list, oldest first. */
export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Counts every row that matches the filter; runs one more statement when called. */
  totalCount: () => Promise<number>;
}

/**
 * Runs `query` as one page ordered by id. Ids are UUIDv7, so id order is
 * creation order and a cursor stays valid while rows are added.
 */
export async function fetchPage<T extends ObjectLiteral & { id: string }>(
  query: SelectQueryBuilder<T>,
  alias: string,
  kind: CursorKind,
  page: PageRequest,
): Promise<Page<T>> {
  const countQuery = query.clone();
  if (page.after) {
    query.andWhere(`${alias}.id > :afterId`, { afterId: decodeCursor(kind, page.after, 'after') });
  }

  const rows = await query.orderBy(`${alias}.id`, 'ASC').limit(page.first + 1).getMany();
  const nodes = rows.slice(0, page.first);
  return {
    nodes,
    cursors: nodes.map((node) => encodeCursor(kind, node.id)),
    hasNextPage: rows.length > page.first,
    hasPreviousPage: Boolean(page.after),
    totalCount: () => countQuery.getCount(),
  };
}
