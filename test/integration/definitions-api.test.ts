import { createDefinition, ingest, nativeEvent, sha256Of } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/test-server';

describe('alert definitions and indicators over GraphQL', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  describe('creation', () => {
    it('creates a definition with normalized indicators and default match functions', async () => {
      const id = await createDefinition(server, {
        title: 'Mimikatz',
        indicators: [
          { type: 'FILE_SHA256', value: '9D2FD8BEE1CE0A26AF22B702F79B4BC29B936891F49AFEBC2917D890F65D3008' },
          { type: 'DOMAIN_NAME', value: 'Evil.Example.COM.' },
          { type: 'URL', value: 'HTTP://Example.com:80/a/./b/../c#x' },
        ],
      });

      const response = await server.graphql(
        `query ($id: ID!) { alertDefinition(id: $id) {
          title severity category mitreTechniques enabled
          indicators { totalCount nodes { type value normalizedValue matchFunction enabled expired } }
        } }`,
        { id },
      );

      expect(response.errors).toBeUndefined();
      const definition = response.data.alertDefinition;
      expect(definition.title).toBe('Mimikatz');
      expect(definition.mitreTechniques).toEqual(['T1003.001']);
      expect(definition.indicators.totalCount).toBe(3);
      expect(definition.indicators.nodes).toEqual([
        {
          type: 'FILE_SHA256',
          value: '9D2FD8BEE1CE0A26AF22B702F79B4BC29B936891F49AFEBC2917D890F65D3008',
          normalizedValue: '9d2fd8bee1ce0a26af22b702f79b4bc29b936891f49afebc2917d890f65d3008',
          matchFunction: 'EQUALS',
          enabled: true,
          expired: false,
        },
        {
          type: 'DOMAIN_NAME',
          value: 'Evil.Example.COM.',
          normalizedValue: 'evil.example.com',
          matchFunction: 'INCLUDES_SUBDOMAINS',
          enabled: true,
          expired: false,
        },
        {
          type: 'URL',
          value: 'HTTP://Example.com:80/a/./b/../c#x',
          normalizedValue: 'http://example.com/a/c',
          matchFunction: 'PATH_PREFIX',
          enabled: true,
          expired: false,
        },
      ]);
    });

    it('rejects a duplicate title with CONFLICT', async () => {
      await createDefinition(server, { title: 'Same title' });
      const response = await server.graphql(
        `mutation { createAlertDefinition(input: { title: "Same title", severity: LOW, category: Malware }) { id } }`,
      );

      expect(response.data).toBeNull();
      expect(response.errors?.[0].extensions?.code).toBe('CONFLICT');
      expect(response.errors?.[0].message).toContain('"input.title" must be unique');
    });

    it('rejects invalid fields and writes nothing', async () => {
      const response = await server.graphql(
        `mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }`,
        {
          input: {
            title: '   ',
            severity: 'HIGH',
            category: 'Malware',
            mitreTechniques: ['T1003', 'X1'],
            indicators: [
              { type: 'FILE_SHA256', value: 'abc' },
              { type: 'IP_ADDRESS', value: '10.0.0.0/33', matchFunction: 'CIDR' },
              { type: 'FILE_MD5', value: '27304B246C7D5B4E149124D5F93C5B01', matchFunction: 'CIDR' },
            ],
          },
        },
      );

      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      const fields = response.errors?.[0].extensions?.issues.map((issue: { field: string }) => issue.field);
      expect(fields).toEqual([
        'input.title',
        'input.mitreTechniques[1]',
        'input.indicators[0].value',
        'input.indicators[1].value',
        'input.indicators[2].matchFunction',
      ]);
      const list = await server.graphql(`{ alertDefinitions { totalCount } indicators { totalCount } }`);
      expect(list.data.alertDefinitions.totalCount).toBe(0);
      expect(list.data.indicators.totalCount).toBe(0);
    });

    it('reports an over-long title through argument validation', async () => {
      const response = await server.graphql(
        `mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }`,
        { input: { title: 'x'.repeat(121), severity: 'HIGH', category: 'Malware' } },
      );

      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].extensions?.issues).toEqual([
        { field: 'input.title', message: 'must be at most 120 characters.' },
      ]);
    });
  });

  describe('updates and deletion', () => {
    it('changes only the given fields of a definition', async () => {
      const id = await createDefinition(server, { title: 'Before', severity: 'LOW' });
      const response = await server.graphql(
        `mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: HIGH }) { title severity description } }`,
        { id },
      );

      expect(response.errors).toBeUndefined();
      expect(response.data.updateAlertDefinition).toEqual({
        title: 'Before',
        severity: 'HIGH',
        description: 'Created by a test.',
      });
    });

    it('answers NOT_FOUND for an unknown definition id', async () => {
      const response = await server.graphql(
        `mutation { updateAlertDefinition(id: "01a24000-0000-7000-8000-000000000000", input: { severity: HIGH }) { id } }`,
      );

      expect(response.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect(response.errors?.[0].path).toEqual(['updateAlertDefinition']);
    });

    it('deletes a definition with its indicators and keeps its alerts', async () => {
      const id = await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(1) }] });
      const { raised } = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(1))]);
      expect(raised).toHaveLength(1);

      const deleted = await server.graphql(`mutation ($id: ID!) { deleteAlertDefinition(id: $id) { id } }`, { id });
      expect(deleted.data.deleteAlertDefinition.id).toBe(id);

      const after = await server.graphql(
        `query ($id: ID!) { indicators { totalCount } alert(id: $id) { title alertDefinitionId alertDefinition { id } } }`,
        { id: raised[0].id },
      );
      expect(after.data.indicators.totalCount).toBe(0);
      expect(after.data.alert).toEqual({ title: expect.any(String), alertDefinitionId: id, alertDefinition: null });
      const again = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(1))]);
      expect(again.matched).toBe(0);
    });
  });

  describe('addIndicators', () => {
    it('adds a batch all or nothing and names each bad item', async () => {
      const id = await createDefinition(server);
      const response = await server.graphql(
        `mutation ($id: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount } }`,
        {
          id,
          indicators: [
            { type: 'FILE_SHA256', value: sha256Of(1) },
            { type: 'IP_ADDRESS', value: '999.1.1.1' },
            { type: 'FILE_SHA256', value: sha256Of(1).toUpperCase() },
          ],
        },
      );

      const issues = response.errors?.[0].extensions?.issues;
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(issues.map((issue: { field: string }) => issue.field)).toEqual(['indicators[1].value', 'indicators[2].value']);
      expect(issues[1].message).toContain('duplicates indicators[0]');
      const count = await server.graphql(`{ indicators { totalCount } }`);
      expect(count.data.indicators.totalCount).toBe(0);
    });

    it('skips duplicates in the batch and in storage when asked', async () => {
      const id = await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(1) }] });
      const response = await server.graphql(
        `mutation ($id: ID!, $indicators: [IndicatorInput!]!) {
          addIndicators(alertDefinitionId: $id, indicators: $indicators, skipDuplicates: true) { addedCount skippedDuplicates }
        }`,
        {
          id,
          indicators: [
            { type: 'FILE_SHA256', value: sha256Of(1) },
            { type: 'FILE_SHA256', value: sha256Of(2) },
            { type: 'FILE_SHA256', value: sha256Of(2) },
          ],
        },
      );

      expect(response.errors).toBeUndefined();
      expect(response.data.addIndicators).toEqual({ addedCount: 1, skippedDuplicates: [0, 2] });
    });

    it('stores 5,000 indicators in one call', async () => {
      const id = await createDefinition(server);
      const indicators = Array.from({ length: 5000 }, (_, n) => ({ type: 'FILE_SHA256', value: sha256Of(n) }));
      const response = await server.graphql(
        `mutation ($id: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount } }`,
        { id, indicators },
      );

      expect(response.errors).toBeUndefined();
      expect(response.data.addIndicators.addedCount).toBe(5000);
      const matched = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(4999))]);
      expect(matched.raised).toHaveLength(1);
    });

    it('rejects more than 5,000 indicators in one call', async () => {
      const id = await createDefinition(server);
      const indicators = Array.from({ length: 5001 }, (_, n) => ({ type: 'FILE_SHA256', value: sha256Of(n) }));
      const response = await server.graphql(
        `mutation ($id: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount } }`,
        { id, indicators },
      );

      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].extensions?.issues[0]).toEqual({
        field: 'indicators',
        message: 'must contain at most 5000 indicators per call; received 5001. Split the import into several calls.',
      });
    });
  });

  describe('matching index follows every change', () => {
    it('matches a new indicator on the very next event and stops after deletion', async () => {
      const id = await createDefinition(server);
      const added = await server.graphql(
        `mutation ($id: ID!) { addIndicators(alertDefinitionId: $id, indicators: [{ type: DOMAIN_NAME, value: "example.org" }]) { indicators { id } } }`,
        { id },
      );
      const indicatorId = added.data.addIndicators.indicators[0].id;

      const first = await ingest(server, [nativeEvent('DOMAIN_NAME', 'a.b.example.org')]);
      expect(first.raised.map((alert) => alert.matchedValue)).toEqual(['a.b.example.org']);

      const deleted = await server.graphql(
        `mutation ($ids: [ID!]!) { deleteIndicators(ids: $ids) { deletedIds notFoundIds } }`,
        { ids: [indicatorId, '01a24000-0000-7000-8000-000000000000'] },
      );
      expect(deleted.data.deleteIndicators).toEqual({
        deletedIds: [indicatorId],
        notFoundIds: ['01a24000-0000-7000-8000-000000000000'],
      });
      const second = await ingest(server, [nativeEvent('DOMAIN_NAME', 'c.example.org')]);
      expect(second.matched).toBe(0);
    });

    it('stops matching when the definition or the indicator is disabled', async () => {
      const id = await createDefinition(server, { indicators: [{ type: 'IP_ADDRESS', value: '203.0.113.0/24', matchFunction: 'CIDR' }] });
      await server.graphql(`mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { enabled: false }) { id } }`, { id });
      expect((await ingest(server, [nativeEvent('IP_ADDRESS', '203.0.113.9')])).matched).toBe(0);

      await server.graphql(`mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { enabled: true }) { id } }`, { id });
      expect((await ingest(server, [nativeEvent('IP_ADDRESS', '203.0.113.10')])).matched).toBe(1);

      const list = await server.graphql(`{ indicators { nodes { id } } }`);
      await server.graphql(`mutation ($id: ID!) { updateIndicator(id: $id, input: { enabled: false }) { enabled } }`, {
        id: list.data.indicators.nodes[0].id,
      });
      expect((await ingest(server, [nativeEvent('IP_ADDRESS', '203.0.113.11')])).matched).toBe(0);
    });

    it('stops matching at expiresAt without a restart', async () => {
      const expiresAt = new Date(Date.now() + 1500);
      await createDefinition(server, { indicators: [{ type: 'FILE_MD5', value: '27304b246c7d5b4e149124d5f93c5b01', expiresAt }] });
      expect((await ingest(server, [nativeEvent('FILE_MD5', '27304B246C7D5B4E149124D5F93C5B01')])).matched).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now() + 50)));
      expect((await ingest(server, [nativeEvent('FILE_MD5', '27304B246C7D5B4E149124D5F93C5B01')])).matched).toBe(0);
      const listed = await server.graphql(`{ indicators { nodes { expired } } }`);
      expect(listed.data.indicators.nodes).toEqual([{ expired: true }]);
    });

    it('changes the matched value when an indicator value is updated', async () => {
      await createDefinition(server, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(1) }] });
      const list = await server.graphql(`{ indicators { nodes { id } } }`);
      const updated = await server.graphql(
        `mutation ($id: ID!, $value: String!) { updateIndicator(id: $id, input: { value: $value }) { normalizedValue } }`,
        { id: list.data.indicators.nodes[0].id, value: sha256Of(2) },
      );
      expect(updated.data.updateIndicator.normalizedValue).toBe(sha256Of(2));

      expect((await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(1))])).matched).toBe(0);
      expect((await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(2))])).matched).toBe(1);
    });
  });

  describe('lists', () => {
    it('pages with cursors and rejects a forged cursor', async () => {
      for (let n = 0; n < 5; n += 1) await createDefinition(server, { title: `Page ${n}` });

      const first = await server.graphql(`{ alertDefinitions(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { title } } }`);
      expect(first.data.alertDefinitions.nodes.map((node: { title: string }) => node.title)).toEqual(['Page 0', 'Page 1']);
      expect(first.data.alertDefinitions.totalCount).toBe(5);

      const next = await server.graphql(
        `query ($after: String) { alertDefinitions(first: 10, after: $after) { pageInfo { hasNextPage hasPreviousPage } nodes { title } } }`,
        { after: first.data.alertDefinitions.pageInfo.endCursor },
      );
      expect(next.data.alertDefinitions.nodes.map((node: { title: string }) => node.title)).toEqual(['Page 2', 'Page 3', 'Page 4']);
      expect(next.data.alertDefinitions.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });

      const forged = await server.graphql(`{ alertDefinitions(after: "bm90LWEtY3Vyc29y") { totalCount } }`);
      expect(forged.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(forged.errors?.[0].extensions?.issues[0].field).toBe('after');
    });

    it.each([
      [0, 'must be at least 1.'],
      [501, 'must be at most 500; page with "after" for more.'],
      [-5, 'must be at least 1.'],
    ])('rejects first: %d', async (first, message) => {
      const response = await server.graphql(`query ($first: Int!) { indicators(first: $first) { totalCount } }`, { first });

      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].extensions?.issues).toEqual([{ field: 'first', message }]);
    });

    it('loads nested indicators in fixed statement count', async () => {
      const statementsFor = async (definitions: number) => {
        for (let n = 0; n < definitions; n += 1) {
          await createDefinition(server, {
            indicators: [
              { type: 'FILE_SHA256', value: sha256Of(n * 10 + definitions * 1000) },
              { type: 'FILE_SHA256', value: sha256Of(n * 10 + 1 + definitions * 1000) },
            ],
          });
        }
        server.resetQueries();
        const response = await server.graphql(`{
          alertDefinitions(first: 50) { nodes { id title indicators(first: 5) { totalCount nodes { id value } } } }
        }`);
        expect(response.errors).toBeUndefined();
        return server.queries.filter((sql) => /^\s*SELECT/i.test(sql)).length;
      };

      const small = await statementsFor(2);
      const large = await statementsFor(18);
      // One statement checks the API key; the page, the nested pages and their counts take one each.
      expect(small).toBe(4);
      expect(large).toBe(small);
    });

    it('filters indicators by type and by value after normalization', async () => {
      await createDefinition(server, {
        indicators: [
          { type: 'FILE_SHA256', value: sha256Of(7) },
          { type: 'DOMAIN_NAME', value: 'example.com' },
        ],
      });
      const byType = await server.graphql(`{ indicators(filter: { types: [DOMAIN_NAME] }) { nodes { value } } }`);
      expect(byType.data.indicators.nodes).toEqual([{ value: 'example.com' }]);

      const byValue = await server.graphql(`query ($value: String) { indicators(filter: { value: $value }) { nodes { type } } }`, {
        value: sha256Of(7).toUpperCase(),
      });
      expect(byValue.data.indicators.nodes).toEqual([{ type: 'FILE_SHA256' }]);
    });
  });
});
