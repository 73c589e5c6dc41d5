/**
 * Brute-force oracle for the matching benchmark: decides which indicators
 * match one observable by scanning every indicator of the relevant kinds,
 * with the rules of the README's "Matching rules" table written out plainly.
 * It shares no lookup structure with `IndicatorIndex`, only the generated
 * content, and it covers only the kinds the benchmark generates: SHA-256
 * (EQUALS), CIDR blocks, INCLUDES_SUBDOMAINS domains and PATH_PREFIX URLs.
 */
import * as ipaddr from 'ipaddr.js';

import { IndicatorType } from '../src/domain/enums';
import type { IndexedIndicator, IndicatorIndex } from '../src/matching/indicator-index';
import type { Observable } from '../src/matching/observable';
import { addressInBlock, benignAddress, formatIpv4, ipv4Number, subdomainOf, urlUnder, type IndicatorContent } from './matching-data';
import { SeededRandom } from './matching-random';

/** One observable to look up, and for URLs the normalized form that the generator supplies. */
export interface Probe {
  observable: Observable;
  /** Normalized URL, set on URL probes because the oracle does not repeat WHATWG URL parsing. */
  canonicalUrl?: string;
}

/** An address as the oracle compares it: IPv4 as a number, IPv6 as a bigint. */
type ParsedAddress = { family: 4; value: number } | { family: 6; value: bigint };

/** Outcome of comparing the index with the oracle on every probe. */
export interface ComparisonResult {
  probes: number;
  /** Probes for which the oracle found at least one indicator. */
  oracleHits: number;
  /** Probes whose set of matched indicator ids differs between index and oracle. */
  mismatches: number;
  /** The first few mismatches, described by probe type, never by value. */
  examples: string[];
  oracleMs: number;
}

/**
 * The generated indicators in flat arrays that a linear scan reads in memory
 * order. Every scan still visits every indicator that could match: hashes
 * all of them, domains all of the lengths that can end the name at a dot,
 * URLs and CIDR blocks all of them.
 */
export class MatchingOracle {
  private readonly hashes: HashValues;
  private readonly ipv4Blocks: Ipv4Blocks;
  private readonly ipv6Blocks: Array<{ id: string; network: bigint; mask: bigint }> = [];
  private readonly domainsByLength = new Map<number, PackedValues>();
  private readonly urls: PackedValues;

  constructor(content: IndicatorContent) {
    this.hashes = new HashValues(content.sha256);
    this.ipv4Blocks = new Ipv4Blocks();
    for (const { id, normalizedValue } of content.cidr) this.addBlock(id, normalizedValue);
    const byLength = new Map<number, IndexedIndicator[]>();
    for (const domain of content.domains) {
      const group = byLength.get(domain.normalizedValue.length) ?? [];
      group.push(domain);
      byLength.set(domain.normalizedValue.length, group);
    }
    for (const [length, group] of byLength) this.domainsByLength.set(length, new PackedValues(group));
    this.urls = new PackedValues(content.urls);
  }

  /** Returns the ids of every indicator that matches the probe. */
  matchingIds(probe: Probe): Set<string> {
    const ids = new Set<string>();
    const { type, value } = probe.observable;
    switch (type) {
      case IndicatorType.FILE_SHA256:
        for (const id of this.hashes.findEqual(value.trim().toLowerCase())) ids.add(id);
        break;
      case IndicatorType.IP_ADDRESS:
        this.scanBlocks(parseAddress(value.trim()), ids);
        break;
      case IndicatorType.DOMAIN_NAME:
        this.scanDomains(canonicalDomain(value), ids);
        break;
      case IndicatorType.URL:
        this.scanUrl(probe.canonicalUrl ?? value, ids);
        break;
      default:
        throw new Error(`MatchingOracle: the benchmark generates no ${type} probes.`);
    }
    return ids;
  }

  private addBlock(id: string, block: string): void {
    const [network, prefixText] = block.split('/');
    const address = parseAddress(network);
    const prefixLength = Number(prefixText);
    if (address === null) throw new Error(`MatchingOracle: indicator ${id} is not a network/prefix block.`);
    if (address.family === 4) {
      this.ipv4Blocks.add(id, address.value, prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);
    } else {
      const mask = ((1n << BigInt(prefixLength)) - 1n) << BigInt(128 - prefixLength);
      this.ipv6Blocks.push({ id, network: address.value, mask });
    }
  }

  /** CIDR: the address with the block's host bits cleared equals the block's network address. */
  private scanBlocks(address: ParsedAddress | null, ids: Set<string>): void {
    if (address === null) return;
    if (address.family === 4) {
      for (const id of this.ipv4Blocks.findContaining(address.value)) ids.add(id);
      return;
    }
    for (const block of this.ipv6Blocks) if ((address.value & block.mask) === block.network) ids.add(block.id);
  }

