/**
 * Seeded indicators and events for the matching benchmark.
 *
 * The address and name spaces are split so that only the events picked as
 * malicious can match. Indicator CIDR blocks lie in 1.0.0.0 to 99.255.255.255
 * and 2a00::/8, while benign addresses lie in 100.0.0.0 to 223.255.255.255
 * and 2600::/8. Indicator domain and URL host labels are letters only, and
 * every benign registrable label contains a digit.
 *
 * Values are generated in their normalized form, as `normalizeIndicatorValue`
 * would return them, so the index can be built without a database.
 * `checkCanonicalSample` confirms that on a sample.
 */
import * as ipaddr from 'ipaddr.js';

import { IndicatorType, MatchFunction } from '../src/domain/enums';
import { normalizeIndicatorValue } from '../src/domain/normalize';
import type { IndexedIndicator } from '../src/matching/indicator-index';
import type { Observable } from '../src/matching/observable';
import { SeededRandom } from './matching-random';

/** Number of indicators of each kind. */
export interface IndicatorSizes {
  sha256: number;
  cidr: number;
  domains: number;
  urls: number;
}

export const FULL_SIZES: IndicatorSizes = { sha256: 1_000_000, cidr: 100_000, domains: 500_000, urls: 200_000 };

/** `--quick` builds 1/100 of each kind. */
export function indicatorSizes(quick: boolean): IndicatorSizes {
  if (!quick) return FULL_SIZES;
  return { sha256: FULL_SIZES.sha256 / 100, cidr: FULL_SIZES.cidr / 100, domains: FULL_SIZES.domains / 100, urls: FULL_SIZES.urls / 100 };
}

/** Organization and definition ids of the generated indicators. The end-to-end run replaces them with real ones. */
export const BENCH_ORGANIZATION_ID = '0190a000-0000-7000-8000-00000000000a';
export const BENCH_DEFINITION_ID = '0190a000-0000-7000-8000-00000000000d';

/** Indicators by kind, in generation order, and all of them in one list. */
export interface IndicatorContent {
  sha256: IndexedIndicator[];
  cidr: IndexedIndicator[];
  domains: IndexedIndicator[];
  urls: IndexedIndicator[];
  all: IndexedIndicator[];
}

/** Share of events that carry one observable matching an indicator. */
export const MALICIOUS_SHARE = 0.02;

const TOP_LEVEL_DOMAINS = ['com', 'net', 'org', 'info', 'biz', 'ru', 'xyz', 'top', 'online', 'site'];

/** IPv4 prefix lengths of indicator blocks and their weights: mostly hosts and /24 networks, as in public block lists. */
const IPV4_PREFIX_WEIGHTS = [
  [32, 40], [31, 2], [30, 3], [29, 5], [28, 5], [27, 3], [26, 3], [25, 2],
  [24, 20], [23, 2], [22, 3], [20, 3], [18, 2], [16, 5], [12, 2],
] as const;
const IPV6_PREFIX_WEIGHTS = [[128, 30], [64, 30], [56, 10], [48, 20], [40, 5], [32, 5]] as const;

/** Share of indicator blocks and of event addresses that are IPv6. */
const IPV6_SHARE = 0.1;

/** Generates every indicator kind with one seed, so the same seed gives the same content. */
export function generateIndicators(seed: number, sizes: IndicatorSizes): IndicatorContent {
  const random = new SeededRandom(seed);
  const sha256 = generateUnique(random, sizes.sha256, IndicatorType.FILE_SHA256, MatchFunction.EQUALS, () => random.hex(8));
  const cidr = generateUnique(random, sizes.cidr, IndicatorType.IP_ADDRESS, MatchFunction.CIDR, () => randomIndicatorBlock(random));
  const domains = generateUnique(random, sizes.domains, IndicatorType.DOMAIN_NAME, MatchFunction.INCLUDES_SUBDOMAINS, () =>
    randomIndicatorDomain(random),
  );
  const urls = generateUnique(random, sizes.urls, IndicatorType.URL, MatchFunction.PATH_PREFIX, () => randomIndicatorUrl(random));
  return { sha256, cidr, domains, urls, all: [...sha256, ...cidr, ...domains, ...urls] };
}

function generateUnique(
  random: SeededRandom,
  count: number,
  type: IndicatorType,
  matchFunction: MatchFunction,
  nextValue: () => string,
): IndexedIndicator[] {
  const seen = new Set<string>();
  const indicators: IndexedIndicator[] = [];
  while (indicators.length < count) {
    const normalizedValue = nextValue();
    if (seen.has(normalizedValue)) continue;
    seen.add(normalizedValue);
    indicators.push({
      id: random.uuid(),
      organizationId: BENCH_ORGANIZATION_ID,
      alertDefinitionId: BENCH_DEFINITION_ID,
      type,
      matchFunction,
      normalizedValue,
      expiresAt: null,
    });
  }
  return indicators;
}

