/**
 * Observables of Zeek log records, read from JSON lines or from TSV rows
 * (see `zeek-tsv.ts`). JSON field names may use Zeek's dots (`id.orig_h`),
 * the underscores that some shippers write (`id_orig_h`) or nested objects.
 */
import { IndicatorType } from '../domain/enums';
import { parseEpochSeconds, parseTimestamp } from './event-time';
import { JsonObject, readPath, readText, readTexts } from './json-path';
import { ObservableCollector, isIpLiteral } from './observable-collector';
import { EventParseResult, FieldResult, acceptEvent, invalidFieldReason, rejectEvent } from './parse-result';

/**
 * Device id of Zeek records that name no host, such as `x509`, `pe` and
 * `packet_filter` records: a certificate or a file is not tied to one
 * originator in its own log.
 */
export const UNKNOWN_DEVICE_ID = 'unknown';

/** Fields found only in Zeek logs. Together with `ts`, any of them marks a record as Zeek. */
const ZEEK_ONLY_FIELDS = [
  '_path', '@stream', 'uid', 'fuid', 'id.orig_h', 'id_orig_h', 'tx_hosts', 'rx_hosts', 'conn_uids',
  'fingerprint', 'certificate.version', 'certificate_version', 'san.dns', 'san_dns',
];

/** Reads a Zeek field by its Zeek name, trying the dotted, nested and underscored spellings. */
class ZeekFields {
  constructor(private readonly record: JsonObject) {}

  text(name: string): string | undefined {
    return readText(this.record, name) ?? readText(this.record, name.replace(/\./g, '_'));
  }

  texts(name: string): string[] {
    const texts = readTexts(this.record, name);
    return texts.length > 0 ? texts : readTexts(this.record, name.replace(/\./g, '_'));
  }

  has(name: string): boolean {
    return readPath(this.record, name) !== undefined || this.record[name.replace(/\./g, '_')] !== undefined;
  }

  /** Reads a Zeek bool, which JSON writes as `true`/`false` and TSV as `T`/`F`. */
  flag(name: string): boolean | undefined {
    const value = readPath(this.record, name) ?? this.record[name.replace(/\./g, '_')];
    if (value === true || value === 'T') {
      return true;
    }
    if (value === false || value === 'F') {
      return false;
    }
    return undefined;
  }
}

/**
 * Returns whether the record has `uid`, `_path` or `id.orig_h` (any
 * spelling), or `ts` with another field that only Zeek logs carry.
 */
export function looksLikeZeekRecord(record: JsonObject): boolean {
  const fields = new ZeekFields(record);
  if (fields.has('uid') || fields.has('_path') || fields.has('id.orig_h')) {
    return true;
  }
  return record.ts !== undefined && ZEEK_ONLY_FIELDS.some((name) => fields.has(name));
}

/**
 * Parses one Zeek log record. The log type is `logPath` (from a TSV `#path`
 * header), else `_path` or `@stream`, else guessed from the columns. The
 * event time is `ts`, as epoch seconds or ISO-8601. The device id is the
 * originator host (see {@link zeekDeviceId}), and the device name is null.
 * Columns that no mapping reads, such as the `label` of labelled data sets,
 * are ignored, and log types without a mapping give no observables.
 */
export function parseZeekRecord(record: JsonObject, receivedAt: Date, logPath?: string): EventParseResult {
  const fields = new ZeekFields(record);
  const eventTime = readZeekTime(record, receivedAt);
  if (!eventTime.ok) {
    return rejectEvent(eventTime.reason);
  }

  const logType = logPath ?? fields.text('_path') ?? readText(record, '@stream') ?? guessZeekLogType(fields);
  const collector = new ObservableCollector();
  ZEEK_LOG_READERS.get(logType ?? '')?.(fields, collector);
  return acceptEvent({
    eventTime: eventTime.value,
    deviceId: zeekDeviceId(logType, fields),
    deviceName: null,
    observables: collector.toArray(),
  });
}

