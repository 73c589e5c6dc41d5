import type { TestServer } from './test-server';

/** Distinct SHA-256 value for test number `n`. */
export function sha256Of(n: number): string {
  return `f${n.toString(16).padStart(63, '0')}`;
}

export interface DefinitionFixture {
  title?: string;
  severity?: string;
  category?: string;
  indicators?: Array<Record<string, unknown>>;
  enabled?: boolean;
}

let counter = 0;

/** Creates an alert definition through the API and returns its id. */
export async function createDefinition(server: TestServer, fixture: DefinitionFixture = {}): Promise<string> {
  counter += 1;
  const response = await server.graphql<{ createAlertDefinition: { id: string } }>(
    `mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }`,
    {
      input: {
        title: fixture.title ?? `Definition ${counter}`,
        severity: fixture.severity ?? 'HIGH',
        category: fixture.category ?? 'Malware',
        description: 'Created by a test.',
        recommendedActions: 'Isolate the device.',
        mitreTechniques: ['T1003.001'],
        enabled: fixture.enabled ?? true,
        indicators: fixture.indicators ?? [],
      },
    },
  );
  if (!response.data) throw new Error(`createAlertDefinition failed: ${JSON.stringify(response.errors)}`);
  return response.data.createAlertDefinition.id;
}

/** Native event with one observable. */
export function nativeEvent(type: string, value: string, deviceId = 'ws-1.example.net', field?: string) {
  return { deviceId, deviceName: deviceId.split('.')[0], observables: [{ type, value, ...(field ? { field } : {}) }] };
}

export async function ingest(server: TestServer, events: unknown[]) {
  const response = await server.graphql(
    `mutation ($events: [EventInput!]!) {
      ingestEvents(events: $events) { accepted matched raised { id cursor deviceId eventCount matchedField matchedValue } updated { id eventCount } }
    }`,
    { events },
  );
  if (!response.data) throw new Error(`ingestEvents failed: ${JSON.stringify(response.errors)}`);
  return response.data.ingestEvents as {
    accepted: number;
    matched: number;
    raised: Array<{ id: string; cursor: string; deviceId: string; eventCount: number; matchedField: string; matchedValue: string }>;
    updated: Array<{ id: string; eventCount: number }>;
  };
}
