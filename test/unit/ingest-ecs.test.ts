import { IndicatorType } from '../../src/domain/enums';
import { EventFormat, ParsedBody, parseEventBody } from '../../src/ingest/event-body';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');
const SHA256 = 'f617e55691a2759ca889cce9167db0cb24ab259a5526f25f49054b0ac1f265d9';
const PARENT_SHA256 = '9d2fd8bee1ce0a26af22b702f79b4bc29b936891f49afebc2917d890f65d3008';

function parseAuto(record: Record<string, unknown>): ParsedBody {
  return parseEventBody(JSON.stringify(record), { format: EventFormat.AUTO, receivedAt });
}

function parseOne(record: Record<string, unknown>) {
  const parsed = parseAuto(record);
  expect(parsed.rejected).toEqual([]);
  return parsed.events[0].event;
}

const processEvent = {
  '@timestamp': '2024-05-01T10:15:30.456Z',
  ecs: { version: '8.11.0' },
  event: { category: ['process'], type: ['start'] },
  host: { id: '4c4c4544-0042-3510-8052-b4c04f4e4b33', name: 'ws7.corp.example', ip: ['192.0.2.77'] },
  process: {
    executable: 'C:\\Temp\\tool.exe',
    hash: { md5: 'cdb36367809d902d43a783a3f049092e', sha1: '09dff3d8e99c1021a7cee1a9260a7a8d6a29e0ff', sha256: SHA256 },
    parent: { hash: { sha256: PARENT_SHA256 } },
  },
};

const expectedProcessEvent = {
  eventTime: new Date('2024-05-01T10:15:30.456Z'),
  deviceId: '4c4c4544-0042-3510-8052-b4c04f4e4b33',
  deviceName: 'ws7.corp.example',
  observables: [
    { type: IndicatorType.FILE_MD5, value: 'cdb36367809d902d43a783a3f049092e', field: 'process.hash.md5' },
    { type: IndicatorType.FILE_SHA1, value: '09dff3d8e99c1021a7cee1a9260a7a8d6a29e0ff', field: 'process.hash.sha1' },
    { type: IndicatorType.FILE_SHA256, value: SHA256, field: 'process.hash.sha256' },
    { type: IndicatorType.FILE_SHA256, value: PARENT_SHA256, field: 'process.parent.hash.sha256' },
  ],
};

