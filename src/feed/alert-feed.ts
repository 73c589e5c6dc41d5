import { createPubSub, type PubSub } from '@graphql-yoga/subscription';

import type { Logger } from '../logging/logger';
import type { AlertRaisedPayload, AlertRecord, AlertUpdatedPayload } from './alert-feed.payload';
import { AlertFeedTopic, type AlertChange } from './alert-feed.topics';

/** Each topic is keyed by organization id, so a subscriber receives only alerts of its own organization. */
type FeedChannels = {
  [AlertFeedTopic.ALERT_RAISED]: [organizationId: string, payload: AlertRaisedPayload];
  [AlertFeedTopic.ALERT_UPDATED]: [organizationId: string, payload: AlertUpdatedPayload];
};

/**
 * Publishes stored alerts to subscribers. Callers publish only after the
 * transaction that wrote the alerts has committed, in sequence order.
 */
export class AlertFeed {
  readonly pubSub: PubSub<FeedChannels>;
  /** Open subscription streams (`alertRaised` and `alertUpdated`) in this process. */
  activeStreams = 0;

  constructor(private readonly logger: Logger) {
    this.pubSub = createPubSub<FeedChannels>();
  }

  publishRaised(alerts: readonly AlertRecord[]): void {
    for (const alert of alerts) this.pubSub.publish(AlertFeedTopic.ALERT_RAISED, alert.organizationId, { alert });
    if (alerts.length > 0) this.logger.debug({ count: alerts.length }, 'published raised alerts');
  }

  publishUpdated(alert: AlertRecord, changes: AlertChange[]): void {
    this.pubSub.publish(AlertFeedTopic.ALERT_UPDATED, alert.organizationId, { alert, changes });
  }

  /** Live raised alerts of one organization; the subscription starts at the iterator's first `next()`. */
  subscribeRaised(organizationId: string): AsyncIterable<AlertRaisedPayload> {
    return this.pubSub.subscribe(AlertFeedTopic.ALERT_RAISED, organizationId);
  }

  subscribeUpdated(organizationId: string): AsyncIterable<AlertUpdatedPayload> {
    return this.pubSub.subscribe(AlertFeedTopic.ALERT_UPDATED, organizationId);
  }
}
