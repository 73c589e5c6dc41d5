import type { Server } from 'node:http';

import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

import type { GraphQLContext } from '../graphql/context';
import type { Logger } from '../logging/logger';

/** Largest websocket message accepted, in bytes; a larger one closes the socket with 1009. */
export const MAX_WEBSOCKET_PAYLOAD_BYTES = 64 * 1024;

/** Time a client has to send `connection_init` after connecting, in milliseconds. */
export const CONNECTION_INIT_TIMEOUT_MS = 3000;

export interface WebsocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  logger: Logger;
  createContext: () => GraphQLContext;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/**
 * Serves graphql-ws on `/graphql` beside Apollo. Apollo's validation and
 * error formatting do not run on this path, so the same parse, validation
 * and formatting are applied here. Only subscriptions are accepted.
 */
export function startWebsocketServer(options: WebsocketOptions) {
  // Upgrades are routed by hand instead of attaching to the HTTP server, so
  // an HTTP listen failure reaches the caller alone and not graphql-ws too.
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: MAX_WEBSOCKET_PAYLOAD_BYTES });
  options.httpServer.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wsServer.handleUpgrade(request, socket, head, (client) => wsServer.emit('connection', client, request));
  });
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => options.formatError(error.toJSON(), error));

  const cleanup = useServer<Record<string, unknown>, { context?: GraphQLContext }>(
    {
      schema: options.schema,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      onSubscribe: (ctx, _id, payload) => {
        const document = safeParse(payload.query);
        if (document instanceof GraphQLError) return [document];

        const errors = validate(options.schema, document, specifiedRules);
        if (errors.length > 0) return errors.map(withValidationCode);

        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [
            new GraphQLError(
              'Only subscriptions are accepted over the websocket; send queries and mutations with POST /graphql.',
              { extensions: { code: 'BAD_REQUEST' } },
            ),
          ];
        }
        // One context per subscription: its loaders never outlive it.
        const context = options.createContext();
        ctx.extra.context = context;
        const args: ExecutionArgs = {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: context,
        };
        return args;
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: format(result.errors) } : undefined,
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wsServer,
  );

  wsServer.on('error', (error) => options.logger.error({ err: error }, 'websocket server error'));
  return { wsServer, dispose: () => cleanup.dispose() };
}

function safeParse(query: string) {
  try {
    return parse(query, { maxTokens: 10_000 });
  } catch (error) {
    if (error instanceof GraphQLError) {
      return new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    }
    throw error;
  }
}

function withValidationCode(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
  });
}
