import { In, type EntityManager, type SelectQueryBuilder } from 'typeorm';

import { INDICATOR_LIMITS } from '../domain/alert-rules';
import { decodeCursor, encodeCursor, UUID_PATTERN } from '../domain/cursor';
import { IndicatorType } from '../domain/enums';
import { invalidInput, notFound, type InputIssue } from '../domain/errors';
import { allowedMatchFunctions, normalizeIndicatorValue, normalizeObservableValue } from '../domain/normalize';
import type { IndicatorIndex } from '../matching/indicator-index';
import type { Actor } from '../domain/roles';
import type { Logger } from '../logging/logger';
import { AuditAction, AuditTargetType, diffFields, recordAudit, recordAuditMany } from './audit.service';
import type { Database } from '../persistence/database';
import { AlertDefinitionEntity, IndicatorEntity } from '../persistence/entities';
import { insertInChunks } from './bulk-insert';
import { NO_OTHER_INSTANCES, type IndexChangeNotifier } from './index-changes';
import { toIndexed } from './index-sync';
import { checkLength, prepareIndicators } from './indicator-preparation';
import type { IndicatorFilter, IndicatorInput, IndicatorPatch, PageRequest } from './inputs';
import { fetchPage, type Page } from './pagination';

export interface AddIndicatorsResult {
  indicators: IndicatorEntity[];
  /** Input indexes skipped because the same indicator was in the batch or already stored. */
  skippedDuplicates: number[];
}

export interface DeleteIndicatorsResult {
  deletedIds: string[];
  notFoundIds: string[];
}

/** Indicator fields recorded in the audit log. */
const AUDITED_FIELDS = [
  'alertDefinitionId',
  'type',
  'value',
  'matchFunction',
  'enabled',
  'expiresAt',
  'description',
  'source',
] as const satisfies readonly (keyof IndicatorEntity)[];

/** Manages indicators; every method acts for one organization. */
export class IndicatorService {
  constructor(
    private readonly database: Database,
    private readonly index: IndicatorIndex,
    private readonly logger: Logger,
    private readonly indexChanges: IndexChangeNotifier = NO_OTHER_INSTANCES,
  ) {}

  async get(organizationId: string, id: string): Promise<IndicatorEntity> {
    const row = UUID_PATTERN.test(id)
      ? await this.database.reader.getRepository(IndicatorEntity).findOneBy({ organizationId, id })
      : null;
    if (!row) throw notFound('Indicator', id);
    return row;
  }

  list(organizationId: string, page: PageRequest, filter: IndicatorFilter = {}): Promise<Page<IndicatorEntity>> {
    const query = this.database.reader
      .getRepository(IndicatorEntity)
      .createQueryBuilder('i')
      .where('i.organization_id = :organizationId', { organizationId });

    if (filter.alertDefinitionId) {
      query.andWhere('i.alert_definition_id = :definitionId', { definitionId: filter.alertDefinitionId });
    }
    applyIndicatorFilter(query, filter);
    return fetchPage(query, 'i', 'indicator', page);
  }

