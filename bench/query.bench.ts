import { Role } from '../src/domain/roles';
import { startSightline, type Sightline } from '../src/server/app';
import { median, percentile, report, type BenchOptions, type ResultRow } from './harness';
import { benchConfig, benchLogger, collectGarbage, createSqliteDatabase } from './import-databases';
import { printNotes } from './import-report';
import { DATASET_ORGANIZATION, generateQueryDataset, type QueryDatasetSize } from './query-data';
import { startStaticBaselines, type StaticBaselines } from './query-baseline-worker';
import { runLoadInWorker, type LoadResult } from './query-load';
import type { StaticDefinition } from './query-static';

/**
 * Scenario `query`: the nested `alertDefinitions` query on a large SQLite
 * database, served by the real service over HTTP on loopback, against
 * Apollo Server 5 serving the same response from memory, and graphql-js
 * `execute` of the same query for reference. The baselines run in a worker
 * thread and the HTTP clients in another, so neither shares the service's
 * event loop or heap, but all share the machine's cores.
 */

const FULL_SIZE: QueryDatasetSize = { definitions: 10_000, indicatorsPerDefinition: 100 };
const QUICK_SIZE: QueryDatasetSize = { definitions: 200, indicatorsPerDefinition: 100 };

/** Seed of the generated dataset; change it only together with recorded results. */
const DATA_SEED = 0x5eed_0004;

/** Concurrent HTTP clients, each with its own keep-alive connection. */
const CONCURRENCY = 10;

/** Warm-up and measured time of each HTTP load, and duration of each in-process `execute` loop, in milliseconds. */
const FULL_TIMING = { warmupMs: 2000, durationMs: 8000, executeMs: 3000 };
const QUICK_TIMING = { warmupMs: 300, durationMs: 1000, executeMs: 300 };

/** Sequential requests whose SQL statements are counted, to average out the API key's `lastUsedAt` write once a minute. */
const COUNTED_REQUESTS = 10;

const TARGETS = { apolloRatio: 0.5, statementsPerRequest: 3, p99Ms: 50 } as const;

/** A query the benchmark sends: `definitions` definitions with their first `indicators` indicators. */
interface QueryShape {
  name: string;
  definitions: number;
  indicators: number;
  query: string;
  /** The HTTP request body: `{"query": ...}`. */
  body: string;
}

const SHAPES: QueryShape[] = [shape(20, 5), shape(50, 10)];

function shape(definitions: number, indicators: number): QueryShape {
  const query =
    `query Definitions${definitions}x${indicators} { alertDefinitions(first: ${definitions}) { nodes { id title severity ` +
    `indicators(first: ${indicators}) { totalCount nodes { id type value } } } } }`;
  return { name: `${definitions}x${indicators}`, definitions, indicators, query, body: JSON.stringify({ query }) };
}

/** Measurements of one shape in one run. */
interface ShapeRun {
  product: LoadSummary;
  apollo: LoadSummary;
  executePerSecond: number;
}

interface LoadSummary {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  firstFailure: string | null;
}

/** SQL statements of the counted requests, per request. */
interface StatementCount {
  apiKey: number;
  other: number;
  /** The other statements, as `VERB table` with their count per request. */
  described: string;
}

export async function run(options: BenchOptions): Promise<void> {
  const size = options.quick ? QUICK_SIZE : FULL_SIZE;
  const timing = options.quick ? QUICK_TIMING : FULL_TIMING;
  const indicators = size.definitions * size.indicatorsPerDefinition;
  const database = createSqliteDatabase();
  try {
    const { milliseconds: generationMs } = await timed(() => generateQueryDataset(database.url, size, DATA_SEED));
    progress(`generated ${size.definitions.toLocaleString('en-US')} definitions and ${indicators.toLocaleString('en-US')} indicators in ${seconds(generationMs)}`);

    const recorder: StatementRecorder = { recording: false, statements: [] };
    const onQuery = (sql: string) => {
      if (recorder.recording) recorder.statements.push(sql);
    };
    const { value: service, milliseconds: startMs } = await timed(() => startSightline(benchConfig(database.url), benchLogger(), { onQuery }));
    progress(`service started in ${seconds(startMs)} with ${service.index.size.toLocaleString('en-US')} indicators in its matching index`);

    try {
      const rows = [
        infoRow('dataset generation: raw multi-row INSERTs into the migrated schema', generationMs / 1000, 's',
          `${size.definitions.toLocaleString('en-US')} definitions, ${indicators.toLocaleString('en-US')} indicators`),
        infoRow('service start: migrations checked and matching index built', startMs / 1000, 's',
          `${service.index.size.toLocaleString('en-US')} indicators indexed`),
        ...(await measureService(service, recorder, options, timing)),
      ];
      report('query', options, rows);
      printNotes('query', rows);
    } finally {
      await service.stop();
    }
  } finally {
    await database.drop();
  }
}

