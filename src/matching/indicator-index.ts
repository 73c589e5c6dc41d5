/**
 * In-memory index of indicators that serves all matching. It reads no
 * database: the service layer feeds it with `upsert`, `remove` and
 * `replaceAll`, and the ingest path calls `match` for every event.
 *
 * Every lookup costs a bounded number of hash-map reads that does not grow
 * with the number of indicators: one per hash, one per domain suffix, two per
 * URL path segment and one per CIDR prefix length in use.
 */
import * as ipaddr from 'ipaddr.js';

import { IndicatorType, MatchFunction, unreachable } from '../domain/enums';
import { MAX_URL_LENGTH, allowedMatchFunctions, maskGroups, normalizeObservableValue, urlHost } from '../domain/normalize';
import type { Observable } from './observable';

/** An indicator as the index stores it. */
export interface IndexedIndicator {
  id: string;
  organizationId: string;
  alertDefinitionId: string;
  type: IndicatorType;
  matchFunction: MatchFunction;
  /** Output of `normalizeIndicatorValue`. */
  normalizedValue: string;
  /** Instant from which the indicator no longer matches, or null for never. */
  expiresAt: Date | null;
}

/** One indicator matched by one event observable. */
export interface IndicatorMatch {
  indicator: IndexedIndicator;
  /** The event observable that matched. Its `field` names the event field. */
  observable: Observable;
  /** The observable's normalized value, or the URL host for a host match. */
  matchedValue: string;
}

/** Indicators stored under one key. Most keys have one, so an array is made only for the second. */
type Bucket = IndexedIndicator | IndexedIndicator[];

/** Position of an indicator in its organization's maps. */
type Placement =
  | { kind: 'equals'; type: IndicatorType; key: string }
  | { kind: 'subdomains'; key: string }
  | { kind: 'pathPrefix'; key: string }
  | { kind: 'ipv4Block'; prefixLength: number; key: number }
  | { kind: 'ipv6Block'; prefixLength: number; key: string };

/**
 * In-memory index of the indicators of every organization.
 *
 * The index stores a frozen copy of each indicator, so changing an object
 * after `upsert` does not affect matching. Matches return that copy.
 */
export class IndicatorIndex {
  private state = new IndexState();

  /** Number of indicators stored, expired ones included. */
  get size(): number {
    return this.state.byId.size;
  }

  /**
   * Adds an indicator, or replaces the one with the same id. Value, type,
   * match function and organization may all change.
   * Throws when the match function is not allowed for the type, or when a
   * CIDR value is not in `network/prefix` form. The index is unchanged then.
   */
  upsert(indicator: IndexedIndicator): void {
    this.state.upsert(indicator);
  }

  /** Removes an indicator. Unknown ids are ignored. */
  remove(indicatorId: string): void {
    this.state.remove(indicatorId);
  }

  /** Removes every listed indicator. Unknown ids are ignored. */
  removeMany(ids: Iterable<string>): void {
    for (const id of ids) {
      this.state.remove(id);
    }
  }

  /**
   * Replaces the whole content with `indicators`. A later duplicate id wins.
   * Throws like `upsert` on an invalid indicator, and the old content then
   * stays in place.
   */
  replaceAll(indicators: Iterable<IndexedIndicator>): void {
    const next = new IndexState();
    for (const indicator of indicators) {
      next.upsert(indicator);
    }
    this.state = next;
  }

  /**
   * Returns the unexpired indicators of one organization that match the
   * observables, at most one match per indicator: the first observable in
   * order that matches it. Observables that cannot be normalized are skipped.
   * Never throws on observable content.
   */
  match(organizationId: string, observables: readonly Observable[], now: Date = new Date()): IndicatorMatch[] {
    const organization = this.state.organizations.get(organizationId);
    if (organization === undefined) {
      return [];
    }

    const collector = new MatchCollector(now.getTime());
    for (const observable of observables) {
      if (typeof observable !== 'object' || observable === null) {
        continue;
      }
      const value = normalizeObservableValue(observable.type, observable.value);
      if (value !== null) {
        organization.collectMatches(observable, value, collector);
      }
    }
    return collector.matches;
  }
}

/** The indicators by id and the lookup maps of each organization. `replaceAll` swaps it whole. */
class IndexState {
  readonly byId = new Map<string, IndexedIndicator>();
  readonly organizations = new Map<string, OrganizationIndex>();

