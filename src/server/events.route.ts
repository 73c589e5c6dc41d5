import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import { ErrorCode } from '../domain/errors';
import { EventFormat, parseEventBody } from '../ingest/event-body';
import { hasPermission, Permission, rolesWith, type Caller } from '../domain/roles';
import type { Logger } from '../logging/logger';
import type { ApiKeyService } from '../services/api-key.service';
import type { IngestService } from '../services/ingest.service';
import { authenticate } from './authentication';
import type { RateLimiter } from './rate-limit';

/** Rejected lines listed in a response; the count covers all of them. */
const MAX_REPORTED_REJECTIONS = 100;

/** Events matched per call to the ingest service, so one huge body never becomes one giant transaction. */
const INGEST_CHUNK_EVENTS = 5000;

export interface EventsRouteOptions {
  ingest: IngestService;
  apiKeys: ApiKeyService;
  rateLimiter: RateLimiter;
  logger: Logger;
  maxBodyBytes: number;
}

/**
 * `POST /events`: NDJSON, a JSON array, or Zeek TSV logs. Bad lines are
 * reported by line number and skipped; the good ones are matched.
 */
export function eventsRouter(options: EventsRouteOptions): Router {
  const router = express.Router();
  const body = express.text({ type: () => true, limit: options.maxBodyBytes });

  // The key and the rate limit are checked before the body is read, so an anonymous client cannot make the server parse 10 MiB.
  router.post('/events', async (request: Request, response: Response, next: NextFunction) => {
    const auth = await authenticate(options.apiKeys, request.headers.authorization);
    if (auth.status !== 'authenticated') {
      const message = auth.status === 'anonymous' ? 'POST /events needs an API key: send "Authorization: Bearer <key>".' : auth.message;
      sendError(response, 401, ErrorCode.UNAUTHENTICATED, message);
      return;
    }
    const caller = auth.caller;
    if (!hasPermission(caller.role, Permission.INGEST_EVENTS)) {
      sendError(response, 403, ErrorCode.FORBIDDEN,
        `The ${caller.role} role may not send events; use a key with the role ${rolesWith(Permission.INGEST_EVENTS).join(', ')}.`);
      return;
    }
    const retryAfter = await options.rateLimiter.consume('ingestion', caller.keyId);
    if (retryAfter !== null) {
      response.setHeader('Retry-After', String(retryAfter));
      sendError(response, 429, ErrorCode.RATE_LIMITED, `Rate limit for event ingestion exceeded; retry after ${retryAfter} s.`);
      return;
    }
    response.locals.caller = caller;
    next();
  });

  router.post('/events', body, async (request: Request, response: Response) => {
    const caller = response.locals.caller as Caller;
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
    const { organizationId } = caller;
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
