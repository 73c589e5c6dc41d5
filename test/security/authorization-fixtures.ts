import type { Client } from 'graphql-ws';

import { Role } from '../../src/domain/roles';
import type { GraphQLResponse, TestServer } from '../helpers/test-server';

/** Message of a GraphQL field called without an API key. */
export const MISSING_KEY_MESSAGE =
  'This operation needs an API key: send the header "Authorization: Bearer <key>" (on websockets, {"Authorization": "Bearer <key>"} in the connection_init payload).';

/** Message of a request whose key is unknown or revoked, on HTTP and on POST /events. */
export const INVALID_KEY_MESSAGE =
  'The API key is invalid or revoked; create a new key or ask an ADMIN of your organization for one.';

/** Close reasons of a websocket whose connection_init carries no valid key (close code 4401). */
export const MISSING_KEY_CLOSE_REASON = 'Missing API key; send {"Authorization":"Bearer <key>"} in connection_init';
export const INVALID_KEY_CLOSE_REASON = 'Invalid or revoked API key; send {"Authorization":"Bearer <key>"} in connection_init';

/** An API key made for a test, with the identity the service records for it. */
export interface TestKey {
  id: string;
  name: string;
  role: Role;
  secret: string;
  organizationId: string;
}

/** Creates a key named `name` in the organization `organizationName` (created when missing), as the setup actor. */
export async function createTestKey(server: TestServer, organizationName: string, name: string, role: Role): Promise<TestKey> {
  const { organization } = await server.sightline.services.organizations.ensure(organizationName);
  const actor = { organizationId: organization.id, keyId: null, name: 'test setup' };
  const { record, secret } = await server.sightline.services.apiKeys.create(actor, name, role);
  return { id: record.id, name: record.name, role, secret, organizationId: organization.id };
}

/** Revokes a key through the service, as the command-line tool would. */
export async function revokeTestKey(server: TestServer, key: TestKey): Promise<void> {
  await server.sightline.services.apiKeys.revoke({ organizationId: key.organizationId, keyId: null, name: 'test setup' }, key.id);
}

/** Identity of the default ADMIN key that `server.graphql` sends when a call names no key. */
export async function defaultAdminIdentity(server: TestServer): Promise<{ id: string; name: string }> {
  const response = await server.graphql<{ viewer: { keyId: string; keyName: string } }>('{ viewer { keyId keyName } }');
  if (!response.data) throw new Error(`viewer failed: ${JSON.stringify(response.errors)}`);
  return { id: response.data.viewer.keyId, name: response.data.viewer.keyName };
}

/** Runs a GraphQL operation with `key` and throws unless it returns data without errors. */
export async function graphqlData<T = any>(
  server: TestServer,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await server.graphql<T>(query, variables, { key });
  if (!response.data || response.errors) {
    throw new Error(`Setup operation failed with status ${response.status}: ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}

export interface DefinitionInput {
  title: string;
  severity?: string;
  category?: string;
  description?: string;
  recommendedActions?: string;
  mitreTechniques?: string[];
  indicators?: Array<Record<string, unknown>>;
}

/** Creates an alert definition with `key` and returns its id and its indicators' ids in input order. */
export async function createDefinitionAs(
  server: TestServer,
  key: string,
  input: DefinitionInput,
): Promise<{ id: string; indicatorIds: string[] }> {
  const data = await graphqlData<{ createAlertDefinition: { id: string; indicators: { nodes: Array<{ id: string }> } } }>(
    server,
    key,
    `mutation ($input: AlertDefinitionInput!) {
      createAlertDefinition(input: $input) { id indicators(first: 500) { nodes { id } } }
    }`,
    { input: { severity: 'HIGH', category: 'Malware', ...input } },
  );
  const created = data.createAlertDefinition;
  return { id: created.id, indicatorIds: created.indicators.nodes.map((node) => node.id) };
}

/** Sends native events through ingestEvents with `key` and returns the raised and updated alerts. */
export async function ingestAs(
  server: TestServer,
  key: string,
  events: unknown[],
): Promise<{ matched: number; raised: Array<{ id: string; cursor: string }>; updated: Array<{ id: string }> }> {
  const data = await graphqlData(
    server,
    key,
    `mutation ($events: [EventInput!]!) {
      ingestEvents(events: $events) { matched raised { id cursor } updated { id } }
    }`,
    { events },
  );
  return data.ingestEvents;
}

/** Builds a native event with one SHA-256 observable. */
export function hashEvent(sha256: string, deviceId: string) {
  return { deviceId, observables: [{ type: 'FILE_SHA256', value: sha256 }] };
}

/**
 * Reads everything an organization's ADMIN can see that a mutation could
 * change: definitions with their indicators, alerts with their comments, API
 * keys and the number of audit events. `lastUsedAt` is left out because
 * reading with a key updates it.
 */
export async function readOrganizationState(server: TestServer, adminKey: string): Promise<unknown> {
  return graphqlData(
    server,
    adminKey,
    `{
      alertDefinitions(first: 20) { totalCount nodes {
        id title description severity category recommendedActions mitreTechniques enabled updatedAt
        indicators(first: 20) { totalCount nodes { id type value normalizedValue matchFunction enabled expiresAt description source updatedAt } }
      } }
      indicators(first: 50) { totalCount }
      alerts(first: 20) { totalCount nodes { id status classification determination assignedTo eventCount updatedAt comments { id text author } } }
      apiKeys(first: 50) { totalCount nodes { id name role prefix revokedAt } }
      auditEvents(first: 1) { totalCount }
    }`,
  );
}

/** Keeps the parts of a GraphQL error that a client relies on: message, path and extensions. */
export function errorSummary(error: NonNullable<GraphQLResponse<unknown>['errors']>[number]) {
  return { message: error.message, path: error.path, extensions: error.extensions };
}

/** Resolves with the code and reason of the client's next socket close, or rejects after `timeoutMs`. */
export function nextClose(client: Client, timeoutMs: number): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`The websocket was still open after ${timeoutMs} ms.`));
    }, timeoutMs);
    const off = client.on('closed', (event) => {
      clearTimeout(timer);
      off();
      const { code, reason } = event as { code: number; reason: string };
      resolve({ code, reason });
    });
  });
}
