import fs from 'node:fs';
import path from 'node:path';

import { strFromU8, unzipSync } from 'fflate';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Demo against a running service: loads real indicators, subscribes to the
 * alert feed, replays real Sysmon and Zeek telemetry through POST /events and
 * prints each alert as it arrives, then the replay rate and alert latency.
 *
 * Usage: SIGHTLINE_API_KEY=<ANALYST or ADMIN key> npm run demo [-- http://127.0.0.1:4000].
 * Without a URL argument it uses SIGHTLINE_URL, else HOST and PORT as the
 * service reads them.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const SIMDA_CAPTURE = path.resolve(ROOT, '..', 'shared', 'data', 'real', 'stratosphere-security-datasets-for-testing', '005-zeek-scenario-malicious');

const TOOL_INDICATORS = [
  { type: 'FILE_SHA256', value: '9D2FD8BEE1CE0A26AF22B702F79B4BC29B936891F49AFEBC2917D890F65D3008', description: 'mimikatz.exe' },
  { type: 'FILE_SHA1', value: '36B4981922677FB0BDAA7CF449B135ECF469DF8F', description: 'mimikatz.exe' },
  { type: 'FILE_MD5', value: '9996419693CE040DFABE63E08DC0251B', description: 'mimikatz.exe' },
  { type: 'FILE_SHA256', value: '3337E3875B05E0BFBA69AB926532E3F179E8CFBF162EBB60CE58A0281437A7EF', description: 'PsExec.exe' },
  { type: 'FILE_SHA1', value: 'E50D9E3BD91908E13A26B3E23EDEAF577FB3A095', description: 'PsExec.exe' },
  { type: 'FILE_MD5', value: '27304B246C7D5B4E149124D5F93C5B01', description: 'PsExec.exe' },
];

const API_KEY = process.env.SIGHTLINE_API_KEY ?? '';
const AUTHORIZATION = { authorization: `Bearer ${API_KEY}` };

async function main(): Promise<void> {
  if (!API_KEY) {
    throw new Error(
      'SIGHTLINE_API_KEY is not set. Use the ADMIN key that the first "npm start" printed, or create one with ' +
        '"npm run keys -- create --org default --role ANALYST".',
    );
  }
  const fallback = `http://${process.env.HOST || '127.0.0.1'}:${process.env.PORT || '4000'}`;
  const base = (process.argv[2] ?? process.env.SIGHTLINE_URL ?? fallback).replace(/\/(graphql)?$/, '');
  await fetch(`${base}/healthz`).catch(() => {
    throw new Error(`No Sightline service responded at ${base}; start it with "npm start" first.`);
  });

  await ensureDefinition(base, 'Demo: credential theft tools', 'CredentialAccess', TOOL_INDICATORS);
  await ensureDefinition(base, 'Demo: Simda DGA domains', 'CommandAndControl', readTrail(path.join(FIXTURES, 'iocs', 'maltrail-simda.txt')));

  const latencies: number[] = [];
  const client = createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${API_KEY}` },
  });
  const unsubscribe = client.subscribe<{ alertRaised: Record<string, string> }>(
    { query: 'subscription { alertRaised { createdAt severity title deviceId matchedField matchedValue } }' },
    {
      next: ({ data }) => {
        const alert = data!.alertRaised;
        latencies.push(Date.now() - Date.parse(alert.createdAt));
        process.stdout.write(`ALERT ${alert.severity} "${alert.title}" on ${alert.deviceId}: ${alert.matchedField}=${alert.matchedValue}\n`);
      },
      error: (error) => process.stderr.write(`Subscription error: ${JSON.stringify(error)}\n`),
      complete: () => undefined,
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 500));

  const started = Date.now();
  let events = 0;
  for (const body of replayBodies()) events += await postEvents(base, body);
  const seconds = (Date.now() - started) / 1000;

  await new Promise((resolve) => setTimeout(resolve, 1000));
  unsubscribe();
  await client.dispose();
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  const latency = latencies.length
    ? `alert latency (raised to received) p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms`
    : 'repeated matches added to the open alerts instead';
  process.stdout.write(
    `\nReplayed ${events} events in ${seconds.toFixed(2)} s (${Math.round(events / seconds)} events/s); ` +
      `${latencies.length} new alerts; ${latency}.\n`,
  );
}

function* replayBodies(): Generator<string> {
  const mordor = path.join(FIXTURES, 'events', 'mordor');
  for (const file of fs.readdirSync(mordor).sort()) {
    const entries = unzipSync(fs.readFileSync(path.join(mordor, file)));
    for (const [name, bytes] of Object.entries(entries)) if (!name.endsWith('/')) yield strFromU8(bytes);
  }
  if (fs.existsSync(SIMDA_CAPTURE)) {
    for (const log of ['dns.log', 'http.log', 'conn.log']) yield fs.readFileSync(path.join(SIMDA_CAPTURE, log), 'utf8');
  } else {
    process.stdout.write(`Skipping the Simda capture: ${SIMDA_CAPTURE} is absent.\n`);
  }
}

async function postEvents(base: string, body: string): Promise<number> {
  const response = await fetch(`${base}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', ...AUTHORIZATION },
    body,
  });
  const result = (await response.json()) as { accepted?: number; error?: { message: string } };
  if (!response.ok) throw new Error(`POST /events failed with ${response.status}: ${result.error?.message}`);
  return result.accepted ?? 0;
}

async function ensureDefinition(base: string, title: string, category: string, indicators: Array<Record<string, string>>) {
  const found = await graphql(base, 'query ($title: String) { alertDefinitions(filter: { titleContains: $title }) { nodes { id title } } }', {
    title,
  });
  let id = found.alertDefinitions.nodes.find((node: { title: string }) => node.title === title)?.id;
  if (!id) {
    const created = await graphql(base, 'mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }', {
      input: { title, severity: 'HIGH', category, description: 'Loaded by npm run demo.', mitreTechniques: [] },
    });
    id = created.createAlertDefinition.id;
  }
  const added = await graphql(
    base,
    'mutation ($id: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $id, indicators: $indicators, skipDuplicates: true) { addedCount } }',
    { id, indicators: indicators.map((indicator) => ({ ...indicator, source: 'npm run demo' })) },
  );
  process.stdout.write(`Definition "${title}": ${added.addIndicators.addedCount} indicators added.\n`);
}

function readTrail(file: string): Array<Record<string, string>> {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((value) => ({ type: value.includes('://') ? 'URL' : 'DOMAIN_NAME', value, description: 'maltrail simda trail' }));
}

async function graphql(base: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTHORIZATION },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(body.errors.map((error) => error.message).join(' '));
  return body.data;
}

main().catch((error: unknown) => {
  process.stderr.write(`Demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