function randomIndicatorBlock(random: SeededRandom): string {
  if (random.chance(IPV6_SHARE)) {
    const prefixLength = random.pickWeighted(IPV6_PREFIX_WEIGHTS);
    const groups = maskIpv6([0x2a00 + random.below(256), ...randomGroups(random, 7)], prefixLength);
    return [new ipaddr.IPv6(groups).toRFC5952String(), prefixLength].join('/');
  }
  const prefixLength = random.pickWeighted(IPV4_PREFIX_WEIGHTS);
  const address = ((random.between(1, 99) << 24) | random.below(2 ** 24)) >>> 0;
  return [formatIpv4(maskIpv4(address, prefixLength)), prefixLength].join('/');
}

function randomIndicatorDomain(random: SeededRandom): string {
  const registrable = [random.letters(random.between(5, 12)), random.pick(TOP_LEVEL_DOMAINS)];
  return random.chance(0.2) ? [random.letters(random.between(2, 6)), ...registrable].join('.') : registrable.join('.');
}

function randomIndicatorUrl(random: SeededRandom): string {
  const scheme = random.chance(0.1) ? 'http' : 'https';
  const host = [random.letters(random.between(5, 12)), random.pick(TOP_LEVEL_DOMAINS)].join('.');
  const segments = Array.from({ length: random.between(1, 3) }, () => random.letters(random.between(3, 10)));
  return [scheme, '://', host, '/', segments.join('/'), random.chance(0.3) ? '/' : ''].join('');
}

/**
 * Runs `normalizeIndicatorValue` on up to `sampleSize` generated indicators
 * spread over the list. Returns how many came back different from the stored
 * value, which would mean the generator does not write canonical values.
 */
export function checkCanonicalSample(content: IndicatorContent, sampleSize: number): { checked: number; different: number } {
  const step = Math.max(1, Math.floor(content.all.length / sampleSize));
  let checked = 0;
  let different = 0;
  for (let position = 0; position < content.all.length; position += step) {
    const indicator = content.all[position];
    const result = normalizeIndicatorValue(indicator.type, indicator.matchFunction, indicator.normalizedValue);
    checked += 1;
    if (!result.ok || result.value !== indicator.normalizedValue) different += 1;
  }
  return { checked, different };
}

// ---------------------------------------------------------------------------
// Events

/** Event in the native shape of POST /events. */
export interface NativeEvent {
  eventTime: string;
  deviceId: string;
  deviceName: string;
  observables: Observable[];
}

/** Generated events and how many of them were made malicious. */
export interface GeneratedEvents {
  events: NativeEvent[];
  malicious: number;
}

const EVENT_TIME_START = Date.parse('2025-06-01T00:00:00.000Z');

/**
 * Generates events with five observables each: a SHA-256, a source and a
 * destination IP, a DNS name and a URL. With probability MALICIOUS_SHARE one
 * of the five, chosen at random, is replaced by a value that an indicator
 * of `content` matches.
 */
export function generateEvents(seed: number, content: IndicatorContent, count: number, devices: number): GeneratedEvents {
  const random = new SeededRandom(seed);
  const events: NativeEvent[] = [];
  let malicious = 0;
  for (let position = 0; position < count; position += 1) {
    const device = random.below(devices);
    const observables: Observable[] = [
      { type: IndicatorType.FILE_SHA256, value: randomCase(random, random.hex(8)), field: 'process.hash.sha256' },
      { type: IndicatorType.IP_ADDRESS, value: benignAddress(random), field: 'source.ip' },
      { type: IndicatorType.IP_ADDRESS, value: benignAddress(random), field: 'destination.ip' },
      { type: IndicatorType.DOMAIN_NAME, value: benignDomain(random), field: 'dns.question.name' },
      { type: IndicatorType.URL, value: benignUrl(random), field: 'url.full' },
    ];
    if (random.chance(MALICIOUS_SHARE)) {
      const slot = random.below(observables.length);
      observables[slot] = { ...observables[slot], value: maliciousValue(random, content, observables[slot].type) };
      malicious += 1;
    }
    events.push({
      eventTime: new Date(EVENT_TIME_START + position).toISOString(),
      deviceId: `ws-${String(device).padStart(5, '0')}.corp.example`,
      deviceName: `WS-${String(device).padStart(5, '0')}`,
      observables,
    });
  }
  return { events, malicious };
}

