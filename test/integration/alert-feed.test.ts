import WebSocket from 'ws';

import { createDefinition, ingest, nativeEvent, sha256Of } from '../helpers/fixtures';
import { startTestServer, subscribe, waitUntil, type TestServer } from '../helpers/test-server';

const ALERT_RAISED = `subscription ($filter: AlertFeedFilter, $after: String) {
  alertRaised(filter: $filter, after: $after) { id cursor title severity deviceId eventCount }
}`;

describe('alert feed over graphql-ws', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  const streams = () => server.sightline.services.feed.activeStreams;

  describe('alertRaised', () => {
    it('delivers each raised alert once to a live subscriber', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(1) }] });
      const feed = subscribe(server.wsClient(), ALERT_RAISED);
      await waitUntil(() => streams() === 1, 5000, 'the subscription to start');

      const { raised } = await ingest(server, [
        nativeEvent('FILE_SHA256', sha256Of(1), 'a.example.net'),
        nativeEvent('FILE_SHA256', sha256Of(1), 'b.example.net'),
      ]);
      await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(1), 'a.example.net')]);
      await feed.waitFor(2);

      expect(feed.error).toBeNull();
      expect(feed.received.map((result) => result.data.alertRaised.id)).toEqual(raised.map((alert) => alert.id));
      expect(feed.received.map((result) => result.data.alertRaised.deviceId)).toEqual(['a.example.net', 'b.example.net']);
    });

    it('replays after the cursor without gap or duplicate', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(2) }] });
      const device = (n: number) => `host-${n}.example.net`;
      const first = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(2), device(0))]);
      for (let n = 1; n <= 5; n += 1) await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(2), device(n))]);

      const feed = subscribe(server.wsClient(), ALERT_RAISED, { after: first.raised[0].cursor });
      // Alerts keep arriving while the subscriber catches up.
      for (let n = 6; n <= 20; n += 1) await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(2), device(n))]);
      await feed.waitFor(20);

      const devices = feed.received.map((result) => result.data.alertRaised.deviceId);
      expect(devices).toEqual(Array.from({ length: 20 }, (_, n) => device(n + 1)));
    });

    it('filters by minimum severity, definition and device', async () => {
      const low = await createDefinition(server, { severity: 'LOW', indicators: [{ type: 'FILE_SHA256', value: sha256Of(3) }] });
      await createDefinition(server, { severity: 'HIGH', indicators: [{ type: 'FILE_SHA256', value: sha256Of(4) }] });
      const client = server.wsClient();
      const bySeverity = subscribe(client, ALERT_RAISED, { filter: { minSeverity: 'MEDIUM' } });
      const byDefinition = subscribe(client, ALERT_RAISED, { filter: { alertDefinitionIds: [low] } });
      const byDevice = subscribe(client, ALERT_RAISED, { filter: { deviceIds: ['b.example.net'] } });
      await waitUntil(() => streams() === 3, 5000, 'three subscriptions to start');

      await ingest(server, [
        nativeEvent('FILE_SHA256', sha256Of(3), 'a.example.net'),
        nativeEvent('FILE_SHA256', sha256Of(4), 'a.example.net'),
        nativeEvent('FILE_SHA256', sha256Of(4), 'b.example.net'),
      ]);
      await Promise.all([bySeverity.waitFor(2), byDefinition.waitFor(1), byDevice.waitFor(1)]);

      expect(bySeverity.received.map((result) => result.data.alertRaised.severity)).toEqual(['HIGH', 'HIGH']);
      expect(byDefinition.received.map((result) => result.data.alertRaised.severity)).toEqual(['LOW']);
      expect(byDevice.received.map((result) => result.data.alertRaised.deviceId)).toEqual(['b.example.net']);
    });

    it('survives one request raising 1,100 alerts', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(9) }] });
      const raisedFeed = subscribe(server.wsClient(), ALERT_RAISED);
      const updatedFeed = subscribe(server.wsClient(), `subscription { alertUpdated { changes } }`);
      await waitUntil(() => streams() === 2, 5000, 'both subscriptions to start');
      const events = Array.from({ length: 1100 }, (_, n) => nativeEvent('FILE_SHA256', sha256Of(9), `bulk-${n}.example.net`));

      const first = await ingest(server, events);
      const second = await ingest(server, events);
      await raisedFeed.waitFor(1100, 15_000);
      await updatedFeed.waitFor(1100, 15_000);

      expect(first.raised).toHaveLength(1100);
      expect(second.updated).toHaveLength(1100);
      expect(raisedFeed.error).toBeNull();
      expect(raisedFeed.received).toHaveLength(1100);
      expect(updatedFeed.received).toHaveLength(1100);
      const health = await fetch(`${server.baseUrl}/healthz`);
      expect(health.status).toBe(200);
    });

    it('rejects a forged cursor with BAD_USER_INPUT', async () => {
      const feed = subscribe(server.wsClient(), ALERT_RAISED, { after: 'Zm9yZ2Vk' });
      await feed.waitFor(1);

      expect(feed.received).toHaveLength(1);
      expect(feed.received[0].errors).toEqual([
        expect.objectContaining({
          message: expect.stringContaining('"after" is not a valid alert cursor'),
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        }),
      ]);
    });
  });

  describe('alertUpdated', () => {
    it('streams added events and triage changes', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(5) }] });
      const { raised } = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(5))]);
      const feed = subscribe(
        server.wsClient(),
        `subscription { alertUpdated { changes alert { id eventCount status assignedTo } } }`,
      );
      await waitUntil(() => streams() === 1, 5000, 'the subscription to start');

      await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(5))]);
      await server.graphql(`mutation ($id: ID!) { updateAlert(id: $id, input: { status: IN_PROGRESS, assignedTo: "ana" }) { id } }`, {
        id: raised[0].id,
      });
      await feed.waitFor(2);

      expect(feed.received.map((result) => result.data.alertUpdated)).toEqual([
        { changes: ['EVENTS_ADDED'], alert: { id: raised[0].id, eventCount: 2, status: 'NEW', assignedTo: null } },
        {
          changes: ['STATUS_CHANGED', 'ASSIGNMENT_CHANGED'],
          alert: { id: raised[0].id, eventCount: 2, status: 'IN_PROGRESS', assignedTo: 'ana' },
        },
      ]);
    });
  });

  describe('guard rails', () => {
    it('refuses queries over the websocket', async () => {
      const feed = subscribe(server.wsClient(), `{ alerts { totalCount } }`);
      await feed.waitFor(1);

      expect(feed.error).toEqual([
        expect.objectContaining({
          message: 'Only subscriptions are accepted over the websocket; send queries and mutations with POST /graphql.',
          extensions: { code: 'BAD_REQUEST' },
        }),
      ]);
    });

    it('answers validation errors with GRAPHQL_VALIDATION_FAILED', async () => {
      const feed = subscribe(server.wsClient(), `subscription { alertRaised { noSuchField } }`);
      await feed.waitFor(1);

      expect(feed.error).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) }),
      ]);
    });

    it('closes an oversized message with 1009', async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.sightline.port}/graphql`, 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(70 * 1024) } }));

      expect(await closed).toBe(1009);
    });

    it('closes open subscriptions with 1001 when the server stops', async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.sightline.port}/graphql`, 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${server.adminKey}` } }));
      await new Promise((resolve) => socket.once('message', resolve));
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alertRaised { id } }' } }));
      await waitUntil(() => streams() === 1, 5000, 'the subscription to start');

      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      await server.sightline.stop();
      server.stop = async () => undefined;

      expect(await closed).toBe(1001);
    });
  });
});
