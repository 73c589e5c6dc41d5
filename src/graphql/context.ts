import { randomUUID } from 'node:crypto';

import type { Logger } from '../logging/logger';
import { createLoaders, type Loaders } from './loaders';
import type { Services } from './services';

/** Built once per HTTP request and once per websocket subscription. */
export interface GraphQLContext {
  requestId: string;
  /** The organization every read and write of this request is scoped to. */
  organizationId: string;
  /** Name recorded as the author of comments. */
  actor: string;
  services: Services;
  loaders: Loaders;
  logger: Logger;
}

export function createContext(services: Services, logger: Logger, organizationId: string, actor: string): GraphQLContext {
  const requestId = randomUUID();
  return {
    requestId,
    organizationId,
    actor,
    services,
    loaders: createLoaders(services, organizationId),
    logger: logger.child({ requestId }),
  };
}
