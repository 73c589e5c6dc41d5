/**
 * Validation and canonical forms of indicator values and event observables.
 *
 * Indicators and observables go through the same canonical form, so the
 * matcher compares plain strings: lower-case hashes, RFC 5952 IPv6 text,
 * punycode domain names and WHATWG-parsed URLs. Indicators are validated
 * strictly and a rejection comes with a reason. Observables are normalized
 * leniently, and a value that cannot be valid becomes `null` so that one bad
 * field never rejects an event.
 */
import { domainToASCII } from 'node:url';

import * as ipaddr from 'ipaddr.js';
import { getDomain } from 'tldts';

import { IndicatorType, MatchFunction, unreachable } from './enums';

/** Outcome of validating an indicator value. */
export type NormalizeResult = { ok: true; value: string } | { ok: false; reason: string };

/** Maximum length of a URL indicator, before and after normalization. */
export const MAX_URL_LENGTH = 4096;

/**
 * Maximum length of a domain name in ASCII form without the trailing dot.
 * RFC 1035 limits a name on the wire to 255 octets, which is 253 characters of text.
 */
export const MAX_DOMAIN_LENGTH = 253;

/** Maximum length of one domain label (RFC 1035 section 2.3.4). */
const MAX_LABEL_LENGTH = 63;

/** Longest IP indicator text: a fully written IPv6 block with an IPv4 tail and /128. */
const MAX_IP_LENGTH = 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128'.length;

/**
 * Maximum length of a URL observable. It is above MAX_URL_LENGTH because a
 * long query must not hide a URL from PATH_PREFIX indicators, and common web
 * servers reject request lines far shorter than this.
 */
const MAX_OBSERVABLE_URL_LENGTH = 65_536;

/** Maximum length of a domain or IP observable before parsing. Longer values cannot be valid. */
const MAX_OBSERVABLE_HOST_LENGTH = 1024;

/** Maximum number of input characters quoted back in a reason. */
const MAX_EXCERPT_LENGTH = 40;

const HASH_LENGTHS = {
  [IndicatorType.FILE_MD5]: 32,
  [IndicatorType.FILE_SHA1]: 40,
  [IndicatorType.FILE_SHA256]: 64,
  [IndicatorType.CERTIFICATE_THUMBPRINT]: 40,
} as const;

type HashType = keyof typeof HASH_LENGTHS;

/** Hash types named in a hint when a hash has the length of another type. */
const HASH_TYPES_BY_LENGTH: ReadonlyMap<number, string> = new Map([
  [32, 'FILE_MD5'],
  [40, 'FILE_SHA1 (or CERTIFICATE_THUMBPRINT for a certificate)'],
  [64, 'FILE_SHA256'],
]);

/** Allowed match functions per type. The first entry is the default. */
const MATCH_FUNCTIONS: Readonly<Record<IndicatorType, readonly MatchFunction[]>> = {
  [IndicatorType.FILE_MD5]: Object.freeze([MatchFunction.EQUALS]),
  [IndicatorType.FILE_SHA1]: Object.freeze([MatchFunction.EQUALS]),
  [IndicatorType.FILE_SHA256]: Object.freeze([MatchFunction.EQUALS]),
  [IndicatorType.CERTIFICATE_THUMBPRINT]: Object.freeze([MatchFunction.EQUALS]),
  [IndicatorType.IP_ADDRESS]: Object.freeze([MatchFunction.EQUALS, MatchFunction.CIDR]),
  [IndicatorType.DOMAIN_NAME]: Object.freeze([MatchFunction.INCLUDES_SUBDOMAINS, MatchFunction.EQUALS]),
  [IndicatorType.URL]: Object.freeze([MatchFunction.PATH_PREFIX, MatchFunction.EQUALS]),
};

const ALLOWED_URL_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'ftp', 'ws', 'wss']);

/** Returns the match function used when an indicator of this type does not name one. */
export function defaultMatchFunction(type: IndicatorType): MatchFunction {
  return MATCH_FUNCTIONS[type][0];
}

/** Returns the match functions an indicator of this type may use, default first. */
export function allowedMatchFunctions(type: IndicatorType): readonly MatchFunction[] {
  return MATCH_FUNCTIONS[type];
}

