import 'reflect-metadata';

import { ConfigError, loadConfig } from './config/config';
import { createLogger } from './logging/logger';
import { startSightline } from './server/app';

/** Time allowed for a graceful stop before the process exits anyway, in milliseconds. */
const STOP_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  const sightline = await startSightline(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error('graceful stop timed out; exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    sightline.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // Printed after the signal handlers exist, so a supervisor that stops the service on seeing the URL gets a clean stop.
  process.stdout.write(`Sightline GraphQL API: ${sightline.url}\n`);
  if (sightline.firstAdminKey) {
    const { organizationName, key } = sightline.firstAdminKey;
    process.stdout.write(
      `Created the organization "${organizationName}" and its first ADMIN API key. It is shown only now; store it safely:\n` +
        `  ${key}\n` +
        `Send it as the header "Authorization: Bearer <key>".\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Sightline failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