  /** INCLUDES_SUBDOMAINS: the name itself, or the end of the name after one of its dots. */
  private scanDomains(name: string, ids: Set<string>): void {
    const probe = asciiBytes(name);
    for (const [length, domains] of this.domainsByLength) {
      const offset = probe.length - length;
      if (offset < 0 || (offset > 0 && probe[offset - 1] !== 0x2e)) continue;
      for (const id of domains.findEqualAt(probe, offset)) ids.add(id);
    }
  }

  /**
   * PATH_PREFIX: the URL itself, its path without the query, or a path that
   * continues the indicator at a segment boundary. The URL's host is then
   * checked against domain and, when it is an address, CIDR indicators.
   */
  private scanUrl(url: string, ids: Set<string>): void {
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    for (const { id, length } of this.urls.findPrefixes(asciiBytes(path))) {
      if (length === path.length || path[length - 1] === '/' || path[length] === '/') ids.add(id);
    }
    if (path !== url) {
      for (const { id, length } of this.urls.findPrefixes(asciiBytes(url))) if (length === url.length) ids.add(id);
    }

    const host = urlHost(url);
    const address = parseAddress(host);
    if (address !== null) this.scanBlocks(address, ids);
    else this.scanDomains(host, ids);
  }
}

/** SHA-256 values as 32-bit words, with the first word of each in its own array so the scan reads 4 bytes per hash. */
class HashValues {
  private readonly firstWords: Uint32Array;
  private readonly words: Uint32Array;
  private readonly ids: string[];

  constructor(indicators: readonly IndexedIndicator[]) {
    this.ids = indicators.map((indicator) => indicator.id);
    this.firstWords = new Uint32Array(indicators.length);
    this.words = new Uint32Array(indicators.length * 8);
    indicators.forEach((indicator, position) => {
      const words = hashWords(indicator.normalizedValue)!;
      this.firstWords[position] = words[0];
      this.words.set(words, position * 8);
    });
  }

  /** Returns the ids of the hashes equal to `hex`, which must be lower case. */
  findEqual(hex: string): string[] {
    const probe = hashWords(hex);
    if (probe === null) return [];
    const { firstWords, words, ids } = this;
    const found: string[] = [];
    for (let position = 0; position < firstWords.length; position += 1) {
      if (firstWords[position] !== probe[0]) continue;
      let word = 1;
      while (word < 8 && words[position * 8 + word] === probe[word]) word += 1;
      if (word === 8) found.push(ids[position]);
    }
    return found;
  }
}

/** Splits 64 lower-case hexadecimal digits into eight 32-bit words. Returns null for any other text. */
function hashWords(hex: string): number[] | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  return Array.from({ length: 8 }, (_, word) => Number.parseInt(hex.slice(word * 8, word * 8 + 8), 16));
}

/** IPv4 blocks as network addresses and netmasks in two typed arrays. */
class Ipv4Blocks {
  private networks: Uint32Array = new Uint32Array(1024);
  private masks: Uint32Array = new Uint32Array(1024);
  private readonly ids: string[] = [];

  add(id: string, network: number, mask: number): void {
    if (this.ids.length === this.networks.length) {
      this.networks = grow(this.networks);
      this.masks = grow(this.masks);
    }
    this.networks[this.ids.length] = network;
    this.masks[this.ids.length] = mask;
    this.ids.push(id);
  }

  findContaining(address: number): string[] {
    const { networks, masks, ids } = this;
    const found: string[] = [];
    for (let position = 0; position < ids.length; position += 1) {
      if (((address & masks[position]) >>> 0) === networks[position]) found.push(ids[position]);
    }
    return found;
  }
}

function grow(array: Uint32Array): Uint32Array {
  const larger = new Uint32Array(array.length * 2);
  larger.set(array);
  return larger;
}

/**
 * Indicator values stored back to back in one byte array, so that a linear
 * scan reads memory in order instead of following one pointer per string.
 * Values and searched texts must be ASCII, as every generated value is.
 */
class PackedValues {
  private readonly bytes: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ids: string[];

  constructor(indicators: readonly IndexedIndicator[]) {
    this.ids = indicators.map((indicator) => indicator.id);
    this.starts = new Int32Array(indicators.length + 1);
    let total = 0;
    indicators.forEach((indicator, position) => {
      this.starts[position] = total;
      total += indicator.normalizedValue.length;
    });
    this.starts[indicators.length] = total;
    this.bytes = asciiBytes(indicators.map((indicator) => indicator.normalizedValue).join(''));
  }

