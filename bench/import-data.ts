import { IndicatorType, MatchFunction } from '../src/domain/enums';
import type { IndicatorInput } from '../src/services/inputs';

/**
 * Seeded pseudo-random numbers: a Weyl sequence (step 0x9e3779b9) mixed by
 * the MurmurHash3 32-bit finalizer. The same seed gives the same sequence on
 * every machine, so every run of a benchmark works on the same data. Not for
 * anything that needs unpredictability.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** Uniform integer in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** Lower-case hexadecimal string of `length` digits. */
  hex(length: number): string {
    let text = '';
    while (text.length < length) text += this.nextUint32().toString(16).padStart(8, '0');
    return text.slice(0, length);
  }

  /** Letters and digits, `length` characters, starting with a letter. */
  label(length: number): string {
    let text = LETTERS[this.below(LETTERS.length)];
    while (text.length < length) text += LABEL_CHARACTERS[this.below(LABEL_CHARACTERS.length)];
    return text;
  }

  /** Shuffles `items` in place (Fisher-Yates). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const LABEL_CHARACTERS = `${LETTERS}0123456789`;
const TOP_LEVEL_DOMAINS = ['com', 'net', 'org', 'info', 'biz', 'ru', 'cn', 'top', 'xyz', 'io', 'co.uk', 'com.br'];
const URL_FILES = ['index.php', 'gate.php', 'login.html', 'update.exe', 'panel/admin.php', 'wp-content/plugin.js'];

/**
 * Kinds of indicator the generator draws, with their share of the unique
 * indicators: 70 % SHA-256 hashes, 20 % IPv4 (15 % addresses, 5 % CIDR
 * blocks) and 10 % domains and URLs (5 % each).
 */
const INDICATOR_MIX: ReadonlyArray<{ share: number; draw: (random: SeededRandom) => IndicatorInput }> = [
  { share: 0.7, draw: (random) => ({ type: IndicatorType.FILE_SHA256, value: random.hex(64) }) },
  { share: 0.15, draw: (random) => ({ type: IndicatorType.IP_ADDRESS, value: ipv4(random.nextUint32()) }) },
  { share: 0.05, draw: drawCidrBlock },
  { share: 0.05, draw: (random) => ({ type: IndicatorType.DOMAIN_NAME, value: domainName(random) }) },
  { share: 0.05, draw: drawUrl },
];

/**
 * Draws one indicator of the mix above. Values are already in the form the
 * service normalizes them to, so two draws are the same stored indicator
 * exactly when their type, match function and value are equal.
 */
export function drawIndicator(random: SeededRandom): IndicatorInput {
  let roll = random.next();
  for (const kind of INDICATOR_MIX) {
    if (roll < kind.share) return kind.draw(random);
    roll -= kind.share;
  }
  return INDICATOR_MIX[0].draw(random);
}

/** Identity of a stored indicator: the columns of the `uq_indicator_value` index, without the definition. */
export function indicatorKey(input: IndicatorInput): string {
  return `${input.type}|${input.matchFunction ?? ''}|${input.value.toLowerCase()}`;
}

export interface IndicatorSet {
  /** Every indicator in import order, duplicates included. */
  inputs: IndicatorInput[];
  /** Number of distinct indicators among `inputs`: what a duplicate-skipping import stores. */
  distinct: number;
}

/**
 * Generates `count` indicators of which `duplicateShare` repeat another one
 * of the set, in shuffled order, so a repeat may fall in the same batch as
 * its original or in a later one. Half the repeated hashes are upper case,
 * so they are duplicates only after normalization.
 */
export function generateIndicatorSet(count: number, duplicateShare: number, seed: number): IndicatorSet {
  const random = new SeededRandom(seed);
  const distinct = count - Math.round(count * duplicateShare);
  const seen = new Set<string>();
  const inputs: IndicatorInput[] = [];

  while (inputs.length < distinct) {
    const input = drawIndicator(random);
    const key = indicatorKey(input);
    if (seen.has(key)) continue;
    seen.add(key);
    inputs.push(input);
  }

  for (let i = distinct; i < count; i++) {
    const original = inputs[random.below(distinct)];
    const upperCase = original.type === IndicatorType.FILE_SHA256 && random.below(2) === 0;
    inputs.push({ ...original, value: upperCase ? original.value.toUpperCase() : original.value });
  }
  return { inputs: random.shuffle(inputs), distinct };
}

function ipv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff].join('.');
}

/** Draws a CIDR block of /16 to /30, written with its network address as the service stores it. */
function drawCidrBlock(random: SeededRandom): IndicatorInput {
  const prefixLength = 16 + random.below(15);
  const network = (random.nextUint32() & (~0 << (32 - prefixLength))) >>> 0;
  return { type: IndicatorType.IP_ADDRESS, matchFunction: MatchFunction.CIDR, value: `${ipv4(network)}/${prefixLength}` };
}

function domainName(random: SeededRandom): string {
  const registered = `${random.label(6 + random.below(10))}.${random.pick(TOP_LEVEL_DOMAINS)}`;
  return random.below(4) === 0 ? `${random.label(3 + random.below(5))}.${registered}` : registered;
}

function drawUrl(random: SeededRandom): IndicatorInput {
  const path = `${random.label(4 + random.below(6))}/${random.pick(URL_FILES)}`;
  return { type: IndicatorType.URL, value: `http://${domainName(random)}/${path}` };
}
