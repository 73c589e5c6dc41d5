import { randomBytes } from 'node:crypto';

import { Role } from '../../src/domain/roles';
import { sha256Of } from '../helpers/fixtures';
import type { TestServer } from '../helpers/test-server';
import {
  createDefinitionAs,
  createTestKey,
  defaultAdminIdentity,
  graphqlData,
  hashEvent,
  ingestAs,
  revokeTestKey,
  type TestKey,
} from './authorization-fixtures';

/** Every kind of caller the matrix runs each root operation as. */
export const CALLER_NAMES = [
  'anonymous',
  'invalid key',
  'revoked key',
  'VIEWER',
  'ANALYST',
  'INGEST',
  'ADMIN',
  'ADMIN of another organization',
] as const;
export type CallerName = (typeof CALLER_NAMES)[number];

/** Organization that owns every id the matrix passes. The server creates it at first start. */
export const FIRST_ORGANIZATION = 'default';
export const OTHER_ORGANIZATION = 'other';

export interface MatrixCaller {
  name: CallerName;
  /** Key sent as "Authorization: Bearer <key>", or null to send none. */
  key: string | null;
  /** Role of a valid key, or null when the key is missing, invalid or revoked. */
  role: Role | null;
  organization: typeof FIRST_ORGANIZATION | typeof OTHER_ORGANIZATION | null;
}

/** Items of the first organization that the matrix operations act on. */
export interface MatrixWorld {
  server: TestServer;
  callers: Record<CallerName, MatrixCaller>;
  /** ADMIN key of the first organization that only sets up data and reads the audit log. */
  setupKey: string;
  definitionId: string;
  indicatorId: string;
  alertId: string;
  /** API keys of the first organization, oldest first. */
  firstKeyIds: string[];
  /** Audit events of the first organization after setup, oldest first. */
  firstAuditTrail: Array<{ action: string; targetId: string }>;
  otherAdmin: TestKey;
}

/** SHA-256 of the first organization's indicator. */
export const MATRIX_HASH = sha256Of(900);

/**
 * Creates one key per role in the first organization, a revoked key, an
 * ADMIN in another organization, and a definition with one indicator and one
 * alert in the first organization.
 */
export async function buildMatrixWorld(server: TestServer): Promise<MatrixWorld> {
  const firstAdmin = await defaultAdminIdentity(server);
  const viewer = await createTestKey(server, FIRST_ORGANIZATION, 'matrix viewer', Role.VIEWER);
  const analyst = await createTestKey(server, FIRST_ORGANIZATION, 'matrix analyst', Role.ANALYST);
  const ingest = await createTestKey(server, FIRST_ORGANIZATION, 'matrix ingest', Role.INGEST);
  const admin = await createTestKey(server, FIRST_ORGANIZATION, 'matrix admin', Role.ADMIN);
  const revoked = await createTestKey(server, FIRST_ORGANIZATION, 'matrix revoked', Role.ADMIN);
  await revokeTestKey(server, revoked);
  const otherAdmin = await createTestKey(server, OTHER_ORGANIZATION, 'matrix other admin', Role.ADMIN);

  const definition = await createDefinitionAs(server, server.adminKey, {
    title: 'Matrix definition',
    indicators: [{ type: 'FILE_SHA256', value: MATRIX_HASH }],
  });
  const { raised } = await ingestAs(server, server.adminKey, [hashEvent(MATRIX_HASH, 'matrix.example.net')]);

  const first = (key: TestKey, name: CallerName): MatrixCaller => ({ name, key: key.secret, role: key.role, organization: FIRST_ORGANIZATION });
  const callers: Record<CallerName, MatrixCaller> = {
    anonymous: { name: 'anonymous', key: null, role: null, organization: null },
    'invalid key': { name: 'invalid key', key: `sl_${randomSuffix()}`, role: null, organization: null },
    'revoked key': { name: 'revoked key', key: revoked.secret, role: null, organization: null },
    VIEWER: first(viewer, 'VIEWER'),
    ANALYST: first(analyst, 'ANALYST'),
    INGEST: first(ingest, 'INGEST'),
    ADMIN: first(admin, 'ADMIN'),
    'ADMIN of another organization': {
      name: 'ADMIN of another organization',
      key: otherAdmin.secret,
      role: Role.ADMIN,
      organization: OTHER_ORGANIZATION,
    },
  };

  const keyIds = [firstAdmin.id, viewer.id, analyst.id, ingest.id, admin.id, revoked.id];
  return {
    server,
    callers,
    setupKey: server.adminKey,
    definitionId: definition.id,
    indicatorId: definition.indicatorIds[0],
    alertId: raised[0].id,
    firstKeyIds: keyIds,
    firstAuditTrail: [
      ...keyIds.map((targetId) => ({ action: 'API_KEY_CREATED', targetId })),
      { action: 'API_KEY_REVOKED', targetId: revoked.id },
      { action: 'ALERT_DEFINITION_CREATED', targetId: definition.id },
      { action: 'INDICATORS_ADDED', targetId: definition.id },
    ],
    otherAdmin,
  };
}

