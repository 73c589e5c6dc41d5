import { GraphQLError } from 'graphql';
import { Arg, Ctx, Resolver, Root, Subscription } from 'type-graphql';

import { decodeAlertCursor } from '../../domain/cursor';
import { SEVERITY_RANK } from '../../domain/enums';
import { ErrorCode } from '../../domain/errors';
import type { AlertRecord, AlertUpdatedPayload } from '../../feed/alert-feed.payload';
import { LiveBuffer, MAX_BUFFERED_ALERTS, RESYNC, streamRaisedAlerts } from '../../feed/alert-stream';
import { AlertFeedFilter } from '../alert/alert.input';
import { Alert, AlertUpdate } from '../alert/alert.type';
import { callerOf, type GraphQLContext } from '../context';
import { assertValidInput } from '../validation';

interface FeedArgs {
  filter?: AlertFeedFilter | null;
  after?: string | null;
}

@Resolver()
export class AlertFeedResolver {
  @Subscription(() => Alert, {
    description:
      'Alerts as they are raised. With `after` (an alert cursor), first every stored alert after it, in order, then the live ones, with no gap and no duplicate.',
    subscribe: async ({ args, context }) => {
      const { filter, after } = args as FeedArgs;
      const ctx = context as GraphQLContext;
      const caller = callerOf(ctx);
      await assertValidFilter(filter);
      return streamRaisedAlerts({
        feed: ctx.services.feed,
        alerts: ctx.services.alerts,
        organizationId: caller.organizationId,
        afterSequence: after ? decodeAlertCursor(after, 'after') : null,
        accept: feedFilter(filter ?? null),
      });
    },
  })
  alertRaised(
    @Root() alert: AlertRecord,
    @Arg('filter', () => AlertFeedFilter, { nullable: true, description: 'Only alerts matching every given field.' }) _filter: AlertFeedFilter | null,
    @Arg('after', () => String, { nullable: true, description: 'Alert cursor to resume after.' }) _after: string | null,
  ): Alert {
    return Alert.from(alert);
  }

  @Subscription(() => AlertUpdate, {
    description: 'Changes to existing alerts: new events counted, status, classification or assignment changed, comments added.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const { organizationId } = callerOf(ctx);
      await assertValidFilter((args as FeedArgs).filter);
      return streamUpdates(ctx, organizationId, feedFilter((args as FeedArgs).filter ?? null));
    },
  })
  alertUpdated(
    @Root() payload: AlertUpdatedPayload,
    @Arg('filter', () => AlertFeedFilter, { nullable: true, description: 'Only alerts matching every given field.' }) _filter: AlertFeedFilter | null,
    @Ctx() _context: GraphQLContext,
  ): AlertUpdate {
    return { alert: Alert.from(payload.alert), changes: payload.changes };
  }
}

/** Checks a feed filter at subscribe time; type-graphql would only check it when each event resolves. */
function assertValidFilter(filter: AlertFeedFilter | null | undefined): Promise<void> {
  return assertValidInput(filter ? Object.assign(new AlertFeedFilter(), filter) : null, 'filter');
}

async function* streamUpdates(
  context: GraphQLContext,
  organizationId: string,
  accept: (alert: AlertRecord) => boolean,
): AsyncGenerator<AlertUpdatedPayload> {
  const { feed } = context.services;
  const live = new LiveBuffer<AlertUpdatedPayload>(
    (listener) => feed.listenUpdated(organizationId, listener),
    () =>
      new GraphQLError(
        `The subscriber fell more than ${MAX_BUFFERED_ALERTS} updates behind; subscribe again and read current state with the alerts query.`,
        { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } },
      ),
  );
  feed.activeStreams += 1;
  try {
    for (;;) {
      const payload = await live.take(0);
      if (payload === null) return;
      if (payload !== RESYNC && accept(payload.alert)) yield payload;
    }
  } finally {
    feed.activeStreams -= 1;
    live.close();
  }
}

function feedFilter(filter: AlertFeedFilter | null): (alert: AlertRecord) => boolean {
  const minRank = filter?.minSeverity ? SEVERITY_RANK[filter.minSeverity] : 0;
  const definitions = filter?.alertDefinitionIds?.length ? new Set(filter.alertDefinitionIds) : null;
  const devices = filter?.deviceIds?.length ? new Set(filter.deviceIds) : null;

  return (alert) =>
    SEVERITY_RANK[alert.severity] >= minRank &&
    (!definitions || definitions.has(alert.alertDefinitionId)) &&
    (!devices || devices.has(alert.deviceId));
}
