import express, { type Request, type Response, type Router } from 'express';

import { ErrorCode } from '../domain/errors';
import { EventFormat, parseEventBody } from '../ingest/event-body';
import type { Logger } from '../logging/logger';
import type { IngestService } from '../services/ingest.service';

/** Rejected lines listed in a response; the count covers all of them. */
const MAX_REPORTED_REJECTIONS = 100;

/** Events matched per call to the ingest service, so one huge body never becomes one giant transaction. */
const INGEST_CHUNK_EVENTS = 5000;

export interface EventsRouteOptions {
  ingest: IngestService;
  logger: Logger;
  maxBodyBytes: number;
  organizationId: () => string;
}

/**
 * `POST /events`: NDJSON, a JSON array, or Zeek TSV logs. Bad lines are
 * reported by line number and skipped; the good ones are matched.
 */
export function eventsRouter(options: EventsRouteOptions): Router {
  const router = express.Router();
  const body = express.text({ type: () => true, limit: options.maxBodyBytes });

  router.post('/events', body, async (request: Request, response: Response) => {
    const format = readFormat(request.query.format);
    if (!format) {
      sendError(response, 400, ErrorCode.BAD_USER_INPUT,
        `"format" must be one of ${Object.values(EventFormat).join(', ')}; omit it to detect the shape of each line.`);
      return;
    }
    if (typeof request.body !== 'string' || request.body.length === 0) {
      sendError(response, 400, ErrorCode.BAD_USER_INPUT, 'The request body is empty; send NDJSON, a JSON array or Zeek logs.');
      return;
    }

    const parsed = parseEventBody(request.body, { format, receivedAt: new Date() });
    const events = parsed.events.map((entry) => entry.event);
    const organizationId = options.organizationId();
    let matched = 0;
    let raised = 0;
    let updated = 0;

    for (let start = 0; start < events.length; start += INGEST_CHUNK_EVENTS) {
      const result = await options.ingest.ingest(organizationId, events.slice(start, start + INGEST_CHUNK_EVENTS));
      matched += result.matched;
      raised += result.raised.length;
      updated += result.updated.length;
    }

    if (parsed.rejected.length > 0) {
      options.logger.warn({ organizationId, rejected: parsed.rejected.length, accepted: events.length }, 'event lines rejected');
    }
    response.json({
      accepted: events.length,
      rejected: parsed.rejected.length,
      matched,
      alertsRaised: raised,
      alertsUpdated: updated,
      rejectedLines: parsed.rejected.slice(0, MAX_REPORTED_REJECTIONS),
    });
  });

  return router;
}

function readFormat(value: unknown): EventFormat | null {
  if (value === undefined) return EventFormat.AUTO;
  const formats = Object.values(EventFormat) as string[];
  return typeof value === 'string' && formats.includes(value) ? (value as EventFormat) : null;
}

/** Sends a JSON error body: `{ error: { code, message } }`. */
export function sendError(response: Response, status: number, code: ErrorCode, message: string): void {
  response.status(status).json({ error: { code, message } });
}