/** Returns a value of `type` that some indicator of `content` matches. */
function maliciousValue(random: SeededRandom, content: IndicatorContent, type: IndicatorType): string {
  switch (type) {
    case IndicatorType.FILE_SHA256:
      return randomCase(random, random.pick(content.sha256).normalizedValue);
    case IndicatorType.IP_ADDRESS:
      return addressInBlock(random, random.pick(content.cidr).normalizedValue);
    case IndicatorType.DOMAIN_NAME:
      return subdomainOf(random, random.pick(content.domains).normalizedValue);
    case IndicatorType.URL:
      return urlUnder(random, random.pick(content.urls).normalizedValue);
    default:
      throw new Error(`maliciousValue: no generator for ${type}.`);
  }
}

/** Source and destination addresses of IP-only events: two observables, MALICIOUS_SHARE of the events with one inside a block. */
export function generateIpOnlyEvents(seed: number, blocks: readonly IndexedIndicator[], count: number): Observable[][] {
  const random = new SeededRandom(seed);
  const events: Observable[][] = [];
  for (let position = 0; position < count; position += 1) {
    const observables: Observable[] = [
      { type: IndicatorType.IP_ADDRESS, value: benignAddress(random), field: 'source.ip' },
      { type: IndicatorType.IP_ADDRESS, value: benignAddress(random), field: 'destination.ip' },
    ];
    if (random.chance(MALICIOUS_SHARE)) {
      observables[random.below(2)].value = addressInBlock(random, random.pick(blocks).normalizedValue);
    }
    events.push(observables);
  }
  return events;
}

/** Upper-cases half of the hashes, as Sysmon writes them. */
function randomCase(random: SeededRandom, hex: string): string {
  return random.chance(0.5) ? hex.toUpperCase() : hex;
}

export function benignAddress(random: SeededRandom): string {
  if (random.chance(IPV6_SHARE)) {
    return new ipaddr.IPv6([0x2600 + random.below(256), ...randomGroups(random, 7)]).toRFC5952String();
  }
  let first = random.between(100, 223);
  if (first === 127) first = 128;
  return [first, random.below(256), random.below(256), random.between(1, 254)].join('.');
}

/** Returns a registrable label containing a digit, which no indicator label contains. */
function benignLabel(random: SeededRandom): string {
  return [random.letters(random.between(3, 8)), random.below(10), random.letters(random.between(2, 6))].join('');
}

function benignDomain(random: SeededRandom): string {
  return [random.pick(['www', 'mail', 'api', 'cdn', 'static']), benignLabel(random), random.pick(TOP_LEVEL_DOMAINS)].join('.');
}

function benignUrl(random: SeededRandom): string {
  const path = [random.letters(random.between(3, 9)), random.letters(random.between(3, 9))].join('/');
  return ['https://www.', benignLabel(random), '.', random.pick(TOP_LEVEL_DOMAINS), '/', path, '?id=', random.below(1e6)].join('');
}

/** Returns a random address inside a block written as `network/prefix`. */
export function addressInBlock(random: SeededRandom, block: string): string {
  const [network, prefixText] = block.split('/');
  const prefixLength = Number(prefixText);
  if (network.includes(':')) {
    const groups = ipaddr.IPv6.parse(network).parts;
    const host = randomGroups(random, 8);
    const mask = maskIpv6(Array(8).fill(0xffff), prefixLength);
    return new ipaddr.IPv6(groups.map((group, index) => group | (host[index] & ~mask[index] & 0xffff))).toRFC5952String();
  }
  const hostBits = prefixLength === 32 ? 0 : random.below(2 ** (32 - prefixLength));
  return formatIpv4((ipv4Number(network) + hostBits) >>> 0);
}

export function subdomainOf(random: SeededRandom, domain: string): string {
  return random.chance(0.2) ? domain : [random.letters(random.between(2, 8)), domain].join('.');
}

/** Returns a URL below the path of a PATH_PREFIX indicator. */
export function urlUnder(random: SeededRandom, url: string): string {
  const separator = url.endsWith('/') ? '' : '/';
  return [url, separator, random.letters(random.between(3, 8)), random.chance(0.5) ? `?v=${random.below(1000)}` : ''].join('');
}

function randomGroups(random: SeededRandom, count: number): number[] {
  return Array.from({ length: count }, () => random.below(0x10000));
}

export function ipv4Number(text: string): number {
  const octets = text.split('.').map(Number);
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

export function formatIpv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join('.');
}

function maskIpv4(address: number, prefixLength: number): number {
  return prefixLength === 0 ? 0 : (address & (0xffffffff << (32 - prefixLength))) >>> 0;
}

function maskIpv6(groups: readonly number[], prefixLength: number): number[] {
  return groups.map((group, index) => {
    const keptBits = Math.min(16, Math.max(0, prefixLength - index * 16));
    return group & (keptBits === 0 ? 0 : (0xffff << (16 - keptBits)) & 0xffff);
  });
}
