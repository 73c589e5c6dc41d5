import fs from 'node:fs';
import path from 'node:path';

import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema, isObjectType, type GraphQLSchema } from 'graphql';
import { v7 as uuidv7 } from 'uuid';

import { Role } from '../../src/domain/roles';
import { assertAuthorizationCoverage, ROOT_FIELD_PERMISSIONS } from '../../src/graphql/authorization';
import { buildSightlineSchema } from '../../src/graphql/schema';
import { ApiKeyEntity } from '../../src/persistence/entities';
import { sha256Of } from '../helpers/fixtures';
import { postEvents, startTestServer, subscribe, waitUntil, type TestServer } from '../helpers/test-server';
import {
  buildFeedWorld,
  buildMatrixWorld,
  CALLER_NAMES,
  FIRST_ORGANIZATION,
  HTTP_OPERATION_CASES,
  OTHER_ORGANIZATION,
  SUBSCRIPTION_CASES,
  type CallerName,
  type HttpOperationCase,
  type MatrixCaller,
  type MatrixWorld,
} from './authorization-cases';
import {
  createDefinitionAs,
  createTestKey,
  defaultAdminIdentity,
  errorSummary,
  graphqlData,
  hashEvent,
  ingestAs,
  INVALID_KEY_CLOSE_REASON,
  INVALID_KEY_MESSAGE,
  MISSING_KEY_CLOSE_REASON,
  MISSING_KEY_MESSAGE,
  nextClose,
  readOrganizationState,
} from './authorization-fixtures';

// Jest ignores testTimeout inside the projects of jest.config.js, so its 5 s default would apply here.
jest.setTimeout(30_000);

/** Lists `Type.field` of every root field of `schema`, sorted. */
function rootCoordinates(schema: GraphQLSchema): string[] {
  const coordinates: string[] = [];
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type || !isObjectType(type)) continue;
    for (const field of Object.keys(type.getFields())) coordinates.push(`${type.name}.${field}`);
  }
  return coordinates.sort();
}

/** Builds a schema with one String field per `Type.field` coordinate. */
function schemaWithRootFields(coordinates: readonly string[]): GraphQLSchema {
  const byType = new Map<string, string[]>();
  for (const coordinate of coordinates) {
    const [type, field] = coordinate.split('.');
    byType.set(type, [...(byType.get(type) ?? []), field]);
  }
  const sdl = [...byType].map(([type, fields]) => `type ${type} { ${fields.map((field) => `${field}: String`).join(' ')} }`);
  return buildSchema(sdl.join('\n'));
}

describe('authorization coverage', () => {
  it('gives every root field exactly one permission', async () => {
    const schema = await buildSightlineSchema(createPubSub());
    const coordinates = rootCoordinates(schema);

    expect(coordinates.filter((coordinate) => !(coordinate in ROOT_FIELD_PERMISSIONS))).toEqual([]);
    expect(Object.keys(ROOT_FIELD_PERMISSIONS).filter((coordinate) => !coordinates.includes(coordinate))).toEqual([]);
    expect(() => assertAuthorizationCoverage(schema)).not.toThrow();
  });

  it.each(['Query', 'Mutation', 'Subscription'])('rejects an unguarded %s field', (type) => {
    const schema = schemaWithRootFields([...Object.keys(ROOT_FIELD_PERMISSIONS), `${type}.exportEverything`]);

    expect(() => assertAuthorizationCoverage(schema)).toThrow(
      new Error(
        'Every root field needs exactly one authorization decision in ROOT_FIELD_PERMISSIONS. ' +
          `Missing: ${type}.exportEverything. Not in the schema: none.`,
      ),
    );
  });

  it('rejects a decision for a field the schema lacks', () => {
    const schema = schemaWithRootFields(Object.keys(ROOT_FIELD_PERMISSIONS).filter((coordinate) => coordinate !== 'Query.viewer'));

    expect(() => assertAuthorizationCoverage(schema)).toThrow(
      new Error(
        'Every root field needs exactly one authorization decision in ROOT_FIELD_PERMISSIONS. ' +
          'Missing: none. Not in the schema: Query.viewer.',
      ),
    );
  });
});

interface CellOutcome {
  status: number;
  data: unknown;
  errors: Array<ReturnType<typeof errorSummary>> | undefined;
  /** Audit events the call wrote in the first organization. */
  auditEventsWritten: number;
}

async function countFirstAuditEvents(world: MatrixWorld): Promise<number> {
  const data = await graphqlData(world.server, world.setupKey, '{ auditEvents(first: 1) { totalCount } }');
  return data.auditEvents.totalCount;
}

