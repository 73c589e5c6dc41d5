import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';

import { encodeCursor } from '../../src/domain/cursor';
import { sha256Of } from '../helpers/fixtures';
import { subscribe, TEST_POSTGRES_URL } from '../helpers/test-server';

/** Compiled entry points; `npm test` builds them before jest starts. */
const MAIN_SCRIPT = path.resolve(__dirname, '../../dist/src/main.js');
const KEYS_SCRIPT = path.resolve(__dirname, '../../dist/scripts/keys.js');
const REDIS_URL = process.env.SIGHTLINE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A feed subscription from the very first alert: it must deliver every alert of the organization once. */
const FROM_THE_START = encodeCursor('alert', 0);
const FEED = 'subscription ($after: String) { alertRaised(after: $after) { id deviceId } }';

interface Instance {
  process: ChildProcess;
  baseUrl: string;
  port: number;
}

describe('two instances on PostgreSQL and Redis', () => {
  const schema = `cluster_${randomBytes(5).toString('hex')}`;
  const channelPrefix = `cluster-${randomBytes(5).toString('hex')}:`;
  const databaseUrl = `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const env = { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL, REDIS_CHANNEL_PREFIX: channelPrefix, LOG_LEVEL: 'warn' };
  const instances: Instance[] = [];
  const clients: Client[] = [];
  let acmeKey: string;
  let otherKey: string;

  beforeAll(async () => {
    await runPostgres(`CREATE SCHEMA ${schema}`);
    acmeKey = createKey('acme');
    otherKey = createKey('other');
    instances.push(await startInstance(), await startInstance());
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await Promise.all(instances.map(stopInstance));
    await runPostgres(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('delivers each alert once across a Redis outage', async () => {
    const [first, second] = instances;
    const acmeFeeds = [openFeed(first, acmeKey), openFeed(first, acmeKey), openFeed(second, acmeKey)];
    const otherFeed = openFeed(second, otherKey);

    await createDefinition(first, acmeKey, sha256Of(1));
    await createDefinition(second, otherKey, sha256Of(2));
    // Added through the first instance, the indicator must match on the second within a second.
    await expectMatchSoon(second, acmeKey, sha256Of(1));

    for (let n = 0; n < 20; n += 1) await sendEvent(instances[n % 2], acmeKey, sha256Of(1), `host-${n}.example.net`);
    await killPubsubConnections(channelPrefix);
    for (let n = 20; n < 40; n += 1) await sendEvent(instances[n % 2], acmeKey, sha256Of(1), `host-${n}.example.net`);
    await sendEvent(second, otherKey, sha256Of(2), 'other.example.net');

    const acmeAlerts = await listAlerts(first, acmeKey);
    expect(acmeAlerts).toHaveLength(41);
    for (const feed of acmeFeeds) await feed.waitFor(41, 15_000);

    for (const feed of acmeFeeds) {
      expect(feed.error).toBeNull();
      expect(feed.received.map((result) => result.data.alertRaised.id)).toEqual(acmeAlerts.map((alert) => alert.id));
    }
    await otherFeed.waitFor(1);
    expect(otherFeed.received.map((result) => result.data.alertRaised.deviceId)).toEqual(['other.example.net']);
  });

  it('raises one alert for concurrent matches', async () => {
    const [first, second] = instances;
    await createDefinition(first, acmeKey, sha256Of(3));
    await expectMatchSoon(second, acmeKey, sha256Of(3));

    const sends = Array.from({ length: 20 }, (_, n) => sendEvent(instances[n % 2], acmeKey, sha256Of(3), 'shared.example.net'));
    await Promise.all(sends);

    const alerts = (await listAlerts(first, acmeKey)).filter((alert) => alert.deviceId === 'shared.example.net');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].eventCount).toBe(20);
  });

  it('stops matching on every instance within a second of a disable or delete', async () => {
    const [first, second] = instances;
    const definitionId = await createDefinition(first, acmeKey, sha256Of(4));
    await expectMatchSoon(second, acmeKey, sha256Of(4));

    await graphql(second, acmeKey, 'mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { enabled: false }) { id } }', { id: definitionId });
    await expectNoMatchSoon(first, acmeKey, sha256Of(4));

    await graphql(first, acmeKey, 'mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { enabled: true }) { id } }', { id: definitionId });
    await expectMatchSoon(second, acmeKey, sha256Of(4));

    await graphql(first, acmeKey, 'mutation ($id: ID!) { deleteAlertDefinition(id: $id) { id } }', { id: definitionId });
    await expectNoMatchSoon(second, acmeKey, sha256Of(4));
  });

  it('rebuilds the index after missing changes while Redis was away', async () => {
    const [first, second] = instances;
    await killPubsubConnections(channelPrefix);
    // Added while the second instance's subscriber reconnects: the change message may be lost.
    await createDefinition(first, acmeKey, sha256Of(5));

    const started = Date.now();
    while ((await sendEvent(second, acmeKey, sha256Of(5), 'late.example.net')).matched !== 1) {
      if (Date.now() - started > 10_000) throw new Error('the second instance never caught up with the lost index change');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  async function startInstance(): Promise<Instance> {
    const child = spawn(process.execPath, [MAIN_SCRIPT], { env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk) => {
        output += chunk;
        const match = /Sightline GraphQL API: (\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`instance exited with ${code}: ${output}`)));
    });
    const { port } = new URL(url);
    return { process: child, baseUrl: `http://127.0.0.1:${port}`, port: Number(port) };
  }

  function openFeed(instance: Instance, key: string) {
    const client = createClient({
      url: `ws://127.0.0.1:${instance.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${key}` },
      retryAttempts: 0,
    });
    clients.push(client);
    return subscribe(client, FEED, { after: FROM_THE_START });
  }

  function createKey(organization: string): string {
    const result = spawnSync(process.execPath, [KEYS_SCRIPT, 'create', '--org', organization, '--role', 'ADMIN'], { env, encoding: 'utf8' });
    const key = /sl_[A-Za-z0-9_-]+/.exec(result.stdout)?.[0];
    if (!key) throw new Error(`key creation failed: ${result.stdout}${result.stderr}`);
    return key;
  }

  async function expectMatchSoon(instance: Instance, key: string, hash: string): Promise<void> {
    const started = Date.now();
    while ((await sendEvent(instance, key, hash, 'probe.example.net')).matched !== 1) {
      if (Date.now() - started > 1000) throw new Error('the other instance did not apply the indicator within 1 s');
    }
  }

  async function expectNoMatchSoon(instance: Instance, key: string, hash: string): Promise<void> {
    const started = Date.now();
    while ((await sendEvent(instance, key, hash, 'probe.example.net')).matched !== 0) {
      if (Date.now() - started > 1000) throw new Error('the other instance still matched the indicator after 1 s');
    }
  }
});

