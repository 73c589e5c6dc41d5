import pino from 'pino';

import type { LogLevel } from '../config/config';

/**
 * The logger every component receives. It is pino's interface, so tests can
 * pass a logger writing to a captured stream. Never log indicator values,
 * event contents, alert payloads or secrets above the debug level.
 */
export type Logger = pino.Logger;

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = { level, base: { service: 'sightline' } };
  return destination ? pino(options, destination) : pino(options);
}
