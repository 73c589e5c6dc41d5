import { createDefinition, ingest, nativeEvent, sha256Of } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/test-server';

describe('alerts over GraphQL', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  describe('raising', () => {
    it('copies the definition metadata and the evidence into the alert', async () => {
      const id = await createDefinition(server, {
        title: 'PsExec',
        severity: 'MEDIUM',
        category: 'LateralMovement',
        indicators: [{ type: 'FILE_MD5', value: '27304B246C7D5B4E149124D5F93C5B01' }],
      });
      const eventTime = '2020-10-19T03:30:54.123Z';
      const { raised } = await ingest(server, [
        { ...nativeEvent('FILE_MD5', '27304b246c7d5b4e149124d5f93c5b01', 'ws5.example.net', 'process.hash.md5'), eventTime },
      ]);

      const response = await server.graphql(
        `query ($id: ID!) { alert(id: $id) {
          title severity category description recommendedActions mitreTechniques status classification determination
          assignedTo deviceId deviceName matchedField matchedValue indicatorType firstEventTime lastEventTime eventCount
          alertDefinitionId
        } }`,
        { id: raised[0].id },
      );

      expect(response.data.alert).toEqual({
        title: 'PsExec',
        severity: 'MEDIUM',
        category: 'LateralMovement',
        description: 'Created by a test.',
        recommendedActions: 'Isolate the device.',
        mitreTechniques: ['T1003.001'],
        status: 'NEW',
        classification: null,
        determination: null,
        assignedTo: null,
        deviceId: 'ws5.example.net',
        deviceName: 'ws5',
        matchedField: 'process.hash.md5',
        matchedValue: '27304b246c7d5b4e149124d5f93c5b01',
        indicatorType: 'FILE_MD5',
        firstEventTime: eventTime,
        lastEventTime: eventTime,
        eventCount: 1,
        alertDefinitionId: id,
      });
    });

    it('folds repeated matches on one device into the open alert', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(3) }] });
      const early = { ...nativeEvent('FILE_SHA256', sha256Of(3)), eventTime: '2024-01-01T00:00:00.000Z' };
      const late = { ...nativeEvent('FILE_SHA256', sha256Of(3)), eventTime: '2024-01-02T00:00:00.000Z' };

      const first = await ingest(server, [late, late]);
      const second = await ingest(server, [early]);
      const otherDevice = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(3), 'ws-2.example.net')]);

      expect(first.raised).toHaveLength(1);
      expect(first.raised[0].eventCount).toBe(2);
      expect(second.raised).toHaveLength(0);
      expect(second.updated).toEqual([{ id: first.raised[0].id, eventCount: 3 }]);
      expect(otherDevice.raised).toHaveLength(1);

      const stored = await server.graphql(`query ($id: ID!) { alert(id: $id) { eventCount firstEventTime lastEventTime } }`, {
        id: first.raised[0].id,
      });
      expect(stored.data.alert).toEqual({
        eventCount: 3,
        firstEventTime: '2024-01-01T00:00:00.000Z',
        lastEventTime: '2024-01-02T00:00:00.000Z',
      });
    });

    it('raises a new alert after the open one is resolved', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(4) }] });
      const { raised } = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(4))]);
      await server.graphql(`mutation ($id: ID!) { updateAlert(id: $id, input: { status: RESOLVED }) { status } }`, {
        id: raised[0].id,
      });

      const next = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(4))]);
      expect(next.raised).toHaveLength(1);
      expect(next.raised[0].id).not.toBe(raised[0].id);

      const reopen = await server.graphql(`mutation ($id: ID!) { updateAlert(id: $id, input: { status: NEW }) { status } }`, {
        id: raised[0].id,
      });
      expect(reopen.errors?.[0].extensions?.code).toBe('CONFLICT');
    });

    it('rejects an invalid observable with its path', async () => {
      const response = await server.graphql(`mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { accepted } }`, {
        events: [nativeEvent('FILE_SHA256', sha256Of(1)), nativeEvent('IP_ADDRESS', '192.0.2.10:443')],
      });

      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].extensions?.issues).toEqual([
        {
          field: 'events[1].observables[0].value',
          message: 'must be an IP address without a port; received "192.0.2.10:443". Remove the ":port" part.',
        },
      ]);
    });

    it('counts accepted and matched events', async () => {
      await createDefinition(server, { indicators: [{ type: 'DOMAIN_NAME', value: 'example.com' }] });
      const result = await ingest(server, [
        nativeEvent('DOMAIN_NAME', 'www.example.com'),
        nativeEvent('DOMAIN_NAME', 'badexample.com'),
        nativeEvent('URL', 'https://cdn.example.com/x.js'),
      ]);

      expect(result.accepted).toBe(3);
      expect(result.matched).toBe(2);
      expect(result.raised).toHaveLength(1);
      expect(result.raised[0].eventCount).toBe(2);
    });
  });

  describe('triage', () => {
    it('sets status, classification, determination, assignee and a comment', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(5) }] });
      const { raised } = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(5))]);

      const response = await server.graphql(
        `mutation ($id: ID!) { updateAlert(id: $id, input: {
            status: IN_PROGRESS, classification: TRUE_POSITIVE, determination: MALWARE, assignedTo: "soc-tier2", comment: "Confirmed on disk."
          }) { status classification determination assignedTo comments { text author } } }`,
        { id: raised[0].id },
      );

      const viewer = await server.graphql(`{ viewer { keyName } }`);
      expect(response.errors).toBeUndefined();
      expect(response.data.updateAlert).toEqual({
        status: 'IN_PROGRESS',
        classification: 'TRUE_POSITIVE',
        determination: 'MALWARE',
        assignedTo: 'soc-tier2',
        comments: [{ text: 'Confirmed on disk.', author: viewer.data.viewer.keyName }],
      });
    });

    it('rejects a determination that does not fit the classification', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(6) }] });
      const { raised } = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(6))]);

      const response = await server.graphql(
        `mutation ($id: ID!) { updateAlert(id: $id, input: { classification: FALSE_POSITIVE, determination: MALWARE }) { id } }`,
        { id: raised[0].id },
      );

      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].extensions?.issues[0].field).toBe('input.determination');
      expect(response.errors?.[0].message).toContain('NOT_MALICIOUS');
    });
  });

  describe('listing', () => {
    it('filters by severity, status, definition and device, newest first', async () => {
      const high = await createDefinition(server, { severity: 'HIGH', indicators: [{ type: 'FILE_SHA256', value: sha256Of(7) }] });
      await createDefinition(server, { severity: 'LOW', indicators: [{ type: 'FILE_SHA256', value: sha256Of(8) }] });
      await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(7), 'a.example.net')]);
      await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(8), 'a.example.net')]);
      await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(7), 'b.example.net')]);

      const all = await server.graphql(`{ alerts { totalCount nodes { deviceId severity } } }`);
      expect(all.data.alerts.nodes).toEqual([
        { deviceId: 'b.example.net', severity: 'HIGH' },
        { deviceId: 'a.example.net', severity: 'LOW' },
        { deviceId: 'a.example.net', severity: 'HIGH' },
      ]);

      const filtered = await server.graphql(
        `query ($id: ID) { alerts(filter: { severities: [HIGH], alertDefinitionId: $id, deviceId: "a.example.net", statuses: [NEW] }) { totalCount } }`,
        { id: high },
      );
      expect(filtered.data.alerts.totalCount).toBe(1);
    });

    it('bounds since and until inclusively by raise time', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(9) }] });
      await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(9))]);
      const stored = await server.graphql(`{ alerts { nodes { createdAt } } }`);
      const createdAt = stored.data.alerts.nodes[0].createdAt;
      const later = new Date(Date.parse(createdAt) + 1).toISOString();

      const query = `query ($since: DateTime, $until: DateTime) { alerts(filter: { since: $since, until: $until }) { totalCount } }`;
      expect((await server.graphql(query, { since: createdAt, until: createdAt })).data.alerts.totalCount).toBe(1);
      expect((await server.graphql(query, { since: later })).data.alerts.totalCount).toBe(0);
    });

    it('answers NOT_FOUND for a malformed alert id', async () => {
      const response = await server.graphql(`{ alert(id: "nope") { id } }`);

      expect(response.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect(response.errors?.[0].message).toBe('Alert "nope" was not found.');
    });
  });
});