  /**
   * Adds indicators to one definition, all or nothing.
   *
   * @throws BAD_USER_INPUT listing each invalid item by index, field and rule.
   */
  async add(
    actor: Actor,
    alertDefinitionId: string,
    inputs: readonly IndicatorInput[],
    options: { skipDuplicates?: boolean } = {},
  ): Promise<AddIndicatorsResult> {
    const { organizationId } = actor;
    const now = new Date();
    const skipDuplicates = options.skipDuplicates ?? false;
    const prepared = prepareIndicators(inputs, {
      organizationId,
      alertDefinitionId,
      fieldPrefix: 'indicators',
      now,
      skipDuplicates,
    });
    if (prepared.issues.length > 0) throw invalidInput(prepared.issues);

    const { rows, definitionEnabled, storedDuplicates } = await this.database.transaction(async (manager) => {
      const definition = await manager.findOneBy(AlertDefinitionEntity, { organizationId, id: alertDefinitionId });
      if (!definition) throw notFound('Alert definition', alertDefinitionId);

      const existing = await findStoredDuplicates(manager, alertDefinitionId, prepared.rows);
      if (existing.size > 0 && !skipDuplicates) {
        throw invalidInput(duplicateIssues(storedDuplicateIndexes(prepared.rows, prepared.rowIndexes, existing)));
      }
      const fresh = prepared.rows.filter((row) => !existing.has(indicatorKey(row)));
      await insertInChunks(manager, IndicatorEntity, fresh);
      if (fresh.length > 0) {
        const target = { type: AuditTargetType.ALERT_DEFINITION, id: alertDefinitionId };
        await recordAudit(manager, actor, AuditAction.INDICATORS_ADDED, target, [
          { field: 'indicatorIds', from: null, to: fresh.map((row) => row.id) },
        ]);
      }
      return { rows: fresh, definitionEnabled: definition.enabled, storedDuplicates: existing };
    });

    if (definitionEnabled) {
      for (const row of rows) if (row.enabled && (!row.expiresAt || row.expiresAt > now)) this.index.upsert(toIndexed(row));
    }
    this.indexChanges.indicatorsChanged(rows.map((row) => row.id));
    this.logger.info({ organizationId, alertDefinitionId, added: rows.length }, 'indicators added');

    const skipped = [...prepared.duplicates, ...storedDuplicateIndexes(prepared.rows, prepared.rowIndexes, storedDuplicates)];
    return { indicators: rows, skippedDuplicates: skipped.sort((a, b) => a - b) };
  }

  /** Changes the given fields of one indicator; omitted fields stay. */
  async update(actor: Actor, id: string, patch: IndicatorPatch): Promise<IndicatorEntity> {
    const { organizationId } = actor;
    const now = new Date();
    const { row, definitionEnabled } = await this.database.transaction(async (manager) => {
      const current = UUID_PATTERN.test(id) ? await manager.findOneBy(IndicatorEntity, { organizationId, id }) : null;
      if (!current) throw notFound('Indicator', id);

      const next = applyPatch(current, patch, now);
      await manager.save(IndicatorEntity, next);
      const changes = diffFields(current, next, AUDITED_FIELDS);
      if (changes.length > 0) {
        await recordAudit(manager, actor, AuditAction.INDICATOR_UPDATED, { type: AuditTargetType.INDICATOR, id }, changes);
      }
      const definition = await manager.findOneByOrFail(AlertDefinitionEntity, { id: current.alertDefinitionId });
      return { row: next, definitionEnabled: definition.enabled };
    });

    const matchable = definitionEnabled && row.enabled && (!row.expiresAt || row.expiresAt > now);
    if (matchable) this.index.upsert(toIndexed(row));
    else this.index.remove(row.id);
    this.indexChanges.indicatorsChanged([row.id]);
    this.logger.info({ organizationId, indicatorId: id }, 'indicator updated');
    return row;
  }

  /** Deletes the indicators that exist in the organization; reports the ids that do not. */
  async delete(actor: Actor, ids: readonly string[]): Promise<DeleteIndicatorsResult> {
    const { organizationId } = actor;
    if (ids.length > INDICATOR_LIMITS.deleteMax) {
      throw invalidInput([
        { field: 'ids', message: `must contain at most ${INDICATOR_LIMITS.deleteMax} ids per call; received ${ids.length}.` },
      ]);
    }
    const wanted = [...new Set(ids)];
    const valid = wanted.filter((id) => UUID_PATTERN.test(id));

    const deletedIds = await this.database.transaction(async (manager) => {
      const found: string[] = [];
      for (let start = 0; start < valid.length; start += 500) {
        const chunk = valid.slice(start, start + 500);
        const rows = await manager.find(IndicatorEntity, { where: { organizationId, id: In(chunk) } });
        if (rows.length > 0) await manager.delete(IndicatorEntity, { id: In(rows.map((row) => row.id)) });
        await recordAuditMany(
          manager,
          actor,
          rows.map((row) => ({
            action: AuditAction.INDICATORS_DELETED,
            target: { type: AuditTargetType.INDICATOR, id: row.id },
            changes: diffFields(row, null, AUDITED_FIELDS),
          })),
        );
        found.push(...rows.map((row) => row.id));
      }
      return found;
    });

    this.index.removeMany(deletedIds);
    this.indexChanges.indicatorsChanged(deletedIds);
    this.logger.info({ organizationId, deleted: deletedIds.length }, 'indicators deleted');
    const deleted = new Set(deletedIds);
    return { deletedIds, notFoundIds: wanted.filter((id) => !deleted.has(id)) };
  }

