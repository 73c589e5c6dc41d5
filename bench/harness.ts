import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Options every benchmark takes from the command line. */
export interface BenchOptions {
  /** Small sizes and one repetition, to keep the script working in CI; no figure from it counts. */
  quick: boolean;
  /** Repetitions of each measured pair (baseline and product). */
  runs: number;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const runsArg = argv.find((arg) => arg.startsWith('--runs='));
  const defaultRuns = quick ? 1 : 3;
  const runs = runsArg ? Number(runsArg.slice('--runs='.length)) : defaultRuns;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer; received "${runsArg}".`);
  return { quick, runs };
}

/** One timed run: work units done, wall time and the CPU time this process used. */
export interface Sample {
  units: number;
  wallMs: number;
  cpuMs: number;
}

/** Runs `work` and measures it; `work` returns the number of units it processed. */
export async function measure(work: () => Promise<number> | number): Promise<Sample> {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const units = await work();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  return { units, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Throughput of a sample, in units per second. */
export function rate(sample: Sample): number {
  return sample.units / (sample.wallMs / 1000);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Watches event-loop delay while `work` runs; returns its result and the p99
 * and maximum delay in milliseconds (perf_hooks, 10 ms resolution by default).
 */
export async function withEventLoopDelay<T>(work: () => Promise<T>): Promise<{ result: T; p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const result = await work();
    return { result, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** One line of a benchmark's result: a figure, its baseline, and their ratio. */
export interface ResultRow {
  scenario: string;
  metric: string;
  unit: string;
  product: number;
  baseline?: number;
  /** product / baseline for rates (higher is better); the reader sees which way the target points. */
  ratio?: number;
  target?: string;
  met?: boolean;
  note?: string;
}

/** Prints rows as an aligned table and writes them, with the machine description, to bench/results/NAME.json. */
export function report(name: string, options: BenchOptions, rows: ResultRow[]): void {
  const lines = rows.map((row) =>
    [
      row.scenario,
      row.metric,
      `${format(row.product)} ${row.unit}`,
      row.baseline === undefined ? '' : `baseline ${format(row.baseline)}`,
      row.ratio === undefined ? '' : `ratio ${row.ratio.toFixed(2)}x`,
      row.target ?? '',
      verdict(row.met),
    ].join(' | '),
  );
  process.stdout.write(`\n${name}${options.quick ? ' (quick: sizes reduced, figures do not count)' : ''}\n${lines.join('\n')}\n`);

  if (options.quick) return;
  const directory = path.resolve(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(directory, { recursive: true });
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
    runs: options.runs,
  };
  fs.writeFileSync(path.join(directory, `${name}.json`), `${JSON.stringify({ machine, rows }, null, 2)}\n`);
}

function verdict(met: boolean | undefined): string {
  if (met === undefined) return '';
  return met ? 'met' : 'MISSED';
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}
