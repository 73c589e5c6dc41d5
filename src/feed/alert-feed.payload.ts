import type { AlertDetermination } from '../domain/alert-rules';
import type {
  AlertCategory,
  AlertClassification,
  AlertStatus,
  IndicatorType,
  Severity,
} from '../domain/enums';
import type { AlertEntity } from '../persistence/entities';
import type { AlertChange } from './alert-feed.topics';

/**
 * An alert as it travels on the feed: JSON-serialisable (times are ISO
 * strings), so a network pub/sub can carry it unchanged, and complete, so
 * subscribers need no database read per event.
 */
export interface AlertRecord {
  /** Position in the organization's feed; consecutive within an organization. */
  feedSequence: number;
  id: string;
  organizationId: string;
  alertDefinitionId: string;
  indicatorId: string;
  indicatorType: IndicatorType;
  title: string;
  severity: Severity;
  category: AlertCategory;
  description: string;
  recommendedActions: string;
  mitreTechniques: string[];
  status: AlertStatus;
  classification: AlertClassification | null;
  determination: AlertDetermination | null;
  assignedTo: string | null;
  deviceId: string;
  deviceName: string | null;
  matchedField: string;
  matchedValue: string;
  firstEventTime: string;
  lastEventTime: string;
  eventCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface AlertRaisedPayload {
  alert: AlertRecord;
}

export interface AlertUpdatedPayload {
  alert: AlertRecord;
  changes: AlertChange[];
}

export function toAlertRecord(row: AlertEntity): AlertRecord {
  return {
    feedSequence: Number(row.feedSequence),
    id: row.id,
    organizationId: row.organizationId,
    alertDefinitionId: row.alertDefinitionId,
    indicatorId: row.indicatorId,
    indicatorType: row.indicatorType,
    title: row.title,
    severity: row.severity,
    category: row.category,
    description: row.description,
    recommendedActions: row.recommendedActions,
    mitreTechniques: row.mitreTechniques,
    status: row.status,
    classification: row.classification,
    determination: row.determination,
    assignedTo: row.assignedTo,
    deviceId: row.deviceId,
    deviceName: row.deviceName,
    matchedField: row.matchedField,
    matchedValue: row.matchedValue,
    firstEventTime: row.firstEventTime.toISOString(),
    lastEventTime: row.lastEventTime.toISOString(),
    eventCount: row.eventCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
