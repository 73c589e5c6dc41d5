/**
 * Observables of Windows events: Sysmon (hashes, connections, DNS queries)
 * and the Security log events that carry a remote address. Any other Windows
 * event is accepted with no observables.
 */
import { IndicatorType } from '../domain/enums';
import { collectEcsObservables } from './ecs';
import { parseTimestamp } from './event-time';
import { JsonObject } from './json-path';
import { ObservableCollector, isIpLiteral } from './observable-collector';
import { EventParseResult, FieldResult, acceptEvent, invalidFieldReason, rejectEvent } from './parse-result';
import { WindowsEvent, readWindowsEvent } from './windows-event';

/** ECS prefix of the hashes in each Sysmon event that has `Hashes` (or `Hash` for event 15). */
const SYSMON_HASH_PREFIXES: ReadonlyMap<number, string> = new Map([
  [1, 'process.hash'], // Process creation: the new process image.
  [6, 'file.hash'], // Driver loaded.
  [7, 'dll.hash'], // Image loaded.
  [15, 'file.hash'], // File stream created.
  [23, 'file.hash'], // File delete archived.
  [26, 'file.hash'], // File delete logged.
  [29, 'file.hash'], // File executable detected.
]);

/** Algorithms of Sysmon's `Hashes`; IMPHASH is left out because it hashes the import table, not the file. */
const SYSMON_HASH_ALGORITHMS: ReadonlyMap<string, { type: IndicatorType; suffix: string }> = new Map([
  ['MD5', { type: IndicatorType.FILE_MD5, suffix: 'md5' }],
  ['SHA1', { type: IndicatorType.FILE_SHA1, suffix: 'sha1' }],
  ['SHA256', { type: IndicatorType.FILE_SHA256, suffix: 'sha256' }],
]);

type WindowsLog = 'sysmon' | 'security' | 'other';

/** An event data field that contains an observable, and the ECS field it maps to. */
interface EventDataMapping {
  name: string;
  type: IndicatorType;
  field: string;
}

const SYSMON_FIELD_MAPPINGS: ReadonlyMap<number, readonly EventDataMapping[]> = new Map([
  [
    3, // Network connection.
    [
      { name: 'SourceIp', type: IndicatorType.IP_ADDRESS, field: 'source.ip' },
      { name: 'DestinationIp', type: IndicatorType.IP_ADDRESS, field: 'destination.ip' },
      { name: 'DestinationHostname', type: IndicatorType.DOMAIN_NAME, field: 'destination.domain' },
    ],
  ],
  [22, [{ name: 'QueryName', type: IndicatorType.DOMAIN_NAME, field: 'dns.question.name' }]], // DNS query.
]);

const REMOTE_ADDRESS: readonly EventDataMapping[] = [
  { name: 'IpAddress', type: IndicatorType.IP_ADDRESS, field: 'source.ip' },
];
const FILTERING_PLATFORM_ADDRESSES: readonly EventDataMapping[] = [
  { name: 'SourceAddress', type: IndicatorType.IP_ADDRESS, field: 'source.ip' },
  { name: 'DestAddress', type: IndicatorType.IP_ADDRESS, field: 'destination.ip' },
];

const SECURITY_FIELD_MAPPINGS: ReadonlyMap<number, readonly EventDataMapping[]> = new Map([
  [4624, REMOTE_ADDRESS], // Logon.
  [4625, REMOTE_ADDRESS], // Failed logon.
  [4648, REMOTE_ADDRESS], // Logon with explicit credentials.
  [4768, REMOTE_ADDRESS], // Kerberos TGT requested.
  [4769, REMOTE_ADDRESS], // Kerberos service ticket requested.
  [4771, REMOTE_ADDRESS], // Kerberos pre-authentication failed.
  [5140, REMOTE_ADDRESS], // Network share accessed.
  [5145, REMOTE_ADDRESS], // Network share object checked.
  [5156, FILTERING_PLATFORM_ADDRESSES], // Connection allowed.
  [5157, FILTERING_PLATFORM_ADDRESSES], // Connection blocked.
]);

const FIELD_MAPPINGS_BY_LOG: Readonly<Record<WindowsLog, ReadonlyMap<number, readonly EventDataMapping[]>>> = {
  sysmon: SYSMON_FIELD_MAPPINGS,
  security: SECURITY_FIELD_MAPPINGS,
  other: new Map(),
};

/** Time fields in order of preference, and whether a time without zone is UTC by definition. */
const TIME_FIELDS: ReadonlyArray<{ name: string; zonelessIsUtc: boolean }> = [
  { name: 'UtcTime', zonelessIsUtc: true }, // Sysmon's own event time.
  { name: 'TimeCreated', zonelessIsUtc: true }, // System/TimeCreated/@SystemTime, which Windows keeps in UTC.
  { name: '@timestamp', zonelessIsUtc: false }, // Set by the shipper: Winlogbeat uses TimeCreated, a Logstash pipeline may use its receive time.
  { name: 'EventTime', zonelessIsUtc: false }, // NXLog writes the collector's local time without a zone.
  { name: 'TimeGenerated', zonelessIsUtc: false }, // Azure Monitor's record time.
];

