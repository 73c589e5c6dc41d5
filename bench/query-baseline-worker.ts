import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

import { buildStaticSchema, executeRepeatedly, startStaticApollo, type StaticDefinition } from './query-static';

/**
 * The static baselines, running in a worker thread. The worker has a V8 heap
 * of its own, so the service's large heap in the main thread (its matching
 * index) adds nothing to the baselines' garbage collection.
 */
export interface StaticBaselines {
  /** URL of the static Apollo server's GraphQL endpoint. */
  url: string;
  /** Runs graphql-js `execute` of `query` in the worker for `durationMs` and resolves with operations per second. */
  executePerSecond(query: string, durationMs: number): Promise<number>;
  stop(): Promise<void>;
}

type Request = { kind: 'execute'; query: string; durationMs: number } | { kind: 'stop' };
type Reply = { kind: 'ready'; url: string } | { kind: 'executed'; operationsPerSecond: number } | { kind: 'stopped' } | { kind: 'failed'; message: string };

const WORKER_KIND = 'sightline-query-baselines';

/** Starts the worker with `definitions` as its static data and waits until its Apollo server listens. */
export async function startStaticBaselines(definitions: readonly StaticDefinition[]): Promise<StaticBaselines> {
  const worker = new Worker(__filename, { workerData: { kind: WORKER_KIND, definitions } });
  // Requests are sent one at a time, so each reply belongs to the request sent last.
  const next = () =>
    new Promise<Reply>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`The baseline worker exited with code ${code} before it replied.`));
      worker.once('exit', onExit);
      worker.once('error', reject);
      worker.once('message', (reply: Reply) => {
        worker.off('exit', onExit);
        worker.off('error', reject);
        if (reply.kind === 'failed') reject(new Error(`The baseline worker failed: ${reply.message}`));
        else resolve(reply);
      });
    });
  const ask = (request: Request) => {
    const reply = next();
    worker.postMessage(request);
    return reply;
  };

  const ready = await next();
  if (ready.kind !== 'ready') throw new Error(`The baseline worker sent "${ready.kind}" where "ready" was expected.`);
  return {
    url: ready.url,
    executePerSecond: async (query, durationMs) => {
      const reply = await ask({ kind: 'execute', query, durationMs });
      if (reply.kind !== 'executed') throw new Error(`The baseline worker sent "${reply.kind}" where "executed" was expected.`);
      return reply.operationsPerSecond;
    },
    stop: async () => {
      await ask({ kind: 'stop' });
      await worker.terminate();
    },
  };
}

/** Serves the baselines inside the worker until the main thread sends `stop`. */
async function serveBaselines(definitions: StaticDefinition[]): Promise<void> {
  const port = parentPort!;
  const schema = buildStaticSchema(definitions);
  const apollo = await startStaticApollo(schema);
  port.on('message', (request: Request) => {
    handle(request).then(
      (reply) => port.postMessage(reply),
      (error: unknown) => port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies Reply),
    );
  });
  port.postMessage({ kind: 'ready', url: apollo.url } satisfies Reply);

  async function handle(request: Request): Promise<Reply> {
    switch (request.kind) {
      case 'execute':
        return { kind: 'executed', operationsPerSecond: executeRepeatedly(schema, request.query, request.durationMs) };
      case 'stop':
        await apollo.stop();
        return { kind: 'stopped' };
    }
  }
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  void serveBaselines((workerData as { definitions: StaticDefinition[] }).definitions);
}
