/**
 * Latency benchmark: `npm run bench -- latency [--quick] [--runs=N]`.
 *
 * Starts the real service on a temporary SQLite file with one alert
 * definition and an `alertRaised` subscriber over graphql-ws, then measures:
 * - the maximum sustained POST /events rate with 2 % matching events;
 * - at half that rate, the time from just before a POST of a matching event
 *   on a new device to the subscriber's `next` frame for its alert;
 * - how soon an indicator added with addIndicators matches the next event;
 * - a one-event POST for an indicator with many open alerts against one with
 *   a single open alert, because the ingest service reads every open alert
 *   of a matched indicator, on all devices.
 *
 * The client runs in the service's process, so it shares the event loop and
 * the figures include the client's own work.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { IndicatorType } from '../src/domain/enums';
import type { Observable } from '../src/matching/observable';
import { median, percentile, report, withEventLoopDelay, type BenchOptions, type ResultRow } from './harness';
import { AlertSubscriber, graphql, postEvents } from './latency-client';
import { printNotes, startBenchServer, type BenchServer } from './matching-server';

/** Events per POST /events body in the load phases. */
const BATCH_EVENTS = 1_000;

/** Every 50th load event carries a matching hash: 2 %. */
const MATCHING_EVERY = 50;

/** Distinct load bodies, sent in a cycle. */
const LOAD_BODIES = 20;

/** Devices of the matching load events; after a device's first match, its events update its open alert. */
const LOAD_DEVICES = 200;

/** Requests in flight tried in the maximum-rate phase. */
const IN_FLIGHT_CHOICES = [1, 2];

/** Upper bound of load requests in flight at half rate, so a slow moment cannot pile up requests without end. */
const PACED_MAX_IN_FLIGHT = 4;

/** Pause between latency probes, in milliseconds. */
const PROBE_SPACING_MS = 20;

/** How long a probe waits for its alert frame before it counts as missing, in milliseconds. */
const FRAME_TIMEOUT_MS = 5_000;

/** The benchmark's alert definition and its SHA-256 indicators. */
interface BenchDefinition {
  id: string;
  /** Hashes that the matching load events carry. */
  loadHashes: string[];
  /** One hash per latency probe, so no probe's open-alert lookup returns another probe's alerts. */
  probeHashes: string[];
}

const ADD_INDICATORS =
  'mutation ($id: ID!, $indicators: [IndicatorInput!]!) { addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount } }';

/** Server, keys, definition, subscriber and load bodies shared by every phase. */
interface LatencyContext {
  server: BenchServer;
  ingestKey: string;
  definition: BenchDefinition;
  subscriber: AlertSubscriber;
  loadBodies: string[];
}

export async function run(options: BenchOptions): Promise<void> {
  const server = await startBenchServer();
  let subscriber: AlertSubscriber | null = null;
  const rows: ResultRow[] = [];
  try {
    const probes = options.quick ? 40 : 500;
    const definition = await createDefinition(server, probes);
    const ingestKey = await createIngestKey(server);
    subscriber = AlertSubscriber.open(server.baseUrl, server.adminKey);
    const context: LatencyContext = { server, ingestKey, definition, subscriber, loadBodies: buildLoadBodies(definition.loadHashes) };
    await waitForSubscription(context);

    const maxRate = await measureMaxRate(context, options.quick ? 1_000 : 5_000, options.runs);
    rows.push(maxRate.row);
    rows.push(...(await measureAlertLatency(context, maxRate.eventsPerSecond / 2, probes)));
    rows.push(...(await measureIndicatorApply(context, options.quick ? 5 : 100)));
    rows.push(await measureOpenAlertLookup(context, options.quick ? 500 : 5_000));
    if (server.warnings.length > 0) process.stderr.write(`service warnings: ${server.warnings.join(' | ')}\n`);
  } finally {
    await subscriber?.dispose();
    await server.stop();
  }
  report('latency', options, rows);
  printNotes(rows);
}

