import * as ipaddr from 'ipaddr.js';

import { IndicatorType, MatchFunction } from '../../src/domain/enums';
import { normalizeIndicatorValue, normalizeObservableValue } from '../../src/domain/normalize';
import { IndexedIndicator, IndicatorIndex, IndicatorMatch } from '../../src/matching/indicator-index';
import type { Observable } from '../../src/matching/observable';

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

const ORG_A = 'org-a';
const ORG_B = 'org-b';
const NOW = new Date('2030-01-01T00:00:00Z');

const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

let idCounter = 0;

/** Builds an indicator from a raw value, normalized as the service layer does. */
function makeIndicator(
  type: IndicatorType,
  matchFunction: MatchFunction,
  raw: string,
  overrides: Partial<IndexedIndicator> = {},
): IndexedIndicator {
  const normalized = normalizeIndicatorValue(type, matchFunction, raw);
  if (!normalized.ok) {
    throw new Error(`fixture ${raw} is invalid: ${normalized.reason}`);
  }
  idCounter += 1;
  return {
    id: `indicator-${idCounter}`,
    organizationId: ORG_A,
    alertDefinitionId: 'definition-1',
    type,
    matchFunction,
    normalizedValue: normalized.value,
    expiresAt: null,
    ...overrides,
  };
}

function makeObservable(type: IndicatorType, value: string, field = 'event.field'): Observable {
  return { type, value, field };
}

function buildIndex(...indicators: IndexedIndicator[]): IndicatorIndex {
  const index = new IndicatorIndex();
  for (const indicator of indicators) {
    index.upsert(indicator);
  }
  return index;
}

/** Returns the ids of the indicators that match one observable, sorted. */
function matchedIds(index: IndicatorIndex, type: IndicatorType, value: string, organizationId = ORG_A): string[] {
  return index
    .match(organizationId, [makeObservable(type, value)], NOW)
    .map((match) => match.indicator.id)
    .sort();
}

describe('EQUALS', () => {
  it.each<[IndicatorType, string, string]>([
    [FILE_MD5, MD5, MD5.toUpperCase()],
    [FILE_SHA1, SHA1, SHA1.toUpperCase()],
    [FILE_SHA256, SHA256, ` ${SHA256.toUpperCase()} `],
    [CERTIFICATE_THUMBPRINT, SHA1, SHA1.toUpperCase().match(/../g)!.join(':')],
    [IP_ADDRESS, '192.0.2.1', '192.0.2.1'],
    [IP_ADDRESS, '192.0.2.1', '::ffff:192.0.2.1'],
    [IP_ADDRESS, '2001:db8::1', '2001:DB8:0:0:0:0:0:1'],
    [IP_ADDRESS, 'fe80::1', 'fe80::1%eth0'],
    [DOMAIN_NAME, 'evil.example', 'EVIL.example.'],
    [DOMAIN_NAME, 'bücher.example', 'xn--bcher-kva.example'],
    [URL, 'https://evil.example/a/b', 'HTTPS://Evil.Example:443/a/./b#frag'],
  ])('%s indicator %j matches the observable %j', (type, indicatorValue, observableValue) => {
    const indicator = makeIndicator(type, EQUALS, indicatorValue);
    const index = buildIndex(indicator);

    expect(matchedIds(index, type, observableValue)).toEqual([indicator.id]);
  });

  it.each<[IndicatorType, string, string]>([
    [FILE_SHA256, SHA256, `${SHA256.slice(0, 63)}0`],
    [IP_ADDRESS, '192.0.2.1', '192.0.2.2'],
    [DOMAIN_NAME, 'evil.example', 'www.evil.example'],
    [DOMAIN_NAME, 'www.evil.example', 'evil.example'],
    [URL, 'https://evil.example/a', 'https://evil.example/a/b'],
    [URL, 'https://evil.example/a', 'https://evil.example/a?x=1'],
    [URL, 'https://evil.example/a', 'http://evil.example/a'],
  ])('%s indicator %j does not match %j', (type, indicatorValue, observableValue) => {
    const index = buildIndex(makeIndicator(type, EQUALS, indicatorValue));

    expect(matchedIds(index, type, observableValue)).toEqual([]);
  });

  it('compares an observable only with indicators of its own type', () => {
    const sha1 = makeIndicator(FILE_SHA1, EQUALS, SHA1);
    const thumbprint = makeIndicator(CERTIFICATE_THUMBPRINT, EQUALS, SHA1);
    const domain = makeIndicator(DOMAIN_NAME, EQUALS, 'evil.example');
    const index = buildIndex(sha1, thumbprint, domain);

    expect(matchedIds(index, FILE_SHA1, SHA1)).toEqual([sha1.id]);
    expect(matchedIds(index, CERTIFICATE_THUMBPRINT, SHA1)).toEqual([thumbprint.id]);
    expect(matchedIds(index, FILE_MD5, SHA1)).toEqual([]);
    expect(matchedIds(index, FILE_SHA256, SHA1)).toEqual([]);
    expect(matchedIds(index, URL, 'evil.example')).toEqual([]);
  });

  it('matches every indicator that has the same value', () => {
    const first = makeIndicator(FILE_SHA256, EQUALS, SHA256, { alertDefinitionId: 'definition-1' });
    const second = makeIndicator(FILE_SHA256, EQUALS, SHA256, { alertDefinitionId: 'definition-2' });
    const third = makeIndicator(FILE_SHA256, EQUALS, SHA256, { alertDefinitionId: 'definition-3' });
    const index = buildIndex(first, second, third);

    expect(matchedIds(index, FILE_SHA256, SHA256)).toEqual([first.id, second.id, third.id].sort());
  });
});