  /**
   * Loads the first page of indicators of several definitions in one
   * statement (a window function numbers each definition's rows).
   */
  async pagesByDefinition(
    organizationId: string,
    definitionIds: readonly string[],
    page: PageRequest,
    filter: IndicatorFilter,
  ): Promise<Map<string, Page<IndicatorEntity>>> {
    const afterId = page.after ? decodeCursor('indicator', page.after, 'after') : null;
    const inner = this.database.reader
      .getRepository(IndicatorEntity)
      .createQueryBuilder('i')
      .select('i.id', 'id')
      .addSelect('ROW_NUMBER() OVER (PARTITION BY i.alert_definition_id ORDER BY i.id)', 'position')
      // No organization_id condition here: it would lead SQLite to the organization index and a scan
      // of all its indicators. The definition ids come from the caller's organization, and rows of
      // any other organization are dropped below.
      .where('i.alert_definition_id IN (:...definitionIds)', { definitionIds });
    if (afterId) inner.andWhere('i.id > :afterId', { afterId });
    applyIndicatorFilter(inner, filter);

    const rows = await this.database.reader
      .getRepository(IndicatorEntity)
      .createQueryBuilder('row')
      .innerJoin(`(${inner.getQuery()})`, 'ranked', 'ranked.id = row.id')
      .where('ranked.position <= :limit', { limit: page.first + 1 })
      .setParameters(inner.getParameters())
      .orderBy('row.id', 'ASC')
      .getMany();

    const grouped = new Map<string, IndicatorEntity[]>(definitionIds.map((id) => [id, []]));
    for (const row of rows) if (row.organizationId === organizationId) grouped.get(row.alertDefinitionId)?.push(row);

    const pages = new Map<string, Page<IndicatorEntity>>();
    for (const [definitionId, list] of grouped) {
      const nodes = list.slice(0, page.first);
      pages.set(definitionId, {
        nodes,
        cursors: nodes.map((node) => encodeCursor('indicator', node.id)),
        hasNextPage: list.length > page.first,
        hasPreviousPage: Boolean(afterId),
        totalCount: () => Promise.reject(new Error('totalCount of nested pages is loaded by countsByDefinition')),
      });
    }
    return pages;
  }

  /**
   * Counts the indicators of several definitions in one statement. The
   * definition ids must belong to `organizationId`: the nested loaders take
   * them from definitions already read for that organization.
   */
  async countsByDefinition(
    organizationId: string,
    definitionIds: readonly string[],
    filter: IndicatorFilter,
  ): Promise<Map<string, number>> {
    const query = this.database.reader
      .getRepository(IndicatorEntity)
      .createQueryBuilder('i')
      .select('i.alert_definition_id', 'definitionId')
      .addSelect('COUNT(*)', 'count')
      // Definition ids alone select the rows through the unique index; see pagesByDefinition.
      .where('i.alert_definition_id IN (:...definitionIds)', { definitionIds })
      .groupBy('i.alert_definition_id');
    applyIndicatorFilter(query, filter);

    const rows: Array<{ definitionId: string; count: string | number }> = await query.getRawMany();
    const counts = new Map<string, number>(definitionIds.map((id) => [id, 0]));
    for (const row of rows) counts.set(row.definitionId, Number(row.count));
    return counts;
  }
}