async function runCell(world: MatrixWorld, operation: HttpOperationCase, caller: MatrixCaller) {
  const variables = await operation.variables(world, caller);
  const auditBefore = await countFirstAuditEvents(world);
  const response = await world.server.graphql(operation.document, variables, { key: caller.key });
  const actual: CellOutcome = {
    status: response.status,
    data: response.data,
    errors: response.errors?.map(errorSummary),
    auditEventsWritten: (await countFirstAuditEvents(world)) - auditBefore,
  };
  return { actual, expected: expectedCell(world, operation, caller, variables) };
}

/** Builds the outcome that README, schema.graphql and `src/domain/roles.ts` promise for one caller. */
function expectedCell(
  world: MatrixWorld,
  operation: HttpOperationCase,
  caller: MatrixCaller,
  variables: Record<string, unknown>,
): CellOutcome {
  const fieldError = (status: number, code: string, message: string): CellOutcome => ({
    status,
    data: null,
    errors: [{ message, path: [operation.field], extensions: { code } }],
    auditEventsWritten: 0,
  });

  if (caller.key === null) return fieldError(401, 'UNAUTHENTICATED', MISSING_KEY_MESSAGE);
  if (caller.role === null) {
    // The key is checked before execution, so the error has no path and the response no data.
    return {
      status: 401,
      data: undefined,
      errors: [{ message: INVALID_KEY_MESSAGE, path: undefined, extensions: { code: 'UNAUTHENTICATED' } }],
      auditEventsWritten: 0,
    };
  }
  if (!operation.allowed.includes(caller.role)) {
    const message = `The ${caller.role} role may not use "${operation.field}"; it needs a key with the role ${operation.allowed.join(', ')}.`;
    return fieldError(403, 'FORBIDDEN', message);
  }
  if (caller.organization !== FIRST_ORGANIZATION && operation.notFoundKind) {
    return fieldError(200, 'NOT_FOUND', `${operation.notFoundKind} "${operation.targetId!(variables)}" was not found.`);
  }
  return {
    status: 200,
    data: operation.expectedData(world, caller, variables),
    errors: undefined,
    auditEventsWritten: caller.organization === FIRST_ORGANIZATION ? operation.auditEvents : 0,
  };
}

/** Returns the code and reason of a websocket close, or the error itself when it is not a close. */
function closeOf(error: unknown): unknown {
  if (error === null) return null;
  const event = error as { code?: unknown; reason?: unknown };
  return typeof event.code === 'number' ? { code: event.code, reason: event.reason } : error;
}

describe('root operation matrix', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('has a case for every root field of the schema', async () => {
    const covered = [...HTTP_OPERATION_CASES, ...SUBSCRIPTION_CASES].map((operation) => operation.coordinate).sort();
    const published = buildSchema(fs.readFileSync(path.join(__dirname, '../../schema.graphql'), 'utf8'));

    expect(covered).toEqual(rootCoordinates(await buildSightlineSchema(createPubSub())));
    expect(covered).toEqual(rootCoordinates(published));
  });

  it.each(HTTP_OPERATION_CASES)('$coordinate answers each caller by role', async (operation) => {
    const world = await buildMatrixWorld(server);
    const actual: Partial<Record<CallerName, CellOutcome>> = {};
    const expected: Partial<Record<CallerName, CellOutcome>> = {};

    for (const name of CALLER_NAMES) {
      const cell = await runCell(world, operation, world.callers[name]);
      actual[name] = cell.actual;
      expected[name] = cell.expected;
    }

    expect(actual).toEqual(expected);
  });

  it.each(SUBSCRIPTION_CASES)('$coordinate answers each caller by role', async (operation) => {
    const world = await buildFeedWorld(server);
    const allowed = (name: CallerName) => {
      const role = world.callers[name].role;
      return role !== null && operation.allowed.includes(role);
    };
    const feeds = Object.fromEntries(
      CALLER_NAMES.map((name) => [name, subscribe(server.wsClient({ key: world.callers[name].key }), operation.document)]),
    ) as Record<CallerName, ReturnType<typeof subscribe>>;

    await Promise.all(CALLER_NAMES.filter((name) => !allowed(name)).map((name) => feeds[name].waitFor(1)));
    const subscribers = CALLER_NAMES.filter(allowed);
    await waitUntil(
      () => server.sightline.services.feed.activeStreams === subscribers.length,
      5000,
      'every allowed subscription to start',
    );
    const payloads = await operation.trigger(world);
    await Promise.all(subscribers.map((name) => feeds[name].waitFor(2)));

    const actual = Object.fromEntries(
      CALLER_NAMES.map((name) => [
        name,
        {
          close: closeOf(feeds[name].error),
          received: feeds[name].received.map((result) => ({ data: result.data, errors: result.errors?.map(errorSummary) })),
        },
      ]),
    );
    const rejectedAtInit = (reason: string) => ({ close: { code: 4401, reason }, received: [] });
    const forbidden = {
      close: null,
      received: [
        {
          errors: [
            {
              message: `The INGEST role may not use "${operation.field}"; it needs a key with the role ${operation.allowed.join(', ')}.`,
              path: [operation.field],
              extensions: { code: 'FORBIDDEN' },
            },
          ],
        },
      ],
    };
    const delivered = (organization: typeof FIRST_ORGANIZATION | typeof OTHER_ORGANIZATION) => ({
      close: null,
      received: payloads[organization].map((data) => ({ data })),
    });
    expect(actual).toEqual({
      anonymous: rejectedAtInit(MISSING_KEY_CLOSE_REASON),
      'invalid key': rejectedAtInit(INVALID_KEY_CLOSE_REASON),
      'revoked key': rejectedAtInit(INVALID_KEY_CLOSE_REASON),
      VIEWER: delivered(FIRST_ORGANIZATION),
      ANALYST: delivered(FIRST_ORGANIZATION),
      INGEST: forbidden,
      ADMIN: delivered(FIRST_ORGANIZATION),
      'ADMIN of another organization': delivered(OTHER_ORGANIZATION),
    });
  });
});

