import type { AlertFeed } from '../feed/alert-feed';
import type { AlertDefinitionService } from '../services/alert-definition.service';
import type { AlertService } from '../services/alert.service';
import type { ApiKeyService } from '../services/api-key.service';
import type { AuditService } from '../services/audit.service';
import type { IndicatorService } from '../services/indicator.service';
import type { IngestService } from '../services/ingest.service';
import type { OrganizationService } from '../services/organization.service';

/** The application services resolvers call. */
export interface Services {
  organizations: OrganizationService;
  apiKeys: ApiKeyService;
  audit: AuditService;
  definitions: AlertDefinitionService;
  indicators: IndicatorService;
  alerts: AlertService;
  ingest: IngestService;
  feed: AlertFeed;
}
