import 'reflect-metadata';

import fs from 'node:fs';
import path from 'node:path';

import { printSightlineSchema, SCHEMA_FILE } from '../src/graphql/print-schema';

/** Writes `schema.graphql` at the repository root from the code-first schema. */
async function main(): Promise<void> {
  const target = path.resolve(__dirname, '..', '..', SCHEMA_FILE);
  fs.writeFileSync(target, await printSightlineSchema());
  process.stdout.write(`Wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Schema emission failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