/** SQL statements the service ran while `recording` was on. */
interface StatementRecorder {
  recording: boolean;
  statements: string[];
}

/**
 * Starts the static Apollo baseline with the service's own response data,
 * counts the service's SQL statements per request, then measures every
 * shape `options.runs` times.
 */
async function measureService(
  service: Sightline,
  recorder: StatementRecorder,
  options: BenchOptions,
  timing: typeof FULL_TIMING,
): Promise<ResultRow[]> {
  const key = await createAdminKey(service);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const baselines = await startStaticBaselines(await staticDefinitionsOf(service.url, headers));
  try {
    const counts = new Map<string, StatementCount>();
    for (const query of SHAPES) {
      await checkSameResponse(query, service.url, baselines.url, headers);
      recorder.recording = true;
      await sendSequentially(service.url, headers, query.body, COUNTED_REQUESTS);
      recorder.recording = false;
      counts.set(query.name, countStatements(recorder.statements.splice(0)));
    }

    const runs: Array<Map<string, ShapeRun>> = [];
    for (let index = 1; index <= options.runs; index++) {
      progress(`run ${index} of ${options.runs}`);
      runs.push(await measureRun(service.url, baselines, headers, timing));
    }
    return SHAPES.flatMap((query) => shapeRows(query, runs, counts.get(query.name)!, timing));
  } finally {
    await baselines.stop();
  }
}

/** Creates an ADMIN key in the organization that owns the generated data. */
async function createAdminKey(sightline: Sightline): Promise<string> {
  const organization = await sightline.services.organizations.findByName(DATASET_ORGANIZATION);
  if (!organization) throw new Error(`The generated dataset has no organization named "${DATASET_ORGANIZATION}".`);
  const actor = { organizationId: organization.id, keyId: null, name: 'query benchmark' };
  const created = await sightline.services.apiKeys.create(actor, 'query benchmark', Role.ADMIN);
  return created.secret;
}

/**
 * Reads the largest shape from the product, so the static baseline returns
 * the very values the product returns for every shape.
 */
async function staticDefinitionsOf(url: string, headers: Record<string, string>): Promise<StaticDefinition[]> {
  const largest = SHAPES.reduce((a, b) => (a.definitions * a.indicators >= b.definitions * b.indicators ? a : b));
  const body = await postJson(url, headers, largest.body);
  return body.data.alertDefinitions.nodes as StaticDefinition[];
}

/**
 * Checks that the product and the static baseline return the same data for
 * `query`, so both send the same response.
 *
 * @throws Error naming the shape when they differ.
 */
async function checkSameResponse(query: QueryShape, productUrl: string, apolloUrl: string, headers: Record<string, string>): Promise<void> {
  const product = await postJson(productUrl, headers, query.body);
  const apollo = await postJson(apolloUrl, headers, query.body);
  if (JSON.stringify(product.data) !== JSON.stringify(apollo.data)) {
    throw new Error(`The static baseline returns other data than the service for the ${query.name} query; the comparison would be unfair.`);
  }
}

/** Measures one run: for each shape, the product's HTTP load, the static Apollo load, then the `execute` loop. */
async function measureRun(
  productUrl: string,
  baselines: StaticBaselines,
  headers: Record<string, string>,
  timing: typeof FULL_TIMING,
): Promise<Map<string, ShapeRun>> {
  const results = new Map<string, ShapeRun>();
  for (const query of SHAPES) {
    const load = (url: string) =>
      runLoadInWorker({ url, headers, body: query.body, concurrency: CONCURRENCY, warmupMs: timing.warmupMs, durationMs: timing.durationMs });

    collectGarbage();
    const product = summarize(await load(productUrl));
    collectGarbage();
    const apollo = summarize(await load(baselines.url));
    const executePerSecond = await baselines.executePerSecond(query.query, timing.executeMs);
    progress(
      `  ${query.name}: service ${Math.round(product.requestsPerSecond)} requests/s (p99 ${product.p99Ms.toFixed(1)} ms), ` +
        `static Apollo ${Math.round(apollo.requestsPerSecond)} requests/s, execute ${Math.round(executePerSecond)} operations/s`,
    );
    results.set(query.name, { product, apollo, executePerSecond });
  }
  return results;
}

function summarize(result: LoadResult): LoadSummary {
  return {
    requests: result.requests,
    requestsPerSecond: result.requests / (result.elapsedMs / 1000),
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    failures: result.failures,
    firstFailure: result.firstFailure,
  };
}

