import { IndicatorType, MatchFunction } from '../../src/domain/enums';
import {
  allowedMatchFunctions,
  defaultMatchFunction,
  normalizeIndicatorValue,
  normalizeObservableValue,
  urlHost,
} from '../../src/domain/normalize';

const {
  FILE_MD5,
  FILE_SHA1,
  FILE_SHA256,
  CERTIFICATE_THUMBPRINT,
  IP_ADDRESS,
  DOMAIN_NAME,
  URL,
} = IndicatorType;
const { EQUALS, INCLUDES_SUBDOMAINS, PATH_PREFIX, CIDR } = MatchFunction;

/** A value that normalizes, and the canonical form expected. */
type ValidCase = [type: IndicatorType, matchFunction: MatchFunction, raw: string, expected: string];

/** A value that is rejected, and a pattern the reason must contain. */
type InvalidCase = [type: IndicatorType, matchFunction: MatchFunction, raw: string, reason: RegExp];

const SHA256_UPPER = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';
const SHA256_LOWER = SHA256_UPPER.toLowerCase();
const SHA1_LOWER = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const MD5_LOWER = 'd41d8cd98f00b204e9800998ecf8427e';
const THUMBPRINT_COLONS = '65:4C:FA:0B:1D:2E:3F:40:51:62:73:84:95:A6:B7:C8:D9:EA:FB:0C';
const THUMBPRINT_LOWER = '654cfa0b1d2e3f405162738495a6b7c8d9eafb0c';

function expectValid(type: IndicatorType, matchFunction: MatchFunction, raw: string): string {
  const result = normalizeIndicatorValue(type, matchFunction, raw);
  if (!result.ok) {
    throw new Error(`expected ${JSON.stringify(raw.slice(0, 80))} to be valid, got: ${result.reason}`);
  }
  return result.value;
}

function expectInvalid(type: IndicatorType, matchFunction: MatchFunction, raw: string): string {
  const result = normalizeIndicatorValue(type, matchFunction, raw);
  if (result.ok) {
    throw new Error(`expected ${JSON.stringify(raw.slice(0, 80))} to be rejected, got: ${result.value}`);
  }
  return result.reason;
}

describe('match functions', () => {
  it.each([
    [FILE_MD5, [EQUALS], EQUALS],
    [FILE_SHA1, [EQUALS], EQUALS],
    [FILE_SHA256, [EQUALS], EQUALS],
    [CERTIFICATE_THUMBPRINT, [EQUALS], EQUALS],
    [IP_ADDRESS, [EQUALS, CIDR], EQUALS],
    [DOMAIN_NAME, [INCLUDES_SUBDOMAINS, EQUALS], INCLUDES_SUBDOMAINS],
    [URL, [PATH_PREFIX, EQUALS], PATH_PREFIX],
  ])('%s allows %j and defaults to %s', (type, allowed, defaultFunction) => {
    expect([...allowedMatchFunctions(type)].sort()).toEqual([...allowed].sort());
    expect(defaultMatchFunction(type)).toBe(defaultFunction);
  });

  it.each<[IndicatorType, MatchFunction, string, RegExp]>([
    [FILE_SHA256, CIDR, SHA256_LOWER, /matchFunction EQUALS for type FILE_SHA256; received matchFunction CIDR/],
    [IP_ADDRESS, INCLUDES_SUBDOMAINS, '192.0.2.1', /matchFunction EQUALS or CIDR for type IP_ADDRESS/],
    [DOMAIN_NAME, PATH_PREFIX, 'example.com', /matchFunction INCLUDES_SUBDOMAINS or EQUALS for type DOMAIN_NAME/],
    [URL, CIDR, 'https://example.com/', /matchFunction PATH_PREFIX or EQUALS for type URL/],
  ])('rejects %s with %s and names the allowed ones', (type, matchFunction, raw, reason) => {
    expect(expectInvalid(type, matchFunction, raw)).toMatch(reason);
  });
});