/**
 * Parses a Windows event in any form {@link readWindowsEvent} reads. The
 * device id is `Hostname`, `Computer`, `winlog.computer_name` or `host.name`,
 * as given, and the device name is its first label. Events without a mapped
 * field (Security 4688, Sysmon 10, ...) are accepted with no observables.
 */
export function parseWindowsEvent(record: JsonObject, receivedAt: Date): EventParseResult {
  const windowsEvent = readWindowsEvent(record);
  if (!windowsEvent.ok) {
    return rejectEvent(windowsEvent.reason);
  }
  const event = windowsEvent.value;
  const eventTime = readEventTime(event, receivedAt);
  if (!eventTime.ok) {
    return rejectEvent(eventTime.reason);
  }

  const collector = new ObservableCollector();
  collectWindowsObservables(event, collector);
  if (event.fromWinlogbeat) {
    // The Winlogbeat Sysmon and Security modules move some event data into ECS fields.
    collectEcsObservables(record, collector);
  }
  return acceptEvent({
    eventTime: eventTime.value,
    deviceId: event.deviceId,
    deviceName: event.deviceId.split('.')[0],
    observables: collector.toArray(),
  });
}

/**
 * Returns the first time field that has a value. A value without a zone is
 * skipped unless the field is UTC by definition.
 */
function readEventTime(event: WindowsEvent, receivedAt: Date): FieldResult<Date> {
  for (const { name, zonelessIsUtc } of TIME_FIELDS) {
    const text = event.readField(name);
    if (text === undefined) {
      continue;
    }

    const parsed = parseTimestamp(text);
    if (parsed === null) {
      const rule = 'a date and time such as "2020-09-17 03:40:04.424" or "2020-09-17T03:40:04.424Z"';
      return { ok: false, reason: invalidFieldReason(name, rule, text) };
    }
    if (parsed.hasZone || zonelessIsUtc) {
      return { ok: true, value: parsed.date };
    }
  }
  return { ok: true, value: receivedAt };
}

function collectWindowsObservables(event: WindowsEvent, collector: ObservableCollector): void {
  const log = classifyLog(event);
  const mappings = FIELD_MAPPINGS_BY_LOG[log].get(event.eventId) ?? [];
  for (const { name, type, field } of mappings) {
    collector.add(type, event.readField(name), field);
  }
  if (log !== 'sysmon') {
    return;
  }

  const hashPrefix = SYSMON_HASH_PREFIXES.get(event.eventId);
  if (hashPrefix !== undefined) {
    collectSysmonHashes(event.readField('Hashes') ?? event.readField('Hash'), hashPrefix, collector);
  }
  if (event.eventId === 22) {
    collectDnsQueryResults(event.readField('QueryResults'), collector);
  }
}

/**
 * Tells Sysmon and Security events apart by channel or provider. A record
 * with neither is taken as Sysmon, because the flat exports of Sysmon logs
 * often drop both.
 */
function classifyLog(event: WindowsEvent): WindowsLog {
  const source = `${event.channel} ${event.provider}`.toLowerCase();
  if (source.trim() === '' || source.includes('sysmon')) {
    return 'sysmon';
  }
  if (/(^|\s)security(\s|$)/.test(source) || source.includes('microsoft-windows-security-auditing')) {
    return 'security';
  }
  return 'other';
}

/** Adds the MD5, SHA1 and SHA256 of `SHA1=…,MD5=…,SHA256=…,IMPHASH=…` (any subset, any order). */
function collectSysmonHashes(hashes: string | undefined, prefix: string, collector: ObservableCollector): void {
  for (const item of hashes?.split(',') ?? []) {
    const [algorithm, digest] = item.split('=', 2);
    const mapping = SYSMON_HASH_ALGORITHMS.get(algorithm.trim().toUpperCase());
    if (mapping !== undefined) {
      collector.add(mapping.type, digest, `${prefix}.${mapping.suffix}`);
    }
  }
}

/**
 * Adds the answers of Sysmon's `QueryResults`, such as
 * `type:  5 edge.example.net;::ffff:192.0.2.7;`: addresses as `dns.resolved_ip`,
 * and the names of `type: N name` records (5 is CNAME) as `dns.answers.data`.
 */
function collectDnsQueryResults(results: string | undefined, collector: ObservableCollector): void {
  for (const item of results?.split(';') ?? []) {
    const answer = item.trim().replace(/^type:\s*\d+\s+/i, '');
    if (isIpLiteral(answer)) {
      collector.add(IndicatorType.IP_ADDRESS, answer, 'dns.resolved_ip');
    } else {
      collector.add(IndicatorType.DOMAIN_NAME, answer, 'dns.answers.data');
    }
  }
}