describe('INCLUDES_SUBDOMAINS', () => {
  it.each([
    ['example.com', 'example.com'],
    ['example.com', 'www.example.com'],
    ['example.com', 'a.b.c.example.com'],
    ['example.com', 'A.Example.COM.'],
    ['example.com', 'my_host-.example.com'],
    ['b.example.com', 'a.b.example.com'],
    ['bücher.example', 'www.bücher.example'],
  ])('%s matches %s', (indicatorValue, observableValue) => {
    const indicator = makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, indicatorValue);
    const index = buildIndex(indicator);

    expect(matchedIds(index, DOMAIN_NAME, observableValue)).toEqual([indicator.id]);
  });

  it.each([
    ['example.com', 'badexample.com'],
    ['example.com', 'example.com.evil.example'],
    ['example.com', 'example.co'],
    ['www.example.com', 'example.com'],
    ['b.example.com', 'ab.example.com'],
  ])('%s does not match %s', (indicatorValue, observableValue) => {
    const index = buildIndex(makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, indicatorValue));

    expect(matchedIds(index, DOMAIN_NAME, observableValue)).toEqual([]);
  });

  it('matches every ancestor indicator of a deep name', () => {
    const outer = makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'example.com');
    const inner = makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'b.example.com');
    const exact = makeIndicator(DOMAIN_NAME, EQUALS, 'a.b.example.com');
    const sibling = makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'c.example.com');
    const index = buildIndex(outer, inner, exact, sibling);

    expect(matchedIds(index, DOMAIN_NAME, 'a.b.example.com')).toEqual([outer.id, inner.id, exact.id].sort());
  });
});

describe('PATH_PREFIX', () => {
  it.each([
    ['https://h.example/a/b', 'https://h.example/a/b'],
    ['https://h.example/a/b', 'https://h.example/a/b/'],
    ['https://h.example/a/b', 'https://h.example/a/b/c?x=1'],
    ['https://h.example/a/b', 'https://h.example/a/b?x=1'],
    ['https://h.example/a/b', 'HTTPS://user:pw@H.example:443/a/./b/c#top'],
    ['https://h.example/a/b/', 'https://h.example/a/b/c'],
    ['https://h.example/', 'https://h.example/'],
    ['https://h.example/', 'https://h.example/any/path?q=1'],
    ['https://h.example', 'https://h.example/x'],
    ['https://h.example:8443/a', 'https://h.example:8443/a/b'],
    ['https://h.example/a?x=1', 'https://h.example/a?x=1'],
    ['https://h.example/a%2Fb', 'https://h.example/a%2fb/c'],
    ['https://h.example/~user', 'https://h.example/%7Euser/page'],
  ])('%s matches %s', (indicatorValue, observableValue) => {
    const indicator = makeIndicator(URL, PATH_PREFIX, indicatorValue);
    const index = buildIndex(indicator);

    expect(matchedIds(index, URL, observableValue)).toEqual([indicator.id]);
  });

  it.each([
    ['https://h.example/a/b', 'https://h.example/a/bc'],
    ['https://h.example/a/b', 'https://h.example/a'],
    ['https://h.example/a/b', 'https://h.example/a/'],
    ['https://h.example/a/b/', 'https://h.example/a/b'],
    ['https://h.example/a/b', 'http://h.example/a/b'],
    ['https://h.example/a/b', 'https://h.example:8443/a/b'],
    ['https://h.example/a/b', 'https://www.h.example/a/b'],
    ['https://h.example/', 'https://other.example/'],
    ['https://h.example/a?x=1', 'https://h.example/a?x=12'],
    ['https://h.example/a?x=1', 'https://h.example/a/b?x=1'],
    ['https://h.example/a?x=1', 'https://h.example/a'],
    ['https://h.example/a%2Fb', 'https://h.example/a/b'],
  ])('%s does not match %s', (indicatorValue, observableValue) => {
    const index = buildIndex(makeIndicator(URL, PATH_PREFIX, indicatorValue));

    expect(matchedIds(index, URL, observableValue)).toEqual([]);
  });

  it('matches a prefix of an observed URL longer than the URL limit', () => {
    const indicator = makeIndicator(URL, PATH_PREFIX, 'https://h.example/a');
    const index = buildIndex(indicator);
    const longUrl = `https://h.example/a/${'b/'.repeat(5000)}c?${'q'.repeat(10_000)}`;

    expect(matchedIds(index, URL, longUrl)).toEqual([indicator.id]);
  });
});

describe('CIDR', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0'],
    ['203.0.113.0/24', '203.0.113.255'],
    ['10.0.0.1/8', '10.200.3.4'],
    ['0.0.0.0/0', '198.51.100.7'],
    ['192.0.2.7', '192.0.2.7'],
    ['192.0.2.0/24', '::ffff:192.0.2.9'],
    ['::ffff:192.0.2.0/120', '192.0.2.9'],
    ['2001:db8::/32', '2001:db8:ffff::1'],
    ['2001:db8:8000::/33', '2001:db8:8000::1'],
    ['::/0', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
  ])('%s contains %s', (block, address) => {
    const indicator = makeIndicator(IP_ADDRESS, CIDR, block);
    const index = buildIndex(indicator);

    expect(matchedIds(index, IP_ADDRESS, address)).toEqual([indicator.id]);
  });

  it.each([
    ['203.0.113.0/24', '203.0.114.0'],
    ['10.0.0.0/8', '11.0.0.0'],
    ['192.0.2.7', '192.0.2.8'],
    ['2001:db8::/32', '2001:db9::1'],
    ['2001:db8:8000::/33', '2001:db8:7fff::1'],
    ['0.0.0.0/0', '2001:db8::1'],
    ['::/0', '192.0.2.1'],
  ])('%s does not contain %s', (block, address) => {
    const index = buildIndex(makeIndicator(IP_ADDRESS, CIDR, block));

    expect(matchedIds(index, IP_ADDRESS, address)).toEqual([]);
  });

  it('matches blocks of several prefix lengths and EQUALS indicators together', () => {
    const wide = makeIndicator(IP_ADDRESS, CIDR, '10.0.0.0/8');
    const narrow = makeIndicator(IP_ADDRESS, CIDR, '10.1.2.0/24');
    const host = makeIndicator(IP_ADDRESS, CIDR, '10.1.2.3/32');
    const equals = makeIndicator(IP_ADDRESS, EQUALS, '10.1.2.3');
    const other = makeIndicator(IP_ADDRESS, CIDR, '10.1.3.0/24');
    const index = buildIndex(wide, narrow, host, equals, other);

    expect(matchedIds(index, IP_ADDRESS, '10.1.2.3')).toEqual([wide.id, narrow.id, host.id, equals.id].sort());
  });

  it('stops looking up a prefix length once its last block is removed', () => {
    const wide = makeIndicator(IP_ADDRESS, CIDR, '10.0.0.0/8');
    const narrow = makeIndicator(IP_ADDRESS, CIDR, '10.1.2.0/24');
    const index = buildIndex(wide, narrow);

    index.remove(narrow.id);

    expect(matchedIds(index, IP_ADDRESS, '10.1.2.3')).toEqual([wide.id]);
    index.upsert(narrow);
    expect(matchedIds(index, IP_ADDRESS, '10.1.2.3')).toEqual([wide.id, narrow.id].sort());
  });
});

