/**
 * Entry point of event ingestion: turns a request body of events into
 * `ParsedEvent`s, line by line, and reports each line it cannot use.
 */
import { unreachable } from '../domain/enums';
import { ParsedEvent } from '../matching/observable';
import { looksLikeEcsEvent, parseEcsEvent } from './ecs';
import { JsonObject, isJsonObject } from './json-path';
import { parseNativeEvent } from './native';
import { EventParseResult, describeReceived, rejectEvent, truncateText } from './parse-result';
import { parseWindowsEvent } from './sysmon';
import { looksLikeWindowsEvent } from './windows-event';
import { looksLikeZeekRecord, parseZeekRecord } from './zeek';
import { ZeekTsvReader, looksLikeZeekTsv } from './zeek-tsv';

export { parseNativeEvent };

/** Shape of the events in a body. AUTO detects the shape of each line. */
export enum EventFormat {
  AUTO = 'auto',
  NATIVE = 'native',
  SYSMON = 'sysmon',
  ZEEK = 'zeek',
  ECS = 'ecs',
}

/** A line of the body that gave no event. */
export interface RejectedLine {
  /** 1-based line number in the body, or 1-based index when the body is a JSON array. */
  line: number;
  reason: string;
}

export interface ParsedBody {
  events: Array<{ line: number; event: ParsedEvent }>;
  rejected: RejectedLine[];
}

export interface ParseEventBodyOptions {
  format: EventFormat;
  /** Event time of events whose source gives none. */
  receivedAt: Date;
}

/** Maximum size of one line in UTF-8 bytes (1 MiB). The HTTP layer bounds the whole body. */
export const MAX_LINE_BYTES = 1024 * 1024;

// V8 JSON error messages quote part of the line, so reasons cut them to keep echoed input short.
const MAX_JSON_ERROR_LENGTH = 100;

const UNKNOWN_SHAPE_REASON =
  'The event matches no accepted format: native ("observables"), Windows/Sysmon ("EventID", ' +
  '"winlog.event_id" or "EventData"), Zeek ("uid", "_path" or "id.orig_h") or ECS ("@timestamp" ' +
  'or "ecs.version" with ECS fields).';

/**
 * Parses a request body of events. The body is one of:
 * - Zeek TSV logs, possibly several concatenated. The body is read as TSV
 *   with format AUTO or ZEEK when it starts with a `#` header or has a
 *   `#fields` line.
 * - A JSON array of event objects, where `line` is the 1-based array index.
 * - NDJSON, one event object per line. Blank lines are skipped.
 *
 * With format AUTO the shape of each line is detected (see
 * {@link detectEventFormat}). With any other format every line is parsed as
 * that format.
 * A line that cannot be parsed is reported in `rejected` with a reason that
 * names the field, and the other lines are still parsed. Never throws for
 * bad input.
 */
export function parseEventBody(body: string, options: ParseEventBodyOptions): ParsedBody {
  const text = body.startsWith('\uFEFF') ? body.slice(1) : body;
  const parsed: ParsedBody = { events: [], rejected: [] };
  const useZeekTsv = options.format === EventFormat.AUTO || options.format === EventFormat.ZEEK;

  if (useZeekTsv && looksLikeZeekTsv(text)) {
    parseZeekTsvBody(text, options, parsed);
    return parsed;
  }

  const array = parseJsonArrayBody(text);
  if (array !== null) {
    array.forEach((item, index) => {
      addOutcome(parsed, index + 1, parseJsonValue(item, 'array item', options));
    });
  } else {
    parseNdjsonBody(text, options, parsed);
  }
  return parsed;
}

/**
 * Returns the shape of one event object, checked in this order: native (has
 * `observables` or `deviceId`), Windows (see `looksLikeWindowsEvent`), Zeek
 * (see `looksLikeZeekRecord`), ECS (see `looksLikeEcsEvent`). Returns `null`
 * for none of them.
 */
