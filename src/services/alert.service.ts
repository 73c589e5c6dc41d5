import { In } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

import { ALERT_LIMITS, AlertDetermination, DETERMINATIONS_BY_CLASSIFICATION } from '../domain/alert-rules';
import { decodeAlertCursor, encodeCursor, UUID_PATTERN } from '../domain/cursor';
import { AlertStatus } from '../domain/enums';
import { conflict, invalidInput, notFound, type InputIssue } from '../domain/errors';
import { toAlertRecord } from '../feed/alert-feed.payload';
import type { AlertFeed } from '../feed/alert-feed';
import { AlertChange } from '../feed/alert-feed.topics';
import type { Actor } from '../domain/roles';
import type { Logger } from '../logging/logger';
import { AuditAction, AuditTargetType, diffFields, recordAudit } from './audit.service';
import type { Database } from '../persistence/database';
import { AlertCommentEntity, AlertEntity, OrganizationEntity } from '../persistence/entities';
import { checkLength } from './indicator-preparation';
import type { AlertFilter, AlertPatch, PageRequest } from './inputs';
import type { Page } from './pagination';

export enum AlertOrder {
  NEWEST_FIRST = 'NEWEST_FIRST',
  OLDEST_FIRST = 'OLDEST_FIRST',
}

/** Reads and triages alerts; every method acts for one organization. */
export class AlertService {
  constructor(
    private readonly database: Database,
    private readonly feed: AlertFeed,
    private readonly logger: Logger,
  ) {}

  async get(organizationId: string, id: string): Promise<AlertEntity> {
    const row = UUID_PATTERN.test(id)
      ? await this.database.reader.getRepository(AlertEntity).findOneBy({ organizationId, id })
      : null;
    if (!row) throw notFound('Alert', id);
    return row;
  }

