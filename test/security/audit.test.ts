import { Role } from '../../src/domain/roles';
import { sha256Of } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/test-server';
import {
  createDefinitionAs,
  createTestKey,
  errorSummary,
  graphqlData,
  hashEvent,
  ingestAs,
  readOrganizationState,
  type TestKey,
} from './authorization-fixtures';

// Jest ignores testTimeout inside the projects of jest.config.js, so its 5 s default would apply here.
jest.setTimeout(30_000);

const ORGANIZATION = 'default';
const TARGET_HASH = sha256Of(801);

interface RecordedEvent {
  action: string;
  targetType: string;
  targetId: string;
  actorKeyId: string | null;
  actorName: string;
  changes: Array<{ field: string; from: unknown; to: unknown }>;
}

async function readAuditEvents(server: TestServer): Promise<Array<RecordedEvent & { id: string }>> {
  const data = await graphqlData(
    server,
    server.adminKey,
    '{ auditEvents(first: 500) { nodes { id action targetType targetId actorKeyId actorName changes { field from to } } } }',
  );
  return data.auditEvents.nodes;
}

/** Runs `change` and returns its result with the audit events written meanwhile, oldest first. */
async function auditEventsWrittenBy<T>(server: TestServer, change: () => Promise<T>): Promise<{ result: T; events: RecordedEvent[] }> {
  const before = new Set((await readAuditEvents(server)).map((event) => event.id));
  const result = await change();
  const events = (await readAuditEvents(server))
    .filter((event) => !before.has(event.id))
    .map(({ id: _id, ...event }) => event);
  return { result, events };
}