describe('common rules', () => {
  const everyType: [IndicatorType, MatchFunction][] = [
    [FILE_MD5, EQUALS],
    [FILE_SHA1, EQUALS],
    [FILE_SHA256, EQUALS],
    [CERTIFICATE_THUMBPRINT, EQUALS],
    [IP_ADDRESS, EQUALS],
    [IP_ADDRESS, CIDR],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS],
    [URL, PATH_PREFIX],
  ];

  it.each(everyType)('%s with %s rejects a 100 KB value with a short reason', (type, matchFunction) => {
    const raw = `${'7'.repeat(50)}${'a'.repeat(100_000)}`;
    const reason = expectInvalid(type, matchFunction, raw);

    expect(reason.length).toBeLessThan(200);
    expect(reason).toMatch(/received 100050 characters/);
    expect(reason).not.toContain('a'.repeat(41));
  });

  it.each(everyType)('%s with %s rejects an empty or blank value', (type, matchFunction) => {
    expect(expectInvalid(type, matchFunction, '')).toMatch(/must not be empty/);
    expect(expectInvalid(type, matchFunction, ' \t\n ')).toMatch(/must not be empty/);
  });

  it.each<[IndicatorType, MatchFunction, string]>([
    [FILE_SHA256, EQUALS, `${SHA256_LOWER.slice(0, 10)}\u0000${SHA256_LOWER.slice(11)}`],
    [IP_ADDRESS, EQUALS, '192.0.2.1\u0000'],
    [DOMAIN_NAME, EQUALS, 'evil\u0000.example'],
    [URL, EQUALS, 'https://example.com/a\u0000b'],
    [URL, EQUALS, 'https://example.com/a\u007fb'],
    [DOMAIN_NAME, EQUALS, 'evil\u0085.example'],
  ])('%s rejects a control character in %j', (type, matchFunction, raw) => {
    expect(expectInvalid(type, matchFunction, raw)).toMatch(/must not contain control characters; received U\+00[0-9A-F]{2} at position \d+/);
  });

  it('quotes at most 40 characters of the input', () => {
    const reason = expectInvalid(DOMAIN_NAME, EQUALS, `${'b'.repeat(100)}.example/path`);

    expect(reason).toContain(`"${'b'.repeat(40)}…"`);
    expect(reason).not.toContain('b'.repeat(41));
  });

  it('trims surrounding whitespace', () => {
    expect(expectValid(FILE_MD5, EQUALS, `  ${MD5_LOWER}\n`)).toBe(MD5_LOWER);
    expect(expectValid(IP_ADDRESS, EQUALS, '\t192.0.2.1 ')).toBe('192.0.2.1');
    expect(expectValid(DOMAIN_NAME, EQUALS, ' example.com ')).toBe('example.com');
    expect(expectValid(URL, EQUALS, ' https://example.com/ ')).toBe('https://example.com/');
  });
});