describe('URL host', () => {
  it.each<[IndicatorType, MatchFunction, string, string, string]>([
    [DOMAIN_NAME, EQUALS, 'evil.example', 'https://evil.example/login', 'evil.example'],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'evil.example', 'https://cdn.Evil.Example:8443/x?y', 'cdn.evil.example'],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'bücher.example', 'http://www.bücher.example/', 'www.xn--bcher-kva.example'],
    [IP_ADDRESS, EQUALS, '192.0.2.1', 'http://192.0.2.1:8080/x', '192.0.2.1'],
    [IP_ADDRESS, CIDR, '192.0.2.0/24', 'http://192.0.2.77/x', '192.0.2.77'],
    [IP_ADDRESS, EQUALS, '2001:db8::1', 'http://[2001:DB8::1]/x', '2001:db8::1'],
    [IP_ADDRESS, CIDR, '192.0.2.0/24', 'http://[::ffff:192.0.2.5]/', '192.0.2.5'],
  ])('%s %s indicator %j matches the URL %j on its host', (type, matchFunction, indicatorValue, url, host) => {
    const indicator = makeIndicator(type, matchFunction, indicatorValue);
    const index = buildIndex(indicator);
    const observable = makeObservable(URL, url, 'url.full');

    const matches = index.match(ORG_A, [observable], NOW);

    expect(matches).toEqual([{ indicator, observable, matchedValue: host }]);
  });

  it.each<[IndicatorType, MatchFunction, string, string]>([
    [DOMAIN_NAME, EQUALS, 'evil.example', 'https://www.evil.example/'],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'evil.example', 'https://notevil.example/'],
    [DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'evil.example', 'https://good.example/evil.example'],
    [IP_ADDRESS, CIDR, '192.0.2.0/24', 'http://192.0.3.1/'],
    [IP_ADDRESS, EQUALS, '192.0.2.1', 'http://good.example/?ip=192.0.2.1'],
  ])('%s %s indicator %j does not match the URL %j', (type, matchFunction, indicatorValue, url) => {
    const index = buildIndex(makeIndicator(type, matchFunction, indicatorValue));

    expect(matchedIds(index, URL, url)).toEqual([]);
  });

  it('reports the URL for a URL match and the host for a host match', () => {
    const urlIndicator = makeIndicator(URL, PATH_PREFIX, 'https://evil.example/kit');
    const domainIndicator = makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'evil.example');
    const index = buildIndex(urlIndicator, domainIndicator);

    const matches = index.match(ORG_A, [makeObservable(URL, 'https://evil.example/kit/a')], NOW);
    const valueById = Object.fromEntries(matches.map((match) => [match.indicator.id, match.matchedValue]));

    expect(valueById).toEqual({
      [urlIndicator.id]: 'https://evil.example/kit/a',
      [domainIndicator.id]: 'evil.example',
    });
  });
});

describe('expiry', () => {
  it.each([
    ['an hour before now', new Date(NOW.getTime() - 3_600_000), false],
    ['exactly now', new Date(NOW.getTime()), false],
    ['one millisecond after now', new Date(NOW.getTime() + 1), true],
    ['never', null, true],
  ])('an indicator expiring %s matches: %s', (_label, expiresAt, expected) => {
    const indicator = makeIndicator(FILE_SHA256, EQUALS, SHA256, { expiresAt });
    const index = buildIndex(indicator);

    expect(matchedIds(index, FILE_SHA256, SHA256)).toEqual(expected ? [indicator.id] : []);
  });

  it('uses the current time when no time is passed', () => {
    const expired = makeIndicator(FILE_MD5, EQUALS, MD5, { expiresAt: new Date(Date.now() - 1000) });
    const active = makeIndicator(FILE_MD5, EQUALS, MD5, { expiresAt: new Date(Date.now() + 3_600_000) });
    const index = buildIndex(expired, active);

    const matches = index.match(ORG_A, [makeObservable(FILE_MD5, MD5)]);

    expect(matches.map((match) => match.indicator.id)).toEqual([active.id]);
  });

  it('keeps expired indicators in the index until they are removed', () => {
    const indicator = makeIndicator(FILE_MD5, EQUALS, MD5, { expiresAt: new Date(NOW.getTime() - 1) });
    const index = buildIndex(indicator);

    expect(index.size).toBe(1);
    expect(index.match(ORG_A, [makeObservable(FILE_MD5, MD5)], new Date(NOW.getTime() - 2))).toHaveLength(1);
  });
});

