import { spawn } from 'node:child_process';
import path from 'node:path';

import sqlite3 from 'sqlite3';

import { createDefinition, ingest, nativeEvent, sha256Of } from '../helpers/fixtures';
import { makeTempDir, postEvents, startTestServer, TEST_DATABASE, type TestServer } from '../helpers/test-server';

function querySqlite<T>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (openError) => {
      if (openError) return reject(openError);
      db.all(sql, (error, rows) => {
        db.close();
        if (error) reject(error);
        else resolve(rows as T[]);
      });
    });
  });
}

/** The compiled entry point that `npm start` runs; `npm test` builds it before jest starts. */
const MAIN_SCRIPT = path.resolve(__dirname, '../../dist/src/main.js');

describe('service', () => {
  describe('storage', () => {
    const onSqlite = TEST_DATABASE === 'sqlite' ? it : it.skip;

    onSqlite('creates the schema by migration, in WAL mode', async () => {
      const server = await startTestServer();
      await server.stop();

      const migrations = await querySqlite<{ name: string }>(server.dbPath, 'SELECT name FROM migrations');
      const journal = await querySqlite<{ journal_mode: string }>(server.dbPath, 'PRAGMA journal_mode');
      expect(migrations.map((row) => row.name)).toEqual([
        'InitialSchema1764000000000',
        'ApiKeysAndAudit1764100000000',
        'FeedSequence1764200000000',
      ]);
      expect(journal[0].journal_mode).toBe('wal');
    });

    it('rebuilds the matching index from the database at start', async () => {
      const first = await startTestServer({ keepDatabase: true });
      await createDefinition(first, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(11) }] });
      await first.stop();

      const second = await startTestServer({ databaseUrl: first.databaseUrl });
      try {
        const result = await ingest(second, [nativeEvent('FILE_SHA256', sha256Of(11))]);
        expect(result.raised).toHaveLength(1);
        expect(second.sightline.index.size).toBe(1);
      } finally {
        await second.stop();
      }
    });

    it('serializes concurrent writes on SQLite without losing any', async () => {
      const server = await startTestServer();
      try {
        const id = await createDefinition(server);
        const batches = Array.from({ length: 20 }, (_, batch) =>
          server.graphql(
            `mutation ($id: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount } }`,
            { id, indicators: Array.from({ length: 50 }, (_, n) => ({ type: 'FILE_SHA256', value: sha256Of(batch * 100 + n) })) },
          ),
        );
        const events = Array.from({ length: 10 }, (_, n) => ingest(server, [nativeEvent('FILE_SHA256', sha256Of(n), `d${n}.example.net`)]));

        const results = await Promise.all(batches);
        await Promise.all(events);
        expect(results.every((result) => result.data?.addIndicators.addedCount === 50)).toBe(true);
        const count = await server.graphql(`{ indicators { totalCount } }`);
        expect(count.data.indicators.totalCount).toBe(1000);
      } finally {
        await server.stop();
      }
    });
  });

  describe('HTTP endpoints', () => {
    let server: TestServer;

    beforeEach(async () => {
      server = await startTestServer({ env: { MAX_EVENT_BODY_BYTES: '4096' } });
    });

    afterEach(async () => {
      await server.stop();
    });

    it('reports health while the database answers', async () => {
      const response = await fetch(`${server.baseUrl}/healthz`);

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', indicators: 0 });
    });

    it('takes a JSON array on POST /events', async () => {
      await createDefinition(server, { indicators: [{ type: 'IP_ADDRESS', value: '198.51.100.0/24', matchFunction: 'CIDR' }] });
      const body = JSON.stringify([nativeEvent('IP_ADDRESS', '198.51.100.7'), nativeEvent('IP_ADDRESS', '192.0.2.1')]);

      const { status, body: result } = await postEvents(server, body, '', 'application/json');
      expect(status).toBe(200);
      expect(result).toEqual({ accepted: 2, rejected: 0, matched: 1, alertsRaised: 1, alertsUpdated: 0, rejectedLines: [] });
    });

    it('skips a bad native line and matches the rest', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(13) }] });
      const body = [
        JSON.stringify(nativeEvent('FILE_SHA256', 'not-a-hash')),
        JSON.stringify(nativeEvent('FILE_SHA256', sha256Of(13))),
      ].join('\n');

      const { status, body: result } = await postEvents(server, body);
      expect(status).toBe(200);
      expect(result.accepted).toBe(1);
      expect(result.matched).toBe(1);
      expect(result.rejectedLines).toEqual([
        {
          line: 1,
          reason: expect.stringMatching(/^"observables\[0\]\.value" must be 64 hexadecimal characters for FILE_SHA256/),
        },
      ]);
    });

    it('rejects a subscription sent over HTTP with BAD_REQUEST', async () => {
      const response = await server.graphql(`subscription { alertRaised { id } }`);

      expect(response.status).toBe(400);
      expect(response.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
      expect(response.errors?.[0].message).toContain('Subscriptions are served over the websocket');
    });

    it('answers 413 with PAYLOAD_TOO_LARGE above the body limit', async () => {
      const { status, body } = await postEvents(server, 'x'.repeat(5000));

      expect(status).toBe(413);
      expect(body).toEqual({
        error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body exceeds the limit of 4096 bytes; split it into smaller requests.' },
      });
    });

    it('rejects an unknown format and an empty body', async () => {
      const badFormat = await postEvents(server, '{}', '?format=csv');
      const empty = await postEvents(server, '');

      expect(badFormat.status).toBe(400);
      expect(badFormat.body.error.code).toBe('BAD_USER_INPUT');
      expect(badFormat.body.error.message).toBe('"format" must be one of auto, native, sysmon, zeek, ecs; omit it to detect the shape of each line.');
      expect(empty.status).toBe(400);
      expect(empty.body.error.message).toBe('The request body is empty; send NDJSON, a JSON array or Zeek logs.');
    });

    it('answers malformed GraphQL JSON with 400', async () => {
      const response = await fetch(`${server.baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query": ',
      });

      expect(response.status).toBe(400);
      expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    });

    it('keeps indicator values out of info-level logs', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(12) }] });
      await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(12))]);

      const infoAndAbove = server.logs.filter((line) => Number(line.level) >= 30).map((line) => JSON.stringify(line));
      expect(infoAndAbove.length).toBeGreaterThan(0);
      expect(infoAndAbove.filter((line) => line.includes(sha256Of(12)))).toEqual([]);
    });
  });

  describe('failures', () => {
    it('hides internal errors behind a generic message', async () => {
      const server = await startTestServer();
      try {
        await server.sightline.database.writer.query('DROP TABLE alert_comment');
        await server.sightline.database.writer.query('DROP TABLE alert');

        const response = await server.graphql(`{ alerts { totalCount } }`);

        expect(response.errors).toEqual([
          { message: 'Internal server error.', locations: [{ line: 1, column: 3 }], path: ['alerts'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        ]);
        expect(JSON.stringify(response)).not.toMatch(/SQLITE|no such table|\.ts:/);
        expect(server.logs.filter((line) => line.level === 50).map((line) => line.msg)).toContain(
          'unexpected error while executing an operation',
        );
      } finally {
        await server.stop();
      }
    });

    it('reports an unreachable database on /healthz', async () => {
      const server = await startTestServer();
      try {
        await server.sightline.database.reader.destroy();
        const health = await fetch(`${server.baseUrl}/healthz`);

        expect(health.status).toBe(503);
        expect(await health.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
      } finally {
        await server.stop();
      }
    });
  });

  describe('process', () => {
    it('starts with npm start settings, prints the URL and exits 0 on SIGTERM', async () => {
      const dir = makeTempDir();
      const child = spawn(process.execPath, [MAIN_SCRIPT], {
        env: { ...process.env, DATABASE_URL: path.join(dir, 'db.sqlite'), PORT: '0', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk) => {
          output += chunk;
          const match = /Sightline GraphQL API: (\S+)/.exec(output);
          if (match) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    });

    it('exits 1 with a clear message when the port is taken', async () => {
      const holder = await startTestServer();
      try {
        const child = spawn(process.execPath, [MAIN_SCRIPT], {
          env: { ...process.env, DATABASE_URL: path.join(makeTempDir(), 'db.sqlite'), PORT: String(holder.sightline.port) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

        expect(code).toBe(1);
        expect(stderr).toBe(
          `Sightline failed to start: cannot listen on 127.0.0.1:${holder.sightline.port} (EADDRINUSE); set PORT to a free port or HOST to an address of this machine.\n`,
        );
      } finally {
        await holder.stop();
      }
    });

    it('exits 2 with a message on a bad setting', async () => {
      const child = spawn(process.execPath, [MAIN_SCRIPT], {
        env: { ...process.env, PORT: 'abc' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

      expect(code).toBe(2);
      expect(stderr).toContain('Invalid configuration: PORT must be an integer from 0 to 65535; received "abc".');
    });
  });
});