const FIRST_HASH = sha256Of(701);
const OTHER_HASH = sha256Of(702);

/** Builds two organizations, each with a definition, one indicator, one alert and an ADMIN key. */
async function buildTwoOrganizations(server: TestServer) {
  const otherAdmin = await createTestKey(server, OTHER_ORGANIZATION, 'other admin', Role.ADMIN);
  const firstDefinition = await createDefinitionAs(server, server.adminKey, {
    title: 'First definition',
    indicators: [{ type: 'FILE_SHA256', value: FIRST_HASH }],
  });
  const otherDefinition = await createDefinitionAs(server, otherAdmin.secret, {
    title: 'Other definition',
    indicators: [{ type: 'FILE_SHA256', value: OTHER_HASH }],
  });
  const firstAlert = (await ingestAs(server, server.adminKey, [hashEvent(FIRST_HASH, 'first.example.net')])).raised[0];
  const otherAlert = (await ingestAs(server, otherAdmin.secret, [hashEvent(OTHER_HASH, 'other.example.net')])).raised[0];
  const firstViewer = await createTestKey(server, FIRST_ORGANIZATION, 'first viewer', Role.VIEWER);

  return {
    firstAdminKey: server.adminKey,
    otherAdmin,
    firstDefinitionId: firstDefinition.id,
    firstIndicatorId: firstDefinition.indicatorIds[0],
    firstAlertId: firstAlert.id,
    firstViewer,
    otherDefinitionId: otherDefinition.id,
    otherIndicatorId: otherDefinition.indicatorIds[0],
    otherAlertId: otherAlert.id,
  };
}

/** An operation on one id, for comparing a real id with one that does not exist. */
interface IdProbe {
  name: string;
  document: string;
  variables(id: string): Record<string, unknown>;
  /** Code the probe returns for an id that does not exist, or null when it returns data. */
  missingCode: string | null;
}

const ID_PROBES: Record<'definition' | 'indicator' | 'alert' | 'apiKey', IdProbe[]> = {
  definition: [
    { name: 'alertDefinition', document: 'query ($id: ID!) { alertDefinition(id: $id) { id title } }', variables: (id) => ({ id }), missingCode: 'NOT_FOUND' },
    {
      name: 'updateAlertDefinition',
      document: 'mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: LOW }) { id severity } }',
      variables: (id) => ({ id }),
      missingCode: 'NOT_FOUND',
    },
    {
      name: 'addIndicators',
      document: `mutation ($id: ID!, $indicators: [IndicatorInput!]!) {
        addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount }
      }`,
      variables: (id) => ({ id, indicators: [{ type: 'FILE_SHA256', value: sha256Of(703) }] }),
      missingCode: 'NOT_FOUND',
    },
    {
      name: 'indicators by definition',
      document: 'query ($id: ID!) { indicators(filter: { alertDefinitionId: $id }) { totalCount nodes { id } } }',
      variables: (id) => ({ id }),
      missingCode: null,
    },
    {
      name: 'alerts by definition',
      document: 'query ($id: ID!) { alerts(filter: { alertDefinitionId: $id }) { totalCount nodes { id } } }',
      variables: (id) => ({ id }),
      missingCode: null,
    },
    {
      name: 'auditEvents by target',
      document: 'query ($id: ID!) { auditEvents(filter: { targetId: $id }) { totalCount nodes { id } } }',
      variables: (id) => ({ id }),
      missingCode: null,
    },
    { name: 'deleteAlertDefinition', document: 'mutation ($id: ID!) { deleteAlertDefinition(id: $id) { id } }', variables: (id) => ({ id }), missingCode: 'NOT_FOUND' },
  ],
  indicator: [
    { name: 'indicator', document: 'query ($id: ID!) { indicator(id: $id) { id value } }', variables: (id) => ({ id }), missingCode: 'NOT_FOUND' },
    {
      name: 'updateIndicator',
      document: 'mutation ($id: ID!) { updateIndicator(id: $id, input: { enabled: false }) { id enabled } }',
      variables: (id) => ({ id }),
      missingCode: 'NOT_FOUND',
    },
    {
      name: 'deleteIndicators',
      document: 'mutation ($ids: [ID!]!) { deleteIndicators(ids: $ids) { deletedIds notFoundIds } }',
      variables: (id) => ({ ids: [id] }),
      missingCode: null,
    },
  ],
  alert: [
    { name: 'alert', document: 'query ($id: ID!) { alert(id: $id) { id title } }', variables: (id) => ({ id }), missingCode: 'NOT_FOUND' },
    {
      name: 'updateAlert',
      document: 'mutation ($id: ID!) { updateAlert(id: $id, input: { status: IN_PROGRESS, comment: "Taken over." }) { id status } }',
      variables: (id) => ({ id }),
      missingCode: 'NOT_FOUND',
    },
  ],
  apiKey: [
    { name: 'revokeApiKey', document: 'mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', variables: (id) => ({ id }), missingCode: 'NOT_FOUND' },
  ],
};