function shapeRows(query: QueryShape, runs: Array<Map<string, ShapeRun>>, statements: StatementCount, timing: typeof FULL_TIMING): ResultRow[] {
  const of = (pick: (run: ShapeRun) => number) => median(runs.map((run) => pick(run.get(query.name)!)));
  const product = of((run) => run.product.requestsPerSecond);
  const apollo = of((run) => run.apollo.requestsPerSecond);
  const execute = of((run) => run.executePerSecond);
  const p99 = of((run) => run.product.p99Ms);
  const failures = runs.map((run) => run.get(query.name)!).filter((run) => run.product.failures + run.apollo.failures > 0);
  const load = `${CONCURRENCY} connections, ${timing.durationMs / 1000} s after ${timing.warmupMs / 1000} s warm-up, median of ${runs.length} run${runs.length === 1 ? '' : 's'}`;
  const failureNote = failures.length > 0 ? `; FAILED REQUESTS, first: ${failures[0].product.firstFailure ?? failures[0].apollo.firstFailure}` : '';
  const metric = (figure: string) => `${query.name} query: ${figure}`;

  return [
    {
      scenario: 'query',
      metric: metric('service over HTTP'),
      unit: 'requests/s',
      product,
      baseline: apollo,
      ratio: product / apollo,
      target: `>= ${TARGETS.apolloRatio}x static Apollo`,
      met: product / apollo >= TARGETS.apolloRatio,
      note: `${query.query}; ${load}; ${(product / execute).toFixed(3)}x of graphql-js execute${failureNote}`,
    },
    { scenario: 'query', metric: metric('service latency p50'), unit: 'ms', product: of((run) => run.product.p50Ms), note: load },
    {
      scenario: 'query',
      metric: metric('service latency p99'),
      unit: 'ms',
      product: p99,
      target: `< ${TARGETS.p99Ms} ms`,
      met: p99 < TARGETS.p99Ms,
      note: `${load}; ${runs.map((run) => run.get(query.name)!.product.requests).join(', ')} requests measured per run; static Apollo p99 ${of((run) => run.apollo.p99Ms).toFixed(1)} ms`,
    },
    {
      scenario: 'query',
      metric: metric('SQL statements per request, API-key lookup excluded'),
      unit: 'statements',
      product: statements.other,
      target: `<= ${TARGETS.statementsPerRequest}`,
      met: statements.other <= TARGETS.statementsPerRequest,
      note: `${statements.described}; plus ${statements.apiKey} API-key statement(s) per request; average of ${COUNTED_REQUESTS} sequential requests`,
    },
    {
      scenario: 'query',
      metric: metric('baseline (a): Apollo Server 5, static resolvers, over HTTP'),
      unit: 'requests/s',
      product: apollo,
      note: `${load}; Express 5 and expressMiddleware as in the service, in a worker thread with a heap of its own; p50 ${of((run) => run.apollo.p50Ms).toFixed(1)} ms`,
    },
    {
      scenario: 'query',
      metric: metric('baseline (b): graphql-js execute, cached document, in-process'),
      unit: 'operations/s',
      product: execute,
      note: `one operation after another for ${timing.executeMs / 1000} s in the baseline worker thread; no HTTP, no JSON`,
    },
  ];
}

/** Counts statements per request, with those that touch `api_key` (the key lookup, and the `lastUsedAt` write) apart. */
function countStatements(statements: readonly string[]): StatementCount {
  const apiKey = statements.filter((sql) => sql.includes('api_key')).length;
  const described = new Map<string, number>();
  for (const sql of statements) {
    if (sql.includes('api_key')) continue;
    const verb = sql.trim().split(/\s+/)[0].toUpperCase();
    const table = /(?:FROM|INTO|UPDATE)\s+"?(\w+)"?/i.exec(sql)?.[1] ?? '';
    const name = table ? `${verb} ${table}` : verb;
    described.set(name, (described.get(name) ?? 0) + 1);
  }
  const perRequest = (count: number) => count / COUNTED_REQUESTS;
  return {
    apiKey: perRequest(apiKey),
    other: perRequest(statements.length - apiKey),
    described: [...described].map(([name, count]) => `${name} x${perRequest(count)}`).join(', '),
  };
}

async function sendSequentially(url: string, headers: Record<string, string>, body: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await postJson(url, headers, body);
}

/**
 * Posts a GraphQL request and returns the parsed body.
 *
 * @throws Error when the status is not 200 or the body carries errors.
 */
async function postJson(url: string, headers: Record<string, string>, body: string): Promise<{ data: any }> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const parsed = (await response.json()) as { data?: any; errors?: unknown[] };
  if (response.status !== 200 || parsed.errors || !parsed.data) {
    throw new Error(`The request to ${url} failed with HTTP ${response.status}: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  }
  return { data: parsed.data };
}

function infoRow(metric: string, product: number, unit: string, note: string): ResultRow {
  return { scenario: 'query', metric, unit, product, note };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; milliseconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, milliseconds: performance.now() - started };
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

function progress(message: string): void {
  process.stderr.write(`query: ${message}\n`);
}
