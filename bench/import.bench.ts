import { INSERT_CHUNK_ROWS } from '../src/services/bulk-insert';
import { median, rate, report, type BenchOptions, type ResultRow, type Sample } from './harness';
import { importWithRawPostgres, importWithRawSqlite, type BaselineResult } from './import-baselines';
import { generateIndicatorSet, type IndicatorSet } from './import-data';
import { collectGarbage, postgresUnavailableReason, withDatabase } from './import-databases';
import { IMPORT_BATCH_SIZE, importThroughHttp, importThroughService, type ImportMemory, type ProductImportResult } from './import-paths';
import { printNotes } from './import-report';

/**
 * Scenario `import`: bulk import of indicators of compromise into one alert
 * definition. Each run imports the same generated set on fresh databases:
 * a raw-driver baseline, then the service API and the GraphQL mutation over
 * HTTP on SQLite, then a raw baseline and the service API on PostgreSQL.
 * Rates are input indicators per second, duplicates included.
 */

/** Indicators per import: 100,000 at full size, 10,000 with `--quick`. */
const FULL_INDICATORS = 100_000;
const QUICK_INDICATORS = 10_000;

/** Share of the inputs that repeat another input. */
const DUPLICATE_SHARE = 0.05;

/** Seed of the generated set; change it only together with recorded results. */
const DATA_SEED = 0x5eed_0001;

const TARGETS = {
  serviceRatio: 0.5,
  httpRatio: 0.25,
  postgresServiceRatio: 0.5,
  eventLoopP99Ms: 50,
} as const;

/** Figures of one run; the PostgreSQL ones are missing when it is unreachable. */
interface RunFigures {
  sqliteBaseline: BaselineResult;
  /** Reference only: raw inserts of as many rows per statement as the service writes. */
  sqliteMultiRowBaseline: BaselineResult;
  sqliteService: ProductImportResult;
  sqliteHttp: ProductImportResult;
  postgresBaseline?: BaselineResult;
  postgresService?: ProductImportResult;
}

export async function run(options: BenchOptions): Promise<void> {
  const count = options.quick ? QUICK_INDICATORS : FULL_INDICATORS;
  const set = generateIndicatorSet(count, DUPLICATE_SHARE, DATA_SEED);
  const postgresSkipReason = await postgresUnavailableReason();
  if (postgresSkipReason) progress(`PostgreSQL variant skipped: ${postgresSkipReason}.`);
  if (!collectGarbage()) progress('global.gc is missing (run node with --expose-gc); memory figures are skipped.');

  const runs: RunFigures[] = [];
  for (let index = 1; index <= options.runs; index++) {
    progress(`run ${index} of ${options.runs}: ${count.toLocaleString('en-US')} indicators, ${set.distinct.toLocaleString('en-US')} distinct`);
    runs.push(await runOnce(set, postgresSkipReason === null));
  }

  const rows = [...sqliteRows(set, runs), ...memoryRows(runs), ...postgresRows(set, runs)];
  report('import', options, rows);
  printNotes('import', rows);
}

/** Runs every path once, back to back, each on a database of its own that is dropped afterwards. */
async function runOnce(set: IndicatorSet, withPostgres: boolean): Promise<RunFigures> {
  const sqliteBaseline = await step('SQLite baseline', () =>
    withDatabase('sqlite', (database) => importWithRawSqlite(database.url, set.inputs, 1)),
  );
  const sqliteMultiRowBaseline = await step('SQLite multi-row reference', () =>
    withDatabase('sqlite', (database) => importWithRawSqlite(database.url, set.inputs, INSERT_CHUNK_ROWS)),
  );
  const sqliteService = await step('SQLite service path', () =>
    withDatabase('sqlite', (database) => importThroughService(database.url, set.inputs, { measureMemory: true })),
  );
  const sqliteHttp = await step('SQLite HTTP path', () => withDatabase('sqlite', (database) => importThroughHttp(database.url, set.inputs)));
  if (!withPostgres) return { sqliteBaseline, sqliteMultiRowBaseline, sqliteService, sqliteHttp };

  const postgresBaseline = await step('PostgreSQL baseline', () =>
    withDatabase('postgres', (database) => importWithRawPostgres(database.url, set.inputs)),
  );
  const postgresService = await step('PostgreSQL service path', () =>
    withDatabase('postgres', (database) => importThroughService(database.url, set.inputs, { measureMemory: false })),
  );
  return { sqliteBaseline, sqliteMultiRowBaseline, sqliteService, sqliteHttp, postgresBaseline, postgresService };
}

/** Runs one path after a full collection, so garbage of the previous path is not collected during this one. */
async function step<T extends { sample: Sample }>(name: string, work: () => Promise<T>): Promise<T> {
  collectGarbage();
  const result = await work();
  progress(`  ${name}: ${Math.round(rate(result.sample)).toLocaleString('en-US')} indicators/s`);
  return result;
}