  /** Lists alerts by feed sequence; `since` and `until` bound the creation time, both inclusive. */
  async list(
    organizationId: string,
    page: PageRequest,
    filter: AlertFilter = {},
    order: AlertOrder = AlertOrder.NEWEST_FIRST,
  ): Promise<Page<AlertEntity>> {
    const query = this.database.reader
      .getRepository(AlertEntity)
      .createQueryBuilder('a')
      .where('a.organization_id = :organizationId', { organizationId });

    if (filter.severities?.length) query.andWhere('a.severity IN (:...severities)', { severities: filter.severities });
    if (filter.statuses?.length) query.andWhere('a.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.alertDefinitionId) query.andWhere('a.alert_definition_id = :definitionId', { definitionId: filter.alertDefinitionId });
    if (filter.deviceId) query.andWhere('a.device_id = :deviceId', { deviceId: filter.deviceId });
    if (filter.since) query.andWhere('a.created_at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('a.created_at <= :until', { until: filter.until });

    const countQuery = query.clone();
    const newestFirst = order === AlertOrder.NEWEST_FIRST;
    if (page.after) {
      const sequence = decodeAlertCursor(page.after, 'after');
      query.andWhere(`a.feed_sequence ${newestFirst ? '<' : '>'} :sequence`, { sequence });
    }

    const rows = await query
      .orderBy('a.feed_sequence', newestFirst ? 'DESC' : 'ASC')
      .limit(page.first + 1)
      .getMany();
    const nodes = rows.slice(0, page.first);
    return {
      nodes,
      cursors: nodes.map((node) => alertCursor(node)),
      hasNextPage: rows.length > page.first,
      hasPreviousPage: Boolean(page.after),
      totalCount: () => countQuery.getCount(),
    };
  }

  /** Feed sequence of the organization's latest alert; 0 before its first. */
  async currentFeedSequence(organizationId: string): Promise<number> {
    const row = await this.database.reader
      .getRepository(OrganizationEntity)
      .findOne({ select: { alertSequence: true }, where: { id: organizationId } });
    return row?.alertSequence ?? 0;
  }

  /** Latest feed sequence of each organization in `organizationIds`. */
  async feedHeads(organizationIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.database.reader
      .getRepository(OrganizationEntity)
      .find({ select: { id: true, alertSequence: true }, where: { id: In([...organizationIds]) } });
    return new Map(rows.map((row) => [row.id, row.alertSequence]));
  }

  /** Alerts of one organization after the feed sequence `afterSequence`, oldest first, at most `limit`. */
  listAfter(organizationId: string, afterSequence: number, limit: number): Promise<AlertEntity[]> {
    return this.database.reader
      .getRepository(AlertEntity)
      .createQueryBuilder('a')
      .where('a.organization_id = :organizationId', { organizationId })
      .andWhere('a.feed_sequence > :afterSequence', { afterSequence })
      .orderBy('a.feed_sequence', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Changes triage fields and adds a comment, then publishes the change.
   *
   * @throws BAD_USER_INPUT for a determination that does not fit the classification;
   *   CONFLICT when reopening would leave two open alerts for one indicator and device.
   */
  async update(actor: Actor, id: string, patch: AlertPatch): Promise<AlertEntity> {
    const { organizationId } = actor;
    checkAlertPatch(patch);

    const { row, changes } = await this.database.transaction(async (manager) => {
      const current = UUID_PATTERN.test(id) ? await manager.findOneBy(AlertEntity, { organizationId, id }) : null;
      if (!current) throw notFound('Alert', id);

      const next = applyAlertPatch(current, patch);
      checkDetermination(next);
      if (current.status === AlertStatus.RESOLVED && next.status !== AlertStatus.RESOLVED) {
        const open = await manager
          .getRepository(AlertEntity)
          .createQueryBuilder('a')
          .where('a.organization_id = :organizationId AND a.indicator_id = :indicatorId AND a.device_id = :deviceId', current)
          .andWhere('a.status <> :resolved', { resolved: AlertStatus.RESOLVED })
          .getOne();
        if (open) {
          throw conflict(
            `"input.status" cannot reopen this alert: alert "${open.id}" is already open for the same indicator and device.`,
            'input.status',
          );
        }
      }

      const changed = listChanges(current, next);
      if (patch.comment) {
        changed.push(AlertChange.COMMENT_ADDED);
        await manager.insert(AlertCommentEntity, {
          id: uuidv7(),
          organizationId,
          alertId: id,
          text: patch.comment,
          author: actor.name,
          createdAt: new Date(),
        });
      }
      if (changed.length > 0) {
        next.updatedAt = new Date();
        await manager.save(AlertEntity, next);
        const changes = diffFields(current, next, ['status', 'classification', 'determination', 'assignedTo']);
        if (patch.comment) changes.push({ field: 'comment', from: null, to: patch.comment });
        await recordAudit(manager, actor, AuditAction.ALERT_UPDATED, { type: AuditTargetType.ALERT, id }, changes);
      }
      return { row: changed.length > 0 ? next : current, changes: changed };
    });

    if (changes.length > 0) this.feed.publishUpdated(toAlertRecord(row), changes);
    this.logger.info({ organizationId, alertId: id, changes }, 'alert updated');
    return row;
  }

  /** Loads the comments of several alerts, oldest first, in one statement. */
  async commentsByAlert(organizationId: string, alertIds: readonly string[]): Promise<Map<string, AlertCommentEntity[]>> {
    const rows = await this.database.reader
      .getRepository(AlertCommentEntity)
      .createQueryBuilder('c')
      .where('c.organization_id = :organizationId', { organizationId })
      .andWhere('c.alert_id IN (:...alertIds)', { alertIds })
      .orderBy('c.created_at', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .getMany();
    const grouped = new Map<string, AlertCommentEntity[]>(alertIds.map((id) => [id, []]));
    for (const row of rows) grouped.get(row.alertId)?.push(row);
    return grouped;
  }
}

export function alertCursor(alert: Pick<AlertEntity, 'feedSequence'>): string {
  return encodeCursor('alert', alert.feedSequence);
}

function checkAlertPatch(patch: AlertPatch): void {
  const issues: InputIssue[] = [];
  checkLength(patch.assignedTo, ALERT_LIMITS.assignedToMax, 'input.assignedTo', issues);
  checkLength(patch.comment, ALERT_LIMITS.commentMax, 'input.comment', issues);
  if (patch.comment !== undefined && patch.comment.trim().length === 0) {
    issues.push({ field: 'input.comment', message: 'must not be empty; omit it to change the alert without a comment.' });
  }
  if (issues.length > 0) throw invalidInput(issues);
}

function applyAlertPatch(current: AlertEntity, patch: AlertPatch): AlertEntity {
  const next = { ...current };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.classification !== undefined) {
    next.classification = patch.classification;
    // A new classification invalidates the old determination unless one is given.
    if (patch.determination === undefined && patch.classification !== current.classification) next.determination = null;
  }
  if (patch.determination !== undefined) next.determination = patch.determination;
  if (patch.assignedTo !== undefined) next.assignedTo = patch.assignedTo?.trim() || null;
  return next;
}

function checkDetermination(alert: AlertEntity): void {
  if (!alert.determination) return;
  if (!alert.classification) {
    throw invalidInput([
      { field: 'input.determination', message: 'needs a classification; set input.classification as well.' },
    ]);
  }
  const allowed = DETERMINATIONS_BY_CLASSIFICATION[alert.classification];
  if (!allowed.includes(alert.determination as AlertDetermination)) {
    throw invalidInput([
      {
        field: 'input.determination',
        message: `${alert.determination} does not fit classification ${alert.classification}; use one of ${allowed.join(', ')}.`,
      },
    ]);
  }
}

function listChanges(before: AlertEntity, after: AlertEntity): AlertChange[] {
  const changes: AlertChange[] = [];
  if (before.status !== after.status) changes.push(AlertChange.STATUS_CHANGED);
  if (before.classification !== after.classification || before.determination !== after.determination) {
    changes.push(AlertChange.CLASSIFICATION_CHANGED);
  }
  if (before.assignedTo !== after.assignedTo) changes.push(AlertChange.ASSIGNMENT_CHANGED);
  return changes;
}
