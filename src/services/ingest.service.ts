import { In, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

import { AlertStatus } from '../domain/enums';
import { toAlertRecord, type AlertRecord } from '../feed/alert-feed.payload';
import type { AlertFeed } from '../feed/alert-feed';
import { AlertChange } from '../feed/alert-feed.topics';
import type { IndicatorIndex, IndicatorMatch } from '../matching/indicator-index';
import type { ParsedEvent } from '../matching/observable';
import type { Logger } from '../logging/logger';
import type { Database } from '../persistence/database';
import { AlertDefinitionEntity, AlertEntity, OrganizationEntity } from '../persistence/entities';

export interface IngestResult {
  /** Events taken for matching. */
  accepted: number;
  /** Events that matched at least one indicator. */
  matched: number;
  /** Alerts raised by this call, in feed order. */
  raised: AlertRecord[];
  /** Open alerts that these events added to. */
  updated: AlertRecord[];
}

/** Matches of one indicator on one device within a call, folded into one alert change. */
interface MatchGroup {
  match: IndicatorMatch;
  deviceId: string;
  deviceName: string | null;
  firstEventTime: Date;
  lastEventTime: Date;
  eventCount: number;
}

/** Rows per `IN (...)` list when definitions are looked up. */
const LOOKUP_CHUNK = 500;

/** (indicator, device) pairs per open-alert lookup: two parameters each. */
const PAIR_LOOKUP_CHUNK = 200;

/** Alerts per INSERT statement: 200 rows of 24 parameters stay far below SQLite's and PostgreSQL's limits. */
const ALERT_INSERT_CHUNK = 200;

/**
 * Matches events against the in-memory index and raises or updates alerts.
 * No database statement runs for an event that matches nothing.
 */
export class IngestService {
  constructor(
    private readonly database: Database,
    private readonly index: IndicatorIndex,
    private readonly feed: AlertFeed,
    private readonly logger: Logger,
  ) {}

  async ingest(organizationId: string, events: readonly ParsedEvent[]): Promise<IngestResult> {
    const now = new Date();
    const { groups, matched } = this.matchEvents(organizationId, events, now);
    if (groups.size === 0) return { accepted: events.length, matched, raised: [], updated: [] };

    // Stamped when the transaction starts, which on SQLite may be after queued writes.
    const { raised, updated } = await this.database.transaction((manager) =>
      this.storeAlerts(manager, organizationId, [...groups.values()], new Date()),
    );

    // Published only now that the transaction has committed, in sequence order.
    this.feed.publishRaised(raised);
    for (const alert of updated) this.feed.publishUpdated(alert, [AlertChange.EVENTS_ADDED]);
    this.logger.info(
      { organizationId, events: events.length, matched, raised: raised.length, updated: updated.length },
      'events matched',
    );
    return { accepted: events.length, matched, raised, updated };
  }

  private matchEvents(organizationId: string, events: readonly ParsedEvent[], now: Date) {
    const groups = new Map<string, MatchGroup>();
    let matched = 0;

    for (const event of events) {
      const matches = this.index.match(organizationId, event.observables, now);
      if (matches.length === 0) continue;
      matched += 1;

      for (const match of matches) {
        const key = `${match.indicator.id}\u0000${event.deviceId}`;
        const group = groups.get(key);
        if (!group) {
          groups.set(key, {
            match,
            deviceId: event.deviceId,
            deviceName: event.deviceName,
            firstEventTime: event.eventTime,
            lastEventTime: event.eventTime,
            eventCount: 1,
          });
          continue;
        }
        group.eventCount += 1;
        if (event.eventTime < group.firstEventTime) group.firstEventTime = event.eventTime;
        if (event.eventTime > group.lastEventTime) group.lastEventTime = event.eventTime;
      }
    }
    return { groups, matched };
  }

  private async storeAlerts(manager: EntityManager, organizationId: string, groups: MatchGroup[], now: Date) {
    // The organization row stays locked until commit, so alert writes of one organization run
    // one at a time on every instance. The open-alert check below cannot race, and feed
    // sequences commit in order. The cluster test checks this with concurrent matches.
    await lockOrganization(manager, organizationId);
    const definitionIds = [...new Set(groups.map((group) => group.match.indicator.alertDefinitionId))];
    const definitions = await loadDefinitions(manager, organizationId, definitionIds);
    const openAlerts = await loadOpenAlerts(manager, organizationId, groups);

    const fresh: Array<Omit<AlertEntity, 'sequence' | 'feedSequence'>> = [];
    const updated: AlertRecord[] = [];
    for (const group of groups) {
      const open = openAlerts.get(`${group.match.indicator.id}\u0000${group.deviceId}`);
      if (open) {
        updated.push(toAlertRecord(await addEvents(manager, open, group, now)));
        continue;
      }
      // The definition was deleted after the index lookup; its indicators no longer raise alerts.
      const definition = definitions.get(group.match.indicator.alertDefinitionId);
      if (definition) fresh.push(newAlertRow(definition, group, now));
    }
    const firstSequence = await reserveFeedSequences(manager, organizationId, fresh.length);
    const numbered = fresh.map((row, position) => ({ ...row, feedSequence: firstSequence + position }));
    const raised = (await insertAlerts(manager, numbered)).map(toAlertRecord);
    return { raised, updated };
  }
}

async function loadDefinitions(manager: EntityManager, organizationId: string, ids: string[]) {
  const byId = new Map<string, AlertDefinitionEntity>();
  for (let start = 0; start < ids.length; start += LOOKUP_CHUNK) {
    const rows = await manager.findBy(AlertDefinitionEntity, { organizationId, id: In(ids.slice(start, start + LOOKUP_CHUNK)) });
    for (const row of rows) byId.set(row.id, row);
  }
  return byId;
}

/**
 * Reads the open alerts of exactly the (indicator, device) pairs matched, so
 * an indicator with open alerts on many devices costs nothing extra. Each
 * pair is one lookup in the partial unique index of open alerts.
 */
async function loadOpenAlerts(manager: EntityManager, organizationId: string, groups: MatchGroup[]) {
  const byKey = new Map<string, AlertEntity>();

  for (let start = 0; start < groups.length; start += PAIR_LOOKUP_CHUNK) {
    const chunk = groups.slice(start, start + PAIR_LOOKUP_CHUNK);
    const parameters: Record<string, string> = {};
    const pairs = chunk.map((group, position) => {
      parameters[`indicator${position}`] = group.match.indicator.id;
      parameters[`device${position}`] = group.deviceId;
      return `(a.indicator_id = :indicator${position} AND a.device_id = :device${position})`;
    });
    const rows = await manager
      .getRepository(AlertEntity)
      .createQueryBuilder('a')
      .where('a.organization_id = :organizationId', { organizationId })
      .andWhere('a.status <> :resolved', { resolved: AlertStatus.RESOLVED })
      .andWhere(`(${pairs.join(' OR ')})`, parameters)
      .getMany();
    for (const row of rows) byKey.set(`${row.indicatorId}\u0000${row.deviceId}`, row);
  }
  return byKey;
}

async function addEvents(manager: EntityManager, open: AlertEntity, group: MatchGroup, now: Date): Promise<AlertEntity> {
  const next: AlertEntity = {
    ...open,
    eventCount: open.eventCount + group.eventCount,
    firstEventTime: group.firstEventTime < open.firstEventTime ? group.firstEventTime : open.firstEventTime,
    lastEventTime: group.lastEventTime > open.lastEventTime ? group.lastEventTime : open.lastEventTime,
    deviceName: open.deviceName ?? group.deviceName,
    updatedAt: now,
  };
  await manager.update(
    AlertEntity,
    { sequence: open.sequence },
    {
      eventCount: next.eventCount,
      firstEventTime: next.firstEventTime,
      lastEventTime: next.lastEventTime,
      deviceName: next.deviceName,
      updatedAt: now,
    },
  );
  return next;
}

function newAlertRow(
  definition: AlertDefinitionEntity,
  group: MatchGroup,
  now: Date,
): Omit<AlertEntity, 'sequence' | 'feedSequence'> {
  return {
    id: uuidv7(),
    organizationId: definition.organizationId,
    alertDefinitionId: definition.id,
    indicatorId: group.match.indicator.id,
    indicatorType: group.match.indicator.type,
    title: definition.title,
    severity: definition.severity,
    category: definition.category,
    description: definition.description,
    recommendedActions: definition.recommendedActions,
    mitreTechniques: definition.mitreTechniques,
    status: AlertStatus.NEW,
    classification: null,
    determination: null,
    assignedTo: null,
    deviceId: group.deviceId,
    deviceName: group.deviceName,
    matchedField: group.match.observable.field,
    matchedValue: group.match.matchedValue,
    firstEventTime: group.firstEventTime,
    lastEventTime: group.lastEventTime,
    eventCount: group.eventCount,
    createdAt: now,
    updatedAt: now,
  };
}

/** Takes the organization row's lock for the rest of the transaction (a no-op update). */
async function lockOrganization(manager: EntityManager, organizationId: string): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(OrganizationEntity)
    .set({ alertSequence: () => 'alert_sequence' })
    .where('id = :organizationId', { organizationId })
    .execute();
}

