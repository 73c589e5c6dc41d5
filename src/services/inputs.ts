import type { AlertDetermination } from '../domain/alert-rules';
import type {
  AlertCategory,
  AlertClassification,
  AlertStatus,
  IndicatorType,
  MatchFunction,
  Severity,
} from '../domain/enums';

/** Service-layer inputs: plain objects, already shape-checked by the API layer. */

export interface IndicatorInput {
  type: IndicatorType;
  value: string;
  matchFunction?: MatchFunction | null;
  enabled?: boolean | null;
  expiresAt?: Date | null;
  description?: string | null;
  source?: string | null;
}

export interface AlertDefinitionInput {
  title: string;
  description?: string | null;
  severity: Severity;
  category: AlertCategory;
  recommendedActions?: string | null;
  mitreTechniques?: string[] | null;
  enabled?: boolean | null;
  indicators?: IndicatorInput[] | null;
}

/** Omitted (undefined) fields stay as they are. */
export interface AlertDefinitionPatch {
  title?: string;
  description?: string;
  severity?: Severity;
  category?: AlertCategory;
  recommendedActions?: string;
  mitreTechniques?: string[];
  enabled?: boolean;
}

/** Omitted (undefined) fields stay as they are; `expiresAt: null` removes the expiry. */
export interface IndicatorPatch {
  value?: string;
  matchFunction?: MatchFunction;
  enabled?: boolean;
  expiresAt?: Date | null;
  description?: string;
  source?: string;
}

export interface AlertPatch {
  status?: AlertStatus;
  classification?: AlertClassification | null;
  determination?: AlertDetermination | null;
  assignedTo?: string | null;
  comment?: string;
}

export interface PageRequest {
  first: number;
  after?: string | null;
}

export interface AlertDefinitionFilter {
  severities?: Severity[] | null;
  categories?: AlertCategory[] | null;
  enabled?: boolean | null;
  /** Case-insensitive substring of the title. */
  titleContains?: string | null;
}

export interface IndicatorFilter {
  alertDefinitionId?: string | null;
  types?: IndicatorType[] | null;
  enabled?: boolean | null;
  /** Matches indicators whose normalized value equals this value after normalization. */
  value?: string | null;
}

export interface AlertFilter {
  severities?: Severity[] | null;
  statuses?: AlertStatus[] | null;
  alertDefinitionId?: string | null;
  deviceId?: string | null;
  since?: Date | null;
  until?: Date | null;
}
