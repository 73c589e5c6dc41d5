import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';

import { invalidInput, type InputIssue } from '../../domain/errors';
import { parseNativeEvent } from '../../ingest/native';
import type { ParsedEvent } from '../../matching/observable';
import { Alert } from '../alert/alert.type';
import { callerOf, type GraphQLContext } from '../context';
import { EventInput, IngestResult, MAX_EVENTS_PER_CALL } from './event.input';

@Resolver()
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
      raised: result.raised.map(Alert.from),
      updated: result.updated.map(Alert.from),
    };
  }
}

/** Splits a native-event reason such as `"observables[0].value" must be ...` into the issue's field and message. */
function eventIssue(index: number, reason: string): InputIssue {
  const quoted = /^"([^"]+)" (.*)$/s.exec(reason);
  return quoted
    ? { field: `events[${index}].${quoted[1]}`, message: quoted[2] }
    : { field: `events[${index}]`, message: reason };
}