/** Runs `probe` on `id` with `key` and returns the response with the id replaced by `<id>`. */
async function probeWithId(server: TestServer, key: string, probe: IdProbe, id: string): Promise<unknown> {
  const response = await server.graphql(probe.document, probe.variables(id), { key });
  return JSON.parse(JSON.stringify(response).split(id).join('<id>'));
}

/** Runs each probe on its id and on an id that does not exist, and returns both responses and the codes of the second. */
async function compareWithMissingIds(server: TestServer, key: string, probes: Array<{ probe: IdProbe; id: string }>) {
  const actual: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  const missingCodes: Record<string, unknown> = {};
  for (const { probe, id } of probes) {
    const missing = (await probeWithId(server, key, probe, uuidv7())) as { errors?: Array<{ extensions?: { code?: string } }> };
    actual[probe.name] = await probeWithId(server, key, probe, id);
    expected[probe.name] = missing;
    missingCodes[probe.name] = missing.errors?.[0]?.extensions?.code ?? null;
  }
  return { actual, expected, missingCodes };
}

describe('organization isolation', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('treats foreign ids as missing', async () => {
    const world = await buildTwoOrganizations(server);
    const firstAdmin = await defaultAdminIdentity(server);
    const probes = [
      ...ID_PROBES.indicator.map((probe) => ({ probe, id: world.firstIndicatorId })),
      ...ID_PROBES.alert.map((probe) => ({ probe, id: world.firstAlertId })),
      ...ID_PROBES.definition.map((probe) => ({ probe, id: world.firstDefinitionId })),
      ...ID_PROBES.apiKey.map((probe) => ({ probe, id: firstAdmin.id })),
    ];
    const before = await readOrganizationState(server, world.firstAdminKey);

    const { actual, expected, missingCodes } = await compareWithMissingIds(server, world.otherAdmin.secret, probes);

    expect(missingCodes).toEqual(Object.fromEntries(probes.map(({ probe }) => [probe.name, probe.missingCode])));
    expect(actual).toEqual(expected);
    expect(await readOrganizationState(server, world.firstAdminKey)).toEqual(before);
  });

  it('treats ids of another type as missing', async () => {
    const world = await buildTwoOrganizations(server);
    const probes = [
      ...ID_PROBES.definition.map((probe) => ({ probe, id: world.firstIndicatorId })),
      ...ID_PROBES.indicator.map((probe) => ({ probe, id: world.firstAlertId })),
      ...ID_PROBES.alert.map((probe) => ({ probe, id: world.firstDefinitionId })),
      ...ID_PROBES.apiKey.map((probe) => ({ probe, id: world.firstAlertId })),
    ];
    const before = await readOrganizationState(server, world.firstAdminKey);

    const { actual, expected, missingCodes } = await compareWithMissingIds(server, world.firstAdminKey, probes);

    expect(missingCodes).toEqual(Object.fromEntries(probes.map(({ probe }) => [probe.name, probe.missingCode])));
    expect(actual).toEqual(expected);
    expect(await readOrganizationState(server, world.firstAdminKey)).toEqual(before);
  });

  it('lists only own items', async () => {
    const world = await buildTwoOrganizations(server);
    const firstAdmin = await defaultAdminIdentity(server);
    const lists = `query ($title: String, $value: String, $device: String, $firstDefinition: ID!) {
      alertDefinitions { nodes { id } }
      indicators { nodes { id } }
      alerts { nodes { id } }
      apiKeys { nodes { id } }
      auditEvents { nodes { action targetId } }
      definitionsByTitle: alertDefinitions(filter: { titleContains: $title }) { nodes { id } }
      indicatorsByValue: indicators(filter: { value: $value }) { nodes { id } }
      indicatorsByDefinition: indicators(filter: { alertDefinitionId: $firstDefinition }) { nodes { id } }
      alertsByDevice: alerts(filter: { deviceId: $device }) { nodes { id } }
      alertsByDefinition: alerts(filter: { alertDefinitionId: $firstDefinition }) { nodes { id } }
      auditByTarget: auditEvents(filter: { targetId: $firstDefinition }) { nodes { action targetId } }
    }`;
    const firstItems = { title: 'First', value: FIRST_HASH, device: 'first.example.net', firstDefinition: world.firstDefinitionId };

    const otherLists = await graphqlData(server, world.otherAdmin.secret, lists, firstItems);
    const firstLists = await graphqlData(server, world.firstAdminKey, lists, firstItems);

    expect(otherLists).toEqual({
      alertDefinitions: { nodes: [{ id: world.otherDefinitionId }] },
      indicators: { nodes: [{ id: world.otherIndicatorId }] },
      alerts: { nodes: [{ id: world.otherAlertId }] },
      apiKeys: { nodes: [{ id: world.otherAdmin.id }] },
      auditEvents: {
        nodes: [
          { action: 'API_KEY_CREATED', targetId: world.otherAdmin.id },
          { action: 'ALERT_DEFINITION_CREATED', targetId: world.otherDefinitionId },
          { action: 'INDICATORS_ADDED', targetId: world.otherDefinitionId },
        ],
      },
      definitionsByTitle: { nodes: [] },
      indicatorsByValue: { nodes: [] },
      indicatorsByDefinition: { nodes: [] },
      alertsByDevice: { nodes: [] },
      alertsByDefinition: { nodes: [] },
      auditByTarget: { nodes: [] },
    });
    expect(firstLists).toEqual({
      alertDefinitions: { nodes: [{ id: world.firstDefinitionId }] },
      indicators: { nodes: [{ id: world.firstIndicatorId }] },
      alerts: { nodes: [{ id: world.firstAlertId }] },
      apiKeys: { nodes: [{ id: firstAdmin.id }, { id: world.firstViewer.id }] },
      auditEvents: {
        nodes: [
          { action: 'API_KEY_CREATED', targetId: firstAdmin.id },
          { action: 'ALERT_DEFINITION_CREATED', targetId: world.firstDefinitionId },
          { action: 'INDICATORS_ADDED', targetId: world.firstDefinitionId },
          { action: 'API_KEY_CREATED', targetId: world.firstViewer.id },
        ],
      },
      definitionsByTitle: { nodes: [{ id: world.firstDefinitionId }] },
      indicatorsByValue: { nodes: [{ id: world.firstIndicatorId }] },
      indicatorsByDefinition: { nodes: [{ id: world.firstIndicatorId }] },
      alertsByDevice: { nodes: [{ id: world.firstAlertId }] },
      alertsByDefinition: { nodes: [{ id: world.firstAlertId }] },
      auditByTarget: {
        nodes: [
          { action: 'ALERT_DEFINITION_CREATED', targetId: world.firstDefinitionId },
          { action: 'INDICATORS_ADDED', targetId: world.firstDefinitionId },
        ],
      },
    });
  });

  it('lets another organization reuse a title', async () => {
    const world = await buildTwoOrganizations(server);

    const response = await server.graphql(
      'mutation { createAlertDefinition(input: { title: "First definition", severity: LOW, category: Malware }) { title } }',
      {},
      { key: world.otherAdmin.secret },
    );

    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ createAlertDefinition: { title: 'First definition' } });
  });

  it('never matches foreign events', async () => {
    const world = await buildTwoOrganizations(server);
    const otherIngest = await createTestKey(server, OTHER_ORGANIZATION, 'other ingest', Role.INGEST);
    const firstIngest = await createTestKey(server, FIRST_ORGANIZATION, 'first ingest', Role.INGEST);
    const line = JSON.stringify(hashEvent(FIRST_HASH, 'first.example.net'));

    const posted = await postEvents(server, line, '', 'application/x-ndjson', otherIngest.secret);
    const mutated = await server.graphql(
      'mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { accepted matched raisedAlertIds updatedAlertIds } }',
      { events: [hashEvent(FIRST_HASH, 'first.example.net')] },
      { key: otherIngest.secret },
    );
    const firstAlerts = await graphqlData(server, world.firstAdminKey, '{ alerts { nodes { id eventCount } } }');
    const control = await postEvents(server, line, '', 'application/x-ndjson', firstIngest.secret);

    expect(posted).toEqual({
      status: 200,
      body: { accepted: 1, rejected: 0, matched: 0, alertsRaised: 0, alertsUpdated: 0, rejectedLines: [] },
    });
    expect(mutated.errors).toBeUndefined();
    expect(mutated.data).toEqual({ ingestEvents: { accepted: 1, matched: 0, raisedAlertIds: [], updatedAlertIds: [] } });
    expect(firstAlerts.alerts.nodes).toEqual([{ id: world.firstAlertId, eventCount: 1 }]);
    expect(control).toEqual({
      status: 200,
      body: { accepted: 1, rejected: 0, matched: 1, alertsRaised: 0, alertsUpdated: 1, rejectedLines: [] },
    });
  });

  it('delivers alertRaised within one organization', async () => {
    const world = await buildTwoOrganizations(server);
    const otherViewer = await createTestKey(server, OTHER_ORGANIZATION, 'other viewer', Role.VIEWER);
    const document = 'subscription { alertRaised { id deviceId } }';
    const firstFeed = subscribe(server.wsClient({ key: world.firstViewer.secret }), document);
    const otherFeed = subscribe(server.wsClient({ key: otherViewer.secret }), document);
    await waitUntil(() => server.sightline.services.feed.activeStreams === 2, 5000, 'both subscriptions to start');

    // Alternating organizations: a leaked alert would arrive before the subscriber's own second alert.
    const first1 = await ingestAs(server, world.firstAdminKey, [hashEvent(FIRST_HASH, 'first-1.example.net')]);
    const other1 = await ingestAs(server, world.otherAdmin.secret, [hashEvent(OTHER_HASH, 'other-1.example.net')]);
    const first2 = await ingestAs(server, world.firstAdminKey, [hashEvent(FIRST_HASH, 'first-2.example.net')]);
    const other2 = await ingestAs(server, world.otherAdmin.secret, [hashEvent(OTHER_HASH, 'other-2.example.net')]);
    await Promise.all([firstFeed.waitFor(2), otherFeed.waitFor(2)]);

    expect(firstFeed.error).toBeNull();
    expect(otherFeed.error).toBeNull();
    expect(firstFeed.received).toEqual([
      { data: { alertRaised: { id: first1.raised[0].id, deviceId: 'first-1.example.net' } } },
      { data: { alertRaised: { id: first2.raised[0].id, deviceId: 'first-2.example.net' } } },
    ]);
    expect(otherFeed.received).toEqual([
      { data: { alertRaised: { id: other1.raised[0].id, deviceId: 'other-1.example.net' } } },
      { data: { alertRaised: { id: other2.raised[0].id, deviceId: 'other-2.example.net' } } },
    ]);
  });

  it('reads a foreign cursor as a position in its own feed', async () => {
    const world = await buildTwoOrganizations(server);
    const first1 = await ingestAs(server, world.firstAdminKey, [hashEvent(FIRST_HASH, 'first-1.example.net')]);
    const other1 = await ingestAs(server, world.otherAdmin.secret, [hashEvent(OTHER_HASH, 'other-1.example.net')]);
    await ingestAs(server, world.firstAdminKey, [hashEvent(FIRST_HASH, 'first-2.example.net')]);

    const feed = subscribe(server.wsClient({ key: world.otherAdmin.secret }), 'subscription ($after: String) { alertRaised(after: $after) { id } }', {
      after: first1.raised[0].cursor,
    });
    await waitUntil(() => server.sightline.services.feed.activeStreams === 1, 5000, 'the subscription to start');
    const other2 = await ingestAs(server, world.otherAdmin.secret, [hashEvent(OTHER_HASH, 'other-2.example.net')]);
    await feed.waitFor(1);

    // Feed sequences count each organization's alerts on their own, so the first organization's
    // cursor 1 means "after my first alert" here: the other organization's first alert is skipped.
    expect(feed.error).toBeNull();
    expect(other1.raised[0].cursor).toBe(first1.raised[0].cursor);
    expect(feed.received).toEqual([{ data: { alertRaised: { id: other2.raised[0].id } } }]);
  });
});