function applyIndicatorFilter(query: SelectQueryBuilder<IndicatorEntity>, filter: IndicatorFilter): void {
  if (filter.types?.length) query.andWhere('i.type IN (:...types)', { types: filter.types });
  if (filter.enabled != null) query.andWhere('i.enabled = :enabled', { enabled: filter.enabled });
  if (filter.value) {
    const candidates = new Set<string>([filter.value.trim()]);
    const types = filter.types?.length ? filter.types : undefined;
    for (const type of types ?? Object.values(IndicatorType)) {
      const normalized = normalizeObservableValue(type, filter.value);
      if (normalized) candidates.add(normalized);
    }
    query.andWhere('i.normalized_value IN (:...values)', { values: [...candidates] });
  }
}

function applyPatch(current: IndicatorEntity, patch: IndicatorPatch, now: Date): IndicatorEntity {
  const issues: InputIssue[] = [];
  const next: IndicatorEntity = { ...current, updatedAt: now };

  if (patch.matchFunction !== undefined) next.matchFunction = patch.matchFunction;
  if (!allowedMatchFunctions(next.type).includes(next.matchFunction)) {
    issues.push({
      field: 'input.matchFunction',
      message: `${next.matchFunction} is not allowed for ${next.type}; use one of ${allowedMatchFunctions(next.type).join(', ')}.`,
    });
  } else if (patch.value !== undefined || patch.matchFunction !== undefined) {
    const raw = patch.value ?? current.value;
    const normalized = normalizeIndicatorValue(next.type, next.matchFunction, raw);
    if (normalized.ok) {
      next.value = raw.trim();
      next.normalizedValue = normalized.value;
    } else {
      issues.push({ field: 'input.value', message: normalized.reason });
    }
  }

  if (patch.enabled !== undefined) next.enabled = patch.enabled;
  if (patch.expiresAt !== undefined) {
    if (patch.expiresAt && patch.expiresAt <= now) {
      issues.push({ field: 'input.expiresAt', message: 'must be in the future; pass null for an indicator that never expires.' });
    }
    next.expiresAt = patch.expiresAt;
  }
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.source !== undefined) next.source = patch.source;
  checkLength(patch.description, INDICATOR_LIMITS.descriptionMax, 'input.description', issues);
  checkLength(patch.source, INDICATOR_LIMITS.sourceMax, 'input.source', issues);

  if (issues.length > 0) throw invalidInput(issues);
  return next;
}

function indicatorKey(row: Pick<IndicatorEntity, 'type' | 'matchFunction' | 'normalizedValue'>): string {
  return `${row.type}|${row.matchFunction}|${row.normalizedValue}`;
}

async function findStoredDuplicates(
  manager: EntityManager,
  alertDefinitionId: string,
  rows: readonly IndicatorEntity[],
): Promise<Set<string>> {
  const found = new Set<string>();
  // Grouped by type and match function, so each lookup uses the whole unique index
  // (definition, type, match function, value) instead of scanning the definition's rows.
  const groups = new Map<string, IndicatorEntity[]>();
  for (const row of rows) {
    const key = `${row.type}|${row.matchFunction}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += 500) {
      const stored = await manager.find(IndicatorEntity, {
        select: { type: true, matchFunction: true, normalizedValue: true },
        where: {
          alertDefinitionId,
          type: group[0].type,
          matchFunction: group[0].matchFunction,
          normalizedValue: In(group.slice(start, start + 500).map((row) => row.normalizedValue)),
        },
      });
      for (const row of stored) found.add(indicatorKey(row));
    }
  }
  return found;
}

function duplicateIssues(indexes: readonly number[]): InputIssue[] {
  return indexes.map((index) => ({
    field: `indicators[${index}].value`,
    message: 'is already an indicator of this alert definition; remove it or pass skipDuplicates: true.',
  }));
}

/** Input indexes of the rows that are already stored. */
function storedDuplicateIndexes(rows: readonly IndicatorEntity[], rowIndexes: readonly number[], stored: Set<string>): number[] {
  if (stored.size === 0) return [];
  return rows.flatMap((row, position) => (stored.has(indicatorKey(row)) ? [rowIndexes[position]] : []));
}
