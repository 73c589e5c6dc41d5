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
  /** Replay stored alerts after this feed sequence first; null streams live alerts only. */
  afterSequence: number | null;
  accept: (alert: AlertRecord) => boolean;
}

/**
 * Streams raised alerts: the stored ones after `afterSequence`, then the live
 * ones, in feed order, with no gap and no duplicate.
 *
 * The live subscription starts before the database is read, and alerts are
 * published only after they commit. So every alert is in the replayed rows,
 * in the live buffer, or in both, and a feed sequence already sent drops the
 * second copy. Feed sequences are consecutive within an organization, so a
 * live alert that skips numbers reveals missed or reordered messages, and
 * the missing alerts are read from the database before it is sent.
 */
export async function* streamRaisedAlerts(options: AlertStreamOptions): AsyncGenerator<AlertRecord> {
  const { feed, organizationId } = options;
  const live = new LiveBuffer<AlertRecord>((listener) => feed.listenRaised(organizationId, (payload) => listener(payload.alert)));
  const onResync = (target: string | null) => {
    if (target === null || target === organizationId) live.requestResync();
  };
  feed.on('resync', onResync);
  feed.trackStream(organizationId, 1);
  let counted = false;

  try {
    // Without `after`, the stream starts at the organization's latest alert as of now.
    let lastSequence = options.afterSequence ?? (await options.alerts.currentFeedSequence(organizationId));
    for await (const record of readStored(options, lastSequence, Number.MAX_SAFE_INTEGER)) {
      lastSequence = record.feedSequence;
      if (options.accept(record)) yield record;
    }
    // Counted once the stored alerts are out and only live ones remain.
    feed.activeStreams += 1;
    counted = true;

    for (;;) {
      const next = await live.take(lastSequence);
      if (next === null) return;

      // A resync reads everything after the last alert sent; a live alert reads the gap before it.
      const before = next === RESYNC ? Number.MAX_SAFE_INTEGER : next.feedSequence;
      if (next !== RESYNC) feed.noteLive(organizationId, next.feedSequence);
      if (before <= lastSequence) continue;

      for await (const missed of readStored(options, lastSequence, before)) {
        lastSequence = missed.feedSequence;
        if (options.accept(missed)) yield missed;
      }
      if (next === RESYNC) continue;
      lastSequence = next.feedSequence;
      if (options.accept(next)) yield next;
    }
  } finally {
    feed.off('resync', onResync);
    feed.trackStream(organizationId, -1);
    if (counted) feed.activeStreams -= 1;
    live.close();
  }
}

/** Queue marker: messages may have been lost, so read the database. */
export const RESYNC = Symbol('resync');

/** Stored alerts with a feed sequence strictly between `after` and `before`, oldest first. */
async function* readStored(options: AlertStreamOptions, after: number, before: number): AsyncGenerator<AlertRecord> {
  let last = after;
  for (;;) {
    const limit = Math.min(BACKFILL_PAGE, before - last - 1);
    if (limit <= 0) return;

    const rows = await options.alerts.listAfter(options.organizationId, last, limit);
    for (const row of rows) {
      if (row.feedSequence >= before) return;
      last = row.feedSequence;
      yield toAlertRecord(row);
    }
    if (rows.length < limit) return;
  }
}

/**
 * Queues live events for one stream, at most MAX_BUFFERED_ALERTS. Past that
 * it stops listening and `take` throws an error naming the cursor to resume
 * from, so a stalled subscriber can neither grow server memory without bound
 * nor hold up anyone else.
 */
export class LiveBuffer<T> {
  private readonly queue: Array<T | typeof RESYNC> = [];
  private wake: (() => void) | null = null;
  private overflowed = false;
  private closed = false;
  private readonly stopListening: () => void;

  constructor(
    listen: (listener: (item: T) => void) => () => void,
    private readonly overflow: (lastSequence: number) => GraphQLError = overflowError,
  ) {
    this.stopListening = listen((item) => this.push(item));
  }

  /** Resolves with the next item, a resync marker, or null once closed. */
  async take(lastSequence: number): Promise<T | typeof RESYNC | null> {
    for (;;) {
      if (this.overflowed) throw this.overflow(lastSequence);
      const next = this.queue.shift();
      if (next !== undefined) return next;
      if (this.closed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  requestResync(): void {
    if (this.queue[this.queue.length - 1] !== RESYNC) this.queue.push(RESYNC);
    this.notify();
  }

  close(): void {
    this.closed = true;
    this.stopListening();
    this.notify();
  }

  private push(item: T): void {
    if (this.overflowed || this.closed) return;
    this.queue.push(item);
    if (this.queue.length > MAX_BUFFERED_ALERTS) {
      this.overflowed = true;
      this.queue.length = 0;
      this.stopListening();
    }
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