  /** Returns the ids of the values equal to the bytes of `probe` from `offset` to its end. */
  findEqualAt(probe: Uint8Array, offset: number): string[] {
    const { bytes, starts, ids } = this;
    const length = probe.length - offset;
    const found: string[] = [];
    for (let position = 0; position < ids.length; position += 1) {
      const start = starts[position];
      if (starts[position + 1] - start === length && equalBytes(bytes, start, probe, offset, length)) found.push(ids[position]);
    }
    return found;
  }

  /** Returns the id and length of every value that `probe` starts with. */
  findPrefixes(probe: Uint8Array): Array<{ id: string; length: number }> {
    const { bytes, starts, ids } = this;
    const found: Array<{ id: string; length: number }> = [];
    for (let position = 0; position < ids.length; position += 1) {
      const start = starts[position];
      const length = starts[position + 1] - start;
      // The last character first: URLs share their first bytes ("https://"), so it rejects sooner.
      if (length > probe.length || bytes[start + length - 1] !== probe[length - 1]) continue;
      if (equalBytes(bytes, start, probe, 0, length)) found.push({ id: ids[position], length });
    }
    return found;
  }
}

function asciiBytes(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'latin1');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/** Compares `length` bytes of `left` from `leftStart` with `right` from `rightStart`. */
function equalBytes(left: Uint8Array, leftStart: number, right: Uint8Array, rightStart: number, length: number): boolean {
  for (let offset = 0; offset < length; offset += 1) {
    if (left[leftStart + offset] !== right[rightStart + offset]) return false;
  }
  return true;
}

/**
 * Parses dotted-decimal IPv4 or IPv6 text, with brackets allowed. An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes its IPv4 address, as
 * the README's matching rules state. Returns null for anything else.
 */
function parseAddress(text: string): ParsedAddress | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bare)) {
    return { family: 4, value: ipv4Number(bare) };
  }
  if (!bare.includes(':') || !ipaddr.IPv6.isValid(bare)) return null;

  const value = ipv6Value(bare);
  const mappedPrefix = 0xffffn << 32n;
  if (value >> 32n === 0xffffn) return { family: 4, value: Number(value - mappedPrefix) };
  return { family: 6, value };
}

function ipv6Value(text: string): bigint {
  return ipaddr.IPv6.parse(text).parts.reduce((sum, group) => (sum << 16n) | BigInt(group), 0n);
}

/** Lower-cases a name and drops a trailing dot. The benchmark's names are ASCII, so no punycode step is needed. */
function canonicalDomain(value: string): string {
  const lower = value.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function urlHost(url: string): string {
  const hostStart = url.indexOf('//') + 2;
  const pathStart = url.indexOf('/', hostStart);
  const host = url.slice(hostStart, pathStart === -1 ? undefined : pathStart);
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const portStart = host.lastIndexOf(':');
  return portStart === -1 ? host : host.slice(0, portStart);
}

// ---------------------------------------------------------------------------
// Probes

type ProbeMaker = (random: SeededRandom, content: IndicatorContent) => Probe;

/** Probe variants with their weights: hits, boundaries, near misses and values no indicator matches. */
const PROBE_MAKERS: ReadonlyArray<readonly [ProbeMaker, number]> = [
  [(random, content) => hashProbe(random.pick(content.sha256).normalizedValue.toUpperCase()), 5],
  [(random, content) => hashProbe(changeLastCharacter(random.pick(content.sha256).normalizedValue)), 5],
  [(random) => hashProbe(random.hex(8)), 5],
  [(random, content) => ipProbe(addressInBlock(random, random.pick(content.cidr).normalizedValue)), 6],
  [(random, content) => ipProbe(blockEdge(random, random.pick(content.cidr).normalizedValue)), 8],
  [(random, content) => ipProbe(mappedIpv4(random, content)), 3],
  [(random) => ipProbe(benignAddress(random)), 5],
  [(random, content) => domainProbe(subdomainOf(random, random.pick(content.domains).normalizedValue)), 8],
  [(random, content) => domainProbe(`${random.pick(content.domains).normalizedValue.toUpperCase()}.`), 4],
  [(random, content) => domainProbe(`${random.letters(2)}${random.pick(content.domains).normalizedValue}`), 6],
  [(random, content) => domainProbe(parentDomain(random.pick(content.domains).normalizedValue)), 4],
  [(random) => domainProbe(`${random.letters(6)}${random.below(10)}.com`), 3],
  [(random, content) => urlProbe(urlUnder(random, random.pick(content.urls).normalizedValue)), 8],
  [(random, content) => urlProbe(random.pick(content.urls).normalizedValue), 3],
  [(random, content) => urlProbe(`${random.pick(content.urls).normalizedValue}x`), 4],
  [(random, content) => urlProbe(parentPath(random.pick(content.urls).normalizedValue)), 4],
  [(random, content) => urlVariantProbe(random, random.pick(content.urls).normalizedValue), 6],
  [(random, content) => urlProbe(`http://${addressInBlock(random, random.pick(content.cidr).normalizedValue)}/index.html`), 3],
  [(random, content) => urlProbe(`https://cdn.${random.pick(content.domains).normalizedValue}/a/b.js`), 3],
];

/** Generates `count` probes of every variant in PROBE_MAKERS, spread over all indicator kinds. */
export function generateProbes(seed: number, content: IndicatorContent, count: number): Probe[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => random.pickWeighted(PROBE_MAKERS)(random, content));
}