  upsert(input: IndexedIndicator): void {
    const indicator = copyIndicator(input);
    const placement = placementOf(indicator);

    this.remove(indicator.id);
    let organization = this.organizations.get(indicator.organizationId);
    if (organization === undefined) {
      organization = new OrganizationIndex();
      this.organizations.set(indicator.organizationId, organization);
    }
    organization.add(indicator, placement);
    this.byId.set(indicator.id, indicator);
  }

  remove(indicatorId: string): void {
    const indicator = this.byId.get(indicatorId);
    if (indicator === undefined) {
      return;
    }

    this.byId.delete(indicatorId);
    const organization = this.organizations.get(indicator.organizationId);
    if (organization === undefined) {
      return;
    }
    organization.delete(indicator, placementOf(indicator));
    if (organization.size === 0) {
      this.organizations.delete(indicator.organizationId);
    }
  }
}

/** Lookup maps of one organization, so that organizations never see each other's indicators. */
class OrganizationIndex {
  /** EQUALS indicators of every type, by type and normalized value. */
  private readonly equals = new Map<IndicatorType, Map<string, Bucket>>();
  /** INCLUDES_SUBDOMAINS indicators by domain name. */
  private readonly subdomains = new Map<string, Bucket>();
  /** PATH_PREFIX indicators by normalized URL. */
  private readonly pathPrefixes = new Map<string, Bucket>();
  /** IPv4 CIDR indicators by prefix length, then by network address as an unsigned 32-bit number. */
  private readonly ipv4Blocks = new Map<number, Map<number, Bucket>>();
  /** IPv6 CIDR indicators by prefix length, then by `ipv6BlockKey`. */
  private readonly ipv6Blocks = new Map<number, Map<string, Bucket>>();

  size = 0;

  add(indicator: IndexedIndicator, placement: Placement): void {
    const map = this.mapFor(placement, true) as Map<string | number, Bucket>;
    const bucket = map.get(placement.key);
    if (bucket === undefined) {
      map.set(placement.key, indicator);
    } else if (Array.isArray(bucket)) {
      bucket.push(indicator);
    } else {
      map.set(placement.key, [bucket, indicator]);
    }
    this.size += 1;
  }

  delete(indicator: IndexedIndicator, placement: Placement): void {
    const map = this.mapFor(placement, false) as Map<string | number, Bucket> | undefined;
    const bucket = map?.get(placement.key);
    if (map === undefined || bucket === undefined) {
      return;
    }

    if (bucket === indicator) {
      map.delete(placement.key);
    } else if (Array.isArray(bucket) && bucket.includes(indicator)) {
      const rest = bucket.filter((entry) => entry !== indicator);
      map.set(placement.key, rest.length === 1 ? rest[0] : rest);
    } else {
      return;
    }
    this.size -= 1;
    if (map.size === 0) {
      this.dropEmptyMap(placement);
    }
  }

  /** Adds the matches of one observable, given its normalized value, to `collector`. */
  collectMatches(observable: Observable, value: string, collector: MatchCollector): void {
    switch (observable.type) {
      case IndicatorType.FILE_MD5:
      case IndicatorType.FILE_SHA1:
      case IndicatorType.FILE_SHA256:
      case IndicatorType.CERTIFICATE_THUMBPRINT:
        collector.add(this.equals.get(observable.type)?.get(value), observable, value);
        return;
      case IndicatorType.IP_ADDRESS:
        this.collectIpMatches(value, observable, collector);
        return;
      case IndicatorType.DOMAIN_NAME:
        this.collectDomainMatches(value, observable, collector);
        return;
      case IndicatorType.URL:
        this.collectUrlMatches(value, observable, collector);
        return;
      default:
        unreachable(observable.type);
    }
  }

  private collectIpMatches(address: string, observable: Observable, collector: MatchCollector): void {
    collector.add(this.equals.get(IndicatorType.IP_ADDRESS)?.get(address), observable, address);

    if (address.includes(':')) {
      if (this.ipv6Blocks.size === 0) {
        return;
      }
      const groups = ipaddr.IPv6.parse(address).parts;
      for (const [prefixLength, blocks] of this.ipv6Blocks) {
        collector.add(blocks.get(ipv6BlockKey(groups, prefixLength)), observable, address);
      }
      return;
    }

    const number = ipv4ToNumber(address);
    for (const [prefixLength, blocks] of this.ipv4Blocks) {
      collector.add(blocks.get(maskIpv4(number, prefixLength)), observable, address);
    }
  }

