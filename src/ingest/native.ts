import { IndicatorType } from '../domain/enums';
import { controlCharacterProblem } from '../domain/text';
import { defaultMatchFunction, normalizeIndicatorValue, normalizeObservableValue } from '../domain/normalize';
import { Observable } from '../matching/observable';
import { MAX_DEVICE_ID_LENGTH } from './device-id';
import { parseTimestamp } from './event-time';
import { isJsonObject } from './json-path';
import { MAX_OBSERVABLE_VALUE_LENGTH } from './observable-collector';
import { EventParseResult, FieldResult, acceptEvent, invalidFieldReason, rejectEvent } from './parse-result';

export const MAX_DEVICE_NAME_LENGTH = 256;
export const MAX_OBSERVABLES_PER_EVENT = 1000;
export const MAX_FIELD_NAME_LENGTH = 128;

/** ECS field assumed for a native observable that names no `field`. */
export const DEFAULT_FIELD_BY_TYPE: Readonly<Record<IndicatorType, string>> = {
  [IndicatorType.FILE_SHA256]: 'file.hash.sha256',
  [IndicatorType.FILE_SHA1]: 'file.hash.sha1',
  [IndicatorType.FILE_MD5]: 'file.hash.md5',
  [IndicatorType.CERTIFICATE_THUMBPRINT]: 'tls.server.hash.sha1',
  [IndicatorType.IP_ADDRESS]: 'destination.ip',
  [IndicatorType.DOMAIN_NAME]: 'dns.question.name',
  [IndicatorType.URL]: 'url.full',
};

const INDICATOR_TYPES = new Set<string>(Object.values(IndicatorType));
const FIELD_NAME_PATTERN = /^[A-Za-z0-9_@][A-Za-z0-9_@.-]*$/;

/**
 * Validates one event in the native shape, which the NDJSON/JSON ingest
 * endpoint and the GraphQL `ingestEvents` mutation share:
 *
 * ```json
 * {
 *   "eventTime": "2020-09-16T23:39:23.123Z",
 *   "deviceId": "ws5.corp.example",
 *   "deviceName": "WS5",
 *   "observables": [
 *     { "type": "FILE_SHA256", "value": "9D2FD8…3008", "field": "process.hash.sha256" }
 *   ]
 * }
 * ```
 *
 * - `eventTime` (optional): ISO-8601 date and time with a zone (`Z` or an
 *   offset), or a `Date`. Defaults to `receivedAt`.
 * - `deviceId` (required): 1 to 256 characters, not all blank.
 * - `deviceName` (optional): up to 256 characters. Defaults to `null`.
 * - `observables` (required): an array of at most 1000 items, possibly empty.
 *   Each has a `type` from {@link IndicatorType}, a non-empty `value` of at
 *   most 4096 characters and an optional ECS `field` name; the field defaults
 *   per type as {@link DEFAULT_FIELD_BY_TYPE} lists.
 *
 * Values are kept as sent, because the matcher normalizes them. A value that
 * can never be valid for its type (an IP address with a port, a hash of the
 * wrong length) rejects the event: a pipeline mistake is then reported
 * instead of silently never matching. Other properties are ignored. The first rule broken rejects the event with a
 * reason that names the field, such as
 * `"observables[2].type" must be one of FILE_SHA1, …; received "SHA512".`
 */
export function parseNativeEvent(input: unknown, receivedAt: Date): EventParseResult {
  if (!isJsonObject(input)) {
    return rejectEvent(invalidFieldReason('event', 'a JSON object', input ?? null));
  }

  const eventTime = readEventTime(input.eventTime, receivedAt);
  if (!eventTime.ok) {
    return rejectEvent(eventTime.reason);
  }
  const deviceId = readDeviceId(input.deviceId);
  if (!deviceId.ok) {
    return rejectEvent(deviceId.reason);
  }
  const deviceName = readDeviceName(input.deviceName);
  if (!deviceName.ok) {
    return rejectEvent(deviceName.reason);
  }
  const observables = readObservables(input.observables);
  if (!observables.ok) {
    return rejectEvent(observables.reason);
  }

  return acceptEvent({
    eventTime: eventTime.value,
    deviceId: deviceId.value,
    deviceName: deviceName.value,
    observables: observables.value,
  });
}