// ---------------------------------------------------------------------------
// Setup

async function createDefinition(server: BenchServer, probes: number): Promise<BenchDefinition> {
  const loadHashes = Array.from({ length: 4 }, () => randomSha256());
  const probeHashes = Array.from({ length: probes }, () => randomSha256());
  const data = await graphql<{ createAlertDefinition: { id: string } }>(
    server.baseUrl,
    server.adminKey,
    'mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }',
    {
      input: {
        title: 'Latency benchmark',
        severity: 'HIGH',
        category: 'Malware',
        description: 'Created by the latency benchmark.',
        mitreTechniques: ['T1204.002'],
        indicators: [
          ...[...loadHashes, ...probeHashes].map((value) => ({ type: 'FILE_SHA256', value })),
          { type: 'DOMAIN_NAME', value: 'c2-latency-bench.net' },
          { type: 'IP_ADDRESS', value: '198.51.100.0/24', matchFunction: 'CIDR' },
        ],
      },
    },
  );
  return { id: data.createAlertDefinition.id, loadHashes, probeHashes };
}

async function createIngestKey(server: BenchServer): Promise<string> {
  const data = await graphql<{ createApiKey: { key: string } }>(
    server.baseUrl,
    server.adminKey,
    'mutation ($input: ApiKeyInput!) { createApiKey(input: $input) { key } }',
    { input: { name: 'latency benchmark ingest', role: 'INGEST' } },
  );
  return data.createApiKey.key;
}

/** Sends matching events on new devices until one alert frame arrives, so the subscription is known to be active. */
async function waitForSubscription(context: LatencyContext): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const deviceId = `warm-up-${attempt}.latency.bench`;
    const arrival = context.subscriber.expect(deviceId, 1_000);
    await postEvents(context.server.baseUrl, context.ingestKey, eventLine(deviceId, context.definition.loadHashes[0], attempt));
    if ((await arrival) !== null) return;
    context.subscriber.checkHealthy();
  }
  throw new Error('The alertRaised subscription received no alert after 10 matching events.');
}

// ---------------------------------------------------------------------------
// Events

function randomSha256(): string {
  return randomBytes(32).toString('hex');
}

/** Builds one native event line with five observables, carrying `hash` as its SHA-256. */
function eventLine(deviceId: string, hash: string, sequence: number): string {
  const host = `www.site${sequence % 9_973}.example.com`;
  return JSON.stringify({
    eventTime: new Date().toISOString(),
    deviceId,
    deviceName: deviceId.split('.')[0],
    observables: [
      { type: 'FILE_SHA256', value: hash, field: 'process.hash.sha256' },
      { type: 'IP_ADDRESS', value: `10.${(sequence >> 8) & 255}.${sequence & 255}.7`, field: 'source.ip' },
      { type: 'IP_ADDRESS', value: `203.0.113.${sequence % 250}`, field: 'destination.ip' },
      { type: 'DOMAIN_NAME', value: host, field: 'dns.question.name' },
      { type: 'URL', value: `https://${host}/assets/app.js?build=${sequence}`, field: 'url.full' },
    ],
  });
}

/**
 * Builds LOAD_BODIES bodies of BATCH_EVENTS events. Every MATCHING_EVERY-th
 * event carries one of `matchingHashes`, and the device changes with each
 * matching event, so the matches spread over LOAD_DEVICES devices.
 */
function buildLoadBodies(matchingHashes: readonly string[]): string[] {
  const bodies: string[] = [];
  let sequence = 0;
  for (let body = 0; body < LOAD_BODIES; body += 1) {
    const lines: string[] = [];
    for (let position = 0; position < BATCH_EVENTS; position += 1, sequence += 1) {
      const block = Math.floor(sequence / MATCHING_EVERY);
      const hash = sequence % MATCHING_EVERY === 0 ? matchingHashes[block % matchingHashes.length] : randomSha256();
      lines.push(eventLine(`load-${block % LOAD_DEVICES}.latency.bench`, hash, sequence));
    }
    bodies.push(lines.join('\n'));
  }
  return bodies;
}