describe('organizations', () => {
  it('never returns indicators of another organization', () => {
    const ownHash = makeIndicator(FILE_SHA256, EQUALS, SHA256, { organizationId: ORG_A });
    const otherHash = makeIndicator(FILE_SHA256, EQUALS, SHA256, { organizationId: ORG_B });
    const otherDomain = makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'evil.example', { organizationId: ORG_B });
    const otherBlock = makeIndicator(IP_ADDRESS, CIDR, '0.0.0.0/0', { organizationId: ORG_B });
    const otherUrl = makeIndicator(URL, PATH_PREFIX, 'https://evil.example/', { organizationId: ORG_B });
    const index = buildIndex(ownHash, otherHash, otherDomain, otherBlock, otherUrl);
    const observables = [
      makeObservable(FILE_SHA256, SHA256),
      makeObservable(DOMAIN_NAME, 'www.evil.example'),
      makeObservable(IP_ADDRESS, '192.0.2.1'),
      makeObservable(URL, 'https://evil.example/x'),
    ];

    expect(index.match(ORG_A, observables, NOW).map((match) => match.indicator.id)).toEqual([ownHash.id]);
    expect(index.match(ORG_B, observables, NOW).map((match) => match.indicator.id).sort()).toEqual(
      [otherHash.id, otherDomain.id, otherBlock.id, otherUrl.id].sort(),
    );
  });

  it('returns nothing for an organization without indicators', () => {
    const index = buildIndex(makeIndicator(FILE_SHA256, EQUALS, SHA256));

    expect(index.match('org-unknown', [makeObservable(FILE_SHA256, SHA256)], NOW)).toEqual([]);
  });
});

describe('match results', () => {
  it('returns one match per indicator, for the first observable that matches', () => {
    const indicator = makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'evil.example');
    const index = buildIndex(indicator);
    const miss = makeObservable(DOMAIN_NAME, 'good.example', 'dns.question.name');
    const first = makeObservable(DOMAIN_NAME, 'a.evil.example', 'dns.question.name');
    const second = makeObservable(URL, 'https://evil.example/', 'url.full');
    const third = makeObservable(DOMAIN_NAME, 'evil.example', 'destination.domain');

    const matches = index.match(ORG_A, [miss, first, second, third], NOW);

    expect(matches).toEqual([{ indicator, observable: first, matchedValue: 'a.evil.example' }]);
    expect(matches[0].observable).toBe(first);
  });

  it('returns matches in observable order', () => {
    const hash = makeIndicator(FILE_SHA256, EQUALS, SHA256);
    const domain = makeIndicator(DOMAIN_NAME, EQUALS, 'evil.example');
    const index = buildIndex(hash, domain);

    const matches = index.match(ORG_A, [makeObservable(DOMAIN_NAME, 'evil.example'), makeObservable(FILE_SHA256, SHA256)], NOW);

    expect(matches.map((match) => match.indicator.id)).toEqual([domain.id, hash.id]);
  });

  it('returns an empty list for no observables', () => {
    const index = buildIndex(makeIndicator(FILE_SHA256, EQUALS, SHA256));

    expect(index.match(ORG_A, [], NOW)).toEqual([]);
  });

  it('skips observables that cannot be normalized without throwing', () => {
    const indicator = makeIndicator(FILE_SHA256, EQUALS, SHA256);
    const index = buildIndex(indicator, makeIndicator(IP_ADDRESS, CIDR, '0.0.0.0/0'), makeIndicator(URL, PATH_PREFIX, 'https://h.example/'));
    const garbage = [
      makeObservable(FILE_SHA256, 'not a hash'),
      makeObservable(IP_ADDRESS, '999.1.1.1'),
      makeObservable(IP_ADDRESS, '\u0000'),
      makeObservable(DOMAIN_NAME, '..'),
      makeObservable(URL, 'javascript:alert(1)'),
      makeObservable(URL, 'http://[::1'),
      makeObservable(URL, '%'.repeat(100_000)),
      makeObservable('UNKNOWN_TYPE' as IndicatorType, SHA256),
      { type: FILE_SHA256, value: null, field: 'x' } as unknown as Observable,
      { type: FILE_SHA256, value: 12, field: 'x' } as unknown as Observable,
      null as unknown as Observable,
      makeObservable(FILE_SHA256, SHA256),
    ];

    const matches = index.match(ORG_A, garbage, NOW);

    expect(matches.map((match) => match.indicator.id)).toEqual([indicator.id]);
  });

  it('returns a frozen copy that later changes to the input do not affect', () => {
    const input = makeIndicator(DOMAIN_NAME, EQUALS, 'evil.example');
    const index = buildIndex(input);

    input.normalizedValue = 'changed.example';
    const [match] = index.match(ORG_A, [makeObservable(DOMAIN_NAME, 'evil.example')], NOW);

    expect(match.indicator).toEqual({ ...input, normalizedValue: 'evil.example' });
    expect(Object.isFrozen(match.indicator)).toBe(true);
    expect(matchedIds(index, DOMAIN_NAME, 'changed.example')).toEqual([]);
  });
});

