import { Redis } from 'ioredis';

import type { Logger } from '../logging/logger';

/**
 * The two Redis connections an instance needs: one to publish (and for rate
 * limits), one held in subscriber mode. ioredis reconnects both and
 * subscribes again on its own; `onReconnect` callbacks run each time the
 * subscriber is ready again, because messages sent meanwhile were lost.
 */
export class RedisConnection {
  readonly publisher: Redis;
  readonly subscriber: Redis;
  private readonly reconnectCallbacks: Array<() => void> = [];
  private everReady = false;

  /** `name` goes into the connection names (`NAME-publisher`, `NAME-subscriber`) shown by CLIENT LIST. */
  constructor(url: string, name: string, private readonly logger: Logger) {
    const options = { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false };
    this.publisher = new Redis(url, { ...options, connectionName: `${name}-publisher` });
    this.subscriber = new Redis(url, { ...options, connectionName: `${name}-subscriber` });

    for (const [role, client] of [['publisher', this.publisher], ['subscriber', this.subscriber]] as const) {
      client.on('error', (error: Error) => this.logger.warn({ err: error, role }, 'redis connection error'));
      client.on('end', () => this.logger.warn({ role }, 'redis connection closed'));
    }
    this.subscriber.on('ready', () => {
      if (this.everReady) {
        this.logger.info('redis subscriber reconnected; catching up from the database');
        for (const callback of this.reconnectCallbacks) callback();
      }
      this.everReady = true;
    });
  }

  /** True while both connections are ready to send commands. */
  get healthy(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Resolves when both connections are ready, or rejects after `timeoutMs`. */
  async ready(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.healthy) {
      if (Date.now() > deadline) throw new Error(`Redis did not become ready within ${timeoutMs} ms; check REDIS_URL.`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  onReconnect(callback: () => void): void {
    this.reconnectCallbacks.push(callback);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
  }
}