// ---------------------------------------------------------------------------
// Maximum sustained rate

/**
 * Measures the rate with one and with two requests in flight and keeps the
 * higher median. With one, the service idles while a response travels back.
 * With two, each alert transaction queues behind the other request's and its
 * statements wait while the other body is parsed, so the faster choice
 * depends on the machine.
 */
async function measureMaxRate(context: LatencyContext, durationMs: number, runs: number): Promise<{ eventsPerSecond: number; row: ResultRow }> {
  // Untimed, so the JIT has compiled the ingest path before the first timed run.
  await sendAsFastAsPossible(context, durationMs / 2, 1);
  const rates = new Map<number, number[]>(IN_FLIGHT_CHOICES.map((inFlight) => [inFlight, []]));
  const loopDelays: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    for (const inFlight of IN_FLIGHT_CHOICES) {
      const { result, p99Ms } = await withEventLoopDelay(() => sendAsFastAsPossible(context, durationMs, inFlight));
      rates.get(inFlight)!.push(result);
      loopDelays.push(p99Ms);
    }
  }

  const medians = IN_FLIGHT_CHOICES.map((inFlight) => ({ inFlight, rate: median(rates.get(inFlight)!) }));
  const best = medians.reduce((a, b) => (b.rate > a.rate ? b : a));
  const byInFlight = medians.map(({ inFlight, rate }) => `${Math.round(rate).toLocaleString('en-US')} with ${inFlight} in flight`).join(', ');
  return {
    eventsPerSecond: best.rate,
    row: {
      scenario: 'throughput',
      metric: 'maximum sustained POST /events rate',
      unit: 'events/s',
      product: best.rate,
      note:
        `${BATCH_EVENTS.toLocaleString('en-US')} events per body, ${durationMs / 1000} s per run, median of ${runs} runs: ${byInFlight}. ` +
        `2 % of the events match and update open alerts of ${LOAD_DEVICES} devices. ` +
        `Event-loop delay p99 during the runs: ${median(loopDelays).toFixed(1)} ms.`,
    },
  };
}

