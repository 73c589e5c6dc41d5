import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimits {
  /** GraphQL mutations per key per minute. */
  mutationsPerMinute: number;
  /** `POST /events` requests and `ingestEvents` calls per key per minute. */
  ingestRequestsPerMinute: number;
}

export type RateLimitKind = 'mutations' | 'ingestion';

/**
 * Per-key request budgets, refilled every minute. Counts live in this
 * process's memory.
 */
// NOTE: with several instances each one keeps its own budget, so a key may send up to N times the limit.
export class RateLimiter {
  private readonly limiters: Record<RateLimitKind, RateLimiterMemory>;

  constructor(limits: RateLimits) {
    this.limiters = {
      mutations: new RateLimiterMemory({ points: limits.mutationsPerMinute, duration: 60 }),
      ingestion: new RateLimiterMemory({ points: limits.ingestRequestsPerMinute, duration: 60 }),
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