function randomSuffix(): string {
  return randomBytes(32).toString('base64url');
}

/** Roles that hold each permission, as README and `src/domain/roles.ts` describe them, in the order of the Role enum. */
const READERS = [Role.VIEWER, Role.ANALYST, Role.ADMIN] as const;
const INDICATOR_MANAGERS = [Role.ANALYST, Role.ADMIN] as const;
const TRIAGERS = [Role.ANALYST, Role.ADMIN] as const;
const INGESTERS = [Role.ANALYST, Role.INGEST, Role.ADMIN] as const;
const KEY_MANAGERS = [Role.ADMIN] as const;
const EVERY_ROLE = [Role.VIEWER, Role.ANALYST, Role.INGEST, Role.ADMIN] as const;

/** One query or mutation of the matrix with a minimal valid document. */
export interface HttpOperationCase {
  coordinate: string;
  field: string;
  /** Roles of the first organization that receive data. */
  allowed: readonly Role[];
  document: string;
  /**
   * Kind named in the NOT_FOUND message that the other organization's ADMIN
   * receives for a first-organization id, or null when that caller receives data.
   */
  notFoundKind: string | null;
  /** Builds the variables for one caller, creating a fresh item first when the call removes or revokes it. */
  variables(world: MatrixWorld, caller: MatrixCaller): Promise<Record<string, unknown>>;
  /** The id a NOT_FOUND message names. */
  targetId?(variables: Record<string, unknown>): string;
  /** `data` for a caller whose role allows the operation. */
  expectedData(world: MatrixWorld, caller: MatrixCaller, variables: Record<string, unknown>): unknown;
  /** Audit events the call writes when the first organization's caller is allowed. */
  auditEvents: number;
}

const fromFirst = (caller: MatrixCaller) => caller.organization === FIRST_ORGANIZATION;
const slug = (caller: MatrixCaller) => caller.name.toLowerCase().replace(/[^a-z]+/g, '-');
const idVariable = (variables: Record<string, unknown>) => variables.id as string;
const noVariables = async () => ({});

