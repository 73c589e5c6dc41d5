import { randomUUID } from 'node:crypto';

import type { Logger } from '../logging/logger';
import type { IndicatorIndex } from '../matching/indicator-index';
import type { Database } from '../persistence/database';
import { loadMatchableByIds, rebuildIndex } from '../services/index-sync';
import type { IndexChangeNotifier } from '../services/index-changes';
import type { RedisConnection } from './redis-connection';

/** Indicator ids per Redis message, so one message stays well under a megabyte. */
const IDS_PER_MESSAGE = 5000;

interface IndexChangeMessage {
  origin: string;
  ids: string[];
}

/**
 * Keeps the matching index of every instance in step. An instance that
 * changes indicators publishes their ids; the others read those rows from
 * the database and add, replace or drop them. Messages lost while Redis was
 * away are covered by a full rebuild when the subscriber reconnects.
 */
export class IndexBroadcast implements IndexChangeNotifier {
  private readonly instanceId = randomUUID();
  private readonly channel: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly database: Database,
    private readonly index: IndicatorIndex,
    private readonly logger: Logger,
    channelPrefix: string,
  ) {
    this.channel = `${channelPrefix}index-changes`;
  }

  /** Subscribes to changes from other instances and rebuilds after every reconnect. */
  async start(): Promise<void> {
    this.redis.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) void this.apply(message);
    });
    this.redis.onReconnect(() => void this.rebuild());
    await this.redis.subscriber.subscribe(this.channel);
  }

  indicatorsChanged(ids: readonly string[]): void {
    for (let start = 0; start < ids.length; start += IDS_PER_MESSAGE) {
      const message: IndexChangeMessage = { origin: this.instanceId, ids: ids.slice(start, start + IDS_PER_MESSAGE) };
      this.redis.publisher
        .publish(this.channel, JSON.stringify(message))
        .catch((error: unknown) => this.logger.warn({ err: error, ids: message.ids.length }, 'failed to publish index changes'));
    }
  }

  private async apply(raw: string): Promise<void> {
    try {
      const message = JSON.parse(raw) as IndexChangeMessage;
      if (message.origin === this.instanceId || !Array.isArray(message.ids)) return;

      const matchable = await loadMatchableByIds(this.database, message.ids);
      const found = new Set(matchable.map((indicator) => indicator.id));
      for (const indicator of matchable) this.index.upsert(indicator);
      this.index.removeMany(message.ids.filter((id) => !found.has(id)));
      this.logger.debug({ ids: message.ids.length }, 'applied index changes from another instance');
    } catch (error) {
      this.logger.error({ err: error }, 'failed to apply index changes from another instance; rebuilding the index');
      await this.rebuild();
    }
  }

  private async rebuild(): Promise<void> {
    try {
      const started = Date.now();
      const count = await rebuildIndex(this.database, this.index);
      this.logger.info({ indicators: count, durationMs: Date.now() - started }, 'matching index rebuilt');
    } catch (error) {
      this.logger.error({ err: error }, 'matching index rebuild failed');
    }
  }
}
