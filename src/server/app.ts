import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';

import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';

import { IndexBroadcast } from '../cluster/index-broadcast';
import { prefixTopics, type TopicEventTarget } from '../cluster/prefixed-event-target';
import { RedisConnection } from '../cluster/redis-connection';
import type { AppConfig } from '../config/config';
import { ErrorCode, unauthenticated } from '../domain/errors';
import { Role } from '../domain/roles';
import { AlertFeed } from '../feed/alert-feed';
import { assertAuthorizationCoverage } from '../graphql/authorization';
import { createContext } from '../graphql/context';
import { createErrorFormatter } from '../graphql/format-error';
import { buildSightlineSchema } from '../graphql/schema';
import type { Services } from '../graphql/services';
import type { Logger } from '../logging/logger';
import { IndicatorIndex } from '../matching/indicator-index';
import { Database } from '../persistence/database';
import type { DataSourceOverrides } from '../persistence/data-source';
import { AlertDefinitionService } from '../services/alert-definition.service';
import { AlertService } from '../services/alert.service';
import { ApiKeyService } from '../services/api-key.service';
import { AuditService } from '../services/audit.service';
import { NO_OTHER_INSTANCES } from '../services/index-changes';
import { rebuildIndex } from '../services/index-sync';
import { IndicatorService } from '../services/indicator.service';
import { IngestService } from '../services/ingest.service';
import { DEFAULT_ORGANIZATION_NAME, OrganizationService } from '../services/organization.service';
import { authenticate } from './authentication';
import { eventsRouter, sendError } from './events.route';
import { createApolloServer } from './graphql-http';
import { RateLimiter } from './rate-limit';
import { startWebsocketServer } from './websocket';

/** A running service. */
export interface Sightline {
  url: string;
  port: number;
  services: Services;
  database: Database;
  index: IndicatorIndex;
  /** The ADMIN key created on a first start with no keys; null otherwise. */
  firstAdminKey: { organizationName: string; key: string } | null;
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
  const index = new IndicatorIndex();
  const started = Date.now();
  const indexed = await rebuildIndex(database, index);
  logger.info({ indicators: indexed, durationMs: Date.now() - started }, 'matching index built');

  const cluster = config.redis ? await connectCluster(config.redis, database, index, logger) : null;
  try {
    return await startServing(config, logger, database, index, cluster);
  } catch (error) {
    await cluster?.redis.close();
    throw error;
  }
}

async function startServing(
  config: AppConfig,
  logger: Logger,
  database: Database,
  index: IndicatorIndex,
  cluster: Cluster | null,
): Promise<Sightline> {
  const services = createServices(database, index, logger, cluster);
  const feedWatch = watchFeedHeads(services, logger);
  const firstAdminKey = config.createFirstAdminKey ? await createFirstAdminKey(services) : null;
  const rateLimiter = new RateLimiter(
    { mutationsPerMinute: config.mutationsPerMinute, ingestRequestsPerMinute: config.ingestRequestsPerMinute },
    cluster && config.redis ? { client: cluster.redis.publisher, keyPrefix: config.redis.channelPrefix } : undefined,
  );

  const schema = await buildSightlineSchema(services.feed.pubSub);
  assertAuthorizationCoverage(schema);

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const formatError = createErrorFormatter(logger, { includeStack: !config.production, hideSuggestions: config.production });
  const websocket = startWebsocketServer({
    httpServer,
    schema,
    logger,
    apiKeys: services.apiKeys,
    introspection: config.sandbox,
    createContext: (caller) => createContext(services, logger, caller),
    formatError,
  });
  const apollo = createApolloServer({
    httpServer,
    schema,
    logger,
    sandbox: config.sandbox,
    production: config.production,
    rateLimiter,
    formatError,
    onDrain: () => websocket.dispose(),
  });
  await apollo.start();

  app.get('/healthz', async (_request, response) => {
    try {
      await database.ping();
    } catch (error) {
      logger.warn({ err: error }, 'health check failed: database unreachable');
      response.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
      return;
    }
    if (cluster && !cluster.redis.healthy) {
      logger.warn('health check failed: redis unreachable');
      response.status(503).json({ status: 'unavailable', reason: 'redis unreachable' });
      return;
    }
    response.json({ status: 'ok', indicators: index.size });
  });
  app.use(eventsRouter({
    ingest: services.ingest,
    apiKeys: services.apiKeys,
    rateLimiter,
    logger,
    maxBodyBytes: config.maxEventBodyBytes,
  }));
  app.use(
    '/graphql',
    rejectUnsupportedMediaType,
    express.json({ limit: config.maxGraphqlBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const auth = await authenticate(services.apiKeys, req.headers.authorization);
        if (auth.status === 'invalid') throw unauthenticated(auth.message);
        return createContext(services, logger, auth.status === 'authenticated' ? auth.caller : null);
      },
    }),
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
    firstAdminKey,
    stop: async () => {
      clearInterval(feedWatch);
      await apollo.stop();
      await cluster?.redis.close();
      await database.close();
      logger.info('sightline stopped');
    },
  };
}

interface Cluster {
  redis: RedisConnection;
  feedTarget: TopicEventTarget;
  indexBroadcast: IndexBroadcast;
}