export const HTTP_OPERATION_CASES: HttpOperationCase[] = [
  {
    coordinate: 'Query.viewer',
    field: 'viewer',
    allowed: EVERY_ROLE,
    document: '{ viewer { role organizationName } }',
    notFoundKind: null,
    variables: noVariables,
    expectedData: (_world, caller) => ({ viewer: { role: caller.role, organizationName: caller.organization } }),
    auditEvents: 0,
  },
  {
    coordinate: 'Query.alertDefinitions',
    field: 'alertDefinitions',
    allowed: READERS,
    document: '{ alertDefinitions { nodes { id } } }',
    notFoundKind: null,
    variables: noVariables,
    expectedData: (world, caller) => ({ alertDefinitions: { nodes: fromFirst(caller) ? [{ id: world.definitionId }] : [] } }),
    auditEvents: 0,
  },
  {
    coordinate: 'Query.alertDefinition',
    field: 'alertDefinition',
    allowed: READERS,
    document: 'query ($id: ID!) { alertDefinition(id: $id) { id } }',
    notFoundKind: 'Alert definition',
    variables: async (world) => ({ id: world.definitionId }),
    targetId: idVariable,
    expectedData: (world) => ({ alertDefinition: { id: world.definitionId } }),
    auditEvents: 0,
  },
  {
    coordinate: 'Query.indicators',
    field: 'indicators',
    allowed: READERS,
    document: '{ indicators { nodes { id } } }',
    notFoundKind: null,
    variables: noVariables,
    expectedData: (world, caller) => ({ indicators: { nodes: fromFirst(caller) ? [{ id: world.indicatorId }] : [] } }),
    auditEvents: 0,
  },
  {
    coordinate: 'Query.indicator',
    field: 'indicator',
    allowed: READERS,
    document: 'query ($id: ID!) { indicator(id: $id) { id } }',
    notFoundKind: 'Indicator',
    variables: async (world) => ({ id: world.indicatorId }),
    targetId: idVariable,
    expectedData: (world) => ({ indicator: { id: world.indicatorId } }),
    auditEvents: 0,
  },
  {
    coordinate: 'Query.alerts',
    field: 'alerts',
    allowed: READERS,
    document: '{ alerts { nodes { id } } }',
    notFoundKind: null,
    variables: noVariables,
    expectedData: (world, caller) => ({ alerts: { nodes: fromFirst(caller) ? [{ id: world.alertId }] : [] } }),
    auditEvents: 0,
  },
  {
    coordinate: 'Query.alert',
    field: 'alert',
    allowed: READERS,
    document: 'query ($id: ID!) { alert(id: $id) { id } }',
    notFoundKind: 'Alert',
    variables: async (world) => ({ id: world.alertId }),
    targetId: idVariable,
    expectedData: (world) => ({ alert: { id: world.alertId } }),
    auditEvents: 0,
  },
  {
    coordinate: 'Query.apiKeys',
    field: 'apiKeys',
    allowed: KEY_MANAGERS,
    document: '{ apiKeys { nodes { id } } }',
    notFoundKind: null,
    variables: noVariables,
    expectedData: (world, caller) => ({
      apiKeys: { nodes: (fromFirst(caller) ? world.firstKeyIds : [world.otherAdmin.id]).map((id) => ({ id })) },
    }),
    auditEvents: 0,
  },
  {
    coordinate: 'Query.auditEvents',
    field: 'auditEvents',
    allowed: KEY_MANAGERS,
    document: '{ auditEvents { nodes { action targetId } } }',
    notFoundKind: null,
    variables: noVariables,
    expectedData: (world, caller) => ({
      auditEvents: {
        nodes: fromFirst(caller) ? world.firstAuditTrail : [{ action: 'API_KEY_CREATED', targetId: world.otherAdmin.id }],
      },
    }),
    auditEvents: 0,
  },
  {
    coordinate: 'Mutation.createAlertDefinition',
    field: 'createAlertDefinition',
    allowed: INDICATOR_MANAGERS,
    document: 'mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { title } }',
    notFoundKind: null,
    variables: async (_world, caller) => ({ input: { title: `Created by ${caller.name}`, severity: 'LOW', category: 'Malware' } }),
    expectedData: (_world, caller) => ({ createAlertDefinition: { title: `Created by ${caller.name}` } }),
    auditEvents: 1,
  },
  {
    coordinate: 'Mutation.updateAlertDefinition',
    field: 'updateAlertDefinition',
    allowed: INDICATOR_MANAGERS,
    document:
      'mutation ($id: ID!, $input: AlertDefinitionUpdateInput!) { updateAlertDefinition(id: $id, input: $input) { id title } }',
    notFoundKind: 'Alert definition',
    variables: async (world, caller) => ({ id: world.definitionId, input: { title: `Renamed by ${caller.name}` } }),
    targetId: idVariable,
    expectedData: (world, caller) => ({ updateAlertDefinition: { id: world.definitionId, title: `Renamed by ${caller.name}` } }),
    auditEvents: 1,
  },
  {
    coordinate: 'Mutation.deleteAlertDefinition',
    field: 'deleteAlertDefinition',
    allowed: INDICATOR_MANAGERS,
    document: 'mutation ($id: ID!) { deleteAlertDefinition(id: $id) { id } }',
    notFoundKind: 'Alert definition',
    variables: async (world, caller) => {
      const doomed = await createDefinitionAs(world.server, world.setupKey, { title: `Doomed for ${caller.name}` });
      return { id: doomed.id };
    },
    targetId: idVariable,
    expectedData: (_world, _caller, variables) => ({ deleteAlertDefinition: { id: variables.id } }),
    auditEvents: 1,
  },
  {
    coordinate: 'Mutation.addIndicators',
    field: 'addIndicators',
    allowed: INDICATOR_MANAGERS,
    document:
      'mutation ($alertDefinitionId: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $alertDefinitionId, indicators: $indicators) { addedCount } }',
    notFoundKind: 'Alert definition',
    variables: async (world, caller) => ({
      alertDefinitionId: world.definitionId,
      indicators: [{ type: 'FILE_SHA256', value: sha256Of(910 + CALLER_NAMES.indexOf(caller.name)) }],
    }),
    targetId: (variables) => variables.alertDefinitionId as string,
    expectedData: () => ({ addIndicators: { addedCount: 1 } }),
    auditEvents: 1,
  },
  {
    coordinate: 'Mutation.updateIndicator',
    field: 'updateIndicator',
    allowed: INDICATOR_MANAGERS,
    document: 'mutation ($id: ID!, $input: IndicatorUpdateInput!) { updateIndicator(id: $id, input: $input) { id description } }',
    notFoundKind: 'Indicator',
    variables: async (world, caller) => ({ id: world.indicatorId, input: { description: `Edited by ${caller.name}` } }),
    targetId: idVariable,
    expectedData: (world, caller) => ({ updateIndicator: { id: world.indicatorId, description: `Edited by ${caller.name}` } }),
    auditEvents: 1,
  },
  {
    coordinate: 'Mutation.deleteIndicators',
    field: 'deleteIndicators',
    allowed: INDICATOR_MANAGERS,
    document: 'mutation ($ids: [ID!]!) { deleteIndicators(ids: $ids) { deletedIds notFoundIds } }',
    // Unknown ids are reported in notFoundIds, so the other organization receives data.
    notFoundKind: null,
    variables: async (world, caller) => {
      const data = await graphqlData(
        world.server,
        world.setupKey,
        `mutation ($id: ID!, $indicators: [IndicatorInput!]!) {
          addIndicators(alertDefinitionId: $id, indicators: $indicators) { indicators { id } }
        }`,
        { id: world.definitionId, indicators: [{ type: 'FILE_SHA256', value: sha256Of(920 + CALLER_NAMES.indexOf(caller.name)) }] },
      );
      return { ids: [data.addIndicators.indicators[0].id] };
    },
    expectedData: (_world, caller, variables) => ({
      deleteIndicators: fromFirst(caller)
        ? { deletedIds: variables.ids, notFoundIds: [] }
        : { deletedIds: [], notFoundIds: variables.ids },
    }),
    auditEvents: 1,
  },
  {
    coordinate: 'Mutation.ingestEvents',
    field: 'ingestEvents',
    allowed: INGESTERS,
    document: 'mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { accepted matched } }',
    // Events of another organization are matched against its own indicators only.
    notFoundKind: null,
    variables: async (_world, caller) => ({ events: [hashEvent(MATRIX_HASH, `${slug(caller)}.example.net`)] }),
    expectedData: (_world, caller) => ({ ingestEvents: { accepted: 1, matched: fromFirst(caller) ? 1 : 0 } }),
    auditEvents: 0,
  },
  {
    coordinate: 'Mutation.updateAlert',
    field: 'updateAlert',
    allowed: TRIAGERS,
    document: 'mutation ($id: ID!, $input: AlertUpdateInput!) { updateAlert(id: $id, input: $input) { id assignedTo } }',
    notFoundKind: 'Alert',
    variables: async (world, caller) => ({ id: world.alertId, input: { assignedTo: caller.name } }),
    targetId: idVariable,
    expectedData: (world, caller) => ({ updateAlert: { id: world.alertId, assignedTo: caller.name } }),
    auditEvents: 1,
  },
  {
    coordinate: 'Mutation.createApiKey',
    field: 'createApiKey',
    allowed: KEY_MANAGERS,
    document: 'mutation ($input: ApiKeyInput!) { createApiKey(input: $input) { apiKey { name role } } }',
    notFoundKind: null,
    variables: async (_world, caller) => ({ input: { name: `Made by ${caller.name}`, role: 'VIEWER' } }),
    expectedData: (_world, caller) => ({ createApiKey: { apiKey: { name: `Made by ${caller.name}`, role: 'VIEWER' } } }),
    auditEvents: 1,
  },
  {
    coordinate: 'Mutation.revokeApiKey',
    field: 'revokeApiKey',
    allowed: KEY_MANAGERS,
    document: 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }',
    notFoundKind: 'API key',
    variables: async (world, caller) => {
      const key = await createTestKey(world.server, FIRST_ORGANIZATION, `To revoke by ${caller.name}`, Role.VIEWER);
      return { id: key.id };
    },
    targetId: idVariable,
    expectedData: (_world, _caller, variables) => ({ revokeApiKey: { id: variables.id } }),
    auditEvents: 1,
  },
];

