import { EventEmitter, setMaxListeners } from 'node:events';

import { createPubSub, type PubSub } from '@graphql-yoga/subscription';

import type { TopicEventTarget } from '../cluster/prefixed-event-target';
import type { Logger } from '../logging/logger';
import type { AlertRaisedPayload, AlertRecord, AlertUpdatedPayload } from './alert-feed.payload';
import { AlertFeedTopic, type AlertChange } from './alert-feed.topics';

/** Each topic is keyed by organization id, so a subscriber receives only alerts of its own organization. */
type FeedChannels = {
  [AlertFeedTopic.ALERT_RAISED]: [organizationId: string, payload: AlertRaisedPayload];
  [AlertFeedTopic.ALERT_UPDATED]: [organizationId: string, payload: AlertUpdatedPayload];
};

/**
 * Publishes stored alerts to subscribers, in this process or, with a Redis
 * event target, on every instance. Callers publish only after the
 * transaction that wrote the alerts has committed, in sequence order.
 *
 * Emits `resync` with an organization id when live messages may have been
 * lost, because Redis reconnected or the database is ahead of what arrived.
 * Open streams of that organization then read the missing alerts from the
 * database.
 */
export class AlertFeed extends EventEmitter<{ resync: [organizationId: string | null] }> {
  readonly pubSub: PubSub<FeedChannels>;
  /** Subscription streams in this process that deliver live alerts (`alertRaised` after its replay, and `alertUpdated`). */
  activeStreams = 0;
  /** Organizations with open `alertRaised` streams, and how many each. */
  private readonly streamsByOrganization = new Map<string, number>();
  /** Highest feed sequence seen live per organization. */
  private readonly heads = new Map<string, number>();

  private readonly target: TopicEventTarget;

  constructor(private readonly logger: Logger, eventTarget?: TopicEventTarget) {
    super();
    this.setMaxListeners(0);
    if (eventTarget) {
      this.target = eventTarget;
    } else {
      const local = new EventTarget();
      // Every open stream of an organization listens on its topic; there is no leak to warn about.
      setMaxListeners(Infinity, local);
      this.target = local as unknown as TopicEventTarget;
    }
    this.pubSub = createPubSub<FeedChannels>({ eventTarget: this.target as never });
  }

  publishRaised(alerts: readonly AlertRecord[]): void {
    for (const alert of alerts) this.pubSub.publish(AlertFeedTopic.ALERT_RAISED, alert.organizationId, { alert });
    if (alerts.length > 0) this.logger.debug({ count: alerts.length }, 'published raised alerts');
  }

  publishUpdated(alert: AlertRecord, changes: AlertChange[]): void {
    this.pubSub.publish(AlertFeedTopic.ALERT_UPDATED, alert.organizationId, { alert, changes });
  }

  /**
   * Calls `listener` synchronously for every live raised alert of one
   * organization until the returned function is called. Listeners keep their
   * own bounded queues; the pub/sub's async iterators would throw once 1,024
   * pushes are pending, which one large ingest request can cause.
   */
  listenRaised(organizationId: string, listener: (payload: AlertRaisedPayload) => void): () => void {
    return this.listen(`${AlertFeedTopic.ALERT_RAISED}:${organizationId}`, listener);
  }

  listenUpdated(organizationId: string, listener: (payload: AlertUpdatedPayload) => void): () => void {
    return this.listen(`${AlertFeedTopic.ALERT_UPDATED}:${organizationId}`, listener);
  }

  /** Topic names follow createPubSub's `ROUTING_KEY:id` form, so publish() reaches these listeners. */
  private listen<T>(topic: string, listener: (payload: T) => void): () => void {
    const handler = (event: Event) => listener((event as CustomEvent<T>).detail);
    this.target.addEventListener(topic, handler);
    return () => this.target.removeEventListener(topic, handler);
  }

  /** Records that a stream of `organizationId` opened (+1) or closed (-1). */
  trackStream(organizationId: string, delta: 1 | -1): void {
    const count = (this.streamsByOrganization.get(organizationId) ?? 0) + delta;
    if (count > 0) this.streamsByOrganization.set(organizationId, count);
    else {
      this.streamsByOrganization.delete(organizationId);
      this.heads.delete(organizationId);
    }
  }

  /** Records the feed sequence of a live alert that reached this instance. */
  noteLive(organizationId: string, feedSequence: number): void {
    if (feedSequence > (this.heads.get(organizationId) ?? 0)) this.heads.set(organizationId, feedSequence);
  }

  /** Organizations with open streams, for the periodic check against the database. */
  watchedOrganizations(): string[] {
    return [...this.streamsByOrganization.keys()];
  }

  /**
   * Compares the database's latest feed sequence of each watched
   * organization with the latest seen live, and resyncs those behind.
   */
  checkHeads(databaseHeads: ReadonlyMap<string, number>): void {
    for (const [organizationId, databaseHead] of databaseHeads) {
      const seen = this.heads.get(organizationId) ?? 0;
      if (databaseHead > seen) {
        this.heads.set(organizationId, databaseHead);
        this.emit('resync', organizationId);
      }
    }
  }

  /** Tells every open stream to read what it may have missed. */
  resyncAll(): void {
    this.emit('resync', null);
  }
}
