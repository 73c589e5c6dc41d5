import { IndicatorType } from '../../src/domain/enums';
import { EventFormat, MAX_LINE_BYTES, ParsedBody, detectEventFormat, parseEventBody } from '../../src/ingest/event-body';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');

const UNKNOWN_SHAPE_REASON =
  'The event matches no accepted format: native ("observables"), Windows/Sysmon ("EventID", ' +
  '"winlog.event_id" or "EventData"), Zeek ("uid", "_path" or "id.orig_h") or ECS ("@timestamp" ' +
  'or "ecs.version" with ECS fields).';

const nativeEvent = {
  eventTime: '2024-05-01T11:00:00Z',
  deviceId: 'ws5.corp.example',
  observables: [{ type: 'DOMAIN_NAME', value: 'c2.example.net' }],
};
const sysmonEvent = {
  EventID: 22,
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  Hostname: 'WS6.corp.example',
  UtcTime: '2024-05-01 11:00:01.000',
  QueryName: 'c2.example.net',
  QueryResults: '::ffff:203.0.113.9;',
};
const zeekEvent = { _path: 'conn', ts: 1714561202, uid: 'C1', 'id.orig_h': '192.0.2.10', 'id.resp_h': '203.0.113.9' };
const ecsEvent = { '@timestamp': '2024-05-01T11:00:03Z', host: { name: 'ws8' }, destination: { ip: '203.0.113.9' } };

function parseAuto(body: string): ParsedBody {
  return parseEventBody(body, { format: EventFormat.AUTO, receivedAt });
}

function summarize(parsed: ParsedBody): Array<[number, string, string[]]> {
  return parsed.events.map(({ line, event }) => [line, event.deviceId, event.observables.map((observable) => observable.value)]);
}

describe('parseEventBody body forms', () => {
  it('parses NDJSON of mixed shapes and skips blank lines', () => {
    const body = [JSON.stringify(nativeEvent), '', JSON.stringify(sysmonEvent), '   ', JSON.stringify(zeekEvent), JSON.stringify(ecsEvent), ''].join('\n');
    const parsed = parseAuto(body);

    expect(parsed.rejected).toEqual([]);
    expect(summarize(parsed)).toEqual([
      [1, 'ws5.corp.example', ['c2.example.net']],
      [3, 'WS6.corp.example', ['c2.example.net', '203.0.113.9']],
      [5, '192.0.2.10', ['192.0.2.10', '203.0.113.9']],
      [6, 'ws8', ['203.0.113.9']],
    ]);
    expect(parsed.events.map(({ event }) => event.eventTime.toISOString())).toEqual([
      '2024-05-01T11:00:00.000Z',
      '2024-05-01T11:00:01.000Z',
      '2024-05-01T11:00:02.000Z',
      '2024-05-01T11:00:03.000Z',
    ]);
  });

  it('accepts CRLF line ends and a byte order mark', () => {
    const body = `\uFEFF${JSON.stringify(nativeEvent)}\r\n\r\n${JSON.stringify(ecsEvent)}\r\n`;

    expect(summarize(parseAuto(body))).toEqual([
      [1, 'ws5.corp.example', ['c2.example.net']],
      [3, 'ws8', ['203.0.113.9']],
    ]);
  });

  it('numbers the items of a JSON array from 1', () => {
    const body = JSON.stringify([nativeEvent, 42, sysmonEvent], null, 2);
    const parsed = parseAuto(body);

    expect(summarize(parsed)).toEqual([
      [1, 'ws5.corp.example', ['c2.example.net']],
      [3, 'WS6.corp.example', ['c2.example.net', '203.0.113.9']],
    ]);
    expect(parsed.rejected).toEqual([{ line: 2, reason: 'Each array item must be a JSON object; received 42.' }]);
  });

  it('parses an empty array and an empty body to nothing', () => {
    expect(parseAuto('[]')).toEqual({ events: [], rejected: [] });
    expect(parseAuto('')).toEqual({ events: [], rejected: [] });
    expect(parseAuto('\n \n')).toEqual({ events: [], rejected: [] });
  });

  it('reads a body that starts with an array line as NDJSON', () => {
    const body = `[${JSON.stringify(nativeEvent)}]\n${JSON.stringify(ecsEvent)}`;
    const parsed = parseAuto(body);

    expect(summarize(parsed)).toEqual([[2, 'ws8', ['203.0.113.9']]]);
    expect(parsed.rejected).toEqual([{ line: 1, reason: 'Each line must be a JSON object; received an array of 1 items.' }]);
  });

  it('reads Zeek TSV only with the AUTO and ZEEK formats', () => {
    const body = '#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.resp_h\n1714561202.0\tC1\t192.0.2.10\t203.0.113.9\n';

    expect(summarize(parseAuto(body))).toEqual([[3, '192.0.2.10', ['192.0.2.10', '203.0.113.9']]]);
    expect(parseEventBody(body, { format: EventFormat.ECS, receivedAt }).rejected.map(({ line }) => line)).toEqual([1, 2, 3]);
  });
});

