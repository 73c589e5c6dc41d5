import { IndicatorType, MatchFunction } from '../../src/domain/enums';
import { normalizeObservableValue } from '../../src/domain/normalize';
import { EventFormat, parseEventBody } from '../../src/ingest/event-body';
import { IndicatorIndex } from '../../src/matching/indicator-index';

/** Seeded generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings built from characters that parsers care about, plus any code point. */
function garbage(next: () => number, length: number): string {
  const alphabet = ['.', ':', '/', '%', '[', ']', '@', '-', '_', '{', '}', '"', '\n', '\t', '\u0000', 'a', 'F', '9', 'é', '\u{1F600}'];
  let text = '';
  for (let i = 0; i < length; i += 1) {
    text += next() < 0.8 ? alphabet[Math.floor(next() * alphabet.length)] : String.fromCodePoint(Math.floor(next() * 0x10ffff) & 0xd7ff);
  }
  return text;
}

describe('garbage input', () => {
  const next = random(20261204);
  const samples = Array.from({ length: 2000 }, () => garbage(next, Math.floor(next() * 80)));

  it('never makes normalizeObservableValue throw', () => {
    for (const type of Object.values(IndicatorType)) {
      for (const sample of samples) {
        const result = normalizeObservableValue(type, sample);
        expect(result === null || typeof result === 'string').toBe(true);
      }
    }
  });

  it('never makes index.match throw', () => {
    const index = new IndicatorIndex();
    index.upsert({
      id: 'i1',
      organizationId: 'o1',
      alertDefinitionId: 'd1',
      type: IndicatorType.DOMAIN_NAME,
      matchFunction: MatchFunction.INCLUDES_SUBDOMAINS,
      normalizedValue: 'example.com',
      expiresAt: null,
    });
    const types = Object.values(IndicatorType);
    const observables = samples.map((value, position) => ({ type: types[position % types.length], value, field: 'f' }));

    expect(index.match('o1', observables)).toEqual([]);
  });

  it('reports garbage lines instead of throwing', () => {
    const body = samples.slice(0, 500).join('\n');
    const parsed = parseEventBody(body, { format: EventFormat.AUTO, receivedAt: new Date(0) });

    expect(parsed.events.length + parsed.rejected.length).toBeGreaterThan(0);
    expect(parsed.rejected.every((line) => typeof line.reason === 'string' && line.reason.length > 0)).toBe(true);
  });
});
