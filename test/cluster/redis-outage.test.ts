import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

import { createDefinition, ingest, nativeEvent, sha256Of } from '../helpers/fixtures';
import { startTestServer, subscribe, waitUntil, type TestServer } from '../helpers/test-server';

/** Starts a private Redis on a free loopback port, so stopping it disturbs no other test. */
async function startRedis(port?: number): Promise<{ process: ChildProcess; port: number }> {
  const chosen = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  return { process: child, port: chosen };
}

async function stopRedis(redis: { process: ChildProcess }): Promise<void> {
  if (redis.process.exitCode !== null) return;
  const exited = new Promise((resolve) => redis.process.once('exit', resolve));
  redis.process.kill('SIGKILL');
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('Redis outage on a running instance', () => {
  let redis: { process: ChildProcess; port: number };
  let server: TestServer;

  beforeEach(async () => {
    redis = await startRedis();
    server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_CHANNEL_PREFIX: 'outage:' } });
  });

  afterEach(async () => {
    await server.stop();
    await stopRedis(redis);
  });

  it('keeps storing and delivering alerts and reports the outage', async () => {
    await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(1) }] });
    const feed = subscribe(server.wsClient(), `subscription { alertRaised { deviceId } }`);
    await waitUntil(() => server.sightline.services.feed.activeStreams === 1, 5000, 'the subscription to start');
    await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(1), 'before.example.net')]);
    await feed.waitFor(1);

    await stopRedis(redis);
    const during = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(1), 'during.example.net')]);
    const health = await fetch(`${server.baseUrl}/healthz`);
    // No live message can arrive now; the periodic check against the database delivers it.
    await feed.waitFor(2, 8000);

    expect(during.raised).toHaveLength(1);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unavailable', reason: 'redis unreachable' });
    expect(feed.received.map((result) => result.data.alertRaised.deviceId)).toEqual(['before.example.net', 'during.example.net']);

    redis = await startRedis(redis.port);
    await waitUntil(() => server.sightline.services.feed.activeStreams === 1, 1000, 'the stream to stay open');
    const healthy = async () => (await fetch(`${server.baseUrl}/healthz`)).status === 200;
    const started = Date.now();
    while (!(await healthy())) {
      if (Date.now() - started > 15_000) throw new Error('the instance did not report Redis healthy again within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(1), 'after.example.net')]);
    await feed.waitFor(3, 8000);

    expect(feed.received.map((result) => result.data.alertRaised.deviceId)).toEqual([
      'before.example.net',
      'during.example.net',
      'after.example.net',
    ]);
  });
});