function sqliteRows(set: IndicatorSet, runs: RunFigures[]): ResultRow[] {
  const baseline = medianRate(runs.map((figures) => figures.sqliteBaseline));
  const multiRow = medianRate(runs.map((figures) => figures.sqliteMultiRowBaseline));
  const service = rateRow(
    `SQLite service path: indicators.add(), batches of ${IMPORT_BATCH_SIZE.toLocaleString('en-US')}`,
    runs.map((figures) => figures.sqliteService),
    baseline,
    TARGETS.serviceRatio,
    set,
  );
  const http = rateRow(
    `SQLite HTTP path: addIndicators mutation on loopback, batches of ${IMPORT_BATCH_SIZE.toLocaleString('en-US')}`,
    runs.map((figures) => figures.sqliteHttp),
    baseline,
    TARGETS.httpRatio,
    set,
  );
  return [
    {
      scenario: 'import',
      metric: 'SQLite baseline: raw sqlite3, prepared single-row INSERT OR IGNORE, one transaction',
      unit: 'indicators/s',
      product: baseline,
      note: `${storedNote(set, runs.map((figures) => figures.sqliteBaseline))}; rows normalized before the timer starts`,
    },
    {
      scenario: 'import',
      metric: `SQLite reference: raw sqlite3, prepared ${INSERT_CHUNK_ROWS}-row INSERT OR IGNORE, one transaction`,
      unit: 'indicators/s',
      product: multiRow,
      note:
        `${storedNote(set, runs.map((figures) => figures.sqliteMultiRowBaseline))}; as many rows per statement as the service ` +
        `writes; service path ${(service.product / multiRow).toFixed(2)}x, HTTP path ${(http.product / multiRow).toFixed(2)}x of it`,
    },
    service,
    http,
    eventLoopRow('SQLite service path', runs.map((figures) => figures.sqliteService)),
    eventLoopRow('SQLite HTTP path (client in the same process)', runs.map((figures) => figures.sqliteHttp)),
  ];
}

function postgresRows(set: IndicatorSet, runs: RunFigures[]): ResultRow[] {
  const baselines = runs.flatMap((figures) => (figures.postgresBaseline ? [figures.postgresBaseline] : []));
  const services = runs.flatMap((figures) => (figures.postgresService ? [figures.postgresService] : []));
  if (baselines.length === 0 || services.length === 0) return [];

  const baseline = medianRate(baselines);
  return [
    {
      scenario: 'import',
      metric: 'PostgreSQL baseline: raw pg, INSERT ... SELECT FROM unnest(arrays), one transaction',
      unit: 'indicators/s',
      product: baseline,
      note:
        `${storedNote(set, baselines)}; 10,000 rows per statement, ON CONFLICT DO NOTHING; ` +
        'COPY FROM STDIN would be faster but needs pg-copy-streams, which is not a dependency',
    },
    rateRow(
      `PostgreSQL service path: indicators.add(), batches of ${IMPORT_BATCH_SIZE.toLocaleString('en-US')}`,
      services,
      baseline,
      TARGETS.postgresServiceRatio,
      set,
    ),
    eventLoopRow('PostgreSQL service path', services),
  ];
}

function memoryRows(runs: RunFigures[]): ResultRow[] {
  const memories = runs.flatMap((figures) => (figures.sqliteService.memory ? [figures.sqliteService.memory] : []));
  if (memories.length === 0) return [];

  const figure = (pick: (memory: ImportMemory) => number) => median(memories.map(pick));
  const rss = figure((memory) => memory.rssPerIndicator);
  const index = figure((memory) => memory.indexHeapPerIndicator);
  return [
    {
      scenario: 'import',
      metric: 'RSS growth per stored indicator, SQLite service path',
      unit: 'bytes',
      product: rss,
      note: `V8 heap growth ${Math.round(figure((memory) => memory.heapPerIndicator))} bytes per indicator; both after a full collection`,
    },
    {
      scenario: 'import',
      metric: 'matching index heap per indicator, as added by the import',
      unit: 'bytes',
      product: index,
      note: `heap freed by emptying the index; ${Math.round((100 * index) / rss)} % of the RSS growth`,
    },
    {
      scenario: 'import',
      metric: 'matching index heap per indicator, rebuilt from the database as at start',
      unit: 'bytes',
      product: figure((memory) => memory.rebuiltIndexHeapPerIndicator),
      note: `the rebuild took ${Math.round(figure((memory) => memory.rebuildMs))} ms`,
    },
  ];
}

function rateRow(metric: string, results: ProductImportResult[], baseline: number, targetRatio: number, set: IndicatorSet): ResultRow {
  const product = medianRate(results);
  const ratio = product / baseline;
  return {
    scenario: 'import',
    metric,
    unit: 'indicators/s',
    product,
    baseline,
    ratio,
    target: `>= ${targetRatio}x baseline`,
    met: ratio >= targetRatio,
    note: storedNote(set, results),
  };
}

function eventLoopRow(path: string, results: ProductImportResult[]): ResultRow {
  const p99 = median(results.map((result) => result.eventLoopP99Ms));
  const max = Math.max(...results.map((result) => result.eventLoopMaxMs));
  return {
    scenario: 'import',
    metric: `event-loop delay p99, ${path}`,
    unit: 'ms',
    product: p99,
    target: `< ${TARGETS.eventLoopP99Ms} ms`,
    met: p99 < TARGETS.eventLoopP99Ms,
    note: `max ${max.toFixed(1)} ms over all runs`,
  };
}

function medianRate(results: ReadonlyArray<{ sample: Sample }>): number {
  return median(results.map((result) => rate(result.sample)));
}

/** States how many rows each run stored, and flags a run that stored other than the distinct count. */
function storedNote(set: IndicatorSet, results: ReadonlyArray<{ stored: number }>): string {
  const wrong = results.filter((result) => result.stored !== set.distinct);
  const runs = `median of ${results.length} run${results.length === 1 ? '' : 's'}`;
  if (wrong.length === 0) return `${runs}; each stored ${set.distinct.toLocaleString('en-US')} distinct indicators`;
  return `${runs}; UNEXPECTED: runs stored ${results.map((result) => result.stored).join(', ')} rows, expected ${set.distinct}`;
}

function progress(message: string): void {
  process.stderr.write(`import: ${message}\n`);
}
