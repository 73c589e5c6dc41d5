import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { IndicatorType } from '../../src/domain/enums';
import { EventFormat, ParsedBody, parseEventBody } from '../../src/ingest/event-body';
import { UNKNOWN_DEVICE_ID, buildHttpUrl } from '../../src/ingest/zeek';
import { unescapeZeekText } from '../../src/ingest/zeek-tsv';
import { EVENT_FIXTURES_DIR, readZipEntries } from '../fixtures/events/read-fixture';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');
const APT29_DIR = path.join(EVENT_FIXTURES_DIR, 'apt29-zeek');
const STRATOSPHERE_DIR = path.resolve(__dirname, '../../../shared/data/real/stratosphere-security-datasets-for-testing');

function parseAuto(body: string): ParsedBody {
  return parseEventBody(body, { format: EventFormat.AUTO, receivedAt });
}

function parseOne(record: Record<string, unknown>) {
  const parsed = parseAuto(JSON.stringify(record));
  expect(parsed.rejected).toEqual([]);
  return parsed.events[0].event;
}

function readApt29Line(file: string, line: number): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(APT29_DIR, file), 'utf8').split('\n')[line - 1]);
}

describe('Zeek TSV', () => {
  it('parses concatenated logs of every mapped type', () => {
    const body = readFileSync(path.join(EVENT_FIXTURES_DIR, 'zeek-tsv', 'example-concatenated.log'), 'utf8');
    const parsed = parseAuto(body);

    expect(parsed.rejected).toEqual([]);
    expect(parsed.events.map(({ line, event }) => [line, event.eventTime.toISOString(), event.deviceId])).toEqual([
      [9, '2024-05-01T12:00:00.123Z', '192.0.2.10'],
      [10, '2024-05-01T12:00:00.500Z', '2001:db8::10'],
      [20, '2024-05-01T12:00:01.000Z', '192.0.2.10'],
      [21, '2024-05-01T12:00:02.000Z', '192.0.2.10'],
      [31, '2024-05-01T12:00:03.500Z', '192.0.2.10'],
      [32, '2024-05-01T12:00:04.500Z', '192.0.2.11'],
      [33, '2024-05-01T12:00:05.000Z', '192.0.2.11'],
      [43, '2024-05-01T12:00:03.600Z', '192.0.2.10'],
      [53, '2024-05-01T12:00:00.200Z', '192.0.2.10'],
      [63, '2024-05-01T12:00:00.300Z', UNKNOWN_DEVICE_ID],
    ]);
    expect(parsed.events.every(({ event }) => event.deviceName === null)).toBe(true);
    expect(parsed.events.map(({ event }) => event.observables.map(({ type, value, field }) => `${field}=${value} (${type})`))).toEqual([
      ['source.ip=192.0.2.10 (IP_ADDRESS)', 'destination.ip=203.0.113.5 (IP_ADDRESS)'],
      ['source.ip=2001:db8::10 (IP_ADDRESS)', 'destination.ip=2001:db8:ffff::1 (IP_ADDRESS)'],
      [
        'dns.question.name=www.example.com (DOMAIN_NAME)',
        'dns.answers.data=edge.example.net (DOMAIN_NAME)',
        'dns.resolved_ip=203.0.113.80 (IP_ADDRESS)',
      ],
      ['dns.question.name=missing.example.org (DOMAIN_NAME)'],
      [
        'destination.ip=203.0.113.80 (IP_ADDRESS)',
        'url.domain=www.example.com (DOMAIN_NAME)',
        'url.full=http://www.example.com:8080/download/payload.bin?id=1 (URL)',
      ],
      ['destination.ip=203.0.113.81 (IP_ADDRESS)', 'url.full=http://example.net/proxied (URL)'],
      [
        'destination.ip=203.0.113.82 (IP_ADDRESS)',
        'url.domain=example.org (DOMAIN_NAME)',
        'url.full=http://example.org/index.html (URL)',
      ],
      [
        'file.hash.md5=cdb36367809d902d43a783a3f049092e (FILE_MD5)',
        'file.hash.sha1=09dff3d8e99c1021a7cee1a9260a7a8d6a29e0ff (FILE_SHA1)',
        'file.hash.sha256=f617e55691a2759ca889cce9167db0cb24ab259a5526f25f49054b0ac1f265d9 (FILE_SHA256)',
        'source.ip=203.0.113.80 (IP_ADDRESS)',
      ],
      [
        'destination.ip=203.0.113.5 (IP_ADDRESS)',
        'tls.client.server_name=login.example.com (DOMAIN_NAME)',
        'tls.server.hash.sha1=49fd9ed65fe509e660f9d2e4988ff99d692c7b0f (CERTIFICATE_THUMBPRINT)',
      ],
      [
        'tls.server.hash.sha1=49fd9ed65fe509e660f9d2e4988ff99d692c7b0f (CERTIFICATE_THUMBPRINT)',
        'tls.server.x509.alternative_names=login.example.com (DOMAIN_NAME)',
      ],
    ]);
  });

  it('parses the same body with the explicit Zeek format', () => {
    const body = readFileSync(path.join(EVENT_FIXTURES_DIR, 'zeek-tsv', 'example-concatenated.log'), 'utf8');

    expect(parseEventBody(body, { format: EventFormat.ZEEK, receivedAt })).toEqual(parseAuto(body));
  });

  it('rejects a row whose column count differs from #fields', () => {
    const body = '#fields\tts\tuid\tid.orig_h\n1714564800.0\tC1\n';

    expect(parseAuto(body)).toEqual({
      events: [],
      rejected: [{ line: 2, reason: 'Zeek TSV row has 2 columns, but the "#fields" header names 3.' }],
    });
  });

  it('needs new #fields after a #separator header', () => {
    const body = '#separator \\x09\n#fields\tts\tid.orig_h\n1.0\t192.0.2.1\n#separator \\x09\n2.0\t192.0.2.2\n';
    const parsed = parseAuto(body);

    expect(parsed.events.map(({ line, event }) => [line, event.deviceId])).toEqual([[3, '192.0.2.1']]);
    expect(parsed.rejected).toEqual([{ line: 5, reason: 'Zeek TSV data line appears before any "#fields" header.' }]);
  });

  it('reads a custom separator and unset marker', () => {
    const body = '#separator |\n#unset_field|NONE\n#path|conn\n#fields|ts|id.orig_h|id.resp_h\n1.5|192.0.2.1|NONE\n';

    expect(parseAuto(body).events[0].event.observables).toEqual([
      { type: IndicatorType.IP_ADDRESS, value: '192.0.2.1', field: 'source.ip' },
    ]);
  });

  it('decodes escaped bytes as UTF-8', () => {
    expect(unescapeZeekText('Example\\x09Agent')).toBe('Example\tAgent');
    expect(unescapeZeekText('caf\\xc3\\xa9.example')).toBe('café.example');
    expect(unescapeZeekText('plain')).toBe('plain');
  });

  it('replays the Security-Datasets LSASS campaign logs', () => {
    const entries = readZipEntries(path.join(EVENT_FIXTURES_DIR, 'mordor', 'metasploit_logonpasswords_lsass_memory_dump_zeek_logs.zip'));
    const counts = entries.map(({ name, text }) => {
      const parsed = parseAuto(text);
      const withObservables = parsed.events.filter(({ event }) => event.observables.length > 0).length;
      return [name, parsed.events.length, withObservables, parsed.rejected.length];
    });

    expect(counts).toEqual([
      ['analyzer.log', 6, 0, 0],
      ['conn.log', 112, 112, 0],
      ['dns.log', 96, 28, 0],
      ['files.log', 3, 3, 0],
      ['http.log', 3, 3, 0],
      ['kerberos.log', 10, 0, 0],
      ['packet_filter.log', 1, 0, 0],
      ['pe.log', 1, 0, 0],
      ['smb_mapping.log', 1, 0, 0],
      ['ssl.log', 5, 5, 0],
      ['weird.log', 22, 0, 0],
      ['x509.log', 1, 1, 0],
    ]);
    expect(parseAuto(entries.map(({ text }) => text).join('')).events).toHaveLength(261);
  });

  it('reads SHA-256 fingerprints and the file receiver of recent Zeek logs', () => {
    const entries = readZipEntries(path.join(EVENT_FIXTURES_DIR, 'mordor', 'metasploit_logonpasswords_lsass_memory_dump_zeek_logs.zip'));
    const byName = new Map(entries.map(({ name, text }) => [name, parseAuto(text).events]));
    const fingerprint = 'b765518127e58d334a3596a6572a09fa727d59c86214c4eb8f499a141ac15579';

    expect(byName.get('x509.log')?.[0].event).toEqual({
      eventTime: new Date('2023-08-16T04:54:34.667Z'),
      deviceId: UNKNOWN_DEVICE_ID,
      deviceName: null,
      observables: [{ type: IndicatorType.CERTIFICATE_THUMBPRINT, value: fingerprint, field: 'tls.server.hash.sha256' }],
    });
    expect(byName.get('files.log')?.[0].event).toEqual({
      eventTime: new Date('2023-08-16T04:54:04.002Z'),
      deviceId: '192.168.1.41',
      deviceName: null,
      observables: [{ type: IndicatorType.IP_ADDRESS, value: '10.0.5.13', field: 'source.ip' }],
    });
  });
});