export function detectEventFormat(record: JsonObject): Exclude<EventFormat, EventFormat.AUTO> | null {
  if (record.observables !== undefined || record.deviceId !== undefined) {
    return EventFormat.NATIVE;
  }
  if (looksLikeWindowsEvent(record)) {
    return EventFormat.SYSMON;
  }
  if (looksLikeZeekRecord(record)) {
    return EventFormat.ZEEK;
  }
  if (looksLikeEcsEvent(record)) {
    return EventFormat.ECS;
  }
  return null;
}

function addOutcome(parsed: ParsedBody, line: number, outcome: EventParseResult): void {
  if (outcome.ok) {
    parsed.events.push({ line, event: outcome.event });
  } else {
    parsed.rejected.push({ line, reason: outcome.reason });
  }
}

/** Returns the items of a body that is one JSON array, or `null` for any other body. */
function parseJsonArrayBody(text: string): unknown[] | null {
  if (!text.trimStart().startsWith('[')) {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : null;
  } catch {
    // Not one array: an NDJSON body whose first line is an array, which NDJSON parsing rejects.
    return null;
  }
}

function parseNdjsonBody(text: string, options: ParseEventBodyOptions, parsed: ParsedBody): void {
  splitLines(text).forEach((line, index) => {
    if (line.trim() === '') {
      return;
    }
    addOutcome(parsed, index + 1, parseNdjsonLine(line, options));
  });
}

function parseNdjsonLine(line: string, options: ParseEventBodyOptions): EventParseResult {
  const tooLong = checkLineSize(line);
  if (tooLong !== null) {
    return rejectEvent(tooLong);
  }

  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const detail = error instanceof Error ? truncateText(error.message, MAX_JSON_ERROR_LENGTH) : 'parse error';
    return rejectEvent(`The line is not valid JSON (${detail}).`);
  }
  return parseJsonValue(value, 'line', options);
}

function parseJsonValue(value: unknown, unit: string, options: ParseEventBodyOptions): EventParseResult {
  if (!isJsonObject(value)) {
    return rejectEvent(`Each ${unit} must be a JSON object; received ${describeReceived(value)}.`);
  }
  return parseRecord(value, options);
}

function parseRecord(record: JsonObject, options: ParseEventBodyOptions): EventParseResult {
  const format = options.format === EventFormat.AUTO ? detectEventFormat(record) : options.format;
  switch (format) {
    case null:
      return rejectEvent(UNKNOWN_SHAPE_REASON);
    case EventFormat.NATIVE:
      return parseNativeEvent(record, options.receivedAt);
    case EventFormat.SYSMON:
      return parseWindowsEvent(record, options.receivedAt);
    case EventFormat.ZEEK:
      return parseZeekRecord(record, options.receivedAt);
    case EventFormat.ECS:
      return parseEcsEvent(record, options.receivedAt);
    default:
      return unreachable(format);
  }
}

function parseZeekTsvBody(text: string, options: ParseEventBodyOptions, parsed: ParsedBody): void {
  const reader = new ZeekTsvReader();
  splitLines(text).forEach((line, index) => {
    if (line.trim() === '') {
      return;
    }
    if (line.startsWith('#')) {
      reader.readHeader(line);
      return;
    }

    const tooLong = checkLineSize(line);
    const row = tooLong === null ? reader.readRow(line) : { ok: false as const, reason: tooLong };
    const outcome = row.ok ? parseZeekRecord(row.value.record, options.receivedAt, row.value.logPath) : rejectEvent(row.reason);
    addOutcome(parsed, index + 1, outcome);
  });
}

/** Splits on LF and drops the CR of CRLF line ends. */
function splitLines(text: string): string[] {
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Returns the reason a line is over {@link MAX_LINE_BYTES}, or `null`. */
function checkLineSize(line: string): string | null {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so short lines skip the byte count.
  if (line.length * 3 <= MAX_LINE_BYTES) {
    return null;
  }
  const bytes = Buffer.byteLength(line, 'utf8');
  return bytes <= MAX_LINE_BYTES ? null : `The line is ${bytes} bytes long, but the maximum is ${MAX_LINE_BYTES} bytes (1 MiB).`;
}