function readZeekTime(record: JsonObject, receivedAt: Date): FieldResult<Date> {
  const value = record.ts;
  if (value === undefined) {
    return { ok: true, value: receivedAt };
  }

  let date: Date | null = null;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d/.test(value) && !value.includes('-'))) {
    date = parseEpochSeconds(value);
  } else if (typeof value === 'string') {
    date = parseTimestamp(value)?.date ?? null;
  }
  if (date === null) {
    return { ok: false, reason: invalidFieldReason('ts', 'epoch seconds or an ISO-8601 date and time', value) };
  }
  return { ok: true, value: date };
}

/** Guesses the log type of a record without `_path` from columns that only that log has. */
function guessZeekLogType(fields: ZeekFields): string | undefined {
  const signatures: ReadonlyArray<[string, string[]]> = [
    ['dns', ['query', 'qtype_name', 'rcode_name']],
    ['x509', ['fingerprint', 'certificate.version', 'certificate.serial']],
    ['files', ['fuid', 'tx_hosts', 'rx_hosts']],
    ['ssl', ['server_name', 'cert_chain_fps', 'cert_chain_fuids', 'cipher']],
    ['http', ['method', 'uri', 'status_code']],
    ['conn', ['conn_state', 'orig_ip_bytes', 'resp_ip_bytes']],
  ];
  return signatures.find(([, columns]) => columns.some((column) => fields.has(column)))?.[0];
}

/**
 * Returns the device a record belongs to: the receiving host for `files`
 * (`rx_hosts`, or the connection side that did not send the file), else the
 * originator `id.orig_h`, else {@link UNKNOWN_DEVICE_ID}.
 */
function zeekDeviceId(logType: string | undefined, fields: ZeekFields): string {
  const candidates =
    logType === 'files'
      ? [fields.texts('rx_hosts')[0], fileEndpoint(fields, 'receiver'), fields.text('id.orig_h')]
      : [fields.text('id.orig_h')];
  return candidates.find((host) => host !== undefined && host.trim() !== '' && host !== '-') ?? UNKNOWN_DEVICE_ID;
}

/**
 * Returns the sender or receiver of a file from `is_orig`, for files records
 * without `tx_hosts` (as recent Zeek versions write them).
 */
function fileEndpoint(fields: ZeekFields, role: 'sender' | 'receiver'): string | undefined {
  const fromOriginator = fields.flag('is_orig');
  if (fromOriginator === undefined) {
    return undefined;
  }
  const originatorSide = fromOriginator === (role === 'sender');
  return fields.text(originatorSide ? 'id.orig_h' : 'id.resp_h');
}

type ZeekLogReader = (fields: ZeekFields, collector: ObservableCollector) => void;

const ZEEK_LOG_READERS: ReadonlyMap<string, ZeekLogReader> = new Map([
  ['conn', collectConnObservables],
  ['dns', collectDnsObservables],
  ['http', collectHttpObservables],
  ['files', collectFilesObservables],
  ['ssl', collectSslObservables],
  ['x509', collectX509Observables],
]);

function collectConnObservables(fields: ZeekFields, collector: ObservableCollector): void {
  collector.add(IndicatorType.IP_ADDRESS, fields.text('id.orig_h'), 'source.ip');
  collector.add(IndicatorType.IP_ADDRESS, fields.text('id.resp_h'), 'destination.ip');
}

/**
 * Adds the query and the answers, with addresses as `dns.resolved_ip` and
 * names (CNAME, PTR, SRV targets, ...) as `dns.answers.data`.
 */
function collectDnsObservables(fields: ZeekFields, collector: ObservableCollector): void {
  collector.add(IndicatorType.DOMAIN_NAME, fields.text('query'), 'dns.question.name');
  for (const answer of fields.texts('answers')) {
    if (isIpLiteral(answer)) {
      collector.add(IndicatorType.IP_ADDRESS, answer, 'dns.resolved_ip');
    } else {
      collector.add(IndicatorType.DOMAIN_NAME, answer, 'dns.answers.data');
    }
  }
}

