import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface RateLimits {
  /** GraphQL mutations per key per minute. */
  mutationsPerMinute: number;
  /** `POST /events` requests and `ingestEvents` calls per key per minute. */
  ingestRequestsPerMinute: number;
}

export type RateLimitKind = 'mutations' | 'ingestion';

/**
 * Per-key request budgets, refilled every minute. With Redis the budget is
 * shared by every instance; while Redis is unreachable each instance falls
 * back to a budget of its own in memory.
 */
export class RateLimiter {
  private readonly limiters: Record<RateLimitKind, RateLimiterAbstract>;

  constructor(limits: RateLimits, redis?: { client: Redis; keyPrefix: string }) {
    const create = (kind: RateLimitKind, points: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ points, duration: 60 });
      if (!redis) return memory;
      return new RateLimiterRedis({
        storeClient: redis.client,
        keyPrefix: `${redis.keyPrefix}rate-${kind}`,
        points,
        duration: 60,
        insuranceLimiter: memory,
      });
    };
    this.limiters = {
      mutations: create('mutations', limits.mutationsPerMinute),
      ingestion: create('ingestion', limits.ingestRequestsPerMinute),
    };
  }

  /** Takes one request from the key's budget; returns null when allowed, else the seconds to wait. */
  async consume(kind: RateLimitKind, keyId: string): Promise<number | null> {
    try {
      await this.limiters[kind].consume(keyId);
      return null;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw rejection;
    }
  }
}
