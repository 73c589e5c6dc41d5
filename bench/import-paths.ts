import { INDICATOR_LIMITS } from '../src/domain/alert-rules';
import { AlertCategory, Severity } from '../src/domain/enums';
import { Role, type Actor } from '../src/domain/roles';
import { startSightline, type Sightline } from '../src/server/app';
import { rebuildIndex } from '../src/services/index-sync';
import type { IndicatorInput } from '../src/services/inputs';
import { measure, withEventLoopDelay, type Sample } from './harness';
import { benchConfig, benchLogger, collectGarbage } from './import-databases';

/** Indicators per `add()` call or `addIndicators` mutation: the API maximum. */
export const IMPORT_BATCH_SIZE = INDICATOR_LIMITS.batchMax;

/** Timing of one import through the product, with the event-loop delay seen meanwhile. */
export interface ProductImportResult {
  sample: Sample;
  /** Indicators the import stored (inputs minus skipped duplicates). */
  stored: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** Present when memory was measured, which needs `--expose-gc`. */
  memory?: ImportMemory;
}

/** Memory the imported indicators occupy, in bytes per stored indicator. */
export interface ImportMemory {
  rssPerIndicator: number;
  heapPerIndicator: number;
  /** Heap freed when the matching index is emptied after the import. */
  indexHeapPerIndicator: number;
  /** Heap the index takes again when rebuilt from the database, as at start. */
  rebuiltIndexHeapPerIndicator: number;
  rebuildMs: number;
}

const ADD_INDICATORS = `
  mutation ImportBatch($definitionId: ID!, $indicators: [IndicatorInput!]!) {
    addIndicators(alertDefinitionId: $definitionId, indicators: $indicators, skipDuplicates: true) {
      addedCount
      skippedDuplicates
    }
  }`;

/**
 * Starts the service on `url`, creates one definition, and imports every
 * input with `services.indicators.add()` in batches of `IMPORT_BATCH_SIZE`,
 * skipping duplicates. With `measureMemory`, it also measures the memory
 * the import kept (see `measureImportMemory`).
 */
export async function importThroughService(
  url: string,
  inputs: readonly IndicatorInput[],
  options: { measureMemory: boolean },
): Promise<ProductImportResult> {
  return withImportTarget(url, async (sightline, actor, definitionId) => {
    const before = options.measureMemory && collectGarbage() ? process.memoryUsage() : null;
    let stored = 0;

    const { result: sample, p99Ms, maxMs } = await withEventLoopDelay(() =>
      measure(async () => {
        for (const batch of batches(inputs)) {
          const result = await sightline.services.indicators.add(actor, definitionId, batch, { skipDuplicates: true });
          stored += result.indicators.length;
        }
        return inputs.length;
      }),
    );

    const memory = before ? await measureImportMemory(sightline, before, stored) : undefined;
    return { sample, stored, eventLoopP99Ms: p99Ms, eventLoopMaxMs: maxMs, memory };
  });
}

/**
 * Starts the service on `url`, creates one definition and an ADMIN key, and
 * imports every input with the `addIndicators` mutation over HTTP on
 * loopback, one batch of `IMPORT_BATCH_SIZE` after another. The client runs
 * in this process, so its JSON encoding counts in the time and the delay.
 *
 * @throws Error when a response carries errors, because the figures would then be meaningless.
 */
export async function importThroughHttp(url: string, inputs: readonly IndicatorInput[]): Promise<ProductImportResult> {
  return withImportTarget(url, async (sightline, actor, definitionId) => {
    const { secret } = await sightline.services.apiKeys.create(actor, 'import benchmark', Role.ADMIN);
    let stored = 0;

    const { result: sample, p99Ms, maxMs } = await withEventLoopDelay(() =>
      measure(async () => {
        for (const batch of batches(inputs)) {
          const response = await fetch(sightline.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
            body: JSON.stringify({ query: ADD_INDICATORS, variables: { definitionId, indicators: batch } }),
          });
          const body = (await response.json()) as { data?: { addIndicators: { addedCount: number } }; errors?: unknown[] };
          if (!body.data || body.errors) {
            throw new Error(`addIndicators failed with HTTP ${response.status}: ${JSON.stringify(body.errors).slice(0, 500)}`);
          }
          stored += body.data.addIndicators.addedCount;
        }
        return inputs.length;
      }),
    );
    return { sample, stored, eventLoopP99Ms: p99Ms, eventLoopMaxMs: maxMs };
  });
}

/** Runs `work` on a service started on a migrated `url`, with one organization and one definition; stops the service after. */
async function withImportTarget<T>(
  url: string,
  work: (sightline: Sightline, actor: Actor, definitionId: string) => Promise<T>,
): Promise<T> {
  const sightline = await startSightline(benchConfig(url), benchLogger());
  try {
    const { organization } = await sightline.services.organizations.ensure('bench');
    const actor: Actor = { organizationId: organization.id, keyId: null, name: 'import benchmark' };
    const definition = await sightline.services.definitions.create(actor, {
      title: 'Import benchmark',
      severity: Severity.HIGH,
      category: AlertCategory.Malware,
    });
    return await work(sightline, actor, definition.id);
  } finally {
    await sightline.stop();
  }
}

/**
 * Measures what the import kept in memory, per stored indicator. It takes the
 * growth of RSS and of the V8 heap since `before`, both after a full
 * collection. Then it empties the matching index to see the heap that frees,
 * and rebuilds the index from the database to see the heap that takes. RSS
 * also contains SQLite's page cache and heap pages V8 has not returned to the
 * system, so it is an upper bound.
 */
async function measureImportMemory(sightline: Sightline, before: NodeJS.MemoryUsage, stored: number): Promise<ImportMemory> {
  collectGarbage();
  const after = process.memoryUsage();

  sightline.index.replaceAll([]);
  collectGarbage();
  const emptied = process.memoryUsage().heapUsed;

  const rebuildStarted = performance.now();
  await rebuildIndex(sightline.database, sightline.index);
  const rebuildMs = performance.now() - rebuildStarted;
  collectGarbage();
  const rebuilt = process.memoryUsage().heapUsed;

  const perIndicator = (bytes: number) => bytes / Math.max(1, stored);
  return {
    rssPerIndicator: perIndicator(after.rss - before.rss),
    heapPerIndicator: perIndicator(after.heapUsed - before.heapUsed),
    indexHeapPerIndicator: perIndicator(after.heapUsed - emptied),
    rebuiltIndexHeapPerIndicator: perIndicator(rebuilt - emptied),
    rebuildMs,
  };
}

function* batches(inputs: readonly IndicatorInput[]): Generator<IndicatorInput[]> {
  for (let start = 0; start < inputs.length; start += IMPORT_BATCH_SIZE) {
    yield inputs.slice(start, start + IMPORT_BATCH_SIZE);
  }
}
