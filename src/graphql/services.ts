import type { AlertFeed } from '../feed/alert-feed';
import type { AlertDefinitionService } from '../services/alert-definition.service';
import type { AlertService } from '../services/alert.service';
import type { IndicatorService } from '../services/indicator.service';
import type { IngestService } from '../services/ingest.service';

/** The application services resolvers call. */
export interface Services {
  definitions: AlertDefinitionService;
  indicators: IndicatorService;
  alerts: AlertService;
  ingest: IngestService;
  feed: AlertFeed;
}