describe('ECS events', () => {
  it('maps process hashes of a nested event', () => {
    expect(parseOne(processEvent)).toEqual(expectedProcessEvent);
  });

  it('maps the same event with dotted keys', () => {
    const dotted = {
      '@timestamp': '2024-05-01T10:15:30.456Z',
      'ecs.version': '8.11.0',
      'host.id': '4c4c4544-0042-3510-8052-b4c04f4e4b33',
      'host.name': 'ws7.corp.example',
      'process.hash.md5': 'cdb36367809d902d43a783a3f049092e',
      'process.hash.sha1': '09dff3d8e99c1021a7cee1a9260a7a8d6a29e0ff',
      'process.hash.sha256': SHA256,
      'process.parent.hash.sha256': PARENT_SHA256,
    };

    expect(parseOne(dotted)).toEqual(expectedProcessEvent);
  });

  it('maps the same event with mixed keys', () => {
    const mixed = {
      '@timestamp': '2024-05-01T10:15:30.456Z',
      host: { id: '4c4c4544-0042-3510-8052-b4c04f4e4b33', name: 'ws7.corp.example' },
      process: {
        'hash.md5': 'cdb36367809d902d43a783a3f049092e',
        hash: { sha1: '09dff3d8e99c1021a7cee1a9260a7a8d6a29e0ff', sha256: SHA256 },
        'parent.hash': { sha256: PARENT_SHA256 },
      },
    };

    expect(parseOne(mixed)).toEqual(expectedProcessEvent);
  });

  it('maps network, DNS, URL and TLS fields', () => {
    const event = {
      '@timestamp': '2024-05-01T10:16:00Z',
      host: { hostname: 'ws7' },
      source: { ip: '192.0.2.77' },
      destination: { ip: '203.0.113.9', domain: 'cdn.example.net' },
      dns: { question: { name: 'updates.example.net' }, resolved_ip: ['203.0.113.9', '2001:db8::9'] },
      url: { full: 'https://cdn.example.net/a.js', original: 'https://cdn.example.net/a.js', domain: 'cdn.example.net' },
      tls: {
        client: { server_name: 'login.example.com' },
        server: {
          hash: { sha1: '49FD9ED65FE509E660F9D2E4988FF99D692C7B0F' },
          x509: { alternative_names: ['*.example.org', 'admin@example.org', '203.0.113.10'] },
        },
      },
    };

    expect(parseOne(event)).toEqual({
      eventTime: new Date('2024-05-01T10:16:00.000Z'),
      deviceId: 'ws7',
      deviceName: 'ws7',
      observables: [
        { type: IndicatorType.IP_ADDRESS, value: '192.0.2.77', field: 'source.ip' },
        { type: IndicatorType.IP_ADDRESS, value: '203.0.113.9', field: 'destination.ip' },
        { type: IndicatorType.DOMAIN_NAME, value: 'cdn.example.net', field: 'destination.domain' },
        { type: IndicatorType.DOMAIN_NAME, value: 'updates.example.net', field: 'dns.question.name' },
        { type: IndicatorType.IP_ADDRESS, value: '2001:db8::9', field: 'dns.resolved_ip' },
        { type: IndicatorType.URL, value: 'https://cdn.example.net/a.js', field: 'url.full' },
        { type: IndicatorType.CERTIFICATE_THUMBPRINT, value: '49FD9ED65FE509E660F9D2E4988FF99D692C7B0F', field: 'tls.server.hash.sha1' },
        { type: IndicatorType.DOMAIN_NAME, value: 'login.example.com', field: 'tls.client.server_name' },
        { type: IndicatorType.DOMAIN_NAME, value: 'example.org', field: 'tls.server.x509.alternative_names' },
        { type: IndicatorType.IP_ADDRESS, value: '203.0.113.10', field: 'tls.server.x509.alternative_names' },
      ],
    });
  });

  it('maps file and DLL hashes and a single resolved address', () => {
    const event = {
      '@timestamp': '2024-05-01T10:17:00Z',
      host: { name: 'ws7' },
      file: { hash: { sha256: SHA256 } },
      dll: { hash: { md5: 'cdb36367809d902d43a783a3f049092e' } },
      dns: { resolved_ip: '198.51.100.4' },
    };

    expect(parseOne(event).observables).toEqual([
      { type: IndicatorType.FILE_SHA256, value: SHA256, field: 'file.hash.sha256' },
      { type: IndicatorType.FILE_MD5, value: 'cdb36367809d902d43a783a3f049092e', field: 'dll.hash.md5' },
      { type: IndicatorType.IP_ADDRESS, value: '198.51.100.4', field: 'dns.resolved_ip' },
    ]);
  });

  it('skips a relative url.original and the host address', () => {
    const event = { '@timestamp': '2024-05-01T10:18:00Z', host: { name: 'web1', ip: '192.0.2.5' }, url: { original: '/index.html' } };

    expect(parseOne(event).observables).toEqual([]);
  });

  it('reads @timestamp without a zone as UTC', () => {
    const event = { '@timestamp': '2024-05-01T10:19:00.250', host: { name: 'ws7' } };

    expect(parseOne(event).eventTime).toEqual(new Date('2024-05-01T10:19:00.250Z'));
  });

  it('reads @timestamp as epoch milliseconds', () => {
    const event = { '@timestamp': 1714558740250, host: { name: 'ws7' } };

    expect(parseOne(event).eventTime).toEqual(new Date('2024-05-01T10:19:00.250Z'));
  });

  it('defaults the event time without @timestamp', () => {
    const event = { ecs: { version: '8.11.0' }, host: { name: 'ws7' } };

    expect(parseOne(event).eventTime).toEqual(receivedAt);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'an event without a host',
      { '@timestamp': '2024-05-01T10:20:00Z', source: { ip: '192.0.2.1' } },
      'No device id found: "host.id", "host.name" and "host.hostname" are all missing or blank.',
    ],
    [
      'a bad @timestamp',
      { '@timestamp': 'May 1st', host: { name: 'ws7' } },
      '"@timestamp" must be an ISO-8601 date and time or epoch milliseconds; received "May 1st".',
    ],
  ])('rejects %s', (_case, record, reason) => {
    expect(parseAuto(record).rejected).toEqual([{ line: 1, reason }]);
  });
});