/** Posts load bodies back to back from `inFlight` senders for `durationMs`. Returns accepted events per second. */
async function sendAsFastAsPossible(context: LatencyContext, durationMs: number, inFlight: number): Promise<number> {
  const started = performance.now();
  const deadline = started + durationMs;
  let next = 0;
  let accepted = 0;
  const sender = async () => {
    while (performance.now() < deadline) {
      const body = context.loadBodies[next % context.loadBodies.length];
      next += 1;
      accepted += (await postEvents(context.server.baseUrl, context.ingestKey, body)).accepted;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  return accepted / ((performance.now() - started) / 1000);
}

// ---------------------------------------------------------------------------
// Alert latency under load

/** Sends load bodies at `eventsPerSecond` until `stop()` is called, which resolves with the rate achieved. */
function startPacedLoad(context: LatencyContext, eventsPerSecond: number): { stop(): Promise<number> } {
  const intervalMs = (BATCH_EVENTS / eventsPerSecond) * 1000;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  let stopped = false;
  let sent = 0;
  let accepted = 0;

  const loop = (async () => {
    while (!stopped) {
      const wait = started + sent * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopped) break;
      if (pending.size >= PACED_MAX_IN_FLIGHT) {
        await Promise.race(pending);
        continue;
      }
      const body = context.loadBodies[sent % context.loadBodies.length];
      const request: Promise<void> = postEvents(context.server.baseUrl, context.ingestKey, body)
        .then((response) => {
          accepted += response.accepted;
        })
        .finally(() => pending.delete(request));
      pending.add(request);
      sent += 1;
    }
    await Promise.all(pending);
  })();

  return {
    stop: async () => {
      stopped = true;
      await loop;
      return accepted / ((performance.now() - started) / 1000);
    },
  };
}

/** Timings of the latency probes, in milliseconds. */
interface ProbeTimings {
  /** From just before each POST to the alert's frame at the subscriber. */
  latencies: number[];
  /** From just before each POST to its response. */
  responseTimes: number[];
  /** From each POST's response to its alert's frame; negative when the frame came first. */
  frameAfterResponse: number[];
  /** Probes whose frame did not arrive within FRAME_TIMEOUT_MS. */
  missing: number;
}

/** Sends `probes` single-event POSTs, each on a new device and matching its own indicator, and times each alert. */
async function sendProbes(context: LatencyContext, probes: number): Promise<ProbeTimings> {
  const timings: ProbeTimings = { latencies: [], responseTimes: [], frameAfterResponse: [], missing: 0 };
  for (let probe = 0; probe < probes; probe += 1) {
    const deviceId = `probe-${probe}.latency.bench`;
    const arrival = context.subscriber.expect(deviceId, FRAME_TIMEOUT_MS);
    const started = performance.now();
    await postEvents(context.server.baseUrl, context.ingestKey, eventLine(deviceId, context.definition.probeHashes[probe], probe));
    const responded = performance.now();
    timings.responseTimes.push(responded - started);
    const arrivedAt = await arrival;
    if (arrivedAt === null) {
      timings.missing += 1;
    } else {
      timings.latencies.push(arrivedAt - started);
      timings.frameAfterResponse.push(arrivedAt - responded);
    }
    await sleep(PROBE_SPACING_MS);
  }
  return timings;
}

async function measureAlertLatency(context: LatencyContext, loadRate: number, probes: number): Promise<ResultRow[]> {
  const load = startPacedLoad(context, loadRate);
  let achievedRate = 0;
  let measured: { result: ProbeTimings; p99Ms: number; maxMs: number };
  try {
    await sleep(500);
    measured = await withEventLoopDelay(() => sendProbes(context, probes));
  } finally {
    achievedRate = await load.stop();
  }
  context.subscriber.checkHealthy();

  const { latencies, responseTimes, frameAfterResponse, missing } = measured.result;
  const p99 = percentile(latencies, 99);
  const note =
    `${probes} probes, each one matching event on a new device sent alone, ${PROBE_SPACING_MS} ms apart, while load bodies ran at ` +
    `${Math.round(achievedRate).toLocaleString('en-US')} events/s (target ${Math.round(loadRate).toLocaleString('en-US')}, half the maximum). ` +
    `Measured from just before the POST to the subscriber's next frame. Max ${Math.max(...latencies).toFixed(1)} ms. ` +
    `POST response alone: p50 ${percentile(responseTimes, 50).toFixed(1)} ms, p99 ${percentile(responseTimes, 99).toFixed(1)} ms, ` +
    `and the frame followed the response by p50 ${percentile(frameAfterResponse, 50).toFixed(2)} ms. ` +
    `Event-loop delay meanwhile: p99 ${measured.p99Ms.toFixed(1)} ms, max ${measured.maxMs.toFixed(1)} ms. ${missing} frames missing after ${FRAME_TIMEOUT_MS / 1000} s.`;
  return [
    { scenario: 'latency', metric: 'POST to alertRaised frame, p50', unit: 'ms', product: percentile(latencies, 50) },
    { scenario: 'latency', metric: 'POST to alertRaised frame, p99', unit: 'ms', product: p99, target: '< 50 ms', met: missing === 0 && p99 < 50, note },
  ];
}

// ---------------------------------------------------------------------------
// New indicator applies

/**
 * Adds one new SHA-256 indicator with addIndicators, then at once posts an
 * event carrying it, `attempts` times. The gap runs from reading the
 * mutation's response to reading the POST /events response.
 */
async function measureIndicatorApply(context: LatencyContext, attempts: number): Promise<ResultRow[]> {
  const { server, definition } = context;
  const gaps: number[] = [];
  const totals: number[] = [];
  let matchedInIndex = 0;
  let missed = 0;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const hash = randomSha256();
    const started = performance.now();
    await graphql(server.baseUrl, server.adminKey, ADD_INDICATORS, { id: definition.id, indicators: [{ type: 'FILE_SHA256', value: hash }] });
    const added = performance.now();
    const observable: Observable = { type: IndicatorType.FILE_SHA256, value: hash, field: 'process.hash.sha256' };
    if (server.sightline.index.match(server.actor.organizationId, [observable]).length > 0) matchedInIndex += 1;
    const response = await postEvents(server.baseUrl, context.ingestKey, eventLine(`apply-${attempt}.latency.bench`, hash, attempt));
    const finished = performance.now();
    if (response.matched !== 1) missed += 1;
    gaps.push(finished - added);
    totals.push(finished - started);
  }

  const gapP50 = percentile(gaps, 50);
  return [
    {
      scenario: 'new indicator',
      metric: 'addIndicators response to matched event response, p50',
      unit: 'ms',
      product: gapP50,
      target: '< 10 ms',
      met: gapP50 < 10,
      note:
        `${attempts} attempts, no other load. The gap is one POST /events round trip of a single event carrying the new hash, ` +
        `alert insert included; p99 ${percentile(gaps, 99).toFixed(1)} ms. The service's index matched the new hash as soon as the ` +
        `mutation's response was read in ${matchedInIndex} of ${attempts} attempts, so no delay comes from the index itself. ` +
        `addIndicators plus the event: p50 ${percentile(totals, 50).toFixed(1)} ms, p99 ${percentile(totals, 99).toFixed(1)} ms.`,
    },
    { scenario: 'new indicator', metric: 'events that missed the new indicator', unit: 'events', product: missed, target: '0', met: missed === 0 },
  ];
}