describe('parseEventBody explicit formats', () => {
  it('parses every line with the given parser', () => {
    const body = [JSON.stringify(sysmonEvent), JSON.stringify(ecsEvent)].join('\n');
    const parsed = parseEventBody(body, { format: EventFormat.ECS, receivedAt });

    expect(summarize(parsed)).toEqual([[2, 'ws8', ['203.0.113.9']]]);
    expect(parsed.rejected).toEqual([
      { line: 1, reason: 'No device id found: "host.id", "host.name" and "host.hostname" are all missing or blank.' },
    ]);
  });

  it('applies native validation to a foreign shape', () => {
    const parsed = parseEventBody(JSON.stringify(sysmonEvent), { format: EventFormat.NATIVE, receivedAt });

    expect(parsed.rejected).toEqual([
      { line: 1, reason: '"deviceId" is missing; it must be a non-blank string of at most 256 characters.' },
    ]);
  });

  it('parses a record of unknown shape as Zeek when told to', () => {
    const parsed = parseEventBody(JSON.stringify({ note: 'no Zeek fields' }), { format: EventFormat.ZEEK, receivedAt });

    expect(parsed.events).toEqual([{ line: 1, event: { eventTime: receivedAt, deviceId: 'unknown', deviceName: null, observables: [] } }]);
  });
});

describe('parseEventBody bad lines', () => {
  const goodLine = JSON.stringify(nativeEvent);
  // The JSON detail is V8's message, which differs between Node versions.
  const invalidJsonReason: string = expect.stringMatching(/^The line is not valid JSON \(.*position 20.*\)\.$/);
  const badLines: Array<[string, string, string]> = [
    ['invalid JSON', '{"deviceId": "ws5", observables: []}', invalidJsonReason],
    ['an array in an NDJSON line', '[1, 2, 3]', 'Each line must be a JSON object; received an array of 3 items.'],
    ['a number in an NDJSON line', '17', 'Each line must be a JSON object; received 17.'],
    ['an unknown shape', '{"message": "hello"}', UNKNOWN_SHAPE_REASON],
    ['@timestamp without ECS fields', '{"@timestamp": "2024-05-01T11:00:00Z", "message": "hello"}', UNKNOWN_SHAPE_REASON],
    [
      'a missing deviceId',
      '{"observables": []}',
      '"deviceId" is missing; it must be a non-blank string of at most 256 characters.',
    ],
    [
      'an unknown observable type',
      '{"deviceId": "ws5", "observables": [{"type": "SHA512", "value": "x"}]}',
      '"observables[0].type" must be one of FILE_SHA1, FILE_SHA256, FILE_MD5, CERTIFICATE_THUMBPRINT, IP_ADDRESS, DOMAIN_NAME, URL; received "SHA512".',
    ],
    [
      'a bad eventTime',
      '{"eventTime": "yesterday", "deviceId": "ws5", "observables": []}',
      '"eventTime" must be an ISO-8601 date and time with a zone, such as "2020-09-16T23:39:23.123Z"; received "yesterday".',
    ],
  ];

  it('reports each bad line by number and still parses good lines', () => {
    const body = [goodLine, ...badLines.map(([, line]) => line), goodLine].join('\n');
    const parsed = parseAuto(body);

    expect(parsed.events.map(({ line }) => line)).toEqual([1, badLines.length + 2]);
    expect(parsed.rejected).toEqual(badLines.map(([, , reason], index) => ({ line: index + 2, reason })));
  });

  it.each(badLines)('rejects %s', (_case, line, reason) => {
    expect(parseAuto(`${goodLine}\n${line}`).rejected).toEqual([{ line: 2, reason }]);
  });

  it('rejects a Zeek TSV row before #fields', () => {
    const body = '#separator \\x09\n#path\tconn\n1714561202.0\tC1\t192.0.2.10\n#fields\tts\tuid\tid.orig_h\n1714561203.0\tC2\t192.0.2.11\n';
    const parsed = parseAuto(body);

    expect(parsed.rejected).toEqual([{ line: 3, reason: 'Zeek TSV data line appears before any "#fields" header.' }]);
    expect(summarize(parsed)).toEqual([[5, '192.0.2.11', ['192.0.2.11']]]);
  });

  it('rejects a line over 1 MiB', () => {
    const padding = 'x'.repeat(MAX_LINE_BYTES);
    const body = `${goodLine}\n{"deviceId": "ws5", "observables": [], "padding": "${padding}"}`;
    const parsed = parseAuto(body);

    expect(parsed.events.map(({ line }) => line)).toEqual([1]);
    expect(parsed.rejected).toEqual([
      { line: 2, reason: `The line is ${MAX_LINE_BYTES + 53} bytes long, but the maximum is 1048576 bytes (1 MiB).` },
    ]);
  });

  it('counts the UTF-8 bytes of a line', () => {
    const padding = '€'.repeat(350_000);
    const parsed = parseAuto(`{"deviceId": "ws5", "observables": [], "padding": "${padding}"}`);

    expect(parsed.rejected).toEqual([
      { line: 1, reason: 'The line is 1050053 bytes long, but the maximum is 1048576 bytes (1 MiB).' },
    ]);
  });

  it('accepts a line of exactly 1 MiB', () => {
    const head = '{"deviceId": "ws5", "observables": [], "padding": "';
    const line = `${head}${'x'.repeat(MAX_LINE_BYTES - head.length - 2)}"}`;

    expect(Buffer.byteLength(line)).toBe(MAX_LINE_BYTES);
    expect(parseAuto(line).events).toHaveLength(1);
  });

  it('rejects a Zeek TSV row over 1 MiB', () => {
    const body = `#fields\tts\tid.orig_h\n1.0\t${'x'.repeat(MAX_LINE_BYTES)}\n`;

    expect(parseAuto(body).rejected).toEqual([
      { line: 2, reason: `The line is ${MAX_LINE_BYTES + 4} bytes long, but the maximum is 1048576 bytes (1 MiB).` },
    ]);
  });

  it('echoes little of a long invalid line', () => {
    const line = `{"deviceId": ${'A'.repeat(10_000)}`;
    const [rejected] = parseAuto(line).rejected;

    expect(rejected.line).toBe(1);
    expect(rejected.reason.length).toBeLessThanOrEqual(130);
    expect(rejected.reason).not.toContain('A'.repeat(20));
  });
});

