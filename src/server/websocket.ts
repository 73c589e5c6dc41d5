import type { Server } from 'node:http';

import {
  GraphQLError,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';

import type { Caller } from '../domain/roles';
import type { GraphQLContext } from '../graphql/context';
import { checkOperationCost, limitValidationRules, OPERATION_LIMITS } from '../graphql/operation-limits';
import type { Logger } from '../logging/logger';
import type { ApiKeyService } from '../services/api-key.service';
import { authenticate } from './authentication';
import { createSharedSubscribe } from './shared-subscribe';

/** Largest websocket message accepted, in bytes; a larger one closes the socket with 1009. */
export const MAX_WEBSOCKET_PAYLOAD_BYTES = 64 * 1024;

/** Time a client has to send `connection_init` after connecting, in milliseconds. */
export const CONNECTION_INIT_TIMEOUT_MS = 3000;

/** How often open sockets are checked against revoked keys, in milliseconds. */
export const REVOCATION_CHECK_INTERVAL_MS = 5000;

/** Close codes this server sends besides graphql-ws's own. */
export enum SocketCloseCode {
  /** `connection_init` carried no valid API key. */
  UNAUTHORIZED = 4401,
  /** The connection's API key was revoked. */
  KEY_REVOKED = 4403,
}

export interface WebsocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  logger: Logger;
  apiKeys: ApiKeyService;
  introspection: boolean;
  createContext: (caller: Caller) => GraphQLContext;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

type ConnectionExtra = {
  caller?: Caller;
};

/**
 * Serves graphql-ws on `/graphql` beside Apollo. Apollo's validation, limits
 * and error formatting do not run on this path, so the same rules are
 * applied here. The API key is checked at `connection_init`. Every
 * subscription is parsed with the token limit, validated with the same
 * rules and costed like an HTTP operation. Only subscriptions are accepted.
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

  const sockets = new SocketsByKey();
  // Subscriptions with the same key execute each event once; see createSharedSubscribe.
  const executionGroups = new WeakMap<object, string>();
  const rules = [...specifiedRules, ...limitValidationRules({ introspection: options.introspection })];
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => options.formatError(error.toJSON(), error));

  const cleanup = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema: options.schema,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      subscribe: createSharedSubscribe((args) => executionGroups.get(args.contextValue as object) ?? null),
      onConnect: async (ctx) => {
        const result = await authenticate(options.apiKeys, readAuthorization(ctx.connectionParams));
        if (result.status !== 'authenticated') {
          const reason = result.status === 'anonymous' ? 'Missing API key' : 'Invalid or revoked API key';
          ctx.extra.socket.close(SocketCloseCode.UNAUTHORIZED, `${reason}; send {"Authorization":"Bearer <key>"} in connection_init`);
          return false;
        }
        ctx.extra.caller = result.caller;
        sockets.add(result.caller.keyId, ctx.extra.socket);
        return true;
      },
      onClose: (ctx) => {
        if (ctx.extra.caller) sockets.delete(ctx.extra.caller.keyId, ctx.extra.socket);
      },
      onSubscribe: (ctx, _id, payload) => {
        const caller = ctx.extra.caller;
        if (!caller) return [new GraphQLError('The connection is not authenticated.', { extensions: { code: 'UNAUTHENTICATED' } })];

        const document = safeParse(payload.query);
        if (document instanceof GraphQLError) return [document];
        const errors = validate(options.schema, document, rules);
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
        // graphql-js would coerce variables during execution and raise errors without a code; do it here to report them as input errors.
        const coerced = getVariableValues(options.schema, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (coerced.errors) {
          return coerced.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } }));
        }
        const costError = checkOperationCost(options.schema, document, payload.operationName, payload.variables);
        if (costError) return [costError];

        // One context per subscription: its loaders never outlive it.
        const contextValue = options.createContext(caller);
        executionGroups.set(
          contextValue,
          JSON.stringify([caller.organizationId, caller.role, payload.query, payload.operationName ?? null, payload.variables ?? null]),
        );
        const args: ExecutionArgs = {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
        return args;
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: format(result.errors) } : undefined,
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wsServer,
  );

  const closeKey = (keyId: string) => {
    const closed = sockets.closeAll(keyId, SocketCloseCode.KEY_REVOKED, 'API key revoked');
    if (closed > 0) options.logger.info({ keyId, sockets: closed }, 'closed websockets of a revoked api key');
  };
  options.apiKeys.on('revoked', closeKey);
  // Revocations made by another process reach this one through the periodic check.
  const sweep = setInterval(() => {
    options.apiKeys
      .findRevoked(sockets.keyIds())
      .then((revoked) => revoked.forEach(closeKey))
      .catch((error: unknown) => options.logger.warn({ err: error }, 'revoked key check failed'));
  }, REVOCATION_CHECK_INTERVAL_MS);
  sweep.unref();

  wsServer.on('error', (error) => options.logger.error({ err: error }, 'websocket server error'));
  return {
    wsServer,
    dispose: async () => {
      clearInterval(sweep);
      options.apiKeys.off('revoked', closeKey);
      await cleanup.dispose();
    },
  };
}

/** Open sockets grouped by API key id. */
class SocketsByKey {
  private readonly byKey = new Map<string, Set<WebSocket>>();

  add(keyId: string, socket: WebSocket): void {
    const set = this.byKey.get(keyId) ?? new Set();
    set.add(socket);
    this.byKey.set(keyId, set);
  }

  delete(keyId: string, socket: WebSocket): void {
    const set = this.byKey.get(keyId);
    set?.delete(socket);
    if (set?.size === 0) this.byKey.delete(keyId);
  }

  keyIds(): string[] {
    return [...this.byKey.keys()];
  }

  closeAll(keyId: string, code: number, reason: string): number {
    const set = this.byKey.get(keyId);
    if (!set) return 0;
    for (const socket of set) socket.close(code, reason);
    this.byKey.delete(keyId);
    return set.size;
  }
}

/** Reads `Authorization` from the connection_init payload, in any letter case. */
function readAuthorization(params: Record<string, unknown> | undefined): unknown {
  if (!params) return undefined;
  const key = Object.keys(params).find((name) => name.toLowerCase() === 'authorization');
  return key ? params[key] : undefined;
}

function safeParse(query: string) {
  try {
    return parse(query, { maxTokens: OPERATION_LIMITS.maxTokens });
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
    extensions: { ...error.extensions, code: error.extensions.code ?? 'GRAPHQL_VALIDATION_FAILED' },
  });
}