/** Connects to Redis and starts keeping the matching index in step with the other instances. */
async function connectCluster(
  settings: NonNullable<AppConfig['redis']>,
  database: Database,
  index: IndicatorIndex,
  logger: Logger,
): Promise<Cluster> {
  // Redis connection names allow letters, digits and a few signs only.
  const redis = new RedisConnection(settings.url, `sightline-${settings.channelPrefix.replace(/[^A-Za-z0-9-]/g, '')}`, logger);
  try {
    await redis.ready();
    // The event target does not await its publishes. A failed one is logged here instead of
    // becoming an unhandled rejection, and the feed check fills the loss from the database.
    const publishClient = {
      publish: (channel: string, message: string) =>
        redis.publisher.publish(channel, message).catch((error: unknown) => {
          logger.warn({ err: error }, 'failed to publish an alert to redis');
          return 0;
        }),
    };
    const feedTarget = prefixTopics(
      createRedisEventTarget({ publishClient: publishClient as unknown as Redis, subscribeClient: redis.subscriber }) as unknown as TopicEventTarget,
      settings.channelPrefix,
    );
    const indexBroadcast = new IndexBroadcast(redis, database, index, logger, settings.channelPrefix);
    await indexBroadcast.start();
    logger.info({ channelPrefix: settings.channelPrefix }, 'redis connected');
    return { redis, feedTarget, indexBroadcast };
  } catch (error) {
    await redis.close();
    throw error;
  }
}

/**
 * Checks every few seconds whether the database contains alerts that open
 * streams have not received live, and resyncs those streams. A Redis message
 * lost at the end of a stream shows no gap until the next alert.
 */
function watchFeedHeads(services: Services, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    const organizations = services.feed.watchedOrganizations();
    if (organizations.length === 0) return;
    services.alerts
      .feedHeads(organizations)
      .then((heads) => services.feed.checkHeads(heads))
      .catch((error: unknown) => logger.warn({ err: error }, 'feed head check failed'));
  }, FEED_CHECK_INTERVAL_MS);
  timer.unref();
  return timer;
}

/** How often open streams are compared with the database, in milliseconds. */
export const FEED_CHECK_INTERVAL_MS = 2000;

function createServices(database: Database, index: IndicatorIndex, logger: Logger, cluster: Cluster | null): Services {
  const feed = new AlertFeed(logger, cluster?.feedTarget);
  cluster?.redis.onReconnect(() => feed.resyncAll());
  const indexChanges = cluster?.indexBroadcast ?? NO_OTHER_INSTANCES;
  return {
    organizations: new OrganizationService(database),
    apiKeys: new ApiKeyService(database, logger),
    audit: new AuditService(database),
    definitions: new AlertDefinitionService(database, index, logger, indexChanges),
    indicators: new IndicatorService(database, index, logger, indexChanges),
    alerts: new AlertService(database, feed, logger),
    ingest: new IngestService(database, index, feed, logger),
    feed,
  };
}

/**
 * On a database without any API key, creates the default organization and
 * an ADMIN key for it, so a fresh install can be used at once.
 */
async function createFirstAdminKey(services: Services): Promise<Sightline['firstAdminKey']> {
  if ((await services.apiKeys.count()) > 0) return null;

  const { organization } = await services.organizations.ensure(DEFAULT_ORGANIZATION_NAME);
  const actor = { organizationId: organization.id, keyId: null, name: 'first start' };
  const created = await services.apiKeys.create(actor, 'first admin', Role.ADMIN);
  return { organizationName: organization.name, key: created.secret };
}

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

/**
 * Content types Apollo's CSRF prevention rejects itself, because a browser
 * may send them cross-origin without a preflight.
 */
const CSRF_SIMPLE_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/** Rejects with 415 a POST /graphql whose body is neither JSON nor a CSRF-simple type. */
function rejectUnsupportedMediaType(request: Request, response: Response, next: NextFunction): void {
  const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
  if (request.method !== 'POST' || !type || type === 'application/json' || type.endsWith('+json') || CSRF_SIMPLE_TYPES.includes(type)) {
    next();
    return;
  }
  sendGraphqlError(response, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    `The content type "${type.slice(0, 60)}" is not supported; send the operation as JSON with "Content-Type: application/json".`);
}

/**
 * Sends body-parser errors and unexpected errors without internals: in the
 * GraphQL response shape on /graphql, as `{ error }` elsewhere.
 */
function jsonErrorHandler(logger: Logger) {
  return (error: unknown, request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const send = request.path.startsWith('/graphql') ? sendGraphqlError : sendError;
    const type = (error as { type?: string }).type;
    const limit = (error as { limit?: number }).limit;
    if (type === 'entity.too.large') {
      send(response, 413, ErrorCode.PAYLOAD_TOO_LARGE,
        `The request body exceeds the limit of ${limit} bytes; split it into smaller requests.`);
      return;
    }
    if (type === 'entity.parse.failed') {
      send(response, 400, ErrorCode.BAD_REQUEST,
        'The request body must be a JSON object such as {"query": "{ viewer { role } }"}; it is not valid JSON or not an object.');
      return;
    }
    logger.error({ err: error }, 'unexpected error while handling a request');
    send(response, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.');
  };
}

/** Sends `{ errors: [{ message, extensions: { code } }] }`, the shape GraphQL clients read. */
function sendGraphqlError(response: Response, status: number, code: ErrorCode, message: string): void {
  response.status(status).json({ errors: [{ message, extensions: { code } }] });
}
