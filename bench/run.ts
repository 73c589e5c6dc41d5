import 'reflect-metadata';

import { parseBenchOptions, type BenchOptions } from './harness';

/**
 * Runs one benchmark scenario: `npm run bench -- <name> [--quick] [--runs=N]`.
 * Each scenario module exports `run(options)`.
 */
const SCENARIOS: Record<string, string> = {
  import: './import.bench',
  matching: './matching.bench',
  fanout: './fanout.bench',
  query: './query.bench',
  latency: './latency.bench',
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const options = parseBenchOptions(process.argv.slice(3));
  const names = name === 'all' ? Object.keys(SCENARIOS) : [name];
  if (!name || names.some((scenario) => !SCENARIOS[scenario])) {
    process.stderr.write(`Usage: npm run bench -- <${[...Object.keys(SCENARIOS), 'all'].join('|')}> [--quick] [--runs=N]\n`);
    process.exit(2);
  }
  for (const scenario of names) {
    // Loaded on demand so one scenario's dependencies never slow another's start.
    const module = require(SCENARIOS[scenario]) as { run: (options: BenchOptions) => Promise<void> };
    await module.run(options);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