function collectHttpObservables(fields: ZeekFields, collector: ObservableCollector): void {
  const serverAddress = fields.text('id.resp_h');
  collector.add(IndicatorType.IP_ADDRESS, serverAddress, 'destination.ip');

  const hostHeader = fields.text('host');
  const host = hostHeader ?? (serverAddress?.includes(':') ? `[${serverAddress}]` : serverAddress);
  if (hostHeader !== undefined) {
    collector.add(IndicatorType.DOMAIN_NAME, stripPort(hostHeader), 'url.domain');
  }
  collector.add(IndicatorType.URL, buildHttpUrl(host, fields.text('id.resp_p'), fields.text('uri')), 'url.full');
}

// A host with a port: `example.com:8080` or `[2001:db8::1]:8080`.
const HOST_WITH_PORT = /^(\[[^\]]*\]|[^:[\]]*):\d+$/;

function stripPort(host: string): string {
  const withoutPort = HOST_WITH_PORT.exec(host)?.[1] ?? host;
  return withoutPort.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Builds `http://host[:port]uri` from an origin-form `uri`, leaving the port
 * out when it is 80 or the Host header has one. An absolute-form `uri` (sent
 * to proxies) is returned as is. Other forms, such as CONNECT's `host:port`,
 * give no URL.
 */
export function buildHttpUrl(host: string | undefined, port: string | undefined, uri: string | undefined): string | undefined {
  if (uri === undefined) {
    return undefined;
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(uri)) {
    return uri;
  }
  if (host === undefined || host === '-' || !uri.startsWith('/')) {
    return undefined;
  }

  const portSuffix = port === undefined || port === '80' || HOST_WITH_PORT.test(host) ? '' : `:${port}`;
  return `http://${host}${portSuffix}${uri}`;
}

function collectFilesObservables(fields: ZeekFields, collector: ObservableCollector): void {
  collector.add(IndicatorType.FILE_MD5, fields.text('md5'), 'file.hash.md5');
  collector.add(IndicatorType.FILE_SHA1, fields.text('sha1'), 'file.hash.sha1');
  collector.add(IndicatorType.FILE_SHA256, fields.text('sha256'), 'file.hash.sha256');

  const senders = fields.texts('tx_hosts');
  if (senders.length > 0) {
    collector.addAll(IndicatorType.IP_ADDRESS, senders, 'source.ip');
  } else {
    collector.add(IndicatorType.IP_ADDRESS, fileEndpoint(fields, 'sender'), 'source.ip');
  }
}

/**
 * Adds the server address, the SNI and the fingerprint of the server's own
 * certificate: the first of `cert_chain_fps`, else `resp_certificate_sha1`,
 * which some site scripts add to ssl.log.
 */
function collectSslObservables(fields: ZeekFields, collector: ObservableCollector): void {
  collector.add(IndicatorType.IP_ADDRESS, fields.text('id.resp_h'), 'destination.ip');
  collector.add(IndicatorType.DOMAIN_NAME, fields.text('server_name'), 'tls.client.server_name');
  addCertificateFingerprint(fields.texts('cert_chain_fps')[0] ?? fields.text('resp_certificate_sha1'), collector);
}

/** Adds the fingerprint and the DNS names of the subject alternative names. */
function collectX509Observables(fields: ZeekFields, collector: ObservableCollector): void {
  addCertificateFingerprint(fields.text('fingerprint'), collector);
  collector.addAll(IndicatorType.DOMAIN_NAME, fields.texts('san.dns'), 'tls.server.x509.alternative_names');
}

const FINGERPRINT_FIELDS: ReadonlyMap<number, string> = new Map([
  [40, 'tls.server.hash.sha1'],
  [64, 'tls.server.hash.sha256'],
]);

/**
 * Adds a certificate fingerprint under the ECS field of its digest: SHA-1 (40
 * hex digits) or SHA-256 (64), since Zeek versions and settings differ. Other
 * values, such as the file id that older Zeek versions log in place of a
 * fingerprint, are skipped.
 */
function addCertificateFingerprint(fingerprint: string | undefined, collector: ObservableCollector): void {
  const field = FINGERPRINT_FIELDS.get(fingerprint?.length ?? 0);
  if (field !== undefined) {
    collector.add(IndicatorType.CERTIFICATE_THUMBPRINT, fingerprint, field);
  }
}