  /** Looks up the name for EQUALS, and the name and each parent domain for INCLUDES_SUBDOMAINS. */
  private collectDomainMatches(name: string, observable: Observable, collector: MatchCollector): void {
    collector.add(this.equals.get(IndicatorType.DOMAIN_NAME)?.get(name), observable, name);
    if (this.subdomains.size === 0) {
      return;
    }

    // Suffixes start after a dot, so example.com never matches badexample.com.
    let suffix = name;
    for (;;) {
      collector.add(this.subdomains.get(suffix), observable, name);
      const dot = suffix.indexOf('.');
      if (dot === -1) {
        return;
      }
      suffix = suffix.slice(dot + 1);
    }
  }

  /** Looks up the URL itself, its path prefixes, and its host as an IP address or domain name. */
  private collectUrlMatches(url: string, observable: Observable, collector: MatchCollector): void {
    collector.add(this.equals.get(IndicatorType.URL)?.get(url), observable, url);
    if (this.pathPrefixes.size > 0) {
      for (const candidate of pathPrefixCandidates(url)) {
        collector.add(this.pathPrefixes.get(candidate), observable, url);
      }
    }

    const host = urlHost(url);
    const address = normalizeObservableValue(IndicatorType.IP_ADDRESS, host);
    if (address !== null) {
      this.collectIpMatches(address, observable, collector);
      return;
    }
    const domain = normalizeObservableValue(IndicatorType.DOMAIN_NAME, host);
    if (domain !== null) {
      this.collectDomainMatches(domain, observable, collector);
    }
  }

  private mapFor(placement: Placement, create: boolean): Map<string, Bucket> | Map<number, Bucket> | undefined {
    switch (placement.kind) {
      case 'equals':
        return getOrCreate(this.equals, placement.type, create);
      case 'subdomains':
        return this.subdomains;
      case 'pathPrefix':
        return this.pathPrefixes;
      case 'ipv4Block':
        return getOrCreate(this.ipv4Blocks, placement.prefixLength, create);
      case 'ipv6Block':
        return getOrCreate(this.ipv6Blocks, placement.prefixLength, create);
      default:
        return unreachable(placement);
    }
  }

  /** Drops an emptied per-type or per-prefix-length map, so lookups skip prefix lengths no longer in use. */
  private dropEmptyMap(placement: Placement): void {
    if (placement.kind === 'equals') {
      this.equals.delete(placement.type);
    } else if (placement.kind === 'ipv4Block') {
      this.ipv4Blocks.delete(placement.prefixLength);
    } else if (placement.kind === 'ipv6Block') {
      this.ipv6Blocks.delete(placement.prefixLength);
    }
  }
}

/** Matches of one `match` call, with at most one match per indicator. */
class MatchCollector {
  readonly matches: IndicatorMatch[] = [];
  private readonly matchedIds = new Set<string>();

  constructor(private readonly nowMs: number) {}

  add(bucket: Bucket | undefined, observable: Observable, matchedValue: string): void {
    if (bucket === undefined) {
      return;
    }
    if (!Array.isArray(bucket)) {
      this.addOne(bucket, observable, matchedValue);
      return;
    }
    for (const indicator of bucket) {
      this.addOne(indicator, observable, matchedValue);
    }
  }

  private addOne(indicator: IndexedIndicator, observable: Observable, matchedValue: string): void {
    const expiresAt = indicator.expiresAt;
    if ((expiresAt && expiresAt.getTime() <= this.nowMs) || this.matchedIds.has(indicator.id)) {
      return;
    }
    this.matchedIds.add(indicator.id);
    this.matches.push({ indicator, observable, matchedValue });
  }
}

/** Copies the fields the index uses, keeping the same strings so that no value is stored twice. */
function copyIndicator(input: IndexedIndicator): IndexedIndicator {
  return Object.freeze({
    id: input.id,
    organizationId: input.organizationId,
    alertDefinitionId: input.alertDefinitionId,
    type: input.type,
    matchFunction: input.matchFunction,
    normalizedValue: input.normalizedValue,
    expiresAt: input.expiresAt ?? null,
  });
}

/** Computes where an indicator goes. Throws on a combination or value the index cannot store. */
function placementOf(indicator: IndexedIndicator): Placement {
  const { id, type, matchFunction, normalizedValue } = indicator;
  const allowed = allowedMatchFunctions(type) as readonly MatchFunction[] | undefined;
  if (allowed === undefined || !allowed.includes(matchFunction)) {
    throw new Error(
      `IndicatorIndex: indicator ${id} has matchFunction ${String(matchFunction)}, which type ${String(type)} does not allow. ` +
        'Validate indicators with normalizeIndicatorValue before indexing them.',
    );
  }

  switch (matchFunction) {
    case MatchFunction.EQUALS:
      return { kind: 'equals', type, key: normalizedValue };
    case MatchFunction.INCLUDES_SUBDOMAINS:
      return { kind: 'subdomains', key: normalizedValue };
    case MatchFunction.PATH_PREFIX:
      return { kind: 'pathPrefix', key: normalizedValue };
    case MatchFunction.CIDR:
      return cidrPlacement(id, normalizedValue);
    default:
      return unreachable(matchFunction);
  }
}