/**
 * Validates an indicator value submitted by a user and returns its canonical
 * form. Surrounding whitespace is trimmed. On failure, `reason` is a sentence
 * fragment to print after the field name. It states the rule, what arrived
 * and how to fix it, and quotes at most MAX_EXCERPT_LENGTH input characters.
 */
export function normalizeIndicatorValue(type: IndicatorType, matchFunction: MatchFunction, raw: string): NormalizeResult {
  const allowed = MATCH_FUNCTIONS[type] as readonly MatchFunction[] | undefined;
  if (allowed === undefined) {
    return invalid(`must have a known indicator type; received type ${excerpt(String(type))}.`);
  }
  if (!allowed.includes(matchFunction)) {
    return invalid(
      `must be used with matchFunction ${joinWords(allowed, 'or')} for type ${type}; ` +
        `received matchFunction ${String(matchFunction)}.`,
    );
  }
  if (typeof raw !== 'string') {
    return invalid(`must be a string; received ${typeof raw}.`);
  }

  const value = raw.trim();
  if (value === '') {
    return invalid('must not be empty or only whitespace.');
  }

  switch (type) {
    case IndicatorType.FILE_MD5:
    case IndicatorType.FILE_SHA1:
    case IndicatorType.FILE_SHA256:
    case IndicatorType.CERTIFICATE_THUMBPRINT:
      return normalizeHashIndicator(type, value);
    case IndicatorType.IP_ADDRESS:
      return normalizeIpIndicator(matchFunction, value);
    case IndicatorType.DOMAIN_NAME:
      return normalizeDomainIndicator(matchFunction, value);
    case IndicatorType.URL:
      return normalizeUrlIndicator(value);
    default:
      return unreachable(type);
  }
}

/**
 * Normalizes a value seen in an event to the canonical form of its type.
 * Returns null when the value cannot be a valid value of that type, or when
 * the type or value is not what the types promise (events come from outside).
 * Never throws.
 */
export function normalizeObservableValue(type: IndicatorType, raw: string): string | null {
  if (typeof raw !== 'string') {
    return null;
  }

  switch (type) {
    case IndicatorType.FILE_MD5:
    case IndicatorType.FILE_SHA1:
    case IndicatorType.FILE_SHA256:
    case IndicatorType.CERTIFICATE_THUMBPRINT:
      return normalizeHashObservable(type, raw.trim());
    case IndicatorType.IP_ADDRESS:
      return normalizeIpObservable(raw.trim());
    case IndicatorType.DOMAIN_NAME:
      return normalizeDomainObservable(raw.trim());
    case IndicatorType.URL:
      return normalizeUrlObservable(raw.trim());
    default:
      // An event may carry a type that this build does not know.
      return null;
  }
}

/**
 * Returns the host of a URL in the form `normalizeObservableValue` or
 * `normalizeIndicatorValue` produced: no port, and no brackets around an IPv6
 * address. The result is not itself normalized as a domain or IP address.
 */
export function urlHost(normalizedUrl: string): string {
  const hostStart = normalizedUrl.indexOf('//') + 2;
  const pathStart = normalizedUrl.indexOf('/', hostStart);
  const host = normalizedUrl.slice(hostStart, pathStart === -1 ? undefined : pathStart);

  if (host.startsWith('[')) {
    return host.slice(1, host.indexOf(']'));
  }
  const portStart = host.lastIndexOf(':');
  return portStart === -1 ? host : host.slice(0, portStart);
}

// ---------------------------------------------------------------------------
// Shared checks and reason helpers

function invalid(reason: string): NormalizeResult {
  return { ok: false, reason };
}

function valid(value: string): NormalizeResult {
  return { ok: true, value };
}

/** Quotes the start of user input for a reason, never more than MAX_EXCERPT_LENGTH characters. */
function excerpt(text: string): string {
  const leadingCharacters = [...text.slice(0, MAX_EXCERPT_LENGTH + 1)];
  if (leadingCharacters.length <= MAX_EXCERPT_LENGTH) {
    return JSON.stringify(text);
  }
  return JSON.stringify(`${leadingCharacters.slice(0, MAX_EXCERPT_LENGTH).join('')}…`);
}

/** Joins words as English prose: "A", "A or B", "A, B or C". */
function joinWords(items: readonly string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) {
    return items.join('');
  }
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