const VALID_CASES: Record<string, ValidCase[]> = {
  hashes: [
    [FILE_MD5, EQUALS, MD5_LOWER.toUpperCase(), MD5_LOWER],
    [FILE_SHA1, EQUALS, SHA1_LOWER.toUpperCase(), SHA1_LOWER],
    [FILE_SHA256, EQUALS, SHA256_UPPER, SHA256_LOWER],
    [FILE_SHA256, EQUALS, SHA256_LOWER, SHA256_LOWER],
    [CERTIFICATE_THUMBPRINT, EQUALS, THUMBPRINT_COLONS, THUMBPRINT_LOWER],
    [CERTIFICATE_THUMBPRINT, EQUALS, THUMBPRINT_COLONS.toLowerCase(), THUMBPRINT_LOWER],
    [CERTIFICATE_THUMBPRINT, EQUALS, THUMBPRINT_LOWER.toUpperCase(), THUMBPRINT_LOWER],
  ],
  'IP addresses': [
    [IP_ADDRESS, EQUALS, '192.0.2.1', '192.0.2.1'],
    [IP_ADDRESS, EQUALS, '0.0.0.0', '0.0.0.0'],
    [IP_ADDRESS, EQUALS, '255.255.255.255', '255.255.255.255'],
    [IP_ADDRESS, EQUALS, '::ffff:192.0.2.1', '192.0.2.1'],
    [IP_ADDRESS, EQUALS, '::FFFF:C000:0201', '192.0.2.1'],
    [IP_ADDRESS, EQUALS, '0:0:0:0:0:ffff:192.0.2.1', '192.0.2.1'],
    [IP_ADDRESS, EQUALS, '2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    [IP_ADDRESS, EQUALS, '2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    [IP_ADDRESS, EQUALS, '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    [IP_ADDRESS, EQUALS, '::', '::'],
    [IP_ADDRESS, EQUALS, '::1', '::1'],
    [IP_ADDRESS, EQUALS, '::192.0.2.1', '::c000:201'],
  ],
  'CIDR blocks': [
    [IP_ADDRESS, CIDR, '203.0.113.0/24', '203.0.113.0/24'],
    [IP_ADDRESS, CIDR, '10.0.0.1/24', '10.0.0.0/24'],
    [IP_ADDRESS, CIDR, '10.255.255.255/9', '10.128.0.0/9'],
    [IP_ADDRESS, CIDR, '192.0.2.7', '192.0.2.7/32'],
    [IP_ADDRESS, CIDR, '192.0.2.7/32', '192.0.2.7/32'],
    [IP_ADDRESS, CIDR, '0.0.0.0/0', '0.0.0.0/0'],
    [IP_ADDRESS, CIDR, '2001:db8::/32', '2001:db8::/32'],
    [IP_ADDRESS, CIDR, '2001:DB8:ABCD:1234::/33', '2001:db8:8000::/33'],
    [IP_ADDRESS, CIDR, '2001:db8::1', '2001:db8::1/128'],
    [IP_ADDRESS, CIDR, '::/0', '::/0'],
    [IP_ADDRESS, CIDR, '::ffff:192.0.2.0/120', '192.0.2.0/24'],
    [IP_ADDRESS, CIDR, '::ffff:192.0.2.1', '192.0.2.1/32'],
    [IP_ADDRESS, CIDR, '::ffff:0:0/95', '::fffe:0:0/95'],
  ],
  'domain names': [
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'Evil.Example.COM', 'evil.example.com'],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'evil.example.com.', 'evil.example.com'],
    [DOMAIN_NAME, EQUALS, 'bücher.example', 'xn--bcher-kva.example'],
    [DOMAIN_NAME, EQUALS, 'BÜCHER.example', 'xn--bcher-kva.example'],
    [DOMAIN_NAME, EQUALS, 'xn--bcher-kva.example', 'xn--bcher-kva.example'],
    [DOMAIN_NAME, EQUALS, 'пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    [DOMAIN_NAME, EQUALS, '日本語とカタカナ.jp', 'xn--o9j6ga3fqc3012co4bc84j.jp'],
    [DOMAIN_NAME, EQUALS, '_ldap._tcp.example.com', '_ldap._tcp.example.com'],
    [DOMAIN_NAME, EQUALS, 'a-b.x1.example', 'a-b.x1.example'],
    [DOMAIN_NAME, EQUALS, `${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
    [DOMAIN_NAME, EQUALS, `${'a.'.repeat(125)}abc`, `${'a.'.repeat(125)}abc`],
    [DOMAIN_NAME, EQUALS, 'co.uk', 'co.uk'],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'example.co.uk', 'example.co.uk'],
    // A look-alike submitted in its xn-- form is accepted, so it can be watched on purpose.
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'xn--pypal-4ve.com', 'xn--pypal-4ve.com'],
  ],
  URLs: [
    [URL, EQUALS, 'HTTP://Example.COM:80/a/./b/../c#frag', 'http://example.com/a/c'],
    [URL, PATH_PREFIX, 'https://example.com', 'https://example.com/'],
    [URL, PATH_PREFIX, 'https://example.com:443/x', 'https://example.com/x'],
    [URL, PATH_PREFIX, 'https://example.com:8443/x', 'https://example.com:8443/x'],
    [URL, EQUALS, 'http://example.com/%7e/%7Euser', 'http://example.com/~/~user'],
    [URL, EQUALS, 'http://example.com/a%2fb', 'http://example.com/a%2Fb'],
    [URL, EQUALS, 'http://example.com/%41%62%2d%5F%2E', 'http://example.com/Ab-_.'],
    [URL, EQUALS, 'http://example.com/a%3f?q=%7e%2f&r=%zz', 'http://example.com/a%3F?q=~%2F&r=%zz'],
    [URL, EQUALS, 'http://example.com/a b?c d', 'http://example.com/a%20b?c%20d'],
    [URL, EQUALS, 'http://example.com/a?b=2&a=1', 'http://example.com/a?b=2&a=1'],
    [URL, EQUALS, 'http://example.com/a?', 'http://example.com/a'],
    [URL, EQUALS, 'http://user:secret@example.com/x', 'http://example.com/x'],
    [URL, EQUALS, 'http://bücher.example/ü', 'http://xn--bcher-kva.example/%C3%BC'],
    [URL, EQUALS, 'http://example.com/a/%2e%2e/b', 'http://example.com/b'],
    [URL, EQUALS, 'ws://Example.com:80/socket', 'ws://example.com/socket'],
    [URL, EQUALS, 'wss://example.com:443/socket', 'wss://example.com/socket'],
    [URL, EQUALS, 'ftp://example.com:21/file.bin', 'ftp://example.com/file.bin'],
    [URL, EQUALS, 'http://[2001:DB8::1]:8080/', 'http://[2001:db8::1]:8080/'],
    [URL, EQUALS, 'http://192.0.2.1/x', 'http://192.0.2.1/x'],
  ],
};

describe.each(Object.entries(VALID_CASES))('valid %s', (_group, cases) => {
  it.each(cases)('%s with %s normalizes %j to %j', (type, matchFunction, raw, expected) => {
    expect(expectValid(type, matchFunction, raw)).toBe(expected);
  });

  it.each(cases)('%s with %s keeps %j stable when normalized again', (type, matchFunction, raw) => {
    const once = expectValid(type, matchFunction, raw);

    expect(expectValid(type, matchFunction, once)).toBe(once);
  });
});

describe('observables of valid indicator values', () => {
  // Observables are single values, so CIDR blocks have no observable counterpart.
  const cases = Object.values(VALID_CASES)
    .flat()
    .filter(([, matchFunction]) => matchFunction !== CIDR);

  it.each(cases)('%s observable %j normalizes like the indicator', (type, _matchFunction, raw, expected) => {
    expect(normalizeObservableValue(type, raw)).toBe(expected);
  });
});

const INVALID_CASES: Record<string, InvalidCase[]> = {
  hashes: [
    [FILE_SHA256, EQUALS, SHA256_LOWER.slice(1), /must be 64 hexadecimal characters for FILE_SHA256; received 63 characters/],
    [FILE_SHA256, EQUALS, `${SHA256_LOWER}0`, /received 65 characters/],
    [FILE_MD5, EQUALS, SHA1_LOWER, /must be 32 hexadecimal characters for FILE_MD5; received 40 characters\. A 40-character hash is FILE_SHA1/],
    [FILE_SHA1, EQUALS, SHA256_LOWER, /A 64-character hash is FILE_SHA256/],
    [FILE_MD5, EQUALS, `${MD5_LOWER.slice(0, 31)}g`, /only hexadecimal characters \(0-9, a-f\) for FILE_MD5; received "g" at position 32/],
    [FILE_SHA1, EQUALS, `0x${SHA1_LOWER.slice(2)}`, /received "x" at position 2/],
    [FILE_SHA256, EQUALS, `${SHA256_LOWER.slice(0, 32)} ${SHA256_LOWER.slice(33)}`, /received " " at position 33/],
    [CERTIFICATE_THUMBPRINT, EQUALS, THUMBPRINT_COLONS.slice(3), /20 colon-separated pairs/],
    [CERTIFICATE_THUMBPRINT, EQUALS, THUMBPRINT_COLONS.replace('4C', '4CA'), /20 colon-separated pairs/],
    [CERTIFICATE_THUMBPRINT, EQUALS, THUMBPRINT_LOWER.slice(2), /must be 40 hexadecimal characters for CERTIFICATE_THUMBPRINT; received 38/],
  ],
  'IP addresses': [
    [IP_ADDRESS, EQUALS, '999.1.1.1', /between 0 and 255; received 999/],
    [IP_ADDRESS, EQUALS, '192.0.2.256', /between 0 and 255; received 256/],
    [IP_ADDRESS, EQUALS, '10.1', /dotted-decimal form/],
    [IP_ADDRESS, EQUALS, '10.0.1', /dotted-decimal form/],
    [IP_ADDRESS, EQUALS, '167772161', /dotted-decimal form/],
    [IP_ADDRESS, EQUALS, '0x7f.0.0.1', /dotted-decimal form/],
    [IP_ADDRESS, EQUALS, '010.0.0.1', /leading zeros, which some systems read as octal; received 010/],
    [IP_ADDRESS, EQUALS, '192.0.2.1.5', /dotted-decimal form/],
    [IP_ADDRESS, EQUALS, '2001:db8::12345', /group "12345" of more than 4 hexadecimal digits/],
    [IP_ADDRESS, EQUALS, '2001:db8::g1', /contains "g", a character IPv6 addresses do not use/],
    [IP_ADDRESS, EQUALS, '1::2::3', /"::" more than once/],
    [IP_ADDRESS, EQUALS, '1:2:3:4:5:6:7:8:9', /8 groups of up to 4 hexadecimal digits/],
    [IP_ADDRESS, EQUALS, '1:2:3:4:5:6:7', /8 groups of up to 4 hexadecimal digits/],
    [IP_ADDRESS, EQUALS, ':1:2:3:4:5:6:7', /8 groups of up to 4 hexadecimal digits/],
    [IP_ADDRESS, EQUALS, '::ffff:01.2.3.4', /dotted-decimal IPv4 address without leading zeros/],
    [IP_ADDRESS, EQUALS, '::ffff:1.2.3.256', /dotted-decimal IPv4 address without leading zeros/],
    [IP_ADDRESS, EQUALS, '[2001:db8::1]', /contains "\["/],
    [IP_ADDRESS, EQUALS, 'fe80::1%eth0', /zone index such as %eth0/],
    [IP_ADDRESS, EQUALS, '10.0.0.0/8', /single IP address for matchFunction EQUALS.*Use matchFunction CIDR/],
    [IP_ADDRESS, EQUALS, 'evil.example', /For a host name use type DOMAIN_NAME/],
    [IP_ADDRESS, EQUALS, `2001:db8::${'1:'.repeat(20)}1`, /at most 49 characters for IP_ADDRESS/],
  ],
  'CIDR blocks': [
    [IP_ADDRESS, CIDR, '10.0.0.0/33', /prefix length between 0 and 32 for an IPv4 block; received \/33/],
    [IP_ADDRESS, CIDR, '2001:db8::/129', /prefix length between 0 and 128 for an IPv6 block; received \/129/],
    [IP_ADDRESS, CIDR, '10.0.0.0/abc', /decimal prefix length between 0 and 32, such as \/24; received "\/abc"/],
    [IP_ADDRESS, CIDR, '10.0.0.0/08', /decimal prefix length/],
    [IP_ADDRESS, CIDR, '10.0.0.0/', /decimal prefix length/],
    [IP_ADDRESS, CIDR, '10.0.0.0/8/8', /decimal prefix length/],
    [IP_ADDRESS, CIDR, '999.0.0.0/8', /between 0 and 255/],
    [IP_ADDRESS, CIDR, '10.1/16', /dotted-decimal form/],
    [IP_ADDRESS, CIDR, 'fe80::%eth0/64', /zone index/],
  ],
  'domain names': [
    [DOMAIN_NAME, EQUALS, 'evil example.com', /must not contain spaces/],
    [DOMAIN_NAME, EQUALS, 'example.c_m', /top-level domain of letters only.*"c_m"/],
    [DOMAIN_NAME, EQUALS, 'example._com', /top-level domain of letters only/],
    [DOMAIN_NAME, EQUALS, 'example.123', /top-level domain of letters only.*"123"/],
    [DOMAIN_NAME, EQUALS, 'bücher.123', /top-level domain of letters only/],
    [DOMAIN_NAME, EQUALS, 'wpad', /at least two labels.*"wpad"/],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'localhost.', /at least two labels/],
    [DOMAIN_NAME, EQUALS, `${'a'.repeat(64)}.example`, /labels of at most 63 characters; received a label of 64/],
    [DOMAIN_NAME, EQUALS, `${'a.'.repeat(126)}ab`, /at most 253 characters/],
    [DOMAIN_NAME, EQUALS, `${Array(4).fill('ü'.repeat(55)).join('.')}.example`, /at most 253 characters in ASCII \(punycode\) form; received 255/],
    [DOMAIN_NAME, EQUALS, 'p\u0430ypal.com', /must not mix scripts.*Latin and Cyrillic.*"xn--pypal-4ve\.com"/],
    [DOMAIN_NAME, EQUALS, 'login.\u0440aypal.com', /label 2 mixes Cyrillic and Latin/],
    [DOMAIN_NAME, EQUALS, 'p\u03b1ypal.com', /mixes Latin and Greek/],
    [DOMAIN_NAME, EQUALS, 'https://evil.example/path', /looks like a URL\. Use type URL/],
    [DOMAIN_NAME, EQUALS, 'evil.example/path', /looks like a URL/],
    [DOMAIN_NAME, EQUALS, '192.0.2.1', /looks like an IP address\. Use type IP_ADDRESS/],
    [DOMAIN_NAME, EQUALS, '999.1.1.1', /looks like an IP address/],
    [DOMAIN_NAME, EQUALS, '2001:db8::1', /looks like an IP address/],
    [DOMAIN_NAME, EQUALS, 'evil.example:443', /must not contain ":" or a port/],
    [DOMAIN_NAME, EQUALS, 'evil..example', /empty labels/],
    [DOMAIN_NAME, EQUALS, '.evil.example', /empty labels/],
    [DOMAIN_NAME, EQUALS, '-evil.example', /must not start or end a label with a hyphen; received the label "-evil"/],
    [DOMAIN_NAME, EQUALS, 'evil-.example', /hyphen/],
    [DOMAIN_NAME, EQUALS, 'my_host.example.com', /"_" only at the start of a label.*"my_host"/],
    [DOMAIN_NAME, EQUALS, '_.example.com', /letter or digit after "_"/],
    [DOMAIN_NAME, EQUALS, 'ev!l.example', /only letters, digits and hyphens in each label; received "!"/],
    [DOMAIN_NAME, EQUALS, '*.evil.example', /only letters, digits and hyphens in each label; received "\*"/],
    [DOMAIN_NAME, EQUALS, 'xn--zz.example', /not valid punycode/],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'co.uk', /public suffix with matchFunction INCLUDES_SUBDOMAINS/],
  ],
  URLs: [
    [URL, PATH_PREFIX, 'example.com/path', /starts with a scheme such as http:\/\/.*use type DOMAIN_NAME/],
    [URL, PATH_PREFIX, 'example.com', /starts with a scheme/],
    [URL, PATH_PREFIX, 'localhost:8080/x', /starts with a scheme/],
    [URL, PATH_PREFIX, '//example.com/x', /starts with a scheme/],
    [URL, EQUALS, 'javascript:alert(1)', /schemes http, https, ftp, ws or wss; received the scheme "javascript:"/],
    [URL, EQUALS, 'data:text/html,<b>hi</b>', /received the scheme "data:"/],
    [URL, EQUALS, 'file:///etc/passwd', /received the scheme "file:"/],
    [URL, EQUALS, 'mailto:abuse@example.com', /received the scheme "mailto:"/],
    [URL, EQUALS, 'http://example.com:99999/', /port is a number from 0 to 65535/],
    [URL, EQUALS, 'http://exa mple.com/', /host or port could not be parsed/],
    [URL, EQUALS, 'http://999.1.1.1/', /host or port could not be parsed/],
    [URL, EQUALS, `https://example.com/${'ü'.repeat(1000)}`, /at most 4096 characters after normalization; received a URL that percent-encoding grows to 6020/],
  ],
};

describe.each(Object.entries(INVALID_CASES))('invalid %s', (_group, cases) => {
  it.each(cases)('%s with %s rejects %j', (type, matchFunction, raw, reason) => {
    expect(expectInvalid(type, matchFunction, raw)).toMatch(reason);
  });

  it.each(cases)('%s reason for %j is one sentence fragment ending in a period', (type, matchFunction, raw) => {
    const reason = expectInvalid(type, matchFunction, raw);

    expect(reason).toMatch(/^(must|is) /);
    expect(reason).toMatch(/\.$/);
  });
});

describe('normalizeObservableValue', () => {
  it.each<[IndicatorType, string, string | null]>([
    [FILE_SHA256, SHA256_UPPER, SHA256_LOWER],
    [FILE_SHA256, SHA256_LOWER.slice(1), null],
    [FILE_MD5, `${MD5_LOWER.slice(1)}z`, null],
    [CERTIFICATE_THUMBPRINT, THUMBPRINT_COLONS, THUMBPRINT_LOWER],
    [CERTIFICATE_THUMBPRINT, THUMBPRINT_COLONS.slice(3), null],
    [IP_ADDRESS, 'fe80::1%eth0', 'fe80::1'],
    [IP_ADDRESS, 'fe80::1%eth0.5', 'fe80::1'],
    [IP_ADDRESS, '[2001:db8::1]', '2001:db8::1'],
    [IP_ADDRESS, '::ffff:192.0.2.1', '192.0.2.1'],
    [IP_ADDRESS, '999.1.1.1', null],
    [IP_ADDRESS, '10.1', null],
    [IP_ADDRESS, '10.0.0.0/8', null],
    [IP_ADDRESS, 'not an address', null],
    [DOMAIN_NAME, 'wpad', 'wpad'],
    [DOMAIN_NAME, 'LOCALHOST.', 'localhost'],
    [DOMAIN_NAME, 'My_Host-.Evil.Example.', 'my_host-.evil.example'],
    [DOMAIN_NAME, '*.evil.example', '*.evil.example'],
    [DOMAIN_NAME, 'p\u0430ypal.com', 'xn--pypal-4ve.com'],
    [DOMAIN_NAME, 'evil example.com', null],
    [DOMAIN_NAME, 'evil..example', null],
    [DOMAIN_NAME, 'example.c_m', null],
    [DOMAIN_NAME, '192.0.2.1', null],
    [DOMAIN_NAME, 'evil.example/path', null],
    [DOMAIN_NAME, `${'a'.repeat(64)}.example`, null],
    [DOMAIN_NAME, 'xn--zz.example', null],
    [DOMAIN_NAME, '.', null],
    [URL, 'HTTPS://user@Evil.Example:443/a/../b?x=%7e#top', 'https://evil.example/b?x=~'],
    [URL, 'javascript:alert(1)', null],
    [URL, 'evil.example/path', null],
    [URL, 'http://evil.example:99999/', null],
    [URL, 'http://ev\til.example/', 'http://evil.example/'],
  ])('%s %j normalizes to %j', (type, raw, expected) => {
    expect(normalizeObservableValue(type, raw)).toBe(expected);
  });

  it.each(Object.values(IndicatorType))('%s returns null for an empty value', (type) => {
    expect(normalizeObservableValue(type, '')).toBeNull();
    expect(normalizeObservableValue(type, '   ')).toBeNull();
  });

  it('keeps a long query so that PATH_PREFIX indicators still see the URL', () => {
    const raw = `https://evil.example/drop?${'q'.repeat(20_000)}`;

    expect(normalizeObservableValue(URL, raw)).toBe(raw);
  });

  it('returns null for a URL above 64 KiB', () => {
    expect(normalizeObservableValue(URL, `https://evil.example/${'a'.repeat(70_000)}`)).toBeNull();
  });

  it('returns null for an unknown type or a value that is not a string', () => {
    expect(normalizeObservableValue('SHA512' as IndicatorType, 'abc')).toBeNull();
    expect(normalizeObservableValue(FILE_MD5, null as unknown as string)).toBeNull();
    expect(normalizeObservableValue(URL, 42 as unknown as string)).toBeNull();
  });
});

describe('urlHost', () => {
  it.each([
    ['https://evil.example/a', 'evil.example'],
    ['https://evil.example:8443/a?b', 'evil.example'],
    ['http://192.0.2.1:8080/', '192.0.2.1'],
    ['http://[2001:db8::1]:8080/', '2001:db8::1'],
    ['http://[2001:db8::1]/', '2001:db8::1'],
  ])('returns the host of %s', (url, host) => {
    expect(urlHost(url)).toBe(host);
  });
});