describe('roles', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('keeps definitions and comments from INGEST keys', async () => {
    const ingestKey = await createTestKey(server, FIRST_ORGANIZATION, 'sensor', Role.INGEST);
    await createDefinitionAs(server, server.adminKey, {
      title: 'Credential theft',
      description: 'Internal runbook 7.',
      indicators: [
        { type: 'FILE_SHA256', value: FIRST_HASH },
        { type: 'DOMAIN_NAME', value: 'unsent.example.org' },
      ],
    });
    const { raised } = await ingestAs(server, server.adminKey, [hashEvent(FIRST_HASH, 'first.example.net')]);
    await graphqlData(server, server.adminKey, 'mutation ($id: ID!) { updateAlert(id: $id, input: { comment: "Analyst note 7." }) { id } }', {
      id: raised[0].id,
    });

    // INGEST lacks the READ permission, so it may send events and learn that they matched, but read nothing more.
    const response = await server.graphql(
      `mutation ($events: [EventInput!]!) { ingestEvents(events: $events) {
        matched
        updated { id comments { text } alertDefinition { description indicators { nodes { value } } } }
      } }`,
      { events: [hashEvent(FIRST_HASH, 'first.example.net')] },
      { key: ingestKey.secret },
    );
    const alerts = await graphqlData(server, server.adminKey, '{ alerts { nodes { id eventCount } } }');

    expect(JSON.stringify(response)).not.toContain('unsent.example.org');
    expect(JSON.stringify(response)).not.toContain('Analyst note 7.');
    expect(JSON.stringify(response)).not.toContain('Internal runbook 7.');
    expect(alerts.alerts.nodes).toEqual([{ id: raised[0].id, eventCount: 2 }]);
  });
});

