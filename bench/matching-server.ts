/**
 * The real service on loopback for the matching and latency benchmarks: a
 * new SQLite file in a temporary folder, an ephemeral port, and an
 * info-level logger whose lines are serialized as in production, then
 * dropped. Also prints the notes that `report` keeps only in the JSON file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { loadConfig } from '../src/config/config';
import type { Actor } from '../src/domain/roles';
import { createLogger } from '../src/logging/logger';
import { startSightline, type Sightline } from '../src/server/app';
import type { ResultRow } from './harness';

/**
 * Rate limit high enough never to delay a benchmark. The defaults (1,200
 * ingestion requests and 600 mutations per key per minute) would delay it.
 */
const UNLIMITED_RATE = '1000000';

export interface BenchServer {
  sightline: Sightline;
  /** `http://127.0.0.1:PORT`, without a path. */
  baseUrl: string;
  /** ADMIN key of the default organization, created on the first start. */
  adminKey: string;
  /** The default organization, acting through no key, for calls to the services. */
  actor: Actor;
  /** Lines logged at warn level or above, so a benchmark can report them. */
  warnings: string[];
  /** Stops the service and deletes its temporary folder. */
  stop(): Promise<void>;
}

/** pino's numeric level for warn. */
const PINO_WARN_LEVEL = 40;

/** Starts the service on a new SQLite file in a new temporary folder. */
export async function startBenchServer(): Promise<BenchServer> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-bench-'));
  const warnings: string[] = [];
  const logger = createLogger('info', new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { level: number; msg?: string };
        if (entry.level >= PINO_WARN_LEVEL && warnings.length < 20) warnings.push(entry.msg ?? line);
      }
      callback();
    },
  }));
  const config = loadConfig({
    DATABASE_URL: path.join(directory, 'sightline.db'),
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_INGEST_PER_MINUTE: UNLIMITED_RATE,
    RATE_LIMIT_MUTATIONS_PER_MINUTE: UNLIMITED_RATE,
  });

  let sightline: Sightline;
  try {
    sightline = await startSightline(config, logger);
  } catch (error) {
    fs.rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  if (!sightline.firstAdminKey) throw new Error('startBenchServer: a new database must give a first ADMIN key.');

  const { organization } = await sightline.services.organizations.ensure(sightline.firstAdminKey.organizationName);
  return {
    sightline,
    baseUrl: `http://127.0.0.1:${sightline.port}`,
    adminKey: sightline.firstAdminKey.key,
    actor: { organizationId: organization.id, keyId: null, name: 'benchmark' },
    warnings,
    stop: async () => {
      try {
        await sightline.stop();
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

/** Prints each row's note under the table that `report` printed. */
export function printNotes(rows: readonly ResultRow[]): void {
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.metric}: ${row.note}`);
  if (notes.length > 0) process.stdout.write(`notes:\n${notes.join('\n')}\n`);
}
