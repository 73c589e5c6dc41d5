import { isIP } from 'node:net';

import { IndicatorType } from '../domain/enums';
import { Observable } from '../matching/observable';

/** Maximum length of an observable value. Native events with longer values are rejected, and log formats skip them. */
export const MAX_OBSERVABLE_VALUE_LENGTH = 4096;

/** Values that log formats write for "no value": Zeek's unset and empty-set markers, Windows' dash. */
const UNSET_VALUES = new Set(['', '-', '(empty)']);

/** Hex digest lengths accepted for each hash type. */
const HEX_DIGEST_LENGTHS: Partial<Record<IndicatorType, readonly number[]>> = {
  [IndicatorType.FILE_MD5]: [32],
  [IndicatorType.FILE_SHA1]: [40],
  [IndicatorType.FILE_SHA256]: [64],
  // SHA-1 is the usual thumbprint, and Zeek may log SHA-256 certificate fingerprints.
  [IndicatorType.CERTIFICATE_THUMBPRINT]: [40, 64],
};

// Characters that never occur in a host name, so a value containing one is not a domain.
const NOT_IN_HOST_NAME = /[\s/\\@:;,"'<>()[\]{}]/;

// Windows writes the IPv4 peers of dual-stack sockets, and Sysmon writes A records, as ::ffff:a.b.c.d.
const IPV4_MAPPED_PREFIX = /^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i;

// A URL observable must be absolute, because a request target such as `/index.html` names no host to match.
const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S/;

/** Returns whether `text` is an IPv4 or IPv6 address, counting the IPv4-mapped form `::ffff:a.b.c.d`. */
export function isIpLiteral(text: string): boolean {
  return isIP(text.trim().replace(IPV4_MAPPED_PREFIX, '')) !== 0;
}

/**
 * Collects the observables of one event read from a log format (Sysmon, Zeek,
 * ECS). It skips unset markers, values longer than
 * {@link MAX_OBSERVABLE_VALUE_LENGTH}, and values that cannot be of the type:
 * a hash that is not hex of the right length, an IP address that `node:net`
 * does not accept, a URL without a scheme and host. It also drops repeats of
 * a type and value (ignoring case except in URLs) and keeps the field where
 * the value was first seen, so one event matches an indicator once.
 */
export class ObservableCollector {
  private readonly observables: Observable[] = [];
  private readonly seenKeys = new Set<string>();

  /**
   * Adds one value. A DOMAIN_NAME value that is an IP literal is added as
   * IP_ADDRESS, a leading `*.` wildcard label is removed from a domain, and an
   * IPv4-mapped IPv6 address is added as its IPv4 address.
   */
  add(type: IndicatorType, value: string | undefined, field: string): void {
    const text = value?.trim();
    if (text === undefined || UNSET_VALUES.has(text) || text.length > MAX_OBSERVABLE_VALUE_LENGTH) {
      return;
    }

    const observable = toObservable(type, text, field);
    if (observable === null) {
      return;
    }

    const key = dedupeKey(observable);
    if (!this.seenKeys.has(key)) {
      this.seenKeys.add(key);
      this.observables.push(observable);
    }
  }

  addAll(type: IndicatorType, values: Iterable<string>, field: string): void {
    for (const value of values) {
      this.add(type, value, field);
    }
  }

  toArray(): Observable[] {
    return [...this.observables];
  }
}

function dedupeKey(observable: Observable): string {
  const value = observable.type === IndicatorType.URL ? observable.value : observable.value.toLowerCase();
  return `${observable.type}\u0000${value}`;
}

/** Checks `value` against `type` and returns the observable to add, or `null` to skip it. */
function toObservable(type: IndicatorType, value: string, field: string): Observable | null {
  if (type === IndicatorType.DOMAIN_NAME || type === IndicatorType.IP_ADDRESS) {
    return toAddressOrDomain(type, value, field);
  }
  if (type === IndicatorType.URL) {
    return ABSOLUTE_URL.test(value) ? { type, value, field } : null;
  }

  const digestLengths = HEX_DIGEST_LENGTHS[type];
  if (digestLengths !== undefined && !(/^[0-9a-f]+$/i.test(value) && digestLengths.includes(value.length))) {
    return null;
  }
  return { type, value, field };
}

function toAddressOrDomain(type: IndicatorType, value: string, field: string): Observable | null {
  const address = value.replace(IPV4_MAPPED_PREFIX, '');
  if (isIP(address) !== 0) {
    return { type: IndicatorType.IP_ADDRESS, value: address, field };
  }
  if (type === IndicatorType.IP_ADDRESS) {
    return null;
  }

  const domain = value.replace(/^\*\./, '');
  return domain === '' || NOT_IN_HOST_NAME.test(domain) ? null : { type: IndicatorType.DOMAIN_NAME, value: domain, field };
}
