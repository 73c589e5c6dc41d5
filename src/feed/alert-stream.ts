import { GraphQLError } from 'graphql';

import { ErrorCode } from '../domain/errors';
import { encodeCursor } from '../domain/cursor';
import type { AlertService } from '../services/alert.service';
import { toAlertRecord, type AlertRecord } from './alert-feed.payload';
import type { AlertFeed } from './alert-feed';

/** Stored alerts read per statement while a subscriber catches up. */
const BACKFILL_PAGE = 500;

/**
 * Live alerts held for one subscriber that reads slower than alerts arrive.
 * Past this, the subscription ends with an error that names the cursor to
 * resume from, so server memory stays bounded.
 */
export const MAX_BUFFERED_ALERTS = 10_000;

export interface AlertStreamOptions {
  feed: AlertFeed;
  alerts: AlertService;
  organizationId: string;
  /** Replay stored alerts after this sequence first; null streams live alerts only. */
  afterSequence: number | null;
  accept: (alert: AlertRecord) => boolean;
}

/**
 * Streams raised alerts: the stored ones after `afterSequence`, then the live
 * ones, with no gap and no duplicate. The live subscription starts before
 * the database is read, and alerts are published only after they commit, so
 * every alert is in the replayed rows, in the live buffer, or in both. When
 * it is in both, its sequence number drops the second copy.
 */
export async function* streamRaisedAlerts(options: AlertStreamOptions): AsyncGenerator<AlertRecord> {
  const live = new LiveBuffer(options.feed.subscribeRaised(options.organizationId)[Symbol.asyncIterator]());
  let lastSequence = options.afterSequence ?? 0;
  options.feed.activeStreams += 1;

  try {
    if (options.afterSequence !== null) {
      for (;;) {
        const rows = await options.alerts.listAfter(options.organizationId, lastSequence, BACKFILL_PAGE);
        for (const row of rows) {
          const record = toAlertRecord(row);
          lastSequence = record.sequence;
          if (options.accept(record)) yield record;
        }
        if (rows.length < BACKFILL_PAGE) break;
      }
    }

    for (;;) {
      const record = await live.take(lastSequence);
      if (record === null) return;
      if (record.sequence <= lastSequence) continue;
      lastSequence = record.sequence;
      if (options.accept(record)) yield record;
    }
  } finally {
    options.feed.activeStreams -= 1;
    await live.close();
  }
}

/** Pulls a live subscription eagerly into a bounded queue. */
class LiveBuffer {
  private readonly queue: AlertRecord[] = [];
  private wake: (() => void) | null = null;
  private overflowed = false;
  private ended = false;

  constructor(private readonly source: AsyncIterator<{ alert: AlertRecord }>) {
    void this.pump();
  }

  async take(lastSequence: number): Promise<AlertRecord | null> {
    for (;;) {
      if (this.overflowed) throw overflowError(lastSequence);
      const next = this.queue.shift();
      if (next) return next;
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.source.return?.();
  }

  private async pump(): Promise<void> {
    // The first next() call subscribes synchronously, before any await.
    for (let result = await this.source.next(); !result.done; result = await this.source.next()) {
      this.queue.push(result.value.alert);
      if (this.queue.length > MAX_BUFFERED_ALERTS) {
        this.overflowed = true;
        this.queue.length = 0;
        break;
      }
      this.notify();
    }
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

function overflowError(lastSequence: number): GraphQLError {
  return new GraphQLError(
    `The subscriber fell more than ${MAX_BUFFERED_ALERTS} alerts behind; subscribe again with after: "${encodeCursor('alert', lastSequence)}" to resume without loss.`,
    { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } },
  );
}