async function stopInstance(instance: Instance): Promise<void> {
  const exited = new Promise((resolve) => instance.process.once('exit', resolve));
  instance.process.kill('SIGTERM');
  await exited;
}

async function graphql(instance: Instance, key: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${instance.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function createDefinition(instance: Instance, key: string, hash: string): Promise<string> {
  const data = await graphql(instance, key, 'mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }', {
    input: { title: `Hash ${hash.slice(-6)}`, severity: 'HIGH', category: 'Malware', indicators: [{ type: 'FILE_SHA256', value: hash }] },
  });
  return data.createAlertDefinition.id;
}

async function sendEvent(instance: Instance, key: string, hash: string, deviceId: string): Promise<{ matched: number }> {
  const response = await fetch(`${instance.baseUrl}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` },
    body: JSON.stringify({ deviceId, observables: [{ type: 'FILE_SHA256', value: hash }] }),
  });
  return (await response.json()) as { matched: number };
}

async function listAlerts(instance: Instance, key: string): Promise<Array<{ id: string; deviceId: string; eventCount: number }>> {
  const data = await graphql(instance, key, '{ alerts(first: 500, order: OLDEST_FIRST) { nodes { id deviceId eventCount } } }');
  return data.alerts.nodes;
}

/**
 * Kills the pub/sub connections of this test's instances, the way
 * `CLIENT KILL TYPE pubsub` would, without touching other test runs on the same Redis.
 */
async function killPubsubConnections(channelPrefix: string): Promise<void> {
  const admin = new Redis(REDIS_URL);
  try {
    const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const name = `sightline-${channelPrefix.replace(/[^A-Za-z0-9-]/g, '')}-subscriber`;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /id=(\d+)/.exec(line)![1]);
    expect(ids).toHaveLength(2);
    for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
  } finally {
    admin.disconnect();
  }
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
