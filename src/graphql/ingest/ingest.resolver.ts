import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';

import { forbidden, invalidInput, type InputIssue } from '../../domain/errors';
import { hasPermission, Permission, rolesWith } from '../../domain/roles';
import { parseNativeEvent } from '../../ingest/native';
import type { ParsedEvent } from '../../matching/observable';
import { Alert } from '../alert/alert.type';
import { callerOf, type GraphQLContext } from '../context';
import { EventInput, IngestResult, MAX_EVENTS_PER_CALL } from './event.input';

@Resolver(() => IngestResult)
export class IngestResolver {
  @Mutation(() => IngestResult, {
    description: `Matches up to ${MAX_EVENTS_PER_CALL} native events against the organization's indicators. Invalid events reject the whole call; POST /events skips bad lines instead.`,
  })
  async ingestEvents(
    @Arg('events', () => [EventInput], { description: 'Events in the native shape.' }) events: EventInput[],
    @Ctx() context: GraphQLContext,
  ): Promise<IngestResult> {
    if (events.length > MAX_EVENTS_PER_CALL) {
      throw invalidInput([
        { field: 'events', message: `must contain at most ${MAX_EVENTS_PER_CALL} events; received ${events.length}. Split the batch or use POST /events.` },
      ]);
    }

    const receivedAt = new Date();
    const parsed: ParsedEvent[] = [];
    const issues: InputIssue[] = [];
    for (const [index, event] of events.entries()) {
      const result = parseNativeEvent({ ...event, eventTime: event.eventTime?.toISOString() }, receivedAt);
      if (result.ok) parsed.push(result.event);
      else issues.push(eventIssue(index, result.reason));
    }
    if (issues.length > 0) throw invalidInput(issues);

    const result = await context.services.ingest.ingest(callerOf(context).organizationId, parsed);
    return {
      accepted: result.accepted,
      matched: result.matched,
      raisedAlertIds: result.raised.map((alert) => alert.id),
      updatedAlertIds: result.updated.map((alert) => alert.id),
      raisedAlerts: result.raised.map(Alert.from),
      updatedAlerts: result.updated.map(Alert.from),
    };
  }

  @FieldResolver(() => [Alert], {
    nullable: true,
    description: 'Alerts raised by these events. Needs a key that may read alerts; INGEST keys get FORBIDDEN and use raisedAlertIds.',
  })
  raised(@Root() result: IngestResult, @Ctx() context: GraphQLContext): Alert[] {
    requireReadPermission(context, 'raised');
    return result.raisedAlerts;
  }

  @FieldResolver(() => [Alert], {
    nullable: true,
    description: 'Open alerts these events added to. Needs a key that may read alerts; INGEST keys get FORBIDDEN and use updatedAlertIds.',
  })
  updated(@Root() result: IngestResult, @Ctx() context: GraphQLContext): Alert[] {
    requireReadPermission(context, 'updated');
    return result.updatedAlerts;
  }
}

/** The alerts carry definition metadata, comments and indicator values, which a send-only key must not read. */
function requireReadPermission(context: GraphQLContext, field: string): void {
  const caller = callerOf(context);
  if (!hasPermission(caller.role, Permission.READ)) {
    throw forbidden(
      `The ${caller.role} role may not read "${field}"; it needs a key with the role ${rolesWith(Permission.READ).join(', ')}. Read raisedAlertIds and updatedAlertIds instead.`,
    );
  }
}

/** Splits a native-event reason that starts with a quoted field path into the issue's field and message. */
function eventIssue(index: number, reason: string): InputIssue {
  const quoted = /^"([^"]+)" (.*)$/s.exec(reason);
  return quoted
    ? { field: `events[${index}].${quoted[1]}`, message: quoted[2] }
    : { field: `events[${index}]`, message: reason };
}
