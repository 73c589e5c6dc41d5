/**
 * Parsing of Elastic Common Schema events, as Elastic Agent, Beats and
 * Logstash pipelines write them. Field names follow ECS 8.x.
 */

import { IndicatorType } from '../domain/enums';
import { readDeviceId } from './device-id';
import { parseTimestamp } from './event-time';
import { JsonObject, readPath, readText, readTexts } from './json-path';
import { ObservableCollector } from './observable-collector';
import { EventParseResult, FieldResult, acceptEvent, invalidFieldReason, rejectEvent } from './parse-result';

/** ECS field that contains an observable, and the kind of indicator it can match. */
interface EcsFieldMapping {
  path: string;
  type: IndicatorType;
}

function hashMappings(prefix: string): EcsFieldMapping[] {
  return [
    { path: `${prefix}.md5`, type: IndicatorType.FILE_MD5 },
    { path: `${prefix}.sha1`, type: IndicatorType.FILE_SHA1 },
    { path: `${prefix}.sha256`, type: IndicatorType.FILE_SHA256 },
  ];
}

/** ECS fields read for observables; each keeps its ECS name as the observable's field. */
export const ECS_FIELD_MAPPINGS: readonly EcsFieldMapping[] = [
  ...hashMappings('file.hash'),
  ...hashMappings('process.hash'),
  ...hashMappings('process.parent.hash'),
  ...hashMappings('dll.hash'),
  { path: 'source.ip', type: IndicatorType.IP_ADDRESS },
  { path: 'destination.ip', type: IndicatorType.IP_ADDRESS },
  { path: 'destination.domain', type: IndicatorType.DOMAIN_NAME },
  { path: 'dns.question.name', type: IndicatorType.DOMAIN_NAME },
  { path: 'dns.resolved_ip', type: IndicatorType.IP_ADDRESS },
  { path: 'url.full', type: IndicatorType.URL },
  { path: 'url.original', type: IndicatorType.URL },
  { path: 'url.domain', type: IndicatorType.DOMAIN_NAME },
  { path: 'tls.server.hash.sha1', type: IndicatorType.CERTIFICATE_THUMBPRINT },
  { path: 'tls.server.hash.sha256', type: IndicatorType.CERTIFICATE_THUMBPRINT },
  { path: 'tls.client.server_name', type: IndicatorType.DOMAIN_NAME },
  { path: 'tls.server.x509.alternative_names', type: IndicatorType.DOMAIN_NAME },
];

/** Top-level ECS field sets; an ECS event carries at least one of them besides `@timestamp`. */
const ECS_FIELD_SETS = new Set([
  'agent', 'client', 'destination', 'dll', 'dns', 'event', 'file', 'host',
  'network', 'observer', 'process', 'server', 'source', 'tls', 'url',
]);

const DEVICE_ID_PATHS = ['host.id', 'host.name', 'host.hostname'];
const DEVICE_NAME_PATHS = ['host.name', 'host.hostname'];

/** Returns whether the record has `@timestamp` or `ecs.version` and at least one ECS field set. */
export function looksLikeEcsEvent(record: JsonObject): boolean {
  const hasMarker = record['@timestamp'] !== undefined || readPath(record, 'ecs.version') !== undefined;
  return hasMarker && Object.keys(record).some((key) => ECS_FIELD_SETS.has(key.split('.')[0]));
}

/**
 * Parses an ECS event, with nested objects or dotted keys. The device id is
 * `host.id`, else `host.name`, else `host.hostname`, and the device name is
 * `host.name` or `host.hostname`. The event time is `@timestamp`, or
 * `receivedAt` when it is absent. Like Elasticsearch, the parser reads a
 * `@timestamp` without a zone as UTC and a number as epoch milliseconds.
 */
export function parseEcsEvent(record: JsonObject, receivedAt: Date): EventParseResult {
  const deviceId = readDeviceId(record, DEVICE_ID_PATHS);
  if (!deviceId.ok) {
    return rejectEvent(deviceId.reason);
  }
  const eventTime = readEcsTimestamp(record, receivedAt);
  if (!eventTime.ok) {
    return rejectEvent(eventTime.reason);
  }

  const collector = new ObservableCollector();
  collectEcsObservables(record, collector);
  const deviceName = DEVICE_NAME_PATHS.map((path) => readText(record, path)).find((name) => name?.trim());
  return acceptEvent({
    eventTime: eventTime.value,
    deviceId: deviceId.value,
    deviceName: deviceName ?? null,
    observables: collector.toArray(),
  });
}

/** Adds the observables of every field in {@link ECS_FIELD_MAPPINGS}; arrays give one per item. */
export function collectEcsObservables(record: JsonObject, collector: ObservableCollector): void {
  for (const { path, type } of ECS_FIELD_MAPPINGS) {
    collector.addAll(type, readTexts(record, path), path);
  }
}

function readEcsTimestamp(record: JsonObject, receivedAt: Date): FieldResult<Date> {
  const value = record['@timestamp'];
  if (value === undefined || value === null) {
    return { ok: true, value: receivedAt };
  }
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isNaN(new Date(value).getTime())) {
    return { ok: true, value: new Date(value) };
  }

  const parsed = typeof value === 'string' ? parseTimestamp(value) : null;
  if (parsed === null) {
    const rule = 'an ISO-8601 date and time or epoch milliseconds';
    return { ok: false, reason: invalidFieldReason('@timestamp', rule, value) };
  }
  return { ok: true, value: parsed.date };
}
