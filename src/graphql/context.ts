import { randomUUID } from 'node:crypto';

import { actorOf, type Actor, type Caller } from '../domain/roles';
import type { Logger } from '../logging/logger';
import { createLoaders, type Loaders } from './loaders';
import type { Services } from './services';

/** Built once per HTTP request and once per websocket subscription. */
export interface GraphQLContext {
  requestId: string;
  /** The authenticated key, or null for a request without one (only introspection succeeds then). */
  caller: Caller | null;
  services: Services;
  /** Scoped to the caller's organization; they load nothing without a caller. */
  loaders: Loaders;
  logger: Logger;
}

export function createContext(services: Services, logger: Logger, caller: Caller | null): GraphQLContext {
  const requestId = randomUUID();
  return {
    requestId,
    caller,
    services,
    loaders: createLoaders(services, caller?.organizationId ?? ''),
    logger: logger.child({ requestId, keyId: caller?.keyId }),
  };
}

/**
 * Returns the caller of a request that passed root-field authorization.
 *
 * @throws Error when called without one, which would be a missing authorization decision.
 */
export function callerOf(context: GraphQLContext): Caller {
  if (!context.caller) throw new Error('Invariant: a resolver ran without an authenticated caller.');
  return context.caller;
}

export function actorOfContext(context: GraphQLContext): Actor {
  return actorOf(callerOf(context));
}
