import { createHash, randomUUID } from 'node:crypto';

import { encodeCursor } from '../src/domain/cursor';

/**
 * The alerts of the fanout benchmark: one alert definition whose texts make
 * each `alertRaised` result about `ALERT_BYTES` long, and events that each
 * hit a new device, so each raises a new alert.
 */

/** Target size of the selected fields of one `alertRaised` result, as JSON. */
export const ALERT_BYTES = 600;

/**
 * Number of indicators in the benchmark's definition. Each POST /events
 * uses the next one, because the ingest service loads every open alert of
 * the matched indicators. With a single indicator, each POST would read all
 * earlier alerts, so ingestion would slow down as the run goes on.
 */
const INDICATOR_POOL = 2000;
let indicatorsUsed = 0;

/** Computes the SHA-256 value of indicator `index` of the pool. */
function indicatorValue(index: number): string {
  return createHash('sha256').update(`sightline fanout benchmark ${index}`).digest('hex');
}

/** The subscription every benchmark subscriber runs. */
export const FEED_SUBSCRIPTION = `subscription FanoutFeed {
  alertRaised {
    id cursor title severity category description recommendedActions mitreTechniques
    deviceId matchedField matchedValue createdAt
  }
}`;

const TITLE = 'Credential dumping tool (fanout benchmark)';
const TECHNIQUES = ['T1003.001', 'T1059.001'];
const DESCRIPTION_TEXT =
  'A process with the hash of a known credential dumping tool ran on the device. Such tools read LSASS memory ' +
  'to recover passwords, hashes and Kerberos tickets of signed-in users. ';
const ACTIONS_TEXT =
  'Isolate the device, reset the passwords of accounts that signed in since the first event, and collect a memory image. ';

/** Builds an `alertRaised` result with the selected fields, as the server would send it for device `deviceId`. */
export function sampleAlert(deviceId: string, description: string, recommendedActions: string): Record<string, unknown> {
  return {
    id: randomUUID(),
    cursor: encodeCursor('alert', 12_345),
    title: TITLE,
    severity: 'HIGH',
    category: 'CredentialAccess',
    description,
    recommendedActions,
    mitreTechniques: TECHNIQUES,
    deviceId,
    matchedField: 'process.hash.sha256',
    matchedValue: indicatorValue(0),
    createdAt: new Date().toISOString(),
  };
}

/** Sizes the description and recommended actions so that a result for a device like `deviceId` is `ALERT_BYTES` long. */
export function sizedTexts(deviceId: string): { description: string; recommendedActions: string } {
  const recommendedActions = ACTIONS_TEXT.trim();
  const fixedBytes = JSON.stringify(sampleAlert(deviceId, '', recommendedActions)).length;
  const descriptionBytes = Math.max(0, ALERT_BYTES - fixedBytes);
  const description = DESCRIPTION_TEXT.repeat(Math.ceil(descriptionBytes / DESCRIPTION_TEXT.length) + 1).slice(0, descriptionBytes);
  return { description, recommendedActions };
}

/** Serializes a graphql-ws `next` frame like the server's, which the baseline broadcasts unchanged. */
export function sampleFrame(deviceId: string): string {
  const { description, recommendedActions } = sizedTexts(deviceId);
  return JSON.stringify({ id: randomUUID(), type: 'next', payload: { data: { alertRaised: sampleAlert(deviceId, description, recommendedActions) } } });
}

/** A Sightline instance the benchmark talks to over HTTP on loopback. */
export interface Target {
  baseUrl: string;
  key: string;
}

/** Creates the benchmark's alert definition with its pool of indicators, sizing its texts for device ids like `deviceId`. */
export async function createDefinition(target: Target, deviceId: string): Promise<void> {
  const { description, recommendedActions } = sizedTexts(deviceId);
  const response = await fetch(`${target.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
    body: JSON.stringify({
      query: 'mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }',
      variables: {
        input: {
          title: TITLE,
          severity: 'HIGH',
          category: 'CredentialAccess',
          description,
          recommendedActions,
          mitreTechniques: TECHNIQUES,
          indicators: Array.from({ length: INDICATOR_POOL }, (_, index) => ({ type: 'FILE_SHA256', value: indicatorValue(index) })),
        },
      },
    }),
  });
  const body = (await response.json()) as { errors?: unknown[] };
  if (body.errors) throw new Error(`createAlertDefinition failed: ${JSON.stringify(body.errors)}`);
}

/**
 * Posts one NDJSON event per device id to POST /events, all matching the
 * next indicator of the pool, and checks that each raised a new alert.
 */
export async function postEvents(target: Target, deviceIds: readonly string[]): Promise<void> {
  const value = indicatorValue(indicatorsUsed++ % INDICATOR_POOL);
  const body = deviceIds.map((deviceId) => JSON.stringify({ deviceId, observables: [{ type: 'FILE_SHA256', value }] })).join('\n');
  const response = await fetch(`${target.baseUrl}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${target.key}` },
    body,
  });
  const result = (await response.json()) as { alertsRaised?: number; error?: unknown };
  if (response.status !== 200 || result.alertsRaised !== deviceIds.length) {
    throw new Error(`POST /events raised ${result.alertsRaised} of ${deviceIds.length} alerts (status ${response.status}): ${JSON.stringify(result)}`);
  }
}

/** Device ids `<prefix>0`, `<prefix>1`, ... of equal length, so every frame has the same size. */
export function deviceIds(prefix: string, first: number, count: number): string[] {
  return Array.from({ length: count }, (_, offset) => `${prefix}${String(first + offset).padStart(6, '0')}`);
}