function checkLength(value: string, maxLength: number, type: IndicatorType): string | null {
  if (value.length <= maxLength) {
    return null;
  }
  return `must be at most ${maxLength} characters for ${type}; received ${value.length} characters.`;
}

/** Rejects C0 and C1 control characters, NUL included, which no valid value contains. */
function checkControlCharacters(value: string): string | null {
  const position = value.search(/[\u0000-\u001f\u007f-\u009f]/);
  if (position === -1) {
    return null;
  }
  const codePoint = value.charCodeAt(position).toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control characters; received U+${codePoint} at position ${position + 1}. Remove it and submit the value again.`;
}

/** Runs the length and control-character checks that precede every format check. */
function checkCommonRules(value: string, maxLength: number, type: IndicatorType): string | null {
  return checkLength(value, maxLength, type) ?? checkControlCharacters(value);
}

// ---------------------------------------------------------------------------
// File hashes and certificate thumbprints

/** A SHA-1 thumbprint as 20 colon-separated byte pairs, the form certificate tools print. */
const COLON_SEPARATED_THUMBPRINT = /^[0-9a-f]{2}(?::[0-9a-f]{2}){19}$/i;

function normalizeHashIndicator(type: HashType, value: string): NormalizeResult {
  const expectedLength = HASH_LENGTHS[type];
  const problem = checkControlCharacters(value);
  if (problem !== null) {
    return invalid(problem);
  }

  let hex = value;
  if (type === IndicatorType.CERTIFICATE_THUMBPRINT && value.includes(':')) {
    if (!COLON_SEPARATED_THUMBPRINT.test(value)) {
      return invalid(
        `must be 40 hexadecimal characters, or 20 colon-separated pairs such as 65:4C:FA:..., for ${type}; ` +
          `received a colon-separated value of ${value.length} characters that is not 20 pairs.`,
      );
    }
    hex = value.replaceAll(':', '');
  }

  if (hex.length !== expectedLength) {
    const otherType = HASH_TYPES_BY_LENGTH.get(hex.length);
    const hint = otherType !== undefined && /^[0-9a-f]+$/i.test(hex) ? ` A ${hex.length}-character hash is ${otherType}.` : '';
    return invalid(`must be ${expectedLength} hexadecimal characters for ${type}; received ${hex.length} characters.${hint}`);
  }

  const badPosition = hex.search(/[^0-9a-f]/i);
  if (badPosition !== -1) {
    const badCharacter = String.fromCodePoint(hex.codePointAt(badPosition) ?? 0);
    return invalid(
      `must contain only hexadecimal characters (0-9, a-f) for ${type}; ` +
        `received ${JSON.stringify(badCharacter)} at position ${badPosition + 1}.`,
    );
  }
  return valid(hex.toLowerCase());
}

function normalizeHashObservable(type: HashType, value: string): string | null {
  let hex = value;
  if (type === IndicatorType.CERTIFICATE_THUMBPRINT && COLON_SEPARATED_THUMBPRINT.test(value)) {
    hex = value.replaceAll(':', '');
  }
  if (hex.length !== HASH_LENGTHS[type] || !/^[0-9a-f]+$/i.test(hex)) {
    return null;
  }
  return hex.toLowerCase();
}

// ---------------------------------------------------------------------------
// IP addresses and CIDR blocks

type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Dotted-decimal IPv4 with exactly four numbers. Range and leading zeros are checked separately. */
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

const IP_EXAMPLES = 'an IPv4 address in dotted-decimal form (such as 192.0.2.1) or an IPv6 address (such as 2001:db8::1)';

/** A dotted quad followed by a port, such as 192.0.2.10:443. */
const IPV4_WITH_PORT = /^\d{1,3}(\.\d{1,3}){3}:\d+$/;

function normalizeIpIndicator(matchFunction: MatchFunction, value: string): NormalizeResult {
  const problem = checkCommonRules(value, MAX_IP_LENGTH, IndicatorType.IP_ADDRESS);
  if (problem !== null) {
    return invalid(problem);
  }
  if (value.includes('%')) {
    return invalid(
      `must not contain a zone index such as %eth0, because a zone only has meaning on one host; ` +
        `received ${excerpt(value)}. Remove the part from "%" on.`,
    );
  }

  if (IPV4_WITH_PORT.test(value) || /^\[[^\]]*\]:\d+$/.test(value)) {
    return invalid(`must be an IP address without a port; received ${excerpt(value)}. Remove the ":port" part.`);
  }

  const slash = value.indexOf('/');
  if (matchFunction === MatchFunction.EQUALS) {
    if (slash !== -1) {
      return invalid(
        `must be a single IP address for matchFunction EQUALS; received the CIDR block ${excerpt(value)}. ` +
          'Use matchFunction CIDR to match every address in the block.',
      );
    }
    const address = parseIpAddress(value);
    return typeof address === 'string' ? invalid(address) : valid(formatIpAddress(address));
  }

  const addressText = slash === -1 ? value : value.slice(0, slash);
  const address = parseIpAddress(addressText);
  if (typeof address === 'string') {
    return invalid(address);
  }
  const prefixLength = slash === -1 ? maxPrefixLength(address) : parsePrefixLength(address, value.slice(slash + 1));
  if (typeof prefixLength === 'string') {
    return invalid(prefixLength);
  }
  return valid(formatCidrBlock(address, prefixLength));
}

function normalizeIpObservable(value: string): string | null {
  if (value.length > MAX_OBSERVABLE_HOST_LENGTH) {
    return null;
  }

  let text = value;
  if (text.startsWith('[') && text.endsWith(']')) {
    text = text.slice(1, -1);
  }
  // A zone index only selects the local interface, so the address without it is what indicators name.
  const zoneStart = text.indexOf('%');
  if (zoneStart !== -1) {
    text = text.slice(0, zoneStart);
  }

  const address = parseIpAddress(text);
  return typeof address === 'string' ? null : formatIpAddress(address);
}

/** Parses an IP address strictly. Returns the address, or a reason when the text is not valid. */
function parseIpAddress(text: string): IpAddress | string {
  return text.includes(':') ? parseIpv6Address(text) : parseIpv4Address(text);
}

/**
 * Parses dotted-decimal IPv4 only. The short, octal and hexadecimal forms
 * that ipaddr.js and inet_aton accept (`10.1`, `010.0.0.1`, `0x7f.1`) are
 * rejected because tools disagree on what they mean.
 */
function parseIpv4Address(text: string): ipaddr.IPv4 | string {
  const match = DOTTED_QUAD.exec(text);
  if (match === null) {
    const hint = /[g-z]/i.test(text) && text.includes('.') ? ' For a host name use type DOMAIN_NAME.' : '';
    return `must be ${IP_EXAMPLES}; received ${excerpt(text)}.${hint}`;
  }

  const numbers = match.slice(1, 5);
  const outOfRange = numbers.find((part) => Number(part) > 255);
  if (outOfRange !== undefined) {
    return `must be an IPv4 address whose four numbers are between 0 and 255; received ${outOfRange} in ${excerpt(text)}.`;
  }
  const leadingZero = numbers.find((part) => part.length > 1 && part.startsWith('0'));
  if (leadingZero !== undefined) {
    return (
      `must not contain numbers with leading zeros, which some systems read as octal; ` +
      `received ${leadingZero} in ${excerpt(text)}. Write ${Number(leadingZero)} instead.`
    );
  }
  return new ipaddr.IPv4(numbers.map(Number));
}

function parseIpv6Address(text: string): ipaddr.IPv6 | string {
  const problem = findIpv6SyntaxProblem(text);
  if (problem !== null) {
    return `must be ${IP_EXAMPLES}; received ${excerpt(text)}, which ${problem}.`;
  }

  if (text.includes('.') && typeof parseIpv4Address(text.slice(text.lastIndexOf(':') + 1)) === 'string') {
    return (
      'must end an IPv6 address with a dotted-decimal IPv4 address without leading zeros, ' +
      `such as ::ffff:192.0.2.1; received ${excerpt(text)}.`
    );
  }
  if (!ipaddr.IPv6.isValid(text)) {
    return `must be ${IP_EXAMPLES}; received ${excerpt(text)}, which does not have 8 groups of up to 4 hexadecimal digits (or fewer with one "::").`;
  }

  const address = ipaddr.IPv6.parse(text);
  // ipaddr.js reads the deprecated IPv4-compatible form ::a.b.c.d as ::ffff:a.b.c.d.
  // URL parsers and RFC 4291 read it as ::0:a.b.c.d, so this restores that reading.
  if (/^::[\d.]+$/.test(text)) {
    address.parts[5] = 0;
  }
  return address;
}

/** Returns what is wrong with the characters and groups of an IPv6 text, or null. */
function findIpv6SyntaxProblem(text: string): string | null {
  const badCharacter = /[^0-9a-f:.]/i.exec(text);
  if (badCharacter !== null) {
    return `contains ${JSON.stringify(badCharacter[0])}, a character IPv6 addresses do not use`;
  }
  if (text.indexOf('::') !== text.lastIndexOf('::')) {
    return 'contains "::" more than once';
  }
  const longGroup = text.split(':').find((group) => !group.includes('.') && group.length > 4);
  if (longGroup !== undefined) {
    return `has the group ${excerpt(longGroup)} of more than 4 hexadecimal digits`;
  }
  return null;
}

function parsePrefixLength(address: IpAddress, text: string): number | string {
  const maxLength = maxPrefixLength(address);
  const family = address.kind() === 'ipv4' ? 'IPv4' : 'IPv6';
  if (!/^(0|[1-9]\d{0,2})$/.test(text)) {
    return `must end a CIDR block with a decimal prefix length between 0 and ${maxLength}, such as /24; received ${excerpt(`/${text}`)}.`;
  }
  const prefixLength = Number(text);
  if (prefixLength > maxLength) {
    return `must have a prefix length between 0 and ${maxLength} for an ${family} block; received /${prefixLength}.`;
  }
  return prefixLength;
}

function maxPrefixLength(address: IpAddress): number {
  return address.kind() === 'ipv4' ? 32 : 128;
}

/** Formats an address canonically. An IPv4-mapped IPv6 address becomes its IPv4 address. */
function formatIpAddress(address: IpAddress): string {
  if (address.kind() === 'ipv4') {
    return address.toString();
  }
  const ipv6 = address as ipaddr.IPv6;
  return ipv6.isIPv4MappedAddress() ? ipv6.toIPv4Address().toString() : ipv6.toRFC5952String();
}

/**
 * Formats a block as `network/prefix` with the host bits cleared. A block
 * inside ::ffff:0:0/96 becomes the IPv4 block it maps.
 */
function formatCidrBlock(address: IpAddress, prefixLength: number): string {
  // join() builds one flat string. A template literal would build a rope of
  // several strings, which costs more memory in an index of millions of values.
  if (address.kind() === 'ipv4') {
    const octets = maskGroups((address as ipaddr.IPv4).octets, 8, prefixLength);
    return [octets.join('.'), prefixLength].join('/');
  }

  const ipv6 = address as ipaddr.IPv6;
  if (ipv6.isIPv4MappedAddress() && prefixLength >= 96) {
    const octets = maskGroups(ipv6.toIPv4Address().octets, 8, prefixLength - 96);
    return [octets.join('.'), prefixLength - 96].join('/');
  }
  const network = new ipaddr.IPv6(maskGroups(ipv6.parts, 16, prefixLength));
  return [network.toRFC5952String(), prefixLength].join('/');
}

/**
 * Clears every bit after the first `prefixLength` bits of an address given as
 * groups of `groupBits` bits (octets for IPv4, 16-bit groups for IPv6).
 */
export function maskGroups(groups: readonly number[], groupBits: number, prefixLength: number): number[] {
  return groups.map((group, index) => {
    const keptBits = Math.min(groupBits, Math.max(0, prefixLength - index * groupBits));
    const mask = ((1 << keptBits) - 1) << (groupBits - keptBits);
    return group & mask;
  });
}

// ---------------------------------------------------------------------------
// Domain names

/** Dots that IDNA treats as label separators (RFC 3490 section 3.1). */
const LABEL_SEPARATORS = /[.\u3002\uff0e\uff61]/;

/**
 * Scripts that the look-alike check distinguishes. A letter of a script not
 * listed here counts as "another script".
 * NOTE: two unlisted scripts in one label therefore count as one, so that mix passes.
 */
const SCRIPT_PATTERNS: readonly { name: string; pattern: RegExp }[] = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Nko',
  'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam',
  'Sinhala', 'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Khmer', 'Mongolian', 'Ethiopic', 'Cherokee',
  'Canadian_Aboriginal', 'Tifinagh', 'Hangul', 'Hiragana', 'Katakana', 'Bopomofo', 'Han', 'Yi',
].map((name) => ({ name, pattern: new RegExp(`^\\p{Script=${name}}$`, 'u') }));

/** Characters that belong to no script, such as digits, hyphens and combining marks. */
const SCRIPT_NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/**
 * Script sets that one label may mix: the "Highly Restrictive" level of
 * Unicode Technical Standard #39, section 5.2. Japanese, Chinese and Korean
 * names combine Han with their own scripts and with Latin.
 */
const ALLOWED_SCRIPT_MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

function normalizeDomainIndicator(matchFunction: MatchFunction, value: string): NormalizeResult {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const problem = checkCommonRules(name, MAX_DOMAIN_LENGTH, IndicatorType.DOMAIN_NAME) ?? checkDomainShape(name);
  if (problem !== null) {
    return invalid(problem);
  }

  const ascii = toAsciiDomain(name);
  if (ascii === null) {
    return invalid(
      `must be a valid domain name; received ${excerpt(name)}, which contains characters that host names do not allow ` +
        'or an xn-- label that is not valid punycode.',
    );
  }
  const lookAlike = checkMixedScripts(name, ascii);
  if (lookAlike !== null) {
    return invalid(lookAlike);
  }

  const labelProblem = checkAsciiDomain(ascii, 'strict');
  if (labelProblem !== null) {
    return invalid(labelProblem);
  }
  if (!ascii.includes('.')) {
    return invalid(
      `must have at least two labels (such as example.com); received the single label ${excerpt(ascii)}. ` +
        'Resolvers complete a single label with local search domains, so it names a different host on each network.',
    );
  }
  if (matchFunction === MatchFunction.INCLUDES_SUBDOMAINS && isPublicSuffix(ascii)) {
    return invalid(
      `must not be a public suffix with matchFunction INCLUDES_SUBDOMAINS, because it would match every domain registered under it; ` +
        `received ${excerpt(ascii)}. Submit a registrable domain such as example.${ascii}.`,
    );
  }
  return valid(ascii);
}

function normalizeDomainObservable(value: string): string | null {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name === '' || name.length > MAX_OBSERVABLE_HOST_LENGTH || /[\s\u0000-\u001f\u007f-\u009f]/.test(name)) {
    return null;
  }

  const ascii = toAsciiDomain(name);
  if (ascii === null || checkAsciiDomain(ascii, 'lenient') !== null) {
    return null;
  }
  return ascii;
}

/** Rejects values of another kind (URL, IP address, host with port) before label rules run. */
function checkDomainShape(name: string): string | null {
  const whitespace = name.search(/\s/);
  if (whitespace !== -1) {
    return `must not contain spaces or other whitespace; received whitespace at position ${whitespace + 1} of ${excerpt(name)}.`;
  }
  if (name.includes('/')) {
    return `must be a domain name without a scheme or path; received ${excerpt(name)}, which looks like a URL. Use type URL to match URLs, or submit only the host name.`;
  }
  if (/^[\d.]+$/.test(name) || (name.includes(':') && ipaddr.IPv6.isValid(name.replace(/^\[(.*)\]$/, '$1')))) {
    return `must be a domain name; received ${excerpt(name)}, which looks like an IP address. Use type IP_ADDRESS for IP addresses.`;
  }
  if (name.includes(':')) {
    return `must not contain ":" or a port; received ${excerpt(name)}. Submit only the host name.`;
  }
  if (name === '' || name.split(LABEL_SEPARATORS).includes('')) {
    return `must not contain empty labels (a dot at the start or two dots in a row); received ${excerpt(name)}.`;
  }
  return null;
}

/**
 * Converts a domain name to lower-case ASCII with IDNA (UTS #46, as the WHATWG
 * URL standard applies it). Returns null when the name cannot be converted.
 */
function toAsciiDomain(name: string): string | null {
  const lowerCase = name.toLowerCase();
  if (/^[\x21-\x7e]*$/.test(lowerCase) && !lowerCase.includes('xn--')) {
    return lowerCase;
  }

  // domainToASCII parses a name that ends in a number as IPv4. Such a name
  // fails the top-level label check, which gives the better reason.
  const labels = lowerCase.split(LABEL_SEPARATORS);
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1])) {
    return lowerCase;
  }
  const ascii = domainToASCII(name);
  return ascii === '' ? null : ascii;
}

/**
 * Checks the labels of an ASCII domain name. `strict` applies the indicator
 * rules. `lenient` is for observables: it also accepts hyphens at label edges,
 * "_" and "*" anywhere in the non-final labels, so that an oddly named host
 * under a watched domain still matches INCLUDES_SUBDOMAINS.
 */
function checkAsciiDomain(ascii: string, mode: 'strict' | 'lenient'): string | null {
  if (ascii.length > MAX_DOMAIN_LENGTH) {
    return `must be at most ${MAX_DOMAIN_LENGTH} characters in ASCII (punycode) form; received ${ascii.length} characters after conversion.`;
  }

  // The top-level label goes first because a bad one usually means the value is not a domain name at all.
  const labels = ascii.split('.');
  const topLevelProblem = checkTopLevelLabel(labels[labels.length - 1]);
  if (topLevelProblem !== null) {
    return topLevelProblem;
  }
  for (const label of labels.slice(0, -1)) {
    const problem = mode === 'strict' ? checkStrictLabel(label) : checkLenientLabel(label);
    if (problem !== null) {
      return problem;
    }
  }
  return null;
}

function checkLabelLength(label: string): string | null {
  if (label === '') {
    return 'must not contain empty labels (a dot at the start or two dots in a row).';
  }
  if (label.length > MAX_LABEL_LENGTH) {
    return `must have labels of at most ${MAX_LABEL_LENGTH} characters; received a label of ${label.length} characters.`;
  }
  return null;
}

function checkTopLevelLabel(label: string): string | null {
  const lengthProblem = checkLabelLength(label);
  if (lengthProblem !== null) {
    return lengthProblem;
  }
  if (/^[a-z]+$/.test(label) || /^xn--[a-z0-9-]*[a-z0-9]$/.test(label)) {
    return null;
  }
  return `must end in a top-level domain of letters only, or an xn-- label; received the last label ${excerpt(label)}.`;
}

function checkStrictLabel(label: string): string | null {
  const lengthProblem = checkLabelLength(label);
  if (lengthProblem !== null) {
    return lengthProblem;
  }

  const badCharacter = /[^a-z0-9_-]/.exec(label);
  if (badCharacter !== null) {
    return (
      `must contain only letters, digits and hyphens in each label; ` +
      `received ${JSON.stringify(badCharacter[0])} in the label ${excerpt(label)}.`
    );
  }
  if (label.indexOf('_', 1) !== -1) {
    return (
      `must use "_" only at the start of a label, as in service names such as _ldap._tcp.example.com; ` +
      `received the label ${excerpt(label)}.`
    );
  }

  const body = label.startsWith('_') ? label.slice(1) : label;
  if (body === '') {
    return 'must have a letter or digit after "_" in a label; received the label "_".';
  }
  if (body.startsWith('-') || body.endsWith('-')) {
    return `must not start or end a label with a hyphen; received the label ${excerpt(label)}.`;
  }
  return null;
}

function checkLenientLabel(label: string): string | null {
  if (/^[a-z0-9_*-]+$/.test(label)) {
    return checkLabelLength(label);
  }
  return 'must contain only letters, digits, "-", "_" and "*" in the labels of an observed name.';
}

/**
 * Rejects a label that mixes scripts, such as "pаypal" with a Cyrillic "а",
 * because such labels imitate well-known names. A look-alike can still be
 * watched on purpose by submitting its xn-- form, which this check does not see.
 * NOTE: a label written wholly in one script that imitates another, such as an
 * all-Cyrillic "раура", passes. Detecting it needs the UTS #39 confusables data.
 */
function checkMixedScripts(name: string, ascii: string): string | null {
  if (/^[\x00-\x7f]*$/.test(name)) {
    return null;
  }

  for (const [index, label] of name.split(LABEL_SEPARATORS).entries()) {
    const scripts = scriptsOf(label);
    const allowed = scripts.size <= 1 || ALLOWED_SCRIPT_MIXES.some((mix) => [...scripts].every((script) => mix.has(script)));
    if (!allowed) {
      return (
        `must not mix scripts within one label, because mixed labels imitate other names; ` +
        `label ${index + 1} mixes ${joinWords([...scripts], 'and')}. ` +
        `To watch this look-alike domain on purpose, submit its ASCII form ${excerpt(ascii)}.`
      );
    }
  }
  return null;
}

function scriptsOf(label: string): Set<string> {
  const scripts = new Set<string>();
  for (const character of label) {
    if (SCRIPT_NEUTRAL.test(character)) {
      continue;
    }
    const script = SCRIPT_PATTERNS.find(({ pattern }) => pattern.test(character));
    scripts.add(script?.name ?? 'another script');
  }
  return scripts;
}

/** Returns whether the name is an ICANN public suffix, such as com or co.uk, under which anyone may register. */
function isPublicSuffix(ascii: string): boolean {
  return getDomain(ascii, { allowPrivateDomains: false, extractHostname: false, validateHostname: false }) === null;
}

// ---------------------------------------------------------------------------
// URLs

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** Characters RFC 3986 section 2.3 calls unreserved. Their escapes are decoded. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function normalizeUrlIndicator(value: string): NormalizeResult {
  const problem = checkCommonRules(value, MAX_URL_LENGTH, IndicatorType.URL);
  if (problem !== null) {
    return invalid(problem);
  }

  const scheme = readScheme(value);
  if (scheme === null) {
    return invalid(
      `must be an absolute URL that starts with a scheme such as http:// or https://; received ${excerpt(value)}. ` +
        'Add the scheme, or use type DOMAIN_NAME for a bare domain name.',
    );
  }
  if (!ALLOWED_URL_SCHEMES.has(scheme)) {
    return invalid(
      `must use one of the schemes http, https, ftp, ws or wss; received the scheme ${excerpt(`${scheme}:`)}.`,
    );
  }

  const url = parseUrl(value);
  if (url === null) {
    return invalid(
      `must be a valid URL; received ${excerpt(value)}, whose host or port could not be parsed. ` +
        'Check the host name and that the port is a number from 0 to 65535.',
    );
  }
  const canonical = formatCanonicalUrl(url);
  if (canonical.length > MAX_URL_LENGTH) {
    return invalid(
      `must be at most ${MAX_URL_LENGTH} characters after normalization; ` +
        `received a URL that percent-encoding grows to ${canonical.length} characters.`,
    );
  }
  return valid(canonical);
}