/** Matches every probe with the index and with the oracle and counts the probes where they disagree. */
export function compareWithOracle(index: IndicatorIndex, organizationId: string, oracle: MatchingOracle, probes: readonly Probe[]): ComparisonResult {
  const result: ComparisonResult = { probes: probes.length, oracleHits: 0, mismatches: 0, examples: [], oracleMs: 0 };
  for (const probe of probes) {
    const started = performance.now();
    const expected = oracle.matchingIds(probe);
    result.oracleMs += performance.now() - started;

    const actual = new Set(index.match(organizationId, [probe.observable]).map((match) => match.indicator.id));
    if (expected.size > 0) result.oracleHits += 1;
    if (expected.size === actual.size && [...expected].every((id) => actual.has(id))) continue;

    result.mismatches += 1;
    if (result.examples.length < 5) {
      result.examples.push(`${probe.observable.type}: oracle ${expected.size} indicators, index ${actual.size}`);
    }
  }
  return result;
}

function hashProbe(value: string): Probe {
  return { observable: { type: IndicatorType.FILE_SHA256, value, field: 'file.hash.sha256' } };
}

function ipProbe(value: string): Probe {
  return { observable: { type: IndicatorType.IP_ADDRESS, value, field: 'destination.ip' } };
}

function domainProbe(value: string): Probe {
  return { observable: { type: IndicatorType.DOMAIN_NAME, value, field: 'dns.question.name' } };
}

function urlProbe(value: string, canonicalUrl: string = value): Probe {
  return { observable: { type: IndicatorType.URL, value, field: 'url.full' }, canonicalUrl };
}

/** Writes a normalized URL in a form that normalizes back to it: upper-case host, default port or a fragment. */
function urlVariantProbe(random: SeededRandom, url: string): Probe {
  const canonical = urlUnder(random, url);
  const hostStart = canonical.indexOf('//') + 2;
  const pathStart = canonical.indexOf('/', hostStart);
  const scheme = canonical.slice(0, hostStart);
  const host = canonical.slice(hostStart, pathStart);
  const rest = canonical.slice(pathStart);
  switch (random.below(3)) {
    case 0:
      return urlProbe(`${scheme.toUpperCase()}${host.toUpperCase()}${rest}`, canonical);
    case 1:
      return urlProbe(`${scheme}${host}:${scheme.startsWith('https') ? 443 : 80}${rest}`, canonical);
    default:
      return urlProbe(`${canonical}#section`, canonical);
  }
}

function changeLastCharacter(hash: string): string {
  return `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`;
}

/** Returns the first or last address of a block, or the address just before or after it. */
function blockEdge(random: SeededRandom, block: string): string {
  const [network, prefixText] = block.split('/');
  const family = network.includes(':') ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  const first = network.includes(':') ? ipv6Value(network) : BigInt(ipv4Number(network));
  const last = first + (1n << BigInt(bits - Number(prefixText))) - 1n;
  const max = (1n << BigInt(bits)) - 1n;
  const candidates = [first, last, first > 0n ? first - 1n : first, last < max ? last + 1n : last];
  return formatAddress(family, random.pick(candidates));
}

function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) return formatIpv4(Number(value));
  const groups = Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(112 - index * 16)) & 0xffffn));
  return new ipaddr.IPv6(groups).toRFC5952String();
}

/** Returns an address inside an IPv4 block, written as an IPv4-mapped IPv6 address. */
function mappedIpv4(random: SeededRandom, content: IndicatorContent): string {
  const ipv4Blocks = content.cidr.filter((indicator) => !indicator.normalizedValue.includes(':'));
  return `::ffff:${addressInBlock(random, random.pick(ipv4Blocks).normalizedValue)}`;
}

/** Drops the first label, so a probe for cdn.example.com becomes example.com. */
function parentDomain(domain: string): string {
  const labels = domain.split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : `www.${domain}`;
}

/** Drops the last path segment of a URL, keeping at least the root path. */
function parentPath(url: string): string {
  const trimmed = url.endsWith('/') ? url.slice(0, -1) : url;
  const pathStart = trimmed.indexOf('/', trimmed.indexOf('//') + 2);
  const lastSlash = trimmed.lastIndexOf('/');
  return lastSlash > pathStart ? trimmed.slice(0, lastSlash) : trimmed.slice(0, pathStart + 1);
}
