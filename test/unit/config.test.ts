import path from 'node:path';

import { ConfigError, loadConfig } from '../../src/config/config';

describe('loadConfig', () => {
  it('uses the embedded SQLite file by default', () => {
    const config = loadConfig({});

    expect(config.database).toEqual({ type: 'sqlite', path: path.resolve('./data/sightline.db') });
    expect(config.port).toBe(4000);
    expect(config.logLevel).toBe('info');
    expect(config.sandbox).toBe(true);
  });

  it('selects PostgreSQL for a postgres URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:5432/test' }).database).toEqual({
      type: 'postgres',
      url: 'postgres://127.0.0.1:5432/test',
    });
  });

  it('accepts a sqlite: prefixed path', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).database).toEqual({ type: 'sqlite', path: '/tmp/x.db' });
  });

  it('turns the sandbox off in production unless enabled', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).sandbox).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SANDBOX: 'true' }).sandbox).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be an integer from 0 to 65535; received "eighty".'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535; received "70000".'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; received "loud".'],
    [{ HOST: 'local host' }, 'HOST must be an IP address or host name such as 127.0.0.1 or ::1; received "local host".'],
    [{ SANDBOX: 'maybe' }, 'SANDBOX must be true or false; received "maybe".'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL must be a SQLite file path or a postgres:// URL; the scheme of "mysql://" is not supported.'],
    [{ DATABASE_URL: ':memory:' }, 'DATABASE_URL ":memory:" is not supported; give a file path such as ./data/sightline.db.'],
    [{ MAX_EVENT_BODY_BYTES: '10' }, 'MAX_EVENT_BODY_BYTES must be an integer from 1024 to 1073741824; received "10".'],
  ])('rejects %p', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