describe('upsert and remove', () => {
  it('replaces an indicator whose value changes', () => {
    const original = makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'old.example');
    const index = buildIndex(original);

    index.upsert({ ...original, normalizedValue: 'new.example' });

    expect(index.size).toBe(1);
    expect(matchedIds(index, DOMAIN_NAME, 'old.example')).toEqual([]);
    expect(matchedIds(index, DOMAIN_NAME, 'www.new.example')).toEqual([original.id]);
  });

  it('replaces an indicator whose type and match function change', () => {
    const original = makeIndicator(IP_ADDRESS, CIDR, '10.0.0.0/8');
    const index = buildIndex(original);

    index.upsert(makeIndicator(DOMAIN_NAME, EQUALS, 'evil.example', { id: original.id }));

    expect(index.size).toBe(1);
    expect(matchedIds(index, IP_ADDRESS, '10.1.1.1')).toEqual([]);
    expect(matchedIds(index, DOMAIN_NAME, 'evil.example')).toEqual([original.id]);
  });

  it('moves an indicator whose organization changes', () => {
    const original = makeIndicator(FILE_SHA256, EQUALS, SHA256, { organizationId: ORG_A });
    const index = buildIndex(original);

    index.upsert({ ...original, organizationId: ORG_B });

    expect(matchedIds(index, FILE_SHA256, SHA256, ORG_A)).toEqual([]);
    expect(matchedIds(index, FILE_SHA256, SHA256, ORG_B)).toEqual([original.id]);
  });

  it('keeps other indicators with the same value when one is replaced', () => {
    const first = makeIndicator(URL, PATH_PREFIX, 'https://h.example/a');
    const second = makeIndicator(URL, PATH_PREFIX, 'https://h.example/a');
    const index = buildIndex(first, second);

    index.upsert({ ...first, normalizedValue: 'https://h.example/b' });

    expect(matchedIds(index, URL, 'https://h.example/a/x')).toEqual([second.id]);
    expect(matchedIds(index, URL, 'https://h.example/b/x')).toEqual([first.id]);
  });

  it('removes one indicator and ignores unknown ids', () => {
    const kept = makeIndicator(FILE_SHA256, EQUALS, SHA256);
    const removed = makeIndicator(FILE_SHA256, EQUALS, SHA256);
    const index = buildIndex(kept, removed);

    index.remove(removed.id);
    index.remove('indicator-unknown');

    expect(index.size).toBe(1);
    expect(matchedIds(index, FILE_SHA256, SHA256)).toEqual([kept.id]);
  });

  it('removes many indicators at once', () => {
    const indicators = [
      makeIndicator(FILE_MD5, EQUALS, MD5),
      makeIndicator(IP_ADDRESS, CIDR, '2001:db8::/32'),
      makeIndicator(DOMAIN_NAME, INCLUDES_SUBDOMAINS, 'evil.example'),
      makeIndicator(URL, PATH_PREFIX, 'https://evil.example/'),
    ];
    const kept = makeIndicator(URL, EQUALS, 'https://evil.example/');
    const index = buildIndex(...indicators, kept);

    index.removeMany(new Set(indicators.map((indicator) => indicator.id)));

    expect(index.size).toBe(1);
    expect(matchedIds(index, FILE_MD5, MD5)).toEqual([]);
    expect(matchedIds(index, IP_ADDRESS, '2001:db8::1')).toEqual([]);
    expect(matchedIds(index, DOMAIN_NAME, 'evil.example')).toEqual([]);
    expect(matchedIds(index, URL, 'https://evil.example/')).toEqual([kept.id]);
  });

  it.each<[string, Partial<IndexedIndicator>, RegExp]>([
    ['a match function the type does not allow', { type: FILE_SHA256, matchFunction: CIDR }, /matchFunction CIDR, which type FILE_SHA256 does not allow/],
    ['an unknown type', { type: 'SHA512' as IndicatorType }, /type SHA512 does not allow/],
    ['a CIDR value without a prefix', { type: IP_ADDRESS, matchFunction: CIDR, normalizedValue: '10.0.0.0' }, /network\/prefix form/],
    ['a CIDR prefix out of range', { type: IP_ADDRESS, matchFunction: CIDR, normalizedValue: '10.0.0.0/40' }, /network\/prefix form/],
    ['a CIDR network that is not an address', { type: IP_ADDRESS, matchFunction: CIDR, normalizedValue: 'x.example/8' }, /not a dotted-decimal IPv4 address/],
    ['an invalid IPv6 CIDR network', { type: IP_ADDRESS, matchFunction: CIDR, normalizedValue: '2001:db8:::/32' }, /not a valid IPv6 address/],
  ])('rejects %s and leaves the index unchanged', (_label, overrides, message) => {
    const existing = makeIndicator(FILE_SHA256, EQUALS, SHA256);
    const index = buildIndex(existing);

    expect(() => index.upsert({ ...existing, ...overrides })).toThrow(message);
    expect(index.size).toBe(1);
    expect(matchedIds(index, FILE_SHA256, SHA256)).toEqual([existing.id]);
  });
});

