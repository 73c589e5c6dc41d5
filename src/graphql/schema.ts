import 'reflect-metadata';

import type { GraphQLSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema, type PubSub } from 'type-graphql';

import './common/enums.registration';
import { AccessResolver } from './access/access.resolver';
import { AlertDefinitionResolver } from './alert-definition/alert-definition.resolver';
import { AlertFeedResolver } from './alert-feed/alert-feed.resolver';
import { AlertResolver } from './alert/alert.resolver';
import { IndicatorResolver } from './indicator/indicator.resolver';
import { IngestResolver } from './ingest/ingest.resolver';
import { authorizeRootFields } from './authorization';
import { validateArgument } from './validation';

export const RESOLVERS = [
  AlertDefinitionResolver,
  IndicatorResolver,
  AlertResolver,
  AlertFeedResolver,
  IngestResolver,
  AccessResolver,
] as const;

/**
 * Builds the executable schema with every root field authorized; the same
 * one serves HTTP, websockets and `npm run schema`. Subscriptions read the
 * alert feed directly, but type-graphql requires a pub/sub to build a schema
 * with subscriptions.
 */
export async function buildSightlineSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    pubSub,
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    validateFn: validateArgument,
  });
  authorizeRootFields(schema);
  return schema;
}
