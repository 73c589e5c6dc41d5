import DataLoader from 'dataloader';

import type { AlertCommentEntity, AlertDefinitionEntity, IndicatorEntity } from '../persistence/entities';
import type { IndicatorFilter, PageRequest } from '../services/inputs';
import type { Page } from '../services/pagination';
import type { Services } from './services';

export interface IndicatorPageKey {
  alertDefinitionId: string;
  page: PageRequest;
  filter: IndicatorFilter;
}

export interface IndicatorCountKey {
  alertDefinitionId: string;
  filter: IndicatorFilter;
}

/** DataLoaders of one request, all scoped to the caller's organization. */
export interface Loaders {
  definition: DataLoader<string, AlertDefinitionEntity | null>;
  indicatorPage: DataLoader<IndicatorPageKey, Page<IndicatorEntity>, string>;
  indicatorCount: DataLoader<IndicatorCountKey, number, string>;
  comments: DataLoader<string, AlertCommentEntity[]>;
}

export function createLoaders(services: Services, organizationId: string): Loaders {
  return {
    definition: new DataLoader((ids) => services.definitions.loadMany(organizationId, ids)),
    indicatorPage: new DataLoader((keys) => loadIndicatorPages(services, organizationId, keys), {
      cacheKeyFn: (key) => JSON.stringify([key.alertDefinitionId, key.page, key.filter]),
    }),
    indicatorCount: new DataLoader((keys) => loadIndicatorCounts(services, organizationId, keys), {
      cacheKeyFn: (key) => JSON.stringify([key.alertDefinitionId, key.filter]),
    }),
    comments: new DataLoader(async (alertIds) => {
      const grouped = await services.alerts.commentsByAlert(organizationId, alertIds);
      return alertIds.map((id) => grouped.get(id) ?? []);
    }),
  };
}

/**
 * Keys that share page arguments and filter (the usual case: one nested
 * field under a list) are loaded with one statement.
 */
async function loadIndicatorPages(services: Services, organizationId: string, keys: readonly IndicatorPageKey[]) {
  const results = new Map<IndicatorPageKey, Page<IndicatorEntity>>();
  for (const group of groupBy(keys, (key) => JSON.stringify([key.page, key.filter]))) {
    const { page, filter } = group[0];
    const pages = await services.indicators.pagesByDefinition(
      organizationId,
      group.map((key) => key.alertDefinitionId),
      page,
      filter,
    );
    for (const key of group) results.set(key, pages.get(key.alertDefinitionId)!);
  }
  return keys.map((key) => results.get(key)!);
}

async function loadIndicatorCounts(services: Services, organizationId: string, keys: readonly IndicatorCountKey[]) {
  const results = new Map<IndicatorCountKey, number>();
  for (const group of groupBy(keys, (key) => JSON.stringify(key.filter))) {
    const counts = await services.indicators.countsByDefinition(
      organizationId,
      group.map((key) => key.alertDefinitionId),
      group[0].filter,
    );
    for (const key of group) results.set(key, counts.get(key.alertDefinitionId) ?? 0);
  }
  return keys.map((key) => results.get(key)!);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}
