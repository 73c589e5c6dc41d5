import {
  createSourceEventStream,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';

/**
 * Builds a `subscribe` for graphql-ws that executes each event once per
 * group of subscriptions instead of once per subscription. Subscriptions
 * share a group when they have the same document, operation name,
 * variables, organization and role (the `group` function returns that key),
 * so their results for the same event are identical.
 *
 * Results are cached per event payload object in a WeakMap: the pub/sub
 * hands every local subscriber the same payload object, and the cache entry
 * goes away with it. Payloads read from the database are distinct objects
 * and are executed per subscription, as graphql-js would.
 */
export function createSharedSubscribe(group: (args: ExecutionArgs) => string | null) {
  const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

  const executeShared = (args: ExecutionArgs, key: string | null, payload: unknown): Promise<ExecutionResult> => {
    if (key === null || payload === null || typeof payload !== 'object') {
      return Promise.resolve(execute({ ...args, rootValue: payload }));
    }
    let byGroup = results.get(payload);
    if (!byGroup) {
      byGroup = new Map();
      results.set(payload, byGroup);
    }
    let result = byGroup.get(key);
    if (!result) {
      result = Promise.resolve(execute({ ...args, rootValue: payload }));
      byGroup.set(key, result);
    }
    return result;
  };

  return async (args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;

    const key = group(args);
    return (async function* mapEvents() {
      for await (const payload of source as AsyncIterable<unknown>) yield await executeShared(args, key, payload);
    })();
  };
}