function cidrPlacement(id: string, block: string): Placement {
  const slash = block.indexOf('/');
  const network = block.slice(0, slash);
  const prefixLength = Number(block.slice(slash + 1));
  const isIpv6 = network.includes(':');

  if (slash === -1 || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > (isIpv6 ? 128 : 32)) {
    throw new Error(
      `IndicatorIndex: indicator ${id} has matchFunction CIDR but its normalizedValue is not a block in network/prefix form. ` +
        'Store the output of normalizeIndicatorValue.',
    );
  }
  if (isIpv6) {
    return { kind: 'ipv6Block', prefixLength, key: ipv6BlockKey(parseIpv6Groups(id, network), prefixLength) };
  }
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(network)) {
    throw new Error(`IndicatorIndex: indicator ${id} has a CIDR network that is not a dotted-decimal IPv4 address.`);
  }
  return { kind: 'ipv4Block', prefixLength, key: maskIpv4(ipv4ToNumber(network), prefixLength) };
}

function parseIpv6Groups(id: string, text: string): number[] {
  if (!ipaddr.IPv6.isValid(text)) {
    throw new Error(`IndicatorIndex: indicator ${id} has a CIDR network that is not a valid IPv6 address.`);
  }
  return ipaddr.IPv6.parse(text).parts;
}

/** Converts canonical dotted-decimal IPv4 text to an unsigned 32-bit number. */
function ipv4ToNumber(text: string): number {
  const octets = text.split('.');
  return ((Number(octets[0]) << 24) | (Number(octets[1]) << 16) | (Number(octets[2]) << 8) | Number(octets[3])) >>> 0;
}

function maskIpv4(address: number, prefixLength: number): number {
  // A shift by 32 is a shift by 0 in JavaScript, so /0 needs its own case.
  return prefixLength === 0 ? 0 : (address & (0xffffffff << (32 - prefixLength))) >>> 0;
}

/**
 * Encodes the network of an IPv6 block as a string key: one UTF-16 code unit
 * per 16-bit group, only the groups the prefix covers, host bits cleared.
 * Each prefix length has its own map, so keys of different lengths never meet.
 */
function ipv6BlockKey(groups: readonly number[], prefixLength: number): string {
  const coveredGroups = groups.slice(0, Math.ceil(prefixLength / 16));
  return String.fromCharCode(...maskGroups(coveredGroups, 16, prefixLength));
}

/**
 * Lists the keys a PATH_PREFIX indicator must have to match `url`. A path
 * prefix ends at a segment boundary: https://h/a/b yields https://h/, https://h/a,
 * https://h/a/, https://h/a/b and, when the URL has a query, the whole URL.
 * Candidates longer than MAX_URL_LENGTH are skipped because no indicator is
 * that long, which also bounds the work on very long observed URLs.
 */
function pathPrefixCandidates(url: string): string[] {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  if (pathStart === -1) {
    return [];
  }
  const queryStart = url.indexOf('?', pathStart);
  const pathEnd = queryStart === -1 ? url.length : queryStart;

  const candidates: string[] = [];
  if (queryStart !== -1 && url.length <= MAX_URL_LENGTH) {
    candidates.push(url);
  }
  if (pathEnd <= MAX_URL_LENGTH) {
    candidates.push(url.slice(0, pathEnd));
  }
  for (let slash = pathStart; slash !== -1 && slash < pathEnd && slash < MAX_URL_LENGTH; slash = url.indexOf('/', slash + 1)) {
    if (slash > pathStart) {
      candidates.push(url.slice(0, slash));
    }
    if (slash + 1 < pathEnd) {
      candidates.push(url.slice(0, slash + 1));
    }
  }
  return candidates;
}

function getOrCreate<K, V>(maps: Map<K, Map<V, Bucket>>, key: K, create: boolean): Map<V, Bucket> | undefined {
  let map = maps.get(key);
  if (map === undefined && create) {
    map = new Map<V, Bucket>();
    maps.set(key, map);
  }
  return map;
}
