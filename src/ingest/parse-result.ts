import { ParsedEvent } from '../matching/observable';

/** Outcome of parsing one event: the event, or the reason it was rejected. */
export type EventParseResult = { ok: true; event: ParsedEvent } | { ok: false; reason: string };

/** Outcome of reading one field: its value, or the reason the event is rejected. */
export type FieldResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function acceptEvent(event: ParsedEvent): EventParseResult {
  return { ok: true, event };
}

export function rejectEvent(reason: string): EventParseResult {
  return { ok: false, reason };
}

/** Maximum length of a string that a rejection reason quotes. Longer strings are described by their length. */
const MAX_QUOTED_LENGTH = 64;

/**
 * Describes a received value for a rejection reason without echoing more
 * than {@link MAX_QUOTED_LENGTH} characters of it.
 */
export function describeReceived(value: unknown): string {
  if (value === undefined) {
    return 'no value';
  }
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'string') {
    return value.length <= MAX_QUOTED_LENGTH ? JSON.stringify(value) : `a string of ${value.length} characters`;
  }
  if (Array.isArray(value)) {
    return `an array of ${value.length} items`;
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  return String(value);
}

/**
 * Builds the reason for a field that breaks its rule, such as
 * `"deviceName" must be a string of at most 256 characters or null; received 5.`
 * A missing field gives `"deviceId" is missing; it must be ….`
 */
export function invalidFieldReason(field: string, rule: string, value: unknown): string {
  if (value === undefined) {
    return `"${field}" is missing; it must be ${rule}.`;
  }
  return `"${field}" must be ${rule}; received ${describeReceived(value)}.`;
}

/** Returns the start of `text`, cut to `maxLength` characters with an ellipsis. */
export function truncateText(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
