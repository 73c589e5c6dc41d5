import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';

import type { AppConfig } from '../config/config';
import { ErrorCode } from '../domain/errors';
import { AlertFeed } from '../feed/alert-feed';
import { createContext, type GraphQLContext } from '../graphql/context';
import { createErrorFormatter } from '../graphql/format-error';
import { buildSightlineSchema } from '../graphql/schema';
import type { Services } from '../graphql/services';
import type { Logger } from '../logging/logger';
import { IndicatorIndex } from '../matching/indicator-index';
import { Database } from '../persistence/database';
import type { DataSourceOverrides } from '../persistence/data-source';
import { AlertDefinitionService } from '../services/alert-definition.service';
import { AlertService } from '../services/alert.service';
import { rebuildIndex } from '../services/index-sync';
import { IndicatorService } from '../services/indicator.service';
import { IngestService } from '../services/ingest.service';
import { ensureDefaultOrganization } from '../services/organization.service';
import { eventsRouter, sendError } from './events.route';
import { startWebsocketServer } from './websocket';

/** A running service. */
export interface Sightline {
  url: string;
  port: number;
  services: Services;
  database: Database;
  index: IndicatorIndex;
  organizationId: string;
  /** Drains HTTP, closes every websocket with 1001, then closes the database. */
  stop(): Promise<void>;
}

/**
 * Opens the database, applies migrations, builds the matching index and
 * starts HTTP and websocket serving on one port.
 */
export async function startSightline(
  config: AppConfig,
  logger: Logger,
  databaseOverrides: DataSourceOverrides = {},
): Promise<Sightline> {
  const { database, migrations } = await Database.open(config.database, databaseOverrides);
  if (migrations.length > 0) logger.info({ migrations }, 'database migrated');

  try {
    return await startOnDatabase(config, logger, database);
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function startOnDatabase(config: AppConfig, logger: Logger, database: Database): Promise<Sightline> {
  const organization = await ensureDefaultOrganization(database);
  const index = new IndicatorIndex();
  const started = Date.now();
  const indexed = await rebuildIndex(database, index);
  logger.info({ indicators: indexed, durationMs: Date.now() - started }, 'matching index built');

  const feed = new AlertFeed(logger);
  const services: Services = {
    definitions: new AlertDefinitionService(database, index, logger),
    indicators: new IndicatorService(database, index, logger),
    alerts: new AlertService(database, feed, logger),
    ingest: new IngestService(database, index, feed, logger),
    feed,
  };
  const newContext = () => createContext(services, logger, organization.id, 'default');

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const schema = await buildSightlineSchema(feed.pubSub);
  const formatError = createErrorFormatter(logger, { includeStack: !config.production });
  const websocket = startWebsocketServer({ httpServer, schema, logger, createContext: newContext, formatError });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.sandbox,
    formatError,
    includeStacktraceInErrorResponses: false,
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      rejectHttpSubscriptions,
      { async serverWillStart() { return { drainServer: async () => { await websocket.dispose(); } }; } },
      config.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageProductionDefault({ footer: false }),
    ],
  });
  await apollo.start();

  app.get('/healthz', async (_request, response) => {
    try {
      await database.ping();
      response.json({ status: 'ok', indicators: index.size });
    } catch (error) {
      logger.warn({ err: error }, 'health check failed: database unreachable');
      response.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  app.use(eventsRouter({
    ingest: services.ingest,
    logger,
    maxBodyBytes: config.maxEventBodyBytes,
    organizationId: () => organization.id,
  }));
  app.use(
    '/graphql',
    express.json({ limit: config.maxGraphqlBodyBytes }),
    expressMiddleware(apollo, { context: async () => newContext() }),
  );
  app.use(jsonErrorHandler(logger));

  const port = await listen(httpServer, config.host, config.port);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;
  logger.info({ url, database: config.database.type }, 'sightline started');

  return {
    url,
    port,
    services,
    database,
    index,
    organizationId: organization.id,
    stop: async () => {
      await apollo.stop();
      await database.close();
      logger.info('sightline stopped');
    },
  };
}

/** Subscriptions need a websocket; over HTTP they would run without a feed. */
const rejectHttpSubscriptions: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription') {
          throw new GraphQLError(
            'Subscriptions are served over the websocket at /graphql with the graphql-transport-ws protocol; send only queries and mutations over HTTP.',
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          );
        }
      },
    };
  },
};

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen on ${host}:${port} (${error.code ?? error.message}); set PORT to a free port or HOST to an address of this machine.`,
          { cause: error },
        ),
      );
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Sends body-parser errors and unexpected errors as JSON, without internals. */
function jsonErrorHandler(logger: Logger) {
  return (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const type = (error as { type?: string }).type;
    const limit = (error as { limit?: number }).limit;
    if (type === 'entity.too.large') {
      sendError(response, 413, ErrorCode.PAYLOAD_TOO_LARGE,
        `The request body exceeds the limit of ${limit} bytes; split it into smaller requests.`);
      return;
    }
    if (type === 'entity.parse.failed') {
      sendError(response, 400, ErrorCode.BAD_USER_INPUT, 'The request body is not valid JSON.');
      return;
    }
    logger.error({ err: error }, 'unexpected error while handling a request');
    sendError(response, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.');
  };
}
