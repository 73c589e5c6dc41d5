import { EventEmitter, on } from 'node:events';

import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';

import { createSharedSubscribe } from '../../src/server/shared-subscribe';

/** Builds a schema whose subscription counts how often its event field resolves. */
function countingSchema(events: EventEmitter, counter: { resolved: number }) {
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { noop: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        event: {
          type: GraphQLString,
          subscribe: async function* () {
            for await (const [payload] of on(events, 'event')) yield payload;
          },
          resolve: (payload: { text: string }) => {
            counter.resolved += 1;
            return payload.text;
          },
        },
      },
    }),
  });
}

async function firstResult(stream: AsyncGenerator<ExecutionResult> | ExecutionResult): Promise<ExecutionResult> {
  const iterator = stream as AsyncGenerator<ExecutionResult>;
  const { value } = await iterator.next();
  await iterator.return(undefined);
  return value as ExecutionResult;
}

describe('createSharedSubscribe', () => {
  it('executes an event once for subscriptions of one group', async () => {
    const events = new EventEmitter();
    const counter = { resolved: 0 };
    const schema = countingSchema(events, counter);
    const subscribe = createSharedSubscribe(() => 'same group');
    const document = parse('subscription { event }');

    const streams = await Promise.all([1, 2, 3].map(() => subscribe({ schema, document, contextValue: {} })));
    const results = Promise.all(streams.map(firstResult));
    await new Promise((resolve) => setImmediate(resolve));
    events.emit('event', { text: 'shared' });

    expect(await results).toEqual([
      { data: { event: 'shared' } },
      { data: { event: 'shared' } },
      { data: { event: 'shared' } },
    ]);
    expect(counter.resolved).toBe(1);
  });

  it('executes an event per group when groups differ', async () => {
    const events = new EventEmitter();
    const counter = { resolved: 0 };
    const schema = countingSchema(events, counter);
    const groups = ['first', 'second'];
    const subscribe = createSharedSubscribe((args) => (args.contextValue as { group: string }).group);
    const document = parse('subscription { event }');

    const streams = await Promise.all(groups.map((group) => subscribe({ schema, document, contextValue: { group } })));
    const results = Promise.all(streams.map(firstResult));
    await new Promise((resolve) => setImmediate(resolve));
    events.emit('event', { text: 'separate' });

    expect(await results).toEqual([{ data: { event: 'separate' } }, { data: { event: 'separate' } }]);
    expect(counter.resolved).toBe(2);
  });

  it('returns the error result of a failed subscribe', async () => {
    const schema = countingSchema(new EventEmitter(), { resolved: 0 });
    const subscribe = createSharedSubscribe(() => null);

    const result = await subscribe({ schema, document: parse('subscription { nope }') });

    expect(result).toEqual({ errors: [expect.objectContaining({ message: 'The subscription field "nope" is not defined.' })] });
  });
});