describe('Zeek JSON', () => {
  const apt29Counts: Array<[string, number, number]> = [
    ['NASHUA_conn.log', 479, 479],
    ['NASHUA_dce_rpc.log', 57, 0],
    ['NASHUA_dns.log', 21, 21],
    ['NASHUA_dpd.log', 6, 0],
    ['NASHUA_files.log', 379, 379],
    ['NASHUA_kerberos.log', 13, 0],
    ['NASHUA_notice.log', 1, 0],
    ['NASHUA_smb_files.log', 6, 0],
    ['NASHUA_smb_mapping.log', 5, 0],
    ['NASHUA_ssl.log', 376, 376],
    ['NASHUA_weird.log', 6, 0],
    ['NASHUA_x509.log', 376, 0],
    ['SCRANTON_conn.log', 134, 134],
    ['SCRANTON_dce_rpc.log', 66, 0],
    ['SCRANTON_dns.log', 32, 32],
    ['SCRANTON_dpd.log', 6, 0],
    ['SCRANTON_files.log', 69, 69],
    ['SCRANTON_http.log', 62, 62],
    ['SCRANTON_kerberos.log', 22, 0],
    ['SCRANTON_notice.log', 1, 0],
    ['SCRANTON_pe.log', 1, 0],
    ['SCRANTON_smb_files.log', 6, 0],
    ['SCRANTON_smb_mapping.log', 6, 0],
    ['SCRANTON_ssl.log', 2, 2],
    ['SCRANTON_weird.log', 6, 0],
    ['SCRANTON_x509.log', 2, 0],
  ];

  it.each(apt29Counts)('replays APT29 %s without rejections', (file, eventCount, withObservables) => {
    const parsed = parseAuto(readFileSync(path.join(APT29_DIR, file), 'utf8'));

    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(eventCount);
    expect(parsed.events.filter(({ event }) => event.observables.length > 0)).toHaveLength(withObservables);
  });

  it('maps a DNS record with CNAME and address answers', () => {
    expect(parseOne(readApt29Line('SCRANTON_dns.log', 7))).toEqual({
      eventTime: new Date('2020-04-30T00:28:04.259Z'),
      deviceId: '10.0.1.4',
      deviceName: null,
      observables: [
        { type: IndicatorType.DOMAIN_NAME, value: 'fp-vp.azureedge.net', field: 'dns.question.name' },
        { type: IndicatorType.DOMAIN_NAME, value: 'fp-vp.ec.azureedge.net', field: 'dns.answers.data' },
        { type: IndicatorType.DOMAIN_NAME, value: 'cs9.wpc.v0cdn.net', field: 'dns.answers.data' },
        { type: IndicatorType.IP_ADDRESS, value: '72.21.81.200', field: 'dns.resolved_ip' },
      ],
    });
  });

  it('maps a files record to hashes, sender and receiver', () => {
    expect(parseOne(readApt29Line('SCRANTON_files.log', 1))).toEqual({
      eventTime: new Date('2020-04-30T00:12:01.662Z'),
      deviceId: '10.0.1.4',
      deviceName: null,
      observables: [
        { type: IndicatorType.FILE_MD5, value: 'cc85d7649546d3c0b1607f761b73fec2', field: 'file.hash.md5' },
        { type: IndicatorType.FILE_SHA1, value: '1a1a10b819f321b91b47d7dd73668406a15992db', field: 'file.hash.sha1' },
        { type: IndicatorType.IP_ADDRESS, value: '10.0.0.4', field: 'source.ip' },
      ],
    });
  });

  it('maps an HTTP record whose host is an address', () => {
    expect(parseOne(readApt29Line('SCRANTON_http.log', 2)).observables).toEqual([
      { type: IndicatorType.IP_ADDRESS, value: '192.168.0.4', field: 'destination.ip' },
      { type: IndicatorType.URL, value: 'http://192.168.0.4/webdav', field: 'url.full' },
    ]);
  });

  it('reads resp_certificate_sha1 when cert_chain_fps is absent', () => {
    expect(parseOne(readApt29Line('SCRANTON_ssl.log', 1)).observables).toEqual([
      { type: IndicatorType.IP_ADDRESS, value: '192.168.0.5', field: 'destination.ip' },
      {
        type: IndicatorType.CERTIFICATE_THUMBPRINT,
        value: 'bc3a6953a08963c9be9fceb75dbe83f7c225ac8e',
        field: 'tls.server.hash.sha1',
      },
    ]);
  });

  it('skips the file id that older x509 logs carry', () => {
    expect(parseOne(readApt29Line('NASHUA_x509.log', 1))).toEqual({
      eventTime: new Date('2020-04-30T00:40:44.736Z'),
      deviceId: UNKNOWN_DEVICE_ID,
      deviceName: null,
      observables: [],
    });
  });

  it('reads dotted, underscored and nested field names alike', () => {
    const underscored = readApt29Line('NASHUA_conn.log', 1);
    const dotted = { ...underscored, 'id.orig_h': '10.0.1.6', 'id.resp_h': '10.0.0.4', id_orig_h: undefined, id_resp_h: undefined };
    const nested = { ts: underscored.ts, uid: underscored.uid, _path: 'conn', id: { orig_h: '10.0.1.6', resp_h: '10.0.0.4' } };
    const expected = {
      eventTime: new Date('2020-04-30T00:06:39.824Z'),
      deviceId: '10.0.1.6',
      deviceName: null,
      observables: [
        { type: IndicatorType.IP_ADDRESS, value: '10.0.1.6', field: 'source.ip' },
        { type: IndicatorType.IP_ADDRESS, value: '10.0.0.4', field: 'destination.ip' },
      ],
    };

    expect(parseOne(underscored)).toEqual(expected);
    expect(parseOne(dotted)).toEqual(expected);
    expect(parseOne(nested)).toEqual(expected);
  });

  it('reads ts as an ISO-8601 string', () => {
    const record = { _path: 'conn', ts: '2020-04-30T00:06:39.824370Z', 'id.orig_h': '10.0.1.6', 'id.resp_h': '10.0.0.4' };

    expect(parseOne(record).eventTime).toEqual(new Date('2020-04-30T00:06:39.824Z'));
  });

  it('guesses the log type from the columns', () => {
    const record = { ts: 1588205199.82437, uid: 'C1', 'id.orig_h': '192.0.2.1', query: 'www.example.com', qtype_name: 'A' };

    expect(parseOne(record).observables).toEqual([
      { type: IndicatorType.DOMAIN_NAME, value: 'www.example.com', field: 'dns.question.name' },
    ]);
  });

  it('maps a 40-digit x509 fingerprint and SAN names', () => {
    const record = {
      _path: 'x509',
      ts: 1714564800,
      fingerprint: '49fd9ed65fe509e660f9d2e4988ff99d692c7b0f',
      'san.dns': ['*.example.com', 'example.net'],
    };

    expect(parseOne(record).observables).toEqual([
      { type: IndicatorType.CERTIFICATE_THUMBPRINT, value: '49fd9ed65fe509e660f9d2e4988ff99d692c7b0f', field: 'tls.server.hash.sha1' },
      { type: IndicatorType.DOMAIN_NAME, value: 'example.com', field: 'tls.server.x509.alternative_names' },
      { type: IndicatorType.DOMAIN_NAME, value: 'example.net', field: 'tls.server.x509.alternative_names' },
    ]);
  });

  it('accepts a log type with no mapping and no observables', () => {
    const record = { _path: 'weird', ts: 1714564801.5, 'id.orig_h': '192.0.2.1', name: 'bad_IP_checksum' };

    expect(parseOne(record)).toEqual({
      eventTime: new Date('2024-05-01T12:00:01.500Z'),
      deviceId: '192.0.2.1',
      deviceName: null,
      observables: [],
    });
  });

  it('rejects a ts that is not a time', () => {
    const parsed = parseAuto(JSON.stringify({ _path: 'conn', ts: 'soon', 'id.orig_h': '192.0.2.1' }));

    expect(parsed.rejected).toEqual([
      { line: 1, reason: '"ts" must be epoch seconds or an ISO-8601 date and time; received "soon".' },
    ]);
  });
});