/** One subscription of the matrix. */
export interface SubscriptionCase {
  coordinate: string;
  field: string;
  allowed: readonly Role[];
  document: string;
  /** Makes two changes in each organization, alternating, and returns the payloads each organization's subscribers must receive in order. */
  trigger(world: FeedWorld): Promise<Record<typeof FIRST_ORGANIZATION | typeof OTHER_ORGANIZATION, unknown[]>>;
}

/** The matrix world plus a definition on the same hash and an open alert in the other organization. */
export interface FeedWorld extends MatrixWorld {
  otherAlertId: string;
}

export async function buildFeedWorld(server: TestServer): Promise<FeedWorld> {
  const world = await buildMatrixWorld(server);
  await createDefinitionAs(server, world.otherAdmin.secret, {
    title: 'Other organization definition',
    indicators: [{ type: 'FILE_SHA256', value: MATRIX_HASH }],
  });
  const { raised } = await ingestAs(server, world.otherAdmin.secret, [hashEvent(MATRIX_HASH, 'other.example.net')]);
  return { ...world, otherAlertId: raised[0].id };
}

const raiseIn = async (world: FeedWorld, key: string, deviceId: string) => {
  const { raised } = await ingestAs(world.server, key, [hashEvent(MATRIX_HASH, deviceId)]);
  return { alertRaised: { id: raised[0].id } };
};