// ---------------------------------------------------------------------------
// Open alerts of the matched indicator

/**
 * Times a POST of one event that updates an open alert, first for an
 * indicator with one open alert, then for one with `openAlerts` open alerts
 * on as many devices. Both indicators are new, so no other event touches them.
 */
async function measureOpenAlertLookup(context: LatencyContext, openAlerts: number): Promise<ResultRow> {
  const [lonely, widespread] = [randomSha256(), randomSha256()];
  await graphql(context.server.baseUrl, context.server.adminKey, ADD_INDICATORS, {
    id: context.definition.id,
    indicators: [lonely, widespread].map((value) => ({ type: 'FILE_SHA256', value })),
  });
  await postEvents(context.server.baseUrl, context.ingestKey, eventLine('spread-0.latency.bench', lonely, 0));
  for (let start = 0; start < openAlerts; start += BATCH_EVENTS) {
    const lines = Array.from({ length: Math.min(BATCH_EVENTS, openAlerts - start) }, (_, offset) =>
      eventLine(`spread-${start + offset}.latency.bench`, widespread, start + offset),
    );
    await postEvents(context.server.baseUrl, context.ingestKey, lines.join('\n'));
  }

  const oneAlertMs = await timeUpdates(context, lonely);
  const manyAlertsMs = await timeUpdates(context, widespread);
  return {
    scenario: 'alerts',
    metric: `POST of 1 event, indicator with ${openAlerts.toLocaleString('en-US')} open alerts`,
    unit: 'ms',
    product: manyAlertsMs,
    note:
      `Median of ${UPDATE_SAMPLES} single-event POSTs that each add to the open alert of device spread-0, without other load. ` +
      `The same POST for an indicator with 1 open alert: ${oneAlertMs.toFixed(1)} ms.`,
  };
}

/** Single-event POSTs per indicator in measureOpenAlertLookup. */
const UPDATE_SAMPLES = 20;

async function timeUpdates(context: LatencyContext, hash: string): Promise<number> {
  const times: number[] = [];
  for (let sample = 0; sample < UPDATE_SAMPLES; sample += 1) {
    const started = performance.now();
    await postEvents(context.server.baseUrl, context.ingestKey, eventLine('spread-0.latency.bench', hash, sample));
    times.push(performance.now() - started);
  }
  return median(times);
}

