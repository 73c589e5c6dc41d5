import { In, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

import { conflict, invalidInput, notFound, type InputIssue } from '../domain/errors';
import type { IndicatorIndex } from '../matching/indicator-index';
import type { Database } from '../persistence/database';
import { AlertDefinitionEntity, IndicatorEntity } from '../persistence/entities';
import type { Actor } from '../domain/roles';
import type { Logger } from '../logging/logger';
import { AuditAction, AuditTargetType, diffFields, recordAudit } from './audit.service';
import { insertInChunks } from './bulk-insert';
import { checkDefinitionFields } from './definition-rules';
import { NO_OTHER_INSTANCES, type IndexChangeNotifier } from './index-changes';
import { loadMatchableIndicators, toIndexed } from './index-sync';
import { prepareIndicators } from './indicator-preparation';
import type { AlertDefinitionFilter, AlertDefinitionInput, AlertDefinitionPatch, PageRequest } from './inputs';
import { fetchPage, type Page } from './pagination';

/** Definition fields recorded in the audit log. */
const AUDITED_FIELDS = [
  'title',
  'description',
  'severity',
  'category',
  'recommendedActions',
  'mitreTechniques',
  'enabled',
] as const satisfies readonly (keyof AlertDefinitionEntity)[];

/** Manages alert definitions; every method acts for one organization. */
export class AlertDefinitionService {
  constructor(
    private readonly database: Database,
    private readonly index: IndicatorIndex,
    private readonly logger: Logger,
    private readonly indexChanges: IndexChangeNotifier = NO_OTHER_INSTANCES,
  ) {}

  async get(organizationId: string, id: string): Promise<AlertDefinitionEntity> {
    const row = await this.database.reader.getRepository(AlertDefinitionEntity).findOneBy({ organizationId, id });
    if (!row) throw notFound('Alert definition', id);
    return row;
  }

  list(organizationId: string, page: PageRequest, filter: AlertDefinitionFilter = {}): Promise<Page<AlertDefinitionEntity>> {
    const query = this.database.reader
      .getRepository(AlertDefinitionEntity)
      .createQueryBuilder('d')
      .where('d.organization_id = :organizationId', { organizationId });

    if (filter.severities?.length) query.andWhere('d.severity IN (:...severities)', { severities: filter.severities });
    if (filter.categories?.length) query.andWhere('d.category IN (:...categories)', { categories: filter.categories });
    if (filter.enabled != null) query.andWhere('d.enabled = :enabled', { enabled: filter.enabled });
    if (filter.titleContains) {
      query.andWhere("LOWER(d.title) LIKE :title ESCAPE '\\'", { title: `%${escapeLike(filter.titleContains.toLowerCase())}%` });
    }
    return fetchPage(query, 'd', 'definition', page);
  }

  /**
   * Creates a definition and its indicators in one transaction, then adds the
   * indicators to the matching index.
   *
   * @throws BAD_USER_INPUT listing every invalid field; CONFLICT when the title is taken.
   */
  async create(actor: Actor, input: AlertDefinitionInput): Promise<AlertDefinitionEntity> {
    const { organizationId } = actor;
    const now = new Date();
    const issues: InputIssue[] = [];
    const fields = checkDefinitionFields(
      {
        title: input.title,
        description: input.description ?? '',
        recommendedActions: input.recommendedActions ?? '',
        mitreTechniques: input.mitreTechniques ?? [],
      },
      'input',
      issues,
    );

    const id = uuidv7();
    const prepared = prepareIndicators(input.indicators ?? [], {
      organizationId,
      alertDefinitionId: id,
      fieldPrefix: 'input.indicators',
      now,
      skipDuplicates: false,
    });
    issues.push(...prepared.issues);
    if (issues.length > 0) throw invalidInput(issues);

    const definition: AlertDefinitionEntity = {
      id,
      organizationId,
      title: fields.title!,
      description: fields.description!,
      severity: input.severity,
      category: input.category,
      recommendedActions: fields.recommendedActions!,
      mitreTechniques: fields.mitreTechniques!,
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    };

    await this.database.transaction(async (manager) => {
      await this.assertTitleFree(manager, organizationId, definition.title, null);
      await manager.insert(AlertDefinitionEntity, definition);
      await insertInChunks(manager, IndicatorEntity, prepared.rows);
      const target = { type: AuditTargetType.ALERT_DEFINITION, id };
      await recordAudit(manager, actor, AuditAction.ALERT_DEFINITION_CREATED, target, diffFields(null, definition, AUDITED_FIELDS));
      if (prepared.rows.length > 0) {
        await recordAudit(manager, actor, AuditAction.INDICATORS_ADDED, target, [
          { field: 'indicatorIds', from: null, to: prepared.rows.map((row) => row.id) },
        ]);
      }
    });

    if (definition.enabled) this.indexRows(prepared.rows, now);
    this.indexChanges.indicatorsChanged(prepared.rows.map((row) => row.id));
    this.logger.info({ organizationId, alertDefinitionId: id, indicators: prepared.rows.length }, 'alert definition created');
    return definition;
  }

  /**
   * Changes the given fields; omitted fields stay. Disabling a definition
   * removes its indicators from matching; enabling it adds them back.
   */
  async update(actor: Actor, id: string, patch: AlertDefinitionPatch): Promise<AlertDefinitionEntity> {
    const { organizationId } = actor;
    const issues: InputIssue[] = [];
    const fields = checkDefinitionFields(patch, 'input', issues);
    if (issues.length > 0) throw invalidInput(issues);

    const { before, after } = await this.database.transaction(async (manager) => {
      const current = await manager.findOneBy(AlertDefinitionEntity, { organizationId, id });
      if (!current) throw notFound('Alert definition', id);
      if (fields.title !== undefined && fields.title !== current.title) {
        await this.assertTitleFree(manager, organizationId, fields.title, id);
      }

      const next: AlertDefinitionEntity = { ...current, ...definedOnly(fields), updatedAt: new Date() };
      await manager.save(AlertDefinitionEntity, next);
      const changes = diffFields(current, next, AUDITED_FIELDS);
      if (changes.length > 0) {
        await recordAudit(manager, actor, AuditAction.ALERT_DEFINITION_UPDATED, { type: AuditTargetType.ALERT_DEFINITION, id }, changes);
      }
      return { before: current, after: next };
    });

    if (before.enabled !== after.enabled) this.indexChanges.indicatorsChanged(await this.reindexDefinition(after));
    this.logger.info({ organizationId, alertDefinitionId: id }, 'alert definition updated');
    return after;
  }

  /** Deletes a definition and its indicators; alerts it raised stay. */
  async delete(actor: Actor, id: string): Promise<AlertDefinitionEntity> {
    const { organizationId } = actor;
    const { definition, indicatorIds } = await this.database.transaction(async (manager) => {
      const current = await manager.findOneBy(AlertDefinitionEntity, { organizationId, id });
      if (!current) throw notFound('Alert definition', id);

      const ids = await manager.find(IndicatorEntity, { select: { id: true }, where: { alertDefinitionId: id } });
      await manager.delete(IndicatorEntity, { alertDefinitionId: id });
      await manager.delete(AlertDefinitionEntity, { id });
      await recordAudit(manager, actor, AuditAction.ALERT_DEFINITION_DELETED, { type: AuditTargetType.ALERT_DEFINITION, id }, [
        ...diffFields(current, null, AUDITED_FIELDS),
        { field: 'indicatorCount', from: ids.length, to: 0 },
      ]);
      return { definition: current, indicatorIds: ids.map((row) => row.id) };
    });

    this.index.removeMany(indicatorIds);
    this.indexChanges.indicatorsChanged(indicatorIds);
    this.logger.info({ organizationId, alertDefinitionId: id, indicators: indicatorIds.length }, 'alert definition deleted');
    return definition;
  }

  /** Loads definitions by id for one organization; missing ids map to null. */
  async loadMany(organizationId: string, ids: readonly string[]): Promise<Array<AlertDefinitionEntity | null>> {
    const rows = await this.database.reader
      .getRepository(AlertDefinitionEntity)
      .findBy({ organizationId, id: In([...ids]) });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  private async assertTitleFree(manager: EntityManager, organizationId: string, title: string, exceptId: string | null) {
    const existing = await manager.findOneBy(AlertDefinitionEntity, { organizationId, title });
    if (existing && existing.id !== exceptId) {
      throw conflict(
        `"input.title" must be unique within the organization; an alert definition titled "${title}" already exists.`,
        'input.title',
      );
    }
  }

  private indexRows(rows: readonly IndicatorEntity[], now: Date): void {
    for (const row of rows) {
      if (row.enabled && (!row.expiresAt || row.expiresAt > now)) this.index.upsert(toIndexed(row));
    }
  }

  /** Adds or removes the definition's indicators in the index; returns the ids of all its indicators. */
  private async reindexDefinition(definition: AlertDefinitionEntity): Promise<string[]> {
    const rows = await this.database.reader
      .getRepository(IndicatorEntity)
      .find({ select: { id: true }, where: { alertDefinitionId: definition.id } });
    const ids = rows.map((row) => row.id);
    if (!definition.enabled) {
      this.index.removeMany(ids);
      return ids;
    }
    for (const indexed of await loadMatchableIndicators(this.database, { alertDefinitionId: definition.id })) {
      this.index.upsert(indexed);
    }
    return ids;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}