describe('replaceAll', () => {
  it('replaces the whole content', () => {
    const old = makeIndicator(FILE_SHA256, EQUALS, SHA256);
    const fresh = makeIndicator(FILE_MD5, EQUALS, MD5, { organizationId: ORG_B });
    const index = buildIndex(old);

    index.replaceAll([fresh]);

    expect(index.size).toBe(1);
    expect(matchedIds(index, FILE_SHA256, SHA256)).toEqual([]);
    expect(matchedIds(index, FILE_MD5, MD5, ORG_B)).toEqual([fresh.id]);
  });

  it('keeps the last of two indicators with the same id', () => {
    const first = makeIndicator(FILE_SHA256, EQUALS, SHA256);
    const index = new IndicatorIndex();

    index.replaceAll([first, { ...first, type: FILE_MD5, normalizedValue: MD5 }]);

    expect(index.size).toBe(1);
    expect(matchedIds(index, FILE_SHA256, SHA256)).toEqual([]);
    expect(matchedIds(index, FILE_MD5, MD5)).toEqual([first.id]);
  });

  it('keeps the old content when an indicator is invalid', () => {
    const old = makeIndicator(FILE_SHA256, EQUALS, SHA256);
    const index = buildIndex(old);
    const invalid = { ...makeIndicator(FILE_MD5, EQUALS, MD5), matchFunction: PATH_PREFIX };

    expect(() => index.replaceAll([makeIndicator(FILE_SHA1, EQUALS, SHA1), invalid])).toThrow(/PATH_PREFIX/);
    expect(index.size).toBe(1);
    expect(matchedIds(index, FILE_SHA256, SHA256)).toEqual([old.id]);
  });

  it('empties the index when given nothing', () => {
    const index = buildIndex(makeIndicator(FILE_SHA256, EQUALS, SHA256));

    index.replaceAll([]);

    expect(index.size).toBe(0);
    expect(matchedIds(index, FILE_SHA256, SHA256)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Property test: the index agrees with a linear scan over random data.

/** Seeded xorshift32 generator, so that a failure reproduces with the same seed. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Returns a float in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }

  int(exclusiveMax: number): number {
    return Math.floor(this.next() * exclusiveMax);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  hex(length: number): string {
    let text = '';
    for (let i = 0; i < length; i += 1) {
      text += this.int(16).toString(16);
    }
    return text;
  }

  bits(count: number): bigint {
    let value = 0n;
    for (let i = 0; i < count; i += 1) {
      value = (value << 1n) | (this.chance(0.5) ? 1n : 0n);
    }
    return value;
  }
}

const HASH_TYPES = [FILE_MD5, FILE_SHA1, FILE_SHA256, CERTIFICATE_THUMBPRINT] as const;
const HASH_LENGTH: Record<(typeof HASH_TYPES)[number], number> = {
  [FILE_MD5]: 32,
  [FILE_SHA1]: 40,
  [FILE_SHA256]: 64,
  [CERTIFICATE_THUMBPRINT]: 40,
};
const LABELS = ['a', 'b', 'evil', 'cdn', 'mail', 'login', 'x1', 'api'];
const TOP_LEVEL = ['example', 'test', 'com'];
const SEGMENTS = ['a', 'b', 'kit', 'login', 'x'];

/** Small value spaces, so that random indicators and probes overlap often. */
class ValueGenerator {
  constructor(private readonly random: Random) {}

  ipv4(): string {
    const r = this.random;
    return r.chance(0.5) ? `10.${r.int(3)}.${r.int(4)}.${r.int(256)}` : `192.0.${r.int(3)}.${r.int(256)}`;
  }

  ipv6(): string {
    const r = this.random;
    return `2001:db8:${r.int(3).toString(16)}:${r.int(4).toString(16)}::${r.int(3).toString(16)}:${r.hex(r.int(4) + 1)}`;
  }

  domain(): string {
    const r = this.random;
    const labels = Array.from({ length: r.int(3) + 1 }, () => r.pick(LABELS));
    return `${labels.join('.')}.${r.pick(TOP_LEVEL)}`;
  }

  host(): string {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.6) {
      return this.domain();
    }
    return roll < 0.85 ? this.ipv4() : `[${this.ipv6()}]`;
  }

  url(): string {
    const r = this.random;
    const scheme = r.pick(['http', 'https']);
    const port = r.pick(['', '', '', ':8080', scheme === 'https' ? ':443' : ':80']);
    const segments = Array.from({ length: r.int(4) }, () => r.pick(SEGMENTS));
    const trailingSlash = segments.length > 0 && r.chance(0.2) ? '/' : '';
    const query = r.chance(0.2) ? `?id=${r.int(3)}` : '';
    const fragment = r.chance(0.1) ? '#top' : '';
    return `${scheme}://${this.host()}${port}/${segments.join('/')}${trailingSlash}${query}${fragment}`;
  }

  indicator(organizationId: string): IndexedIndicator {
    const r = this.random;
    const roll = r.next();
    const expiresAt = r.chance(0.1) ? new Date(NOW.getTime() - 1 - r.int(1000)) : r.chance(0.1) ? new Date(NOW.getTime() + 1 + r.int(1000)) : null;
    const overrides = { organizationId, expiresAt };

    if (roll < 0.15) {
      const type = r.pick(HASH_TYPES);
      return makeIndicator(type, EQUALS, r.hex(HASH_LENGTH[type]), overrides);
    }
    if (roll < 0.25) {
      return makeIndicator(IP_ADDRESS, EQUALS, r.chance(0.6) ? this.ipv4() : this.ipv6(), overrides);
    }
    if (roll < 0.45) {
      const block = r.chance(0.6) ? `${this.ipv4()}/${r.int(33)}` : `${this.ipv6()}/${r.int(129)}`;
      return makeIndicator(IP_ADDRESS, CIDR, block, overrides);
    }
    if (roll < 0.7) {
      return makeIndicator(DOMAIN_NAME, r.pick([EQUALS, INCLUDES_SUBDOMAINS]), this.domain(), overrides);
    }
    return makeIndicator(URL, r.pick([EQUALS, PATH_PREFIX]), this.url(), overrides);
  }

  /** Returns an observable derived from an indicator: the value itself, a subdomain, an address in a block, a sub-path. */
  derivedProbe(indicator: IndexedIndicator): Observable {
    const r = this.random;
    const value = indicator.normalizedValue;

    switch (indicator.type) {
      case FILE_MD5:
      case FILE_SHA1:
      case FILE_SHA256:
      case CERTIFICATE_THUMBPRINT: {
        // Sometimes the same hex under another type of the same length, which must not match.
        const type = r.chance(0.3) ? r.pick(HASH_TYPES) : indicator.type;
        return makeObservable(type, r.chance(0.5) ? value.toUpperCase() : value);
      }
      case IP_ADDRESS:
        return this.derivedAddressProbe(indicator);
      case DOMAIN_NAME:
        if (r.chance(0.25)) {
          return makeObservable(URL, `https://${this.domainNear(value)}/${r.pick(SEGMENTS)}`);
        }
        return makeObservable(DOMAIN_NAME, this.domainNear(value));
      case URL:
        return makeObservable(URL, this.urlNear(value));
      default:
        throw new Error(`unexpected type ${indicator.type}`);
    }
  }

  randomProbe(): Observable {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.15) {
      const type = r.pick(HASH_TYPES);
      return makeObservable(type, r.hex(HASH_LENGTH[type]));
    }
    if (roll < 0.4) {
      return makeObservable(IP_ADDRESS, r.chance(0.6) ? this.ipv4() : this.ipv6());
    }
    if (roll < 0.65) {
      return makeObservable(DOMAIN_NAME, r.chance(0.9) ? this.domain() : r.pick(LABELS));
    }
    if (roll < 0.97) {
      return makeObservable(URL, this.url());
    }
    return makeObservable(r.pick(Object.values(IndicatorType)), r.pick(['', 'garbage', '999.1.1.1', '..', 'javascript:x']));
  }

  private derivedAddressProbe(indicator: IndexedIndicator): Observable {
    const r = this.random;
    const [network, prefixText] = indicator.normalizedValue.split('/');
    const address = ipaddr.parse(network);
    const totalBits = address.kind() === 'ipv4' ? 32 : 128;
    const prefixLength = prefixText === undefined ? totalBits : Number(prefixText);

    // An address inside the block, or just outside it when a prefix bit is flipped.
    let number = bytesToBigInt(address.toByteArray());
    const hostBits = totalBits - prefixLength;
    number |= r.bits(hostBits);
    if (prefixLength > 0 && r.chance(0.2)) {
      number ^= 1n << BigInt(hostBits + r.int(prefixLength));
    }
    const text = ipaddr.fromByteArray(bigIntToBytes(number, totalBits / 8)).toString();

    if (address.kind() === 'ipv4' && r.chance(0.15)) {
      return makeObservable(IP_ADDRESS, `::ffff:${text}`);
    }
    if (r.chance(0.2)) {
      const host = address.kind() === 'ipv4' ? text : `[${text}]`;
      return makeObservable(URL, `http://${host}/${r.pick(SEGMENTS)}`);
    }
    return makeObservable(IP_ADDRESS, text);
  }

  private domainNear(domain: string): string {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.3) {
      return domain;
    }
    if (roll < 0.7) {
      return `${r.pick(LABELS)}.${r.chance(0.3) ? `${r.pick(LABELS)}.` : ''}${domain}`;
    }
    if (roll < 0.85) {
      return `${r.pick(LABELS)}${domain}`;
    }
    return domain.slice(domain.indexOf('.') + 1);
  }

  private urlNear(url: string): string {
    const r = this.random;
    const base = url.replace(/\?.*$/, '');
    switch (r.int(7)) {
      case 0:
        return url;
      case 1:
        return `${base.replace(/\/$/, '')}/${r.pick(SEGMENTS)}`;
      case 2:
        return `${base}${r.pick(SEGMENTS)}`;
      case 3:
        return `${base}?id=${r.int(3)}`;
      case 4:
        return `${url.replace(/^[a-z]+:\/\/[^/]*/, (origin) => origin.toUpperCase())}#frag`;
      case 5:
        return base.slice(0, base.lastIndexOf('/') + 1);
      default:
        return url.replace(/^https?:\/\//, (scheme) => `${scheme}${r.pick(LABELS)}.`);
    }
  }
}

function bytesToBigInt(bytes: number[]): bigint {
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function bigIntToBytes(value: bigint, length: number): number[] {
  const bytes: number[] = [];
  for (let i = length - 1; i >= 0; i -= 1) {
    bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  }
  return bytes;
}

/** An address as family and number, for the oracle's range checks. */
interface OracleAddress {
  bits: 32 | 128;
  value: bigint;
}

function toOracleAddress(text: string): OracleAddress {
  const address = ipaddr.parse(text);
  return { bits: address.kind() === 'ipv4' ? 32 : 128, value: bytesToBigInt(address.toByteArray()) };
}

interface OracleUrl {
  origin: string;
  path: string;
  query: string;
}

function toOracleUrl(normalized: string): OracleUrl {
  const parsed = new globalThis.URL(normalized);
  return { origin: `${parsed.protocol}//${parsed.host}`, path: parsed.pathname, query: parsed.search };
}

/** Everything the oracle needs to know about one observable, computed once. */
interface OracleProbe {
  type: IndicatorType;
  value: string | null;
  address?: OracleAddress;
  url?: OracleUrl;
  hostAddress?: OracleAddress;
  hostDomain?: string;
}

function toOracleProbe(observable: Observable): OracleProbe {
  const value = normalizeObservableValue(observable.type, observable.value);
  const probe: OracleProbe = { type: observable.type, value };
  if (value === null) {
    return probe;
  }

  if (observable.type === IP_ADDRESS) {
    probe.address = toOracleAddress(value);
  }
  if (observable.type === URL) {
    probe.url = toOracleUrl(value);
    const hostname = new globalThis.URL(value).hostname.replace(/^\[(.*)\]$/, '$1');
    const hostAddress = normalizeObservableValue(IP_ADDRESS, hostname);
    if (hostAddress !== null) {
      probe.hostAddress = toOracleAddress(hostAddress);
    } else {
      probe.hostDomain = normalizeObservableValue(DOMAIN_NAME, hostname) ?? undefined;
    }
  }
  return probe;
}

/** An indicator with its value pre-parsed for the oracle. */
interface OracleIndicator {
  indicator: IndexedIndicator;
  block?: { bits: 32 | 128; network: bigint; prefixLength: number };
  url?: OracleUrl;
}

function toOracleIndicator(indicator: IndexedIndicator): OracleIndicator {
  if (indicator.type === IP_ADDRESS) {
    const [network, prefixText] = indicator.normalizedValue.split('/');
    const address = toOracleAddress(network);
    const prefixLength = prefixText === undefined ? address.bits : Number(prefixText);
    return { indicator, block: { bits: address.bits, network: address.value, prefixLength } };
  }
  if (indicator.type === URL) {
    return { indicator, url: toOracleUrl(indicator.normalizedValue) };
  }
  return { indicator };
}

function oracleAddressMatches(candidate: OracleIndicator, address: OracleAddress): boolean {
  const block = candidate.block!;
  if (block.bits !== address.bits) {
    return false;
  }
  const shift = BigInt(block.bits - block.prefixLength);
  return address.value >> shift === block.network >> shift;
}

function oracleDomainMatches(indicator: IndexedIndicator, name: string): boolean {
  if (indicator.matchFunction === EQUALS) {
    return name === indicator.normalizedValue;
  }
  return name === indicator.normalizedValue || name.endsWith(`.${indicator.normalizedValue}`);
}

function oracleUrlMatches(candidate: OracleIndicator, value: string, url: OracleUrl): boolean {
  const indicator = candidate.indicator;
  if (indicator.matchFunction === EQUALS || candidate.url!.query !== '') {
    return value === indicator.normalizedValue;
  }
  const prefix = candidate.url!;
  if (url.origin !== prefix.origin) {
    return false;
  }
  if (url.path === prefix.path) {
    return true;
  }
  return url.path.startsWith(prefix.path) && (prefix.path.endsWith('/') || url.path[prefix.path.length] === '/');
}

/** Decides by the written rules, without the index, whether one indicator matches one observable. */
function oracleMatches(candidate: OracleIndicator, probe: OracleProbe): boolean {
  const indicator = candidate.indicator;
  if (probe.value === null) {
    return false;
  }

  if (probe.type === URL) {
    if (indicator.type === URL) {
      return oracleUrlMatches(candidate, probe.value, probe.url!);
    }
    if (indicator.type === IP_ADDRESS && probe.hostAddress !== undefined) {
      return oracleAddressMatches(candidate, probe.hostAddress);
    }
    if (indicator.type === DOMAIN_NAME && probe.hostDomain !== undefined) {
      return oracleDomainMatches(indicator, probe.hostDomain);
    }
    return false;
  }

  if (indicator.type !== probe.type) {
    return false;
  }
  if (probe.type === IP_ADDRESS) {
    return oracleAddressMatches(candidate, probe.address!);
  }
  if (probe.type === DOMAIN_NAME) {
    return oracleDomainMatches(indicator, probe.value);
  }
  return probe.value === indicator.normalizedValue;
}

/** Returns, for each matching indicator, the position of the first observable that matches it. */
function oracleMatch(
  candidates: readonly OracleIndicator[],
  organizationId: string,
  probes: readonly OracleProbe[],
): Map<string, number> {
  const expected = new Map<string, number>();
  for (const candidate of candidates) {
    const { indicator } = candidate;
    if (indicator.organizationId !== organizationId) {
      continue;
    }
    if (indicator.expiresAt !== null && indicator.expiresAt.getTime() <= NOW.getTime()) {
      continue;
    }
    const position = probes.findIndex((probe) => oracleMatches(candidate, probe));
    if (position !== -1) {
      expected.set(indicator.id, position);
    }
  }
  return expected;
}

function actualMatch(matches: readonly IndicatorMatch[], observables: readonly Observable[]): Map<string, number> {
  return new Map(matches.map((match) => [match.indicator.id, observables.indexOf(match.observable)]));
}

describe('agreement with a linear scan', () => {
  const SEED = 20_240_611;
  const INDICATOR_COUNT = 3000;
  const PROBE_COUNT = 10_000;

  /** Random observables in calls of one to three, about half of them derived from indicators. */
  function buildCalls(generator: ValueGenerator, random: Random, indicators: readonly IndexedIndicator[]) {
    const calls: { organizationId: string; observables: Observable[] }[] = [];
    let probeCount = 0;
    while (probeCount < PROBE_COUNT) {
      const size = Math.min(1 + random.int(3), PROBE_COUNT - probeCount);
      const observables = Array.from({ length: size }, () =>
        random.chance(0.5) ? generator.derivedProbe(random.pick(indicators)) : generator.randomProbe(),
      );
      calls.push({ organizationId: random.chance(0.8) ? ORG_A : ORG_B, observables });
      probeCount += size;
    }
    return calls;
  }

  function compareWithOracle(index: IndicatorIndex, indicators: readonly IndexedIndicator[], calls: ReturnType<typeof buildCalls>) {
    const candidates = indicators.map(toOracleIndicator);
    let matchCount = 0;
    const mismatches: string[] = [];

    for (const call of calls) {
      const probes = call.observables.map(toOracleProbe);
      const expected = oracleMatch(candidates, call.organizationId, probes);
      const actual = actualMatch(index.match(call.organizationId, call.observables, NOW), call.observables);
      matchCount += expected.size;

      const same = expected.size === actual.size && [...expected].every(([id, position]) => actual.get(id) === position);
      if (!same && mismatches.length < 5) {
        mismatches.push(
          JSON.stringify({
            organizationId: call.organizationId,
            observables: call.observables.map((observable) => [observable.type, observable.value]),
            expected: [...expected],
            actual: [...actual],
          }),
        );
      }
    }
    return { matchCount, mismatches };
  }

  it('finds the same matches as the oracle for random data', () => {
    const random = new Random(SEED);
    const generator = new ValueGenerator(random);
    const indicators = Array.from({ length: INDICATOR_COUNT }, () => generator.indicator(random.chance(0.8) ? ORG_A : ORG_B));
    const index = new IndicatorIndex();
    index.replaceAll(indicators);
    const calls = buildCalls(generator, random, indicators);

    const { matchCount, mismatches } = compareWithOracle(index, indicators, calls);

    expect(mismatches).toEqual([]);
    // Guards against a generator that never produces matches, which would make the test vacuous.
    expect(matchCount).toBeGreaterThan(PROBE_COUNT / 4);
  });

  it('finds the same matches as the oracle after removals and updates', () => {
    const random = new Random(SEED + 1);
    const generator = new ValueGenerator(random);
    let indicators = Array.from({ length: INDICATOR_COUNT }, () => generator.indicator(random.chance(0.8) ? ORG_A : ORG_B));
    const index = new IndicatorIndex();
    for (const indicator of indicators) {
      index.upsert(indicator);
    }

    const removedIds = new Set(indicators.filter(() => random.chance(0.1)).map((indicator) => indicator.id));
    index.removeMany(removedIds);
    indicators = indicators.filter((indicator) => !removedIds.has(indicator.id));
    indicators = indicators.map((indicator) => {
      if (!random.chance(0.1)) {
        return indicator;
      }
      const replacement = { ...generator.indicator(indicator.organizationId), id: indicator.id };
      index.upsert(replacement);
      return replacement;
    });
    const calls = buildCalls(generator, random, indicators);

    const { matchCount, mismatches } = compareWithOracle(index, indicators, calls);

    expect(index.size).toBe(indicators.length);
    expect(mismatches).toEqual([]);
    expect(matchCount).toBeGreaterThan(PROBE_COUNT / 4);
  });
});
