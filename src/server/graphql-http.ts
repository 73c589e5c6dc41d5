import type { Server } from 'node:http';

import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { GraphQLError, Kind, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';

import { rateLimited } from '../domain/errors';
import type { GraphQLContext } from '../graphql/context';
import { checkOperationCost, limitValidationRules, OPERATION_LIMITS } from '../graphql/operation-limits';
import type { Logger } from '../logging/logger';
import type { RateLimiter } from './rate-limit';

export interface GraphqlHttpOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  logger: Logger;
  sandbox: boolean;
  production: boolean;
  rateLimiter: RateLimiter;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Runs when Apollo drains, after HTTP stops accepting requests. */
  onDrain: () => Promise<void>;
}

/** Builds the Apollo server with the limits and checks shared with the websocket path. */
export function createApolloServer(options: GraphqlHttpOptions): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.sandbox,
    formatError: options.formatError,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: options.production,
    allowBatchedHttpRequests: false,
    validationRules: limitValidationRules({ introspection: options.sandbox }),
    parseOptions: { maxTokens: OPERATION_LIMITS.maxTokens },
    logger: options.logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }),
      { async serverWillStart() { return { drainServer: options.onDrain }; } },
      operationChecks(options.schema, options.rateLimiter),
      options.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageProductionDefault({ footer: false }),
    ],
  });
}

/**
 * Rejects subscriptions (they need a websocket), operations over the cost
 * limit, and mutations beyond the caller's rate limit.
 */
function operationChecks(schema: GraphQLSchema, rateLimiter: RateLimiter): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(
              'Subscriptions are served over the websocket at /graphql with the graphql-transport-ws protocol; send only queries and mutations over HTTP.',
              { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
            );
          }

          const costError = checkOperationCost(schema, document, request.operationName, request.variables);
          if (costError) {
            throw new GraphQLError(costError.message, { extensions: { ...costError.extensions, http: { status: 400 } } });
          }

          const caller = contextValue.caller;
          if (operation?.operation === 'mutation' && caller) {
            const retryAfter = await rateLimiter.consume('mutations', caller.keyId);
            if (retryAfter !== null) throw rateLimited('mutations', retryAfter);

            const ingests = operation.selectionSet.selections.some(
              (selection) => selection.kind === Kind.FIELD && selection.name.value === 'ingestEvents',
            );
            const ingestRetryAfter = ingests ? await rateLimiter.consume('ingestion', caller.keyId) : null;
            if (ingestRetryAfter !== null) throw rateLimited('event ingestion', ingestRetryAfter);
          }
        },
      };
    },
  };
}