describe('audit log', () => {
  let server: TestServer;
  let analyst: TestKey;

  beforeEach(async () => {
    server = await startTestServer();
    analyst = await createTestKey(server, ORGANIZATION, 'Triage analyst', Role.ANALYST);
  });

  afterEach(async () => {
    await server.stop();
  });

  /** Returns the actor fields of the analyst key, which makes every change below unless a test names another key. */
  const byAnalyst = () => ({ actorKeyId: analyst.id, actorName: 'Triage analyst' });

  describe('alert definitions', () => {
    it('records createAlertDefinition field by field', async () => {
      const { result, events } = await auditEventsWrittenBy(server, () =>
        createDefinitionAs(server, analyst.secret, {
          title: 'Mimikatz',
          severity: 'HIGH',
          category: 'CredentialAccess',
          description: 'Dumps credentials.',
          recommendedActions: 'Isolate the host.',
          mitreTechniques: ['T1003.001'],
        }),
      );

      expect(events).toEqual([
        {
          action: 'ALERT_DEFINITION_CREATED',
          targetType: 'ALERT_DEFINITION',
          targetId: result.id,
          ...byAnalyst(),
          changes: [
            { field: 'title', from: null, to: 'Mimikatz' },
            { field: 'description', from: null, to: 'Dumps credentials.' },
            { field: 'severity', from: null, to: 'HIGH' },
            { field: 'category', from: null, to: 'CredentialAccess' },
            { field: 'recommendedActions', from: null, to: 'Isolate the host.' },
            { field: 'mitreTechniques', from: null, to: ['T1003.001'] },
            { field: 'enabled', from: null, to: true },
          ],
        },
      ]);
    });

    it('records creation indicators as INDICATORS_ADDED', async () => {
      const { result, events } = await auditEventsWrittenBy(server, () =>
        createDefinitionAs(server, analyst.secret, {
          title: 'PsExec',
          indicators: [
            { type: 'FILE_SHA256', value: TARGET_HASH },
            { type: 'DOMAIN_NAME', value: 'psexec.example.com' },
          ],
        }),
      );

      expect(events.map((event) => event.action)).toEqual(['ALERT_DEFINITION_CREATED', 'INDICATORS_ADDED']);
      expect(events[1]).toEqual({
        action: 'INDICATORS_ADDED',
        targetType: 'ALERT_DEFINITION',
        targetId: result.id,
        ...byAnalyst(),
        changes: [{ field: 'indicatorIds', from: null, to: result.indicatorIds }],
      });
    });

    it('records a severity change from LOW to HIGH', async () => {
      const definition = await createDefinitionAs(server, server.adminKey, { title: 'Escalating', severity: 'LOW' });

      const { result, events } = await auditEventsWrittenBy(server, () =>
        server.graphql('mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: HIGH }) { severity } }', { id: definition.id }, {
          key: analyst.secret,
        }),
      );

      expect(result.data).toEqual({ updateAlertDefinition: { severity: 'HIGH' } });
      expect(events).toEqual([
        {
          action: 'ALERT_DEFINITION_UPDATED',
          targetType: 'ALERT_DEFINITION',
          targetId: definition.id,
          ...byAnalyst(),
          changes: [{ field: 'severity', from: 'LOW', to: 'HIGH' }],
        },
      ]);
    });

    it('records nothing for an update that changes no field', async () => {
      const definition = await createDefinitionAs(server, server.adminKey, { title: 'Steady', severity: 'LOW' });

      const { result, events } = await auditEventsWrittenBy(server, () =>
        server.graphql('mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: LOW, title: "Steady" }) { severity } }', { id: definition.id }, {
          key: analyst.secret,
        }),
      );

      expect(result.data).toEqual({ updateAlertDefinition: { severity: 'LOW' } });
      expect(events).toEqual([]);
    });

    it('records deleteAlertDefinition with the fields it removed', async () => {
      const definition = await createDefinitionAs(server, server.adminKey, {
        title: 'Doomed',
        severity: 'MEDIUM',
        category: 'Malware',
        description: 'Old rule.',
        recommendedActions: 'None.',
        mitreTechniques: ['T1059'],
        indicators: [
          { type: 'FILE_SHA256', value: TARGET_HASH },
          { type: 'IP_ADDRESS', value: '192.0.2.10' },
        ],
      });

      const { events } = await auditEventsWrittenBy(server, () =>
        graphqlData(server, analyst.secret, 'mutation ($id: ID!) { deleteAlertDefinition(id: $id) { id } }', { id: definition.id }),
      );

      expect(events).toEqual([
        {
          action: 'ALERT_DEFINITION_DELETED',
          targetType: 'ALERT_DEFINITION',
          targetId: definition.id,
          ...byAnalyst(),
          changes: [
            { field: 'title', from: 'Doomed', to: null },
            { field: 'description', from: 'Old rule.', to: null },
            { field: 'severity', from: 'MEDIUM', to: null },
            { field: 'category', from: 'Malware', to: null },
            { field: 'recommendedActions', from: 'None.', to: null },
            { field: 'mitreTechniques', from: ['T1059'], to: null },
            { field: 'enabled', from: true, to: null },
            { field: 'indicatorCount', from: 2, to: 0 },
          ],
        },
      ]);
    });
  });

  describe('indicators', () => {
    it('records addIndicators with the new ids', async () => {
      const definition = await createDefinitionAs(server, server.adminKey, { title: 'Growing' });

      const { result, events } = await auditEventsWrittenBy(server, () =>
        graphqlData(
          server,
          analyst.secret,
          `mutation ($id: ID!, $indicators: [IndicatorInput!]!) {
            addIndicators(alertDefinitionId: $id, indicators: $indicators) { indicators { id } }
          }`,
          {
            id: definition.id,
            indicators: [
              { type: 'FILE_SHA256', value: TARGET_HASH },
              { type: 'URL', value: 'https://drop.example.com/payload' },
            ],
          },
        ),
      );

      expect(events).toEqual([
        {
          action: 'INDICATORS_ADDED',
          targetType: 'ALERT_DEFINITION',
          targetId: definition.id,
          ...byAnalyst(),
          changes: [{ field: 'indicatorIds', from: null, to: result.addIndicators.indicators.map((node: { id: string }) => node.id) }],
        },
      ]);
    });

    it('records updateIndicator field by field', async () => {
      const definition = await createDefinitionAs(server, server.adminKey, {
        title: 'Domains',
        indicators: [{ type: 'DOMAIN_NAME', value: 'evil.example.com' }],
      });
      const [indicatorId] = definition.indicatorIds;

      const { events } = await auditEventsWrittenBy(server, () =>
        graphqlData(
          server,
          analyst.secret,
          'mutation ($id: ID!, $input: IndicatorUpdateInput!) { updateIndicator(id: $id, input: $input) { id } }',
          {
            id: indicatorId,
            input: { value: 'evil.example.net', enabled: false, expiresAt: '2099-01-01T00:00:00.000Z', description: 'Sinkholed.' },
          },
        ),
      );

      expect(events).toEqual([
        {
          action: 'INDICATOR_UPDATED',
          targetType: 'INDICATOR',
          targetId: indicatorId,
          ...byAnalyst(),
          changes: [
            { field: 'value', from: 'evil.example.com', to: 'evil.example.net' },
            { field: 'enabled', from: true, to: false },
            { field: 'expiresAt', from: null, to: '2099-01-01T00:00:00.000Z' },
            { field: 'description', from: '', to: 'Sinkholed.' },
          ],
        },
      ]);
    });

    it('records deleteIndicators once per indicator', async () => {
      const definition = await createDefinitionAs(server, server.adminKey, {
        title: 'Pruned',
        indicators: [
          { type: 'FILE_SHA256', value: TARGET_HASH },
          { type: 'DOMAIN_NAME', value: 'evil.example.com', source: 'Partner feed' },
        ],
      });
      const [hashId, domainId] = definition.indicatorIds;

      const { events } = await auditEventsWrittenBy(server, () =>
        graphqlData(server, analyst.secret, 'mutation ($ids: [ID!]!) { deleteIndicators(ids: $ids) { deletedIds } }', {
          ids: [hashId, domainId],
        }),
      );

      const removed = (id: string, type: string, value: string, matchFunction: string, source: string) => ({
        action: 'INDICATORS_DELETED',
        targetType: 'INDICATOR',
        targetId: id,
        ...byAnalyst(),
        changes: [
          { field: 'alertDefinitionId', from: definition.id, to: null },
          { field: 'type', from: type, to: null },
          { field: 'value', from: value, to: null },
          { field: 'matchFunction', from: matchFunction, to: null },
          { field: 'enabled', from: true, to: null },
          { field: 'description', from: '', to: null },
          { field: 'source', from: source, to: null },
        ],
      });
      expect(events).toEqual([
        removed(hashId, 'FILE_SHA256', TARGET_HASH, 'EQUALS', ''),
        removed(domainId, 'DOMAIN_NAME', 'evil.example.com', 'INCLUDES_SUBDOMAINS', 'Partner feed'),
      ]);
    });
  });

  describe('alerts', () => {
    async function raiseAlert(): Promise<string> {
      await createDefinitionAs(server, server.adminKey, { title: 'Triage', indicators: [{ type: 'FILE_SHA256', value: TARGET_HASH }] });
      const { raised } = await ingestAs(server, server.adminKey, [hashEvent(TARGET_HASH, 'ws-7.example.net')]);
      return raised[0].id;
    }

    it('records updateAlert triage fields and comment', async () => {
      const alertId = await raiseAlert();

      const { events } = await auditEventsWrittenBy(server, () =>
        graphqlData(
          server,
          analyst.secret,
          'mutation ($id: ID!, $input: AlertUpdateInput!) { updateAlert(id: $id, input: $input) { id } }',
          {
            id: alertId,
            input: {
              status: 'IN_PROGRESS',
              classification: 'TRUE_POSITIVE',
              determination: 'MALWARE',
              assignedTo: 'ana',
              comment: 'Confirmed on the host.',
            },
          },
        ),
      );

      expect(events).toEqual([
        {
          action: 'ALERT_UPDATED',
          targetType: 'ALERT',
          targetId: alertId,
          ...byAnalyst(),
          changes: [
            { field: 'status', from: 'NEW', to: 'IN_PROGRESS' },
            { field: 'classification', from: null, to: 'TRUE_POSITIVE' },
            { field: 'determination', from: null, to: 'MALWARE' },
            { field: 'assignedTo', from: null, to: 'ana' },
            { field: 'comment', from: null, to: 'Confirmed on the host.' },
          ],
        },
      ]);
    });

    it('records a comment added alone', async () => {
      const alertId = await raiseAlert();

      const { events } = await auditEventsWrittenBy(server, () =>
        graphqlData(server, analyst.secret, 'mutation ($id: ID!) { updateAlert(id: $id, input: { comment: "Seen before." }) { id } }', {
          id: alertId,
        }),
      );

      expect(events).toEqual([
        {
          action: 'ALERT_UPDATED',
          targetType: 'ALERT',
          targetId: alertId,
          ...byAnalyst(),
          changes: [{ field: 'comment', from: null, to: 'Seen before.' }],
        },
      ]);
    });
  });

  describe('API keys', () => {
    it('records createApiKey with name and role', async () => {
      const manager = await createTestKey(server, ORGANIZATION, 'Key manager', Role.ADMIN);

      const { result, events } = await auditEventsWrittenBy(server, () =>
        graphqlData(server, manager.secret, 'mutation { createApiKey(input: { name: "SIEM forwarder", role: INGEST }) { apiKey { id } } }'),
      );

      expect(events).toEqual([
        {
          action: 'API_KEY_CREATED',
          targetType: 'API_KEY',
          targetId: result.createApiKey.apiKey.id,
          actorKeyId: manager.id,
          actorName: 'Key manager',
          changes: [
            { field: 'name', from: null, to: 'SIEM forwarder' },
            { field: 'role', from: null, to: 'INGEST' },
          ],
        },
      ]);
    });

    it('records revokeApiKey once with the revocation time', async () => {
      const manager = await createTestKey(server, ORGANIZATION, 'Key manager', Role.ADMIN);
      const target = await createTestKey(server, ORGANIZATION, 'Old laptop', Role.VIEWER);
      const revoke = () =>
        graphqlData(server, manager.secret, 'mutation ($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: target.id });

      const first = await auditEventsWrittenBy(server, revoke);
      const again = await auditEventsWrittenBy(server, revoke);

      expect(first.events).toEqual([
        {
          action: 'API_KEY_REVOKED',
          targetType: 'API_KEY',
          targetId: target.id,
          actorKeyId: manager.id,
          actorName: 'Key manager',
          changes: [{ field: 'revokedAt', from: null, to: first.result.revokeApiKey.revokedAt }],
        },
      ]);
      expect(again.result.revokeApiKey.revokedAt).toBe(first.result.revokeApiKey.revokedAt);
      expect(again.events).toEqual([]);
    });
  });

  describe('reading', () => {
    it.each([Role.VIEWER, Role.ANALYST, Role.INGEST])('rejects %s with FORBIDDEN', async (role) => {
      const key = await createTestKey(server, ORGANIZATION, `${role} reader`, role);

      const response = await server.graphql('{ auditEvents { totalCount } }', {}, { key: key.secret });

      expect(response.status).toBe(403);
      expect(response.data).toBeNull();
      expect(response.errors?.map(errorSummary)).toEqual([
        {
          message: `The ${role} role may not use "auditEvents"; it needs a key with the role ADMIN.`,
          path: ['auditEvents'],
          extensions: { code: 'FORBIDDEN' },
        },
      ]);
    });

    it('filters by action and target', async () => {
      const definition = await createDefinitionAs(server, analyst.secret, { title: 'Filtered', severity: 'LOW' });
      await createDefinitionAs(server, analyst.secret, { title: 'Unrelated', severity: 'LOW' });
      await graphqlData(server, analyst.secret, 'mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: MEDIUM }) { id } }', {
        id: definition.id,
      });

      const data = await graphqlData(
        server,
        server.adminKey,
        `query ($id: ID!) {
          byTarget: auditEvents(filter: { targetId: $id }) { nodes { action targetId } }
          byAction: auditEvents(filter: { actions: [ALERT_DEFINITION_UPDATED] }) { nodes { action targetId } }
        }`,
        { id: definition.id },
      );

      expect(data).toEqual({
        byTarget: {
          nodes: [
            { action: 'ALERT_DEFINITION_CREATED', targetId: definition.id },
            { action: 'ALERT_DEFINITION_UPDATED', targetId: definition.id },
          ],
        },
        byAction: { nodes: [{ action: 'ALERT_DEFINITION_UPDATED', targetId: definition.id }] },
      });
    });
  });
});

/** Items the failing mutations aim at. */
interface FailureWorld {
  definitionId: string;
  indicatorId: string;
  alertId: string;
}

interface FailedMutation {
  name: string;
  /** Role of the key that sends it. */
  role: Role.ANALYST | Role.ADMIN;
  field: string;
  document: string;
  variables(world: FailureWorld): Record<string, unknown>;
  code: string;
  message: string;
}

const MISSING_ID = '01900000-0000-7000-8000-000000000000';

const FAILED_MUTATIONS: FailedMutation[] = [
  {
    name: 'createAlertDefinition with an invalid indicator',
    role: Role.ANALYST,
    field: 'createAlertDefinition',
    document: 'mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }',
    variables: () => ({
      input: { title: 'Never stored', severity: 'LOW', category: 'Malware', indicators: [{ type: 'FILE_SHA256', value: 'abc' }] },
    }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "input.indicators[0].value" must be 64 hexadecimal characters for FILE_SHA256; received 3 characters.',
  },
  {
    name: 'createAlertDefinition with a taken title',
    role: Role.ANALYST,
    field: 'createAlertDefinition',
    document: 'mutation { createAlertDefinition(input: { title: "Taken title", severity: LOW, category: Malware }) { id } }',
    variables: () => ({}),
    code: 'CONFLICT',
    message: '"input.title" must be unique within the organization; an alert definition titled "Taken title" already exists.',
  },
  {
    name: 'updateAlertDefinition with an invalid technique',
    role: Role.ANALYST,
    field: 'updateAlertDefinition',
    document: 'mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: HIGH, mitreTechniques: ["T1"] }) { id } }',
    variables: (world) => ({ id: world.definitionId }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "input.mitreTechniques[0]" must be a MITRE ATT&CK technique id such as T1003 or T1003.001; received "T1".',
  },
  {
    name: 'updateAlertDefinition to a taken title',
    role: Role.ANALYST,
    field: 'updateAlertDefinition',
    document: 'mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: HIGH, title: "Taken title" }) { id } }',
    variables: (world) => ({ id: world.definitionId }),
    code: 'CONFLICT',
    message: '"input.title" must be unique within the organization; an alert definition titled "Taken title" already exists.',
  },
  {
    name: 'updateAlertDefinition of a missing id',
    role: Role.ANALYST,
    field: 'updateAlertDefinition',
    document: 'mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: HIGH }) { id } }',
    variables: () => ({ id: MISSING_ID }),
    code: 'NOT_FOUND',
    message: 'Alert definition "01900000-0000-7000-8000-000000000000" was not found.',
  },
  {
    name: 'deleteAlertDefinition of a missing id',
    role: Role.ANALYST,
    field: 'deleteAlertDefinition',
    document: 'mutation ($id: ID!) { deleteAlertDefinition(id: $id) { id } }',
    variables: () => ({ id: MISSING_ID }),
    code: 'NOT_FOUND',
    message: 'Alert definition "01900000-0000-7000-8000-000000000000" was not found.',
  },
  {
    name: 'addIndicators with one invalid value',
    role: Role.ANALYST,
    field: 'addIndicators',
    document: 'mutation ($id: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount } }',
    variables: (world) => ({
      id: world.definitionId,
      indicators: [
        { type: 'FILE_SHA256', value: sha256Of(802) },
        { type: 'FILE_SHA256', value: 'xyz' },
      ],
    }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "indicators[1].value" must be 64 hexadecimal characters for FILE_SHA256; received 3 characters.',
  },
  {
    name: 'addIndicators with a stored duplicate',
    role: Role.ANALYST,
    field: 'addIndicators',
    document: 'mutation ($id: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount } }',
    variables: (world) => ({
      id: world.definitionId,
      indicators: [
        { type: 'FILE_SHA256', value: sha256Of(803) },
        { type: 'FILE_SHA256', value: TARGET_HASH },
      ],
    }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "indicators[1].value" is already an indicator of this alert definition; remove it or pass skipDuplicates: true.',
  },
  {
    name: 'updateIndicator with an invalid value',
    role: Role.ANALYST,
    field: 'updateIndicator',
    document: 'mutation ($id: ID!) { updateIndicator(id: $id, input: { description: "Changed.", value: "not-a-hash" }) { id } }',
    variables: (world) => ({ id: world.indicatorId }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "input.value" must be 64 hexadecimal characters for FILE_SHA256; received 10 characters.',
  },
  {
    name: 'updateIndicator with a past expiry',
    role: Role.ANALYST,
    field: 'updateIndicator',
    document: 'mutation ($id: ID!) { updateIndicator(id: $id, input: { enabled: false, expiresAt: "2001-01-01T00:00:00Z" }) { id } }',
    variables: (world) => ({ id: world.indicatorId }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "input.expiresAt" must be in the future; pass null for an indicator that never expires.',
  },
  {
    name: 'updateAlert with a determination of another classification',
    role: Role.ANALYST,
    field: 'updateAlert',
    document:
      'mutation ($id: ID!) { updateAlert(id: $id, input: { assignedTo: "ana", classification: FALSE_POSITIVE, determination: MALWARE, comment: "Lost." }) { id } }',
    variables: (world) => ({ id: world.alertId }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "input.determination" MALWARE does not fit classification FALSE_POSITIVE; use one of NOT_MALICIOUS, NOT_ENOUGH_DATA_TO_VALIDATE, OTHER.',
  },
  {
    name: 'updateAlert with a blank comment',
    role: Role.ANALYST,
    field: 'updateAlert',
    document: 'mutation ($id: ID!) { updateAlert(id: $id, input: { status: RESOLVED, comment: "   " }) { id } }',
    variables: (world) => ({ id: world.alertId }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "input.comment" must not be empty; omit it to change the alert without a comment.',
  },
  {
    name: 'updateAlert with an over-long assignee',
    role: Role.ANALYST,
    field: 'updateAlert',
    document: 'mutation ($id: ID!, $to: String) { updateAlert(id: $id, input: { status: IN_PROGRESS, assignedTo: $to }) { id } }',
    variables: (world) => ({ id: world.alertId, to: 'a'.repeat(201) }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "input.assignedTo" must be at most 200 characters.',
  },
  {
    name: 'ingestEvents with one invalid event',
    role: Role.ANALYST,
    field: 'ingestEvents',
    document: 'mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { matched } }',
    variables: () => ({
      events: [hashEvent(TARGET_HASH, 'ws-1.example.net'), { deviceId: 'ws-2.example.net', observables: [{ type: 'IP_ADDRESS', value: '192.0.2.1:443' }] }],
    }),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "events[1].observables[0].value" must be an IP address without a port; received "192.0.2.1:443". Remove the ":port" part.',
  },
  {
    name: 'createApiKey with a blank name',
    role: Role.ADMIN,
    field: 'createApiKey',
    document: 'mutation { createApiKey(input: { name: "   ", role: VIEWER }) { key } }',
    variables: () => ({}),
    code: 'BAD_USER_INPUT',
    message: 'Invalid input: "input.name" must be 1 to 100 characters; name the key after the person or system that uses it.',
  },
  {
    name: 'revokeApiKey of a missing id',
    role: Role.ADMIN,
    field: 'revokeApiKey',
    document: 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }',
    variables: () => ({ id: MISSING_ID }),
    code: 'NOT_FOUND',
    message: 'API key "01900000-0000-7000-8000-000000000000" was not found.',
  },
];

describe('failed mutations', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  async function buildFailureWorld(): Promise<FailureWorld> {
    const definition = await createDefinitionAs(server, server.adminKey, {
      title: 'Failure target',
      severity: 'LOW',
      indicators: [{ type: 'FILE_SHA256', value: TARGET_HASH }],
    });
    await createDefinitionAs(server, server.adminKey, { title: 'Taken title' });
    const { raised } = await ingestAs(server, server.adminKey, [hashEvent(TARGET_HASH, 'ws-1.example.net')]);
    return { definitionId: definition.id, indicatorId: definition.indicatorIds[0], alertId: raised[0].id };
  }

  it.each(FAILED_MUTATIONS)('$name changes nothing', async (mutation) => {
    const world = await buildFailureWorld();
    const key = await createTestKey(server, ORGANIZATION, 'Failing caller', mutation.role);
    const before = await readOrganizationState(server, server.adminKey);

    const response = await server.graphql(mutation.document, mutation.variables(world), { key: key.secret });

    expect(response.data).toBeNull();
    expect(response.errors?.map(errorSummary)).toEqual([
      { message: mutation.message, path: [mutation.field], extensions: expect.objectContaining({ code: mutation.code }) },
    ]);
    expect(await readOrganizationState(server, server.adminKey)).toEqual(before);
  });
});