function normalizeUrlObservable(value: string): string | null {
  if (value.length > MAX_OBSERVABLE_URL_LENGTH) {
    return null;
  }
  const scheme = readScheme(value);
  if (scheme === null || !ALLOWED_URL_SCHEMES.has(scheme)) {
    return null;
  }
  const url = parseUrl(value);
  return url === null ? null : formatCanonicalUrl(url);
}

/**
 * Returns the lower-case scheme, or null when the value has none. A host with
 * a port, such as example.com:8080, also counts as having none, although the
 * URL syntax would read "example.com" as its scheme.
 */
function readScheme(value: string): string | null {
  const match = URL_SCHEME.exec(value);
  if (match === null) {
    return null;
  }
  const scheme = match[1].toLowerCase();
  const rest = value.slice(match[0].length);
  if (scheme.includes('.') || /^\d/.test(rest)) {
    return null;
  }
  return scheme;
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * Formats a parsed URL canonically. The WHATWG parser has already lower-cased
 * the scheme and host, converted an IDN host to punycode, dropped the default
 * port and resolved dot segments. This drops the credentials, the fragment and
 * an empty "?", and makes percent-encoding consistent.
 */
function formatCanonicalUrl(url: URL): string {
  const query = url.search === '' ? '' : normalizePercentEncoding(url.search);
  // join() builds one flat string, which an index of millions of URLs stores more compactly than a rope.
  return [url.protocol, '//', url.host, normalizePercentEncoding(url.pathname), query].join('');
}

/**
 * Decodes escapes of unreserved characters and upper-cases the hex digits of
 * the other escapes (RFC 3986 section 6.2.2), so `%7e` becomes `~` and `%2f`
 * becomes `%2F`. Escapes of reserved characters change meaning when decoded,
 * so they stay.
 */
function normalizePercentEncoding(text: string): string {
  if (!text.includes('%')) {
    return text;
  }
  return text.replace(/%([0-9a-f]{2})/gi, (_escape, hex: string) => {
    const character = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`;
  });
}
