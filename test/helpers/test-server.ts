import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { createClient, type Client } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';

import { loadConfig, type AppConfig } from '../../src/config/config';
import { Role } from '../../src/domain/roles';
import { createLogger, type Logger } from '../../src/logging/logger';
import { startSightline, type Sightline } from '../../src/server/app';

/** Database the suite runs on: `SIGHTLINE_TEST_DATABASE=postgres` selects PostgreSQL, anything else SQLite. */
export const TEST_DATABASE: 'sqlite' | 'postgres' = process.env.SIGHTLINE_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/** `SIGHTLINE_TEST_REDIS=1` runs the test servers with Redis pub/sub, as several instances would. */
export const TEST_REDIS_URL = process.env.SIGHTLINE_TEST_REDIS === '1' ? (process.env.SIGHTLINE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379') : null;

/** The PostgreSQL server of the test machine; each test server gets its own schema in it. */
export const TEST_POSTGRES_URL = process.env.SIGHTLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestServer {
  sightline: Sightline;
  /** The `DATABASE_URL` the server runs on; pass it to another server to share the database. */
  databaseUrl: string;
  /** ADMIN key of the default organization, used when a call names no key. */
  adminKey: string;
  url: string;
  baseUrl: string;
  dbPath: string;
  logs: Array<Record<string, unknown>>;
  /** Every SQL statement run since the last `resetQueries()`. */
  queries: string[];
  resetQueries(): void;
  graphql<T = any>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<GraphQLResponse<T>>;
  wsClient(options?: RequestOptions): Client;
  /** Creates a key with `role` in the organization `organization` (created when missing). */
  createKey(role: Role, organization?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  /** API key to send; null sends none. Defaults to the ADMIN key. */
  key?: string | null;
  headers?: Record<string, string>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

/** Creates a fresh temporary folder. */
export function makeTempDir(prefix = 'sightline-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Creates a logger that keeps every line in memory, so tests can assert what was logged. */
export function memoryLogger(level: AppConfig['logLevel'] = 'debug'): { logger: Logger; logs: Array<Record<string, unknown>> } {
  const logs: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: createLogger(level, stream), logs };
}

/**
 * Starts the real service on loopback, on a new SQLite file (or `dbPath`),
 * with an ephemeral port.
 */
export async function startTestServer(
  options: { databaseUrl?: string; keepDatabase?: boolean; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const dbPath = database.url.startsWith('postgres') ? '' : database.url;
  // Servers that share a database share Redis channels too; other test servers never see them.
  const redisEnv = TEST_REDIS_URL
    ? { REDIS_URL: TEST_REDIS_URL, REDIS_CHANNEL_PREFIX: `test-${createHash('sha1').update(database.url).digest('hex').slice(0, 12)}:` }
    : {};
  const config = loadConfig({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', ...redisEnv, ...options.env });
  const { logger, logs } = memoryLogger();
  const queries: string[] = [];
  const sightline = await startSightline(config, logger, { onQuery: (sql) => queries.push(sql) });
  const baseUrl = `http://127.0.0.1:${sightline.port}`;
  const clients: Client[] = [];
  const adminKey = sightline.firstAdminKey?.key ?? (await createKeyIn(sightline, Role.ADMIN, 'default'));
  const keyOf = (options?: RequestOptions) => (options?.key === undefined ? adminKey : options.key);

  return {
    sightline,
    databaseUrl: database.url,
    adminKey,
    url: sightline.url,
    baseUrl,
    dbPath,
    logs,
    queries,
    resetQueries: () => {
      queries.length = 0;
    },
    graphql: async (query, variables, options) => {
      const key = keyOf(options);
      const response = await fetch(`${baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...options?.headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: any };
      return { status: response.status, ...body };
    },
    wsClient: (options) => {
      const key = keyOf(options);
      const client = createClient({
        url: `ws://127.0.0.1:${sightline.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        connectionParams: key ? { Authorization: `Bearer ${key}` } : {},
        onNonLazyError: () => undefined,
      });
      clients.push(client);
      return client;
    },
    createKey: (role, organization = 'default') => createKeyIn(sightline, role, organization),
    stop: async () => {
      await Promise.all(clients.map((client) => client.dispose()));
      await sightline.stop();
      if (!options.keepDatabase) await database.drop();
    },
  };
}

/** Creates a new SQLite file, or a new PostgreSQL schema selected through `search_path`. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (TEST_DATABASE === 'sqlite') {
    return { url: path.join(makeTempDir(), 'sightline.db'), drop: async () => undefined };
  }

  const schema = `test_${randomBytes(6).toString('hex')}`;
  await runPostgres(`CREATE SCHEMA ${schema}`);
  const separator = TEST_POSTGRES_URL.includes('?') ? '&' : '?';
  return {
    // A session time zone far from UTC (+13:45): timestamps must not depend on it.
    url: `${TEST_POSTGRES_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema} -c TimeZone=Pacific/Chatham`)}`,
    drop: () => runPostgres(`DROP SCHEMA ${schema} CASCADE`),
  };
}

async function runPostgres(sql: string): Promise<void> {
  const client = new PgClient({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createKeyIn(sightline: Sightline, role: Role, organizationName: string): Promise<string> {
  const { organization } = await sightline.services.organizations.ensure(organizationName);
  const actor = { organizationId: organization.id, keyId: null, name: 'test setup' };
  const created = await sightline.services.apiKeys.create(actor, `${role.toLowerCase()} key`, role);
  return created.secret;
}

/** Collects subscription results until `count` arrived or `timeoutMs` passed. */
export function subscribe<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const received: Array<{ data?: T; errors?: any[] }> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let error: unknown = null;
  let completed = false;

  const notify = () => {
    for (const waiter of [...waiters]) {
      if (received.length >= waiter.count || error || completed) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        received.push(value as { data?: T; errors?: any[] });
        notify();
      },
      error: (err) => {
        error = err;
        notify();
      },
      complete: () => {
        completed = true;
        notify();
      },
    },
  );

  return {
    received,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    unsubscribe,
    /** Resolves when at least `count` results arrived, the stream ended, or the timeout passed. */
    waitFor(count: number, timeoutMs = 5000): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        notify();
      });
    },
  };
}

/** Waits until the client's socket is open and acknowledged. */
export function whenConnected(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on('connected', () => {
      off();
      resolve();
    });
  });
}

export async function postEvents(
  server: TestServer,
  body: string,
  query = '',
  contentType = 'application/x-ndjson',
  key: string | null = server.adminKey,
) {
  const response = await fetch(`${server.baseUrl}/events${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Polls `condition` every 10 ms until it holds, failing after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
