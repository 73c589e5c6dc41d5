import { IndicatorType } from '../../src/domain/enums';
import { DEFAULT_FIELD_BY_TYPE, parseNativeEvent } from '../../src/ingest/native';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');
const SHA256 = '9D2FD8BEE1CE0A26AF22B702F79B4BC29B936891F49AFEBC2917D890F65D3008';

function validEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventTime: '2020-09-16T23:39:23.123Z',
    deviceId: 'ws5.corp.example',
    deviceName: 'WS5',
    observables: [{ type: 'FILE_SHA256', value: SHA256, field: 'process.hash.sha256' }],
    ...overrides,
  };
}

function eventOf(input: unknown) {
  const result = parseNativeEvent(input, receivedAt);
  if (!result.ok) {
    throw new Error(`expected an event, but the input was rejected: ${result.reason}`);
  }
  return result.event;
}

function reasonFor(input: unknown): string {
  const result = parseNativeEvent(input, receivedAt);
  if (result.ok) {
    throw new Error('expected a rejection');
  }
  return result.reason;
}

describe('parseNativeEvent accepts', () => {
  it('a complete event as sent', () => {
    expect(parseNativeEvent(validEvent(), receivedAt)).toEqual({
      ok: true,
      event: {
        eventTime: new Date('2020-09-16T23:39:23.123Z'),
        deviceId: 'ws5.corp.example',
        deviceName: 'WS5',
        observables: [{ type: IndicatorType.FILE_SHA256, value: SHA256, field: 'process.hash.sha256' }],
      },
    });
  });

  it('defaults for optional fields', () => {
    const event = eventOf({ deviceId: 'ws5', observables: [{ type: 'URL', value: 'http://example.com/a' }] });

    expect(event).toEqual({
      eventTime: receivedAt,
      deviceId: 'ws5',
      deviceName: null,
      observables: [{ type: IndicatorType.URL, value: 'http://example.com/a', field: 'url.full' }],
    });
  });

  it.each([
    [IndicatorType.FILE_SHA256, 'file.hash.sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    [IndicatorType.FILE_SHA1, 'file.hash.sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    [IndicatorType.FILE_MD5, 'file.hash.md5', 'd41d8cd98f00b204e9800998ecf8427e'],
    [IndicatorType.CERTIFICATE_THUMBPRINT, 'tls.server.hash.sha1', '654cfafbb1d91ca6aa1de118a0cb5599740a7edb'],
    [IndicatorType.IP_ADDRESS, 'destination.ip', '192.0.2.1'],
    [IndicatorType.DOMAIN_NAME, 'dns.question.name', 'example.com'],
    [IndicatorType.URL, 'url.full', 'http://example.com/'],
  ])('the default field of %s', (type, field, value) => {
    const event = eventOf(validEvent({ observables: [{ type, value }] }));

    expect(DEFAULT_FIELD_BY_TYPE[type]).toBe(field);
    expect(event.observables).toEqual([{ type, value, field }]);
  });

  it('an event time with an offset', () => {
    const event = eventOf(validEvent({ eventTime: '2020-09-16T19:39:23.123-04:00' }));

    expect(event.eventTime).toEqual(new Date('2020-09-16T23:39:23.123Z'));
  });

  it('an event time given as a Date', () => {
    const eventTime = new Date('2021-01-02T03:04:05.000Z');
    const event = eventOf(validEvent({ eventTime }));

    expect(event.eventTime).toEqual(eventTime);
  });

  it('values without normalizing them', () => {
    const observables = [
      { type: 'DOMAIN_NAME', value: 'WWW.Example.COM.' },
      { type: 'IP_ADDRESS', value: '::ffff:192.0.2.1' },
      { type: 'FILE_MD5', value: '9996419693CE040DFABE63E08DC0251B' },
    ];
    const event = eventOf(validEvent({ observables }));

    expect(event.observables.map((observable) => observable.value)).toEqual([
      'WWW.Example.COM.',
      '::ffff:192.0.2.1',
      '9996419693CE040DFABE63E08DC0251B',
    ]);
  });

  it('an empty observable list', () => {
    const event = eventOf(validEvent({ observables: [] }));

    expect(event.observables).toEqual([]);
  });

  it('limits at their maximum', () => {
    const longUrl = `http://example.com/${'u'.repeat(4096 - 'http://example.com/'.length)}`;
    const observables = Array.from({ length: 1000 }, () => ({ type: 'URL', value: longUrl }));
    const event = eventOf(validEvent({ deviceId: 'd'.repeat(256), observables }));

    expect(event.observables).toHaveLength(1000);
  });

  it('null for optional fields', () => {
    const event = eventOf(validEvent({ eventTime: null, deviceName: null }));

    expect(event.eventTime).toEqual(receivedAt);
    expect(event.deviceName).toBeNull();
  });

  it('unknown properties by ignoring them', () => {
    const event = eventOf(validEvent({ severity: 'HIGH' }));

    expect(event).not.toHaveProperty('severity');
  });
});

describe('parseNativeEvent rejects', () => {
  const types = 'FILE_SHA1, FILE_SHA256, FILE_MD5, CERTIFICATE_THUMBPRINT, IP_ADDRESS, DOMAIN_NAME, URL';

  it.each<[string, unknown, string]>([
    ['an array', [1, 2], '"event" must be a JSON object; received an array of 2 items.'],
    ['null', null, '"event" must be a JSON object; received null.'],
    ['a string', 'event', '"event" must be a JSON object; received "event".'],
    [
      'a missing deviceId',
      validEvent({ deviceId: undefined }),
      '"deviceId" is missing; it must be a non-blank string of at most 256 characters.',
    ],
    [
      'a blank deviceId',
      validEvent({ deviceId: '  ' }),
      '"deviceId" must be a non-blank string of at most 256 characters; received "  ".',
    ],
    [
      'a deviceId over 256 characters',
      validEvent({ deviceId: 'd'.repeat(257) }),
      '"deviceId" must be a non-blank string of at most 256 characters; received a string of 257 characters.',
    ],
    [
      'a numeric deviceName',
      validEvent({ deviceName: 5 }),
      '"deviceName" must be a string of at most 256 characters or null; received 5.',
    ],
    [
      'an eventTime without a zone',
      validEvent({ eventTime: '2020-09-16T23:39:23' }),
      '"eventTime" must be an ISO-8601 date and time with a zone, such as "2020-09-16T23:39:23.123Z"; received "2020-09-16T23:39:23".',
    ],
    [
      'an eventTime that does not exist',
      validEvent({ eventTime: '2020-02-30T00:00:00Z' }),
      '"eventTime" must be an ISO-8601 date and time with a zone, such as "2020-09-16T23:39:23.123Z"; received "2020-02-30T00:00:00Z".',
    ],
    [
      'a numeric eventTime',
      validEvent({ eventTime: 1600299563 }),
      '"eventTime" must be an ISO-8601 date and time with a zone, such as "2020-09-16T23:39:23.123Z"; received 1600299563.',
    ],
    [
      'missing observables',
      validEvent({ observables: undefined }),
      '"observables" is missing; it must be an array of at most 1000 observables.',
    ],
    [
      'observables that are not an array',
      validEvent({ observables: { type: 'URL' } }),
      '"observables" must be an array of at most 1000 observables; received an object.',
    ],
    [
      'more than 1000 observables',
      validEvent({ observables: Array.from({ length: 1001 }, () => ({ type: 'URL', value: 'u' })) }),
      '"observables" must be an array of at most 1000 observables; received an array of 1001 items.',
    ],
    [
      'an observable that is not an object',
      validEvent({ observables: ['http://example.com'] }),
      '"observables[0]" must be an object with "type" and "value"; received "http://example.com".',
    ],
    [
      'an unknown observable type',
      validEvent({
        observables: [{ type: 'URL', value: 'http://example.com/u' }, { type: 'URL', value: 'http://example.com/v' }, { type: 'SHA512', value: 'x' }],
      }),
      `"observables[2].type" must be one of ${types}; received "SHA512".`,
    ],
    [
      'a lower-case observable type',
      validEvent({ observables: [{ type: 'url', value: 'u' }] }),
      `"observables[0].type" must be one of ${types}; received "url".`,
    ],
    [
      'a missing observable value',
      validEvent({ observables: [{ type: 'URL' }] }),
      '"observables[0].value" is missing; it must be a non-empty string of at most 4096 characters.',
    ],
    [
      'an empty observable value',
      validEvent({ observables: [{ type: 'URL', value: '' }] }),
      '"observables[0].value" must be a non-empty string of at most 4096 characters; received "".',
    ],
    [
      'an observable value over 4096 characters',
      validEvent({ observables: [{ type: 'URL', value: 'u'.repeat(4097) }] }),
      '"observables[0].value" must be a non-empty string of at most 4096 characters; received a string of 4097 characters.',
    ],
    [
      'a field name with a space',
      validEvent({ observables: [{ type: 'URL', value: 'http://example.com/', field: 'url full' }] }),
      '"observables[0].field" must be a field name of at most 128 letters, digits and "_", "@", ".", "-"; received "url full".',
    ],
    [
      'an IP address with a port',
      validEvent({ observables: [{ type: 'IP_ADDRESS', value: '192.0.2.10:443' }] }),
      '"observables[0].value" must be an IP address without a port; received "192.0.2.10:443". Remove the ":port" part.',
    ],
    [
      'a hash of the wrong length',
      validEvent({ observables: [{ type: 'FILE_SHA256', value: 'abc' }] }),
      '"observables[0].value" must be 64 hexadecimal characters for FILE_SHA256; received 3 characters.',
    ],
    [
      'a URL without a scheme',
      validEvent({ observables: [{ type: 'URL', value: 'example.com/a' }] }),
      '"observables[0].value" must be an absolute URL that starts with a scheme such as http:// or https://; received "example.com/a". Add the scheme, or use type DOMAIN_NAME for a bare domain name.',
    ],
  ])('%s', (_case, input, reason) => {
    expect(reasonFor(input)).toBe(reason);
  });

  it('reasons that quote at most 64 characters of input', () => {
    const reason = reasonFor(validEvent({ observables: [{ type: 'X'.repeat(5000), value: 'v' }] }));

    expect(reason).toBe(`"observables[0].type" must be one of ${types}; received a string of 5000 characters.`);
  });
});
