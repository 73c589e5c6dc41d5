import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

import type { Actor } from '../domain/roles';
import type { Database } from '../persistence/database';
import { AuditEventEntity, type AuditChange } from '../persistence/entities';
import { insertInChunks } from './bulk-insert';
import type { PageRequest } from './inputs';
import { fetchPage, type Page } from './pagination';

/** Recorded actions; values are stored, so they may be added but never renamed. */
export enum AuditAction {
  ALERT_DEFINITION_CREATED = 'ALERT_DEFINITION_CREATED',
  ALERT_DEFINITION_UPDATED = 'ALERT_DEFINITION_UPDATED',
  ALERT_DEFINITION_DELETED = 'ALERT_DEFINITION_DELETED',
  INDICATORS_ADDED = 'INDICATORS_ADDED',
  INDICATOR_UPDATED = 'INDICATOR_UPDATED',
  INDICATORS_DELETED = 'INDICATORS_DELETED',
  ALERT_UPDATED = 'ALERT_UPDATED',
  API_KEY_CREATED = 'API_KEY_CREATED',
  API_KEY_REVOKED = 'API_KEY_REVOKED',
}

export enum AuditTargetType {
  ALERT_DEFINITION = 'ALERT_DEFINITION',
  INDICATOR = 'INDICATOR',
  ALERT = 'ALERT',
  API_KEY = 'API_KEY',
}

export interface AuditFilter {
  actions?: AuditAction[] | null;
  targetId?: string | null;
}

/**
 * Writes an audit event with `manager`, inside the caller's transaction, so
 * the change and its record commit or roll back together.
 */
export async function recordAudit(
  manager: EntityManager,
  actor: Actor,
  action: AuditAction,
  target: { type: AuditTargetType; id: string },
  changes: AuditChange[],
): Promise<void> {
  const event: AuditEventEntity = {
    id: uuidv7(),
    organizationId: actor.organizationId,
    actorKeyId: actor.keyId,
    actorName: actor.name,
    action,
    targetType: target.type,
    targetId: target.id,
    changes,
    createdAt: new Date(),
  };
  // TypeORM's deep-partial insert type rejects `unknown` JSON members; the row is complete.
  await manager.getRepository(AuditEventEntity).insert(event as never);
}

/** Writes several audit events with multi-row statements, inside the caller's transaction. */
export async function recordAuditMany(
  manager: EntityManager,
  actor: Actor,
  entries: ReadonlyArray<{ action: AuditAction; target: { type: AuditTargetType; id: string }; changes: AuditChange[] }>,
): Promise<void> {
  const createdAt = new Date();
  const rows = entries.map((entry) => ({
    id: uuidv7(),
    organizationId: actor.organizationId,
    actorKeyId: actor.keyId,
    actorName: actor.name,
    action: entry.action,
    targetType: entry.target.type,
    targetId: entry.target.id,
    changes: entry.changes,
    createdAt,
  }));
  await insertInChunks(manager, AuditEventEntity, rows as never[]);
}

/** Lists the field changes between two versions of a row, for the given fields. */
export function diffFields<T extends object>(before: T | null, after: T | null, fields: readonly (keyof T)[]): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const field of fields) {
    const from = before ? auditValue(before[field]) : null;
    const to = after ? auditValue(after[field]) : null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field: String(field), from, to });
  }
  return changes;
}

function auditValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : (value ?? null);
}

export class AuditService {
  constructor(private readonly database: Database) {}

  /** Audit events of one organization, oldest first. */
  list(organizationId: string, page: PageRequest, filter: AuditFilter = {}): Promise<Page<AuditEventEntity>> {
    const query = this.database.reader
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .where('e.organization_id = :organizationId', { organizationId });
    if (filter.actions?.length) query.andWhere('e.action IN (:...actions)', { actions: filter.actions });
    if (filter.targetId) query.andWhere('e.target_id = :targetId', { targetId: filter.targetId });
    return fetchPage(query, 'e', 'audit', page);
  }
}