function readEventTime(value: unknown, receivedAt: Date): FieldResult<Date> {
  if (value === undefined || value === null) {
    return { ok: true, value: receivedAt };
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return { ok: true, value };
  }

  const parsed = typeof value === 'string' ? parseTimestamp(value) : null;
  if (parsed === null || !parsed.hasZone) {
    const rule = 'an ISO-8601 date and time with a zone, such as "2020-09-16T23:39:23.123Z"';
    return { ok: false, reason: invalidFieldReason('eventTime', rule, value) };
  }
  return { ok: true, value: parsed.date };
}

function readDeviceId(value: unknown): FieldResult<string> {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_DEVICE_ID_LENGTH) {
    const rule = `a non-blank string of at most ${MAX_DEVICE_ID_LENGTH} characters`;
    return { ok: false, reason: invalidFieldReason('deviceId', rule, value) };
  }
  const problem = controlCharacterProblem(value);
  return problem ? { ok: false, reason: `"deviceId" ${problem}` } : { ok: true, value };
}

function readDeviceName(value: unknown): FieldResult<string | null> {
  if (value === undefined || value === null) {
    return { ok: true, value: null };
  }
  if (typeof value !== 'string' || value.length > MAX_DEVICE_NAME_LENGTH) {
    const rule = `a string of at most ${MAX_DEVICE_NAME_LENGTH} characters or null`;
    return { ok: false, reason: invalidFieldReason('deviceName', rule, value) };
  }
  const problem = controlCharacterProblem(value);
  return problem ? { ok: false, reason: `"deviceName" ${problem}` } : { ok: true, value };
}

function readObservables(value: unknown): FieldResult<Observable[]> {
  if (!Array.isArray(value) || value.length > MAX_OBSERVABLES_PER_EVENT) {
    const rule = `an array of at most ${MAX_OBSERVABLES_PER_EVENT} observables`;
    return { ok: false, reason: invalidFieldReason('observables', rule, value) };
  }

  const observables: Observable[] = [];
  for (const [index, item] of value.entries()) {
    const observable = readObservable(item, `observables[${index}]`);
    if (!observable.ok) {
      return observable;
    }
    observables.push(observable.value);
  }
  return { ok: true, value: observables };
}

function readObservable(item: unknown, path: string): FieldResult<Observable> {
  if (!isJsonObject(item)) {
    return { ok: false, reason: invalidFieldReason(path, 'an object with "type" and "value"', item) };
  }

  const { type, value, field } = item;
  if (typeof type !== 'string' || !INDICATOR_TYPES.has(type)) {
    const rule = `one of ${Object.values(IndicatorType).join(', ')}`;
    return { ok: false, reason: invalidFieldReason(`${path}.type`, rule, type) };
  }
  if (typeof value !== 'string' || value === '' || value.length > MAX_OBSERVABLE_VALUE_LENGTH) {
    const rule = `a non-empty string of at most ${MAX_OBSERVABLE_VALUE_LENGTH} characters`;
    return { ok: false, reason: invalidFieldReason(`${path}.value`, rule, value) };
  }
  if (field !== undefined && field !== null && !isFieldName(field)) {
    const rule = `a field name of at most ${MAX_FIELD_NAME_LENGTH} letters, digits and "_", "@", ".", "-"`;
    return { ok: false, reason: invalidFieldReason(`${path}.field`, rule, field) };
  }

  const indicatorType = type as IndicatorType;
  if (normalizeObservableValue(indicatorType, value) === null) {
    return { ok: false, reason: `"${path}.value" ${invalidValueProblem(indicatorType, value)}` };
  }
  const fieldName = typeof field === 'string' ? field : DEFAULT_FIELD_BY_TYPE[indicatorType];
  return { ok: true, value: { type: indicatorType, value, field: fieldName } };
}

/**
 * Explains why `value` cannot be a `type` value, with the indicator rule's
 * wording where that rule rejects it too.
 */
function invalidValueProblem(type: IndicatorType, value: string): string {
  const checked = normalizeIndicatorValue(type, defaultMatchFunction(type), value);
  return checked.ok ? `is not a valid ${type} value.` : checked.reason;
}

function isFieldName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_FIELD_NAME_LENGTH && FIELD_NAME_PATTERN.test(value);
}
