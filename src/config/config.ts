import path from 'node:path';

/** Log levels accepted by `LOG_LEVEL`, as pino names them. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'postgres'; url: string };

/** Settings read once at start from environment variables. */
export interface AppConfig {
  host: string;
  port: number;
  database: DatabaseConfig;
  logLevel: LogLevel;
  production: boolean;
  /** Apollo Sandbox landing page and introspection. */
  sandbox: boolean;
  /** Maximum size of a `POST /events` body, in bytes. */
  maxEventBodyBytes: number;
  /** Maximum size of a `POST /graphql` body, in bytes. */
  maxGraphqlBodyBytes: number;
  /** GraphQL mutations per API key per minute. */
  mutationsPerMinute: number;
  /** `POST /events` requests and `ingestEvents` calls per API key per minute. */
  ingestRequestsPerMinute: number;
  /** Create and print an ADMIN key on a first start with no keys (SQLite outside production). */
  createFirstAdminKey: boolean;
  /** Redis for pub/sub between instances; null keeps everything in this process. */
  redis: { url: string; channelPrefix: string } | null;
}

export const DEFAULT_SQLITE_PATH = './data/sightline.db';

/** Raised when an environment variable contains a value the service cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the configuration from `env`.
 *
 * @throws ConfigError naming the variable, the rule and the value received.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const database = readDatabase(env);

  return {
    host: readHost(env),
    port: readInteger(env, 'PORT', 4000, 0, 65535),
    database,
    logLevel: readLogLevel(env),
    production,
    sandbox: readBoolean(env, 'SANDBOX', !production),
    maxEventBodyBytes: readInteger(env, 'MAX_EVENT_BODY_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxGraphqlBodyBytes: readInteger(env, 'MAX_GRAPHQL_BODY_BYTES', 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    mutationsPerMinute: readInteger(env, 'RATE_LIMIT_MUTATIONS_PER_MINUTE', 600, 1, 1_000_000),
    ingestRequestsPerMinute: readInteger(env, 'RATE_LIMIT_INGEST_PER_MINUTE', 1200, 1, 1_000_000),
    createFirstAdminKey: database.type === 'sqlite' && !production,
    redis: readRedis(env),
  };
}

/** Letters, digits, dots, hyphens and colons: an IPv4 or IPv6 address or a host name. */
const HOST_PATTERN = /^[A-Za-z0-9.:-]{1,253}$/;

function readHost(env: NodeJS.ProcessEnv): string {
  const value = env.HOST?.trim();
  if (!value) return '127.0.0.1';
  if (!HOST_PATTERN.test(value)) {
    throw new ConfigError(`HOST must be an IP address or host name such as 127.0.0.1 or ::1; received "${clip(value)}".`);
  }
  return value;
}

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;

  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; received "${clip(raw)}".`);
  }
  return Number(raw);
}

/** `REDIS_URL` (redis:// or rediss://) turns on pub/sub between instances; `REDIS_CHANNEL_PREFIX` namespaces its channels. */
function readRedis(env: NodeJS.ProcessEnv): AppConfig['redis'] {
  const raw = env.REDIS_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL is not a valid URL; expected redis://HOST:PORT or rediss://HOST:PORT.');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://; received "${clip(url.protocol)}//".`);
  }
  const channelPrefix = env.REDIS_CHANNEL_PREFIX?.trim() || 'sightline:';
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(channelPrefix)) {
    throw new ConfigError(`REDIS_CHANNEL_PREFIX must be 1 to 64 letters, digits, ":", "_", "." or "-"; received "${clip(channelPrefix)}".`);
  }
  return { url: raw, channelPrefix };
}

function readBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false; received "${clip(raw)}".`);
}

function readLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; received "${clip(raw)}".`);
}

/**
 * `DATABASE_URL` is either a `postgres://` (or `postgresql://`) URL or a
 * SQLite file path, optionally written as `sqlite:PATH`.
 */
function readDatabase(env: NodeJS.ProcessEnv): DatabaseConfig {
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return { type: 'sqlite', path: path.resolve(DEFAULT_SQLITE_PATH) };

  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL; expected postgres://USER@HOST:PORT/DATABASE.');
    }
    return { type: 'postgres', url: raw };
  }

  const filePath = raw.replace(/^sqlite:(\/\/)?/i, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(filePath)) {
    throw new ConfigError(
      `DATABASE_URL must be a SQLite file path or a postgres:// URL; the scheme of "${clip(raw.split('://')[0])}://" is not supported.`,
    );
  }
  if (filePath === ':memory:') {
    throw new ConfigError('DATABASE_URL ":memory:" is not supported; give a file path such as ./data/sightline.db.');
  }
  return { type: 'sqlite', path: path.resolve(filePath) };
}

function clip(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}...` : value;
}
