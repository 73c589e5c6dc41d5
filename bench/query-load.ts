import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** One closed-loop HTTP load: `concurrency` clients, each sending its next request when the previous response arrived. */
export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  /** Time spent sending before measuring, so connections are open and code is optimized, in milliseconds. */
  warmupMs: number;
  /** Time over which requests are counted, in milliseconds. */
  durationMs: number;
}

export interface LoadResult {
  /** Requests that finished inside the measured window, failed ones included. */
  requests: number;
  /** Requests that returned a status other than 200 or an `errors` member, or failed on the network. */
  failures: number;
  firstFailure: string | null;
  elapsedMs: number;
  /** Latency of each request counted in `requests`, in milliseconds. */
  latenciesMs: number[];
}

const WORKER_KIND = 'sightline-query-load';

/**
 * Runs the load in a worker thread, so the clients do not compete with the
 * server under test for its event loop. The process still shares the
 * machine's cores between them.
 */
export function runLoadInWorker(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { kind: WORKER_KIND, options } });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`The load worker exited with code ${code} before it sent its result.`));
    });
  });
}

/** Sends requests from `concurrency` loops until the warm-up and the measured window have passed. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const measureFrom = performance.now() + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  const result: LoadResult = { requests: 0, failures: 0, firstFailure: null, elapsedMs: options.durationMs, latenciesMs: [] };

  const client = async () => {
    while (performance.now() < stopAt) {
      const started = performance.now();
      const failure = await send(options);
      const finished = performance.now();
      // Throughput is completions per second of the window, so a request counts when it finishes inside it.
      if (finished < measureFrom || finished > stopAt) continue;
      result.requests += 1;
      result.latenciesMs.push(finished - started);
      if (failure) {
        result.failures += 1;
        result.firstFailure ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return result;
}

/** Sends one request; returns a description of the failure, or null when the response is a 200 without `errors`. */
async function send(options: LoadOptions): Promise<string | null> {
  try {
    const response = await fetch(options.url, { method: 'POST', headers: options.headers, body: options.body });
    const text = await response.text();
    if (response.status !== 200 || text.includes('"errors"')) return `HTTP ${response.status}: ${text.slice(0, 300)}`;
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  runLoad((workerData as { options: LoadOptions }).options).then(
    (result) => parentPort?.postMessage(result),
    (error: unknown) => {
      throw error;
    },
  );
}