describe('API keys', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  const CREATE_KEY = `mutation ($input: ApiKeyInput!) {
    createApiKey(input: $input) { key apiKey { id name role prefix createdAt revokedAt lastUsedAt } }
  }`;

  async function createKeyThroughApi(name: string, role: Role) {
    const data = await graphqlData(server, server.adminKey, CREATE_KEY, { input: { name, role } });
    return data.createApiKey as { key: string; apiKey: { id: string; name: string; role: Role; prefix: string } };
  }

  it('shows a new key once', async () => {
    const response = await server.graphql(CREATE_KEY, { input: { name: 'SIEM forwarder', role: 'ANALYST' } });
    const { key, apiKey } = response.data.createApiKey;
    const listed = await server.graphql('{ apiKeys { nodes { id name role prefix revokedAt lastUsedAt } } }');
    const audit = await server.graphql('{ auditEvents { nodes { action targetId changes { field from to } } } }');

    expect(response.errors).toBeUndefined();
    expect(key).toMatch(/^sl_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toEqual({
      id: expect.any(String),
      name: 'SIEM forwarder',
      role: 'ANALYST',
      prefix: expect.any(String),
      createdAt: expect.any(String),
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey.prefix.length).toBeLessThan(key.length);
    expect(listed.data.apiKeys.nodes).toContainEqual({
      id: apiKey.id,
      name: 'SIEM forwarder',
      role: 'ANALYST',
      prefix: apiKey.prefix,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(JSON.stringify(audit)).not.toContain(key);
    expect(JSON.stringify(server.logs)).not.toContain(key);
  });

  it('gives a new key exactly its role', async () => {
    const { key, apiKey } = await createKeyThroughApi('Analyst laptop', Role.ANALYST);

    const viewer = await server.graphql('{ viewer { keyId keyName role organizationName } }', {}, { key });
    const created = await server.graphql(
      'mutation { createAlertDefinition(input: { title: "From the new key", severity: LOW, category: Malware }) { title } }',
      {},
      { key },
    );
    const keys = await server.graphql('{ apiKeys { totalCount } }', {}, { key });

    expect(viewer.data).toEqual({
      viewer: { keyId: apiKey.id, keyName: 'Analyst laptop', role: 'ANALYST', organizationName: FIRST_ORGANIZATION },
    });
    expect(created.data).toEqual({ createAlertDefinition: { title: 'From the new key' } });
    expect(keys.status).toBe(403);
    expect(keys.errors?.map(errorSummary)).toEqual([
      {
        message: 'The ANALYST role may not use "apiKeys"; it needs a key with the role ADMIN.',
        path: ['apiKeys'],
        extensions: { code: 'FORBIDDEN' },
      },
    ]);
  });

  it('rejects a revoked key at once', async () => {
    const { key, apiKey } = await createKeyThroughApi('Pipeline', Role.ANALYST);
    const line = JSON.stringify(hashEvent(sha256Of(704), 'pipeline.example.net'));
    const viewerBefore = await server.graphql('{ viewer { role } }', {}, { key });
    const eventsBefore = await postEvents(server, line, '', 'application/x-ndjson', key);

    const revoked = await server.graphql('mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', { id: apiKey.id });
    const viewerAfter = await server.graphql('{ viewer { role } }', {}, { key });
    const eventsAfter = await postEvents(server, line, '', 'application/x-ndjson', key);

    expect(viewerBefore.data).toEqual({ viewer: { role: 'ANALYST' } });
    expect(eventsBefore.status).toBe(200);
    expect(revoked.data).toEqual({ revokeApiKey: { id: apiKey.id, revokedAt: expect.any(String) } });
    expect(viewerAfter).toEqual({ status: 401, errors: [{ message: INVALID_KEY_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(eventsAfter).toEqual({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: INVALID_KEY_MESSAGE } } });
  });

  it('closes sockets on revokeApiKey with 4403', async () => {
    const revokedKey = await createKeyThroughApi('Wall display', Role.VIEWER);
    const keptKey = await createKeyThroughApi('Second display', Role.VIEWER);
    await createDefinitionAs(server, server.adminKey, { title: 'Watched', indicators: [{ type: 'FILE_SHA256', value: FIRST_HASH }] });
    const revokedClient = server.wsClient({ key: revokedKey.key });
    const revokedFeed = subscribe(revokedClient, 'subscription { alertRaised { id } }');
    const keptFeed = subscribe(server.wsClient({ key: keptKey.key }), 'subscription { alertRaised { id } }');
    await waitUntil(() => server.sightline.services.feed.activeStreams === 2, 5000, 'both subscriptions to start');
    const closed = nextClose(revokedClient, 10_000);

    await graphqlData(server, server.adminKey, 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: revokedKey.apiKey.id });

    expect(await closed).toEqual({ code: 4403, reason: 'API key revoked' });
    const { raised } = await ingestAs(server, server.adminKey, [hashEvent(FIRST_HASH, 'after-revocation.example.net')]);
    await keptFeed.waitFor(1);
    expect(keptFeed.received).toEqual([{ data: { alertRaised: { id: raised[0].id } } }]);
    expect(revokedFeed.received).toEqual([]);
  });

  it('closes sockets on service revocation', async () => {
    const key = await createTestKey(server, FIRST_ORGANIZATION, 'Service revoked', Role.VIEWER);
    const client = server.wsClient({ key: key.secret });
    subscribe(client, 'subscription { alertUpdated { changes } }');
    await waitUntil(() => server.sightline.services.feed.activeStreams === 1, 5000, 'the subscription to start');
    const closed = nextClose(client, 10_000);

    await server.sightline.services.apiKeys.revoke({ organizationId: key.organizationId, keyId: null, name: 'command line' }, key.id);

    expect(await closed).toEqual({ code: 4403, reason: 'API key revoked' });
  });

  it('closes sockets of keys revoked elsewhere', async () => {
    const key = await createTestKey(server, FIRST_ORGANIZATION, 'Row revoked', Role.VIEWER);
    const client = server.wsClient({ key: key.secret });
    subscribe(client, 'subscription { alertRaised { id } }');
    await waitUntil(() => server.sightline.services.feed.activeStreams === 1, 5000, 'the subscription to start');
    const closed = nextClose(client, 10_000);

    // A plain row update emits no event in this process, like a revocation made by another instance. Only the periodic check can find it.
    await server.sightline.database.transaction((manager) => manager.update(ApiKeyEntity, { id: key.id }, { revokedAt: new Date() }));

    expect(await closed).toEqual({ code: 4403, reason: 'API key revoked' });
  });
});

describe('POST /events authorization', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('accepts INGEST, ANALYST and ADMIN keys only', async () => {
    const keys = {
      VIEWER: await createTestKey(server, FIRST_ORGANIZATION, 'events viewer', Role.VIEWER),
      ANALYST: await createTestKey(server, FIRST_ORGANIZATION, 'events analyst', Role.ANALYST),
      INGEST: await createTestKey(server, FIRST_ORGANIZATION, 'events ingest', Role.INGEST),
      ADMIN: await createTestKey(server, FIRST_ORGANIZATION, 'events admin', Role.ADMIN),
      revoked: await createTestKey(server, FIRST_ORGANIZATION, 'events revoked', Role.INGEST),
    };
    await server.sightline.services.apiKeys.revoke({ organizationId: keys.revoked.organizationId, keyId: null, name: 'test setup' }, keys.revoked.id);
    const line = JSON.stringify(hashEvent(sha256Of(705), 'sensor.example.net'));
    const send = (key: string | null) => postEvents(server, line, '', 'application/x-ndjson', key);
    const malformed = await fetch(`${server.baseUrl}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Basic ${keys.INGEST.secret}` },
      body: line,
    });

    const outcomes = {
      anonymous: await send(null),
      'invalid key': await send('sl_not-a-real-key'),
      'revoked key': await send(keys.revoked.secret),
      'malformed header': { status: malformed.status, body: await malformed.json() },
      VIEWER: await send(keys.VIEWER.secret),
      ANALYST: await send(keys.ANALYST.secret),
      INGEST: await send(keys.INGEST.secret),
      ADMIN: await send(keys.ADMIN.secret),
    };

    const accepted = { status: 200, body: { accepted: 1, rejected: 0, matched: 0, alertsRaised: 0, alertsUpdated: 0, rejectedLines: [] } };
    const unauthenticated = (message: string) => ({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message } } });
    expect(outcomes).toEqual({
      anonymous: unauthenticated('POST /events needs an API key: send "Authorization: Bearer <key>".'),
      'invalid key': unauthenticated(INVALID_KEY_MESSAGE),
      'revoked key': unauthenticated(INVALID_KEY_MESSAGE),
      'malformed header': unauthenticated('The Authorization value must be "Bearer <key>".'),
      VIEWER: {
        status: 403,
        body: {
          error: { code: 'FORBIDDEN', message: 'The VIEWER role may not send events; use a key with the role ANALYST, INGEST, ADMIN.' },
        },
      },
      ANALYST: accepted,
      INGEST: accepted,
      ADMIN: accepted,
    });
  });
});