describe('buildHttpUrl', () => {
  it.each<[string | undefined, string | undefined, string | undefined, string | undefined]>([
    ['example.com', '80', '/a?b=1', 'http://example.com/a?b=1'],
    ['example.com', '8080', '/a', 'http://example.com:8080/a'],
    ['example.com:8080', '8080', '/a', 'http://example.com:8080/a'],
    ['[2001:db8::1]', '8080', '/a', 'http://[2001:db8::1]:8080/a'],
    ['[2001:db8::1]:8080', '8080', '/a', 'http://[2001:db8::1]:8080/a'],
    ['example.com', undefined, '/a', 'http://example.com/a'],
    ['proxy.example.com', '3128', 'http://example.net/x', 'http://example.net/x'],
    ['example.com', '443', 'example.com:443', undefined],
    ['example.com', '80', undefined, undefined],
    [undefined, '80', '/a', undefined],
  ])('builds from host %s, port %s and uri %s', (host, port, uri, expected) => {
    expect(buildHttpUrl(host, port, uri)).toBe(expected);
  });
});

const hasStratosphereData = existsSync(STRATOSPHERE_DIR);
if (!hasStratosphereData) {
  console.warn(`Skipping the Stratosphere Zeek TSV tests: ${STRATOSPHERE_DIR} is absent (GPL-2.0 data, kept outside the repository).`);
}
const describeWithStratosphereData = hasStratosphereData ? describe : describe.skip;

