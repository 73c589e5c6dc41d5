import { fork, type ChildProcess } from 'node:child_process';

/** A request from the benchmark process to a helper process. */
interface RpcRequest {
  id: number;
  method: string;
  params: unknown;
}

/** The reply to one request: its result, or the message of the error it raised. */
interface RpcReply {
  id: number;
  result?: unknown;
  error?: string;
}

/** Characters of a helper's stderr kept for diagnostics. */
const STDERR_TAIL_CHARS = 8192;

export type RpcHandlers = Record<string, (params: any) => unknown>;

/**
 * Serves `handlers` to the parent over the IPC channel of a forked process.
 * A handler that throws sends its message back as the error of the call.
 * When the channel closes (the parent stopped or died), `onDisconnect` runs
 * and the process exits, so no helper outlives the benchmark.
 */
export function serveRpc(handlers: RpcHandlers, onDisconnect: () => Promise<unknown> = async () => undefined): void {
  if (!process.send) throw new Error('This helper must be started with child_process.fork by bench/fanout.bench.ts.');

  process.on('message', (request: RpcRequest) => {
    void handleRequest(handlers, request);
  });
  process.once('disconnect', () => {
    onDisconnect().finally(() => process.exit(0));
  });
}

async function handleRequest(handlers: RpcHandlers, request: RpcRequest): Promise<void> {
  const handler = handlers[request.method];
  let reply: RpcReply;
  try {
    if (!handler) throw new Error(`unknown method "${request.method}"`);
    reply = { id: request.id, result: (await handler(request.params)) ?? null };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.stack ?? error.message : String(error) };
  }
  process.send?.(reply);
}

/** A forked helper script that the benchmark calls by method name. */
export class HelperProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly exited: Promise<void>;
  private exitCode: number | null = null;
  private stderrTail = '';
  private stderrMuted = false;

  private constructor(private readonly child: ChildProcess, private readonly name: string) {
    child.on('message', (reply: RpcReply) => this.settle(reply));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + String(chunk)).slice(-STDERR_TAIL_CHARS);
      if (!this.stderrMuted) process.stderr.write(chunk);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? -1;
        for (const { reject } of this.pending.values()) reject(new Error(`${name} exited (code ${code}, signal ${signal}) during a call.`));
        this.pending.clear();
        resolve();
      });
    });
  }

  /** Forks `script` with `args`. `execArgv` adds Node options to those of this process. */
  static start(script: string, args: string[], execArgv: string[] = []): HelperProcess {
    const child = fork(script, args, { execArgv: [...process.execArgv, ...execArgv], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    return new HelperProcess(child, `${script} ${args.join(' ')}`.trim());
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exitCode !== null;
  }

  /** The last few kilobytes the helper wrote to stderr. */
  get recentStderr(): string {
    return this.stderrTail;
  }

  /** Stops copying the helper's stderr to this process's stderr, for a phase that expects a crash. `recentStderr` still records it. */
  muteStderr(): void {
    this.stderrMuted = true;
  }

  /** Waits up to `timeoutMs` for the helper to exit and returns whether it exited. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    return this.hasExited;
  }

  /** Calls `method` in the helper. Rejects on its error, on its exit, or after `timeoutMs`. */
  call<T>(method: string, params: object = {}, timeoutMs = 120_000): Promise<T> {
    if (this.exitCode !== null) return Promise.reject(new Error(`${this.name} has exited; cannot call "${method}".`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name} did not reply to "${method}" within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, method, params } satisfies RpcRequest);
    });
  }

  /**
   * Closes the IPC channel, which makes the helper clean up and exit, and
   * waits for the exit. After `timeoutMs` the helper is killed.
   */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exitCode !== null) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private settle(reply: RpcReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(`${this.name}: ${reply.error}`));
    else waiter.resolve(reply.result);
  }
}
