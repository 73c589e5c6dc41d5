import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';

/**
 * Several Sightline processes (`dist/src/main.js`) on one PostgreSQL schema
 * and one Redis, as a deployment behind a load balancer runs them. The
 * schema, the channel prefix and the rate-limit keys belong to this run and
 * are removed by `stop`.
 */

const MAIN_SCRIPT = path.resolve(__dirname, '../src/main.js');
const KEYS_SCRIPT = path.resolve(__dirname, '../scripts/keys.js');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export const BENCH_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ClusterInstance {
  process: ChildProcess;
  baseUrl: string;
  wsUrl: string;
}

export class SightlineCluster {
  private constructor(
    readonly instances: ClusterInstance[],
    /** ADMIN key of the benchmark's organization. */
    readonly key: string,
    private readonly schema: string,
    private readonly channelPrefix: string,
  ) {}

  /** Creates a schema and a key, then starts `count` instances one after another. */
  static async start(count: number): Promise<SightlineCluster> {
    const suffix = randomBytes(5).toString('hex');
    const schema = `bench_fanout_${suffix}`;
    const channelPrefix = `bench-fanout-${suffix}:`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: `${BENCH_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      REDIS_URL: BENCH_REDIS_URL,
      REDIS_CHANNEL_PREFIX: channelPrefix,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      // The benchmark posts far more often than the default ingestion budget of 1,200 requests a minute.
      RATE_LIMIT_INGEST_PER_MINUTE: '1000000',
    };

    await runPostgres(`CREATE SCHEMA ${schema}`);
    const instances: ClusterInstance[] = [];
    try {
      const key = createKey(env);
      for (let started = 0; started < count; started += 1) instances.push(await startInstance(env));
      return new SightlineCluster(instances, key, schema, channelPrefix);
    } catch (error) {
      await new SightlineCluster(instances, '', schema, channelPrefix).stop();
      throw error;
    }
  }

  /** Sums the CPU time of all instances since they started, in milliseconds. The times are NaN where /proc is missing. */
  cpuTime(): CpuTime {
    const times = this.instances.map((instance) => processCpuTime(instance.process.pid));
    return {
      cpuMs: times.reduce((sum, time) => sum + time.cpuMs, 0),
      systemCpuMs: times.reduce((sum, time) => sum + time.systemCpuMs, 0),
    };
  }

  /** Stops every instance with SIGTERM, then drops the schema and deletes the run's Redis keys. */
  async stop(): Promise<void> {
    await Promise.all(this.instances.map(stopInstance));
    this.instances.length = 0;
    await runPostgres(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    await deleteRedisKeys(this.channelPrefix);
  }
}

function createKey(env: NodeJS.ProcessEnv): string {
  const result = spawnSync(process.execPath, [KEYS_SCRIPT, 'create', '--org', 'bench', '--role', 'ADMIN', '--name', 'fanout benchmark'], {
    env,
    encoding: 'utf8',
  });
  const key = /sl_[A-Za-z0-9_-]+/.exec(result.stdout)?.[0];
  if (!key) throw new Error(`Creating the benchmark key failed (exit ${result.status}): ${result.stdout}${result.stderr}`);
  return key;
}

async function startInstance(env: NodeJS.ProcessEnv): Promise<ClusterInstance> {
  const child = spawn(process.execPath, [MAIN_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`instance did not start within ${START_TIMEOUT_MS} ms: ${output}`)), START_TIMEOUT_MS);
      child.stdout!.on('data', (chunk) => {
        output += chunk;
        const match = /Sightline GraphQL API: (\S+)/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        resolve(match[1]);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`instance exited with ${code}: ${output}`));
      });
    });
    const { port } = new URL(url);
    return { process: child, baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

async function stopInstance(instance: ClusterInstance): Promise<void> {
  const child = instance.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** User plus system CPU time of a process, and its system part, in milliseconds. */
export interface CpuTime {
  cpuMs: number;
  systemCpuMs: number;
}

/** Reads the CPU time of process `pid` from /proc/PID/stat (utime and stime). */
function processCpuTime(pid: number | undefined): CpuTime {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields are counted after the command name, which is in brackets and may contain spaces. utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const userMs = (Number(fields[11]) * 1000) / CLOCK_TICKS_PER_SECOND;
    const systemMs = (Number(fields[12]) * 1000) / CLOCK_TICKS_PER_SECOND;
    return { cpuMs: userMs + systemMs, systemCpuMs: systemMs };
  } catch {
    return { cpuMs: Number.NaN, systemCpuMs: Number.NaN };
  }
}

/** Clock ticks per second of /proc CPU times (`getconf CLK_TCK`), which Linux fixes at 100 on x86 and arm64. */
const CLOCK_TICKS_PER_SECOND = 100;

async function runPostgres(sql: string): Promise<void> {
  const client = new PgClient({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Deletes every Redis key that starts with `prefix`: the rate-limit counters. Pub/sub channels store no keys. */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