describe('parseEventBody robustness', () => {
  // Deterministic pseudo-random generator, so a failure reproduces.
  function createRandom(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
  }

  const fragments = ['{', '}', '[', ']', '"', ':', ',', '#fields\t', '\t', '\n', 'EventID', 'uid', '@timestamp',
    'observables', 'deviceId', '"ts"', '1', '-', '\\x', 'null', 'true', '€', '\u0000', 'EventData', '<Data Name="a">'];

  it('reports random bodies without throwing', () => {
    const random = createRandom(42);
    for (let round = 0; round < 500; round += 1) {
      const length = Math.floor(random() * 40);
      const body = Array.from({ length }, () => fragments[Math.floor(random() * fragments.length)]).join('');

      for (const format of Object.values(EventFormat)) {
        const parsed = parseEventBody(body, { format, receivedAt });
        const lines = [...parsed.events.map(({ line }) => line), ...parsed.rejected.map(({ line }) => line)];

        expect(new Set(lines).size).toBe(lines.length);
        expect(parsed.rejected.filter(({ reason }) => reason === '' || reason.length > 400)).toEqual([]);
      }
    }
  });
});

describe('detectEventFormat', () => {
  it.each<[string, Record<string, unknown>, EventFormat | null]>([
    ['native observables', { observables: [] }, EventFormat.NATIVE],
    ['native deviceId', { deviceId: 'ws5' }, EventFormat.NATIVE],
    ['flat Windows', { EventID: 4688 }, EventFormat.SYSMON],
    ['Winlogbeat', { winlog: { event_id: 1 } }, EventFormat.SYSMON],
    ['Winlogbeat event data', { 'winlog.event_data': {} }, EventFormat.SYSMON],
    ['Azure WindowsEvent', { EventData: '{}' }, EventFormat.SYSMON],
    ['Zeek uid', { uid: 'C1' }, EventFormat.ZEEK],
    ['Zeek _path', { _path: 'dns' }, EventFormat.ZEEK],
    ['Zeek id.orig_h', { 'id.orig_h': '192.0.2.1' }, EventFormat.ZEEK],
    ['Zeek id_orig_h', { id_orig_h: '192.0.2.1' }, EventFormat.ZEEK],
    ['Zeek ts with fuid', { ts: 1, fuid: 'F1' }, EventFormat.ZEEK],
    ['Zeek ts with underscored x509 fields', { ts: 1, id: 'F1', certificate_version: 3 }, EventFormat.ZEEK],
    ['ECS nested', { '@timestamp': 'x', host: {} }, EventFormat.ECS],
    ['ECS dotted', { 'ecs.version': '8.0.0', 'source.ip': '192.0.2.1' }, EventFormat.ECS],
    ['a Windows event with @timestamp', { '@timestamp': 'x', EventID: 1, host: {} }, EventFormat.SYSMON],
    ['ts alone', { ts: 1 }, null],
    ['@timestamp alone', { '@timestamp': 'x' }, null],
    ['an empty object', {}, null],
  ])('detects %s', (_case, record, format) => {
    expect(detectEventFormat(record)).toBe(format);
  });
});

describe('parseEventBody observable types', () => {
  it('keeps the indicator type of each observable', () => {
    const parsed = parseAuto(JSON.stringify(sysmonEvent));

    expect(parsed.events[0].event.observables.map((observable) => observable.type)).toEqual([
      IndicatorType.DOMAIN_NAME,
      IndicatorType.IP_ADDRESS,
    ]);
  });
});