describeWithStratosphereData('Stratosphere Simda capture (Zeek TSV)', () => {
  function parseCapture(file: string): ParsedBody {
    return parseAuto(readFileSync(path.join(STRATOSPHERE_DIR, '005-zeek-scenario-malicious', file), 'utf8'));
  }

  it('parses every dns.log record', () => {
    const parsed = parseCapture('dns.log');
    const queries = parsed.events.flatMap(({ event }) =>
      event.observables.filter((observable) => observable.field === 'dns.question.name').map((observable) => observable.value),
    );

    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(992);
    expect(queries).toHaveLength(980);
    expect(new Set(queries).size).toBe(368);
    expect(queries).toEqual(expect.arrayContaining(['gatyfus.com', 'lyvyxor.com', 'dns.msftncsi.com']));
    expect(parsed.events.find(({ line }) => line === 40)?.event).toEqual({
      eventTime: new Date('1970-01-01T00:03:01.829Z'),
      deviceId: 'fd77:48a1:c0bb:0:b96c:506d:6c7f:e8be',
      deviceName: null,
      observables: [
        { type: IndicatorType.DOMAIN_NAME, value: 'gatyfus.com', field: 'dns.question.name' },
        { type: IndicatorType.IP_ADDRESS, value: '67.55.121.97', field: 'dns.resolved_ip' },
      ],
    });
  });

  it('parses every http.log record', () => {
    const parsed = parseCapture('http.log');

    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(992);
    expect(parsed.events.filter(({ event }) => event.observables.some((observable) => observable.type === IndicatorType.URL))).toHaveLength(992);
    expect(parsed.events.find(({ line }) => line === 9)?.event.observables).toEqual([
      { type: IndicatorType.IP_ADDRESS, value: '67.55.121.97', field: 'destination.ip' },
      { type: IndicatorType.DOMAIN_NAME, value: 'gatyfus.com', field: 'url.domain' },
      { type: IndicatorType.URL, value: 'http://gatyfus.com/login.php', field: 'url.full' },
    ]);
  });

  it('ignores the label columns of labelled captures', () => {
    const file = path.join(STRATOSPHERE_DIR, '001-zeek-scenario-malicious', 'labeled-conn.log');
    const parsed = parseAuto(readFileSync(file, 'utf8'));

    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(992);
    expect(parsed.events.filter(({ event }) => event.observables.length === 2)).toHaveLength(992);
  });
});