/** Reserves `count` consecutive feed sequences for the organization; returns the first. */
async function reserveFeedSequences(manager: EntityManager, organizationId: string, count: number): Promise<number> {
  if (count === 0) return 0;
  await manager.increment(OrganizationEntity, { id: organizationId }, 'alertSequence', count);
  const organization = await manager.findOneOrFail(OrganizationEntity, { select: { alertSequence: true }, where: { id: organizationId } });
  return organization.alertSequence - count + 1;
}

/**
 * Inserts alerts with multi-row statements, then reads back the sequence
 * numbers the database assigned. Alert rows bind 24 parameters each.
 */
async function insertAlerts(manager: EntityManager, rows: Array<Omit<AlertEntity, 'sequence'>>): Promise<AlertEntity[]> {
  const stored: AlertEntity[] = [];
  for (let start = 0; start < rows.length; start += ALERT_INSERT_CHUNK) {
    const chunk = rows.slice(start, start + ALERT_INSERT_CHUNK);
    await manager.createQueryBuilder().insert().into(AlertEntity).values(chunk).updateEntity(false).execute();

    const assigned = await manager.find(AlertEntity, {
      select: { id: true, sequence: true },
      where: { id: In(chunk.map((row) => row.id)) },
    });
    const sequenceById = new Map(assigned.map((row) => [row.id, Number(row.sequence)]));
    for (const row of chunk) stored.push({ ...row, sequence: sequenceById.get(row.id)! });
  }
  return stored.sort((a, b) => a.feedSequence - b.feedSequence);
}