const assignIn = async (world: FeedWorld, key: string, alertId: string, assignedTo: string) => {
  await graphqlData(world.server, key, 'mutation ($id: ID!, $to: String) { updateAlert(id: $id, input: { assignedTo: $to }) { id } }', {
    id: alertId,
    to: assignedTo,
  });
  return { alertUpdated: { alert: { id: alertId, assignedTo } } };
};

export const SUBSCRIPTION_CASES: SubscriptionCase[] = [
  {
    coordinate: 'Subscription.alertRaised',
    field: 'alertRaised',
    allowed: READERS,
    document: 'subscription { alertRaised { id } }',
    trigger: async (world) => {
      const first1 = await raiseIn(world, world.setupKey, 'first-1.example.net');
      const other1 = await raiseIn(world, world.otherAdmin.secret, 'other-1.example.net');
      const first2 = await raiseIn(world, world.setupKey, 'first-2.example.net');
      const other2 = await raiseIn(world, world.otherAdmin.secret, 'other-2.example.net');
      return { [FIRST_ORGANIZATION]: [first1, first2], [OTHER_ORGANIZATION]: [other1, other2] };
    },
  },
  {
    coordinate: 'Subscription.alertUpdated',
    field: 'alertUpdated',
    allowed: READERS,
    document: 'subscription { alertUpdated { alert { id assignedTo } } }',
    trigger: async (world) => {
      const first1 = await assignIn(world, world.setupKey, world.alertId, 'first-1');
      const other1 = await assignIn(world, world.otherAdmin.secret, world.otherAlertId, 'other-1');
      const first2 = await assignIn(world, world.setupKey, world.alertId, 'first-2');
      const other2 = await assignIn(world, world.otherAdmin.secret, world.otherAlertId, 'other-2');
      return { [FIRST_ORGANIZATION]: [first1, first2], [OTHER_ORGANIZATION]: [other1, other2] };
    },
  },
];
