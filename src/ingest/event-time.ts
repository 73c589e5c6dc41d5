/**
 * Timestamp parsing shared by the event parsers. Every parser accepts the
 * ISO-8601 / RFC 3339 form `2020-09-16T23:39:23.123Z`. The Windows parsers also
 * accept Sysmon's `2020-09-17 03:40:04.424`, which carries no zone.
 */

/** A parsed timestamp and whether the text named its zone. */
export interface ParsedTimestamp {
  date: Date;
  hasZone: boolean;
}

// Date, `T` or a space, time with optional seconds and fraction, optional zone.
const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

// Offsets in use range from -12:00 to +14:00. Larger ones are rejected, with the ±18:00 bound of java.time.ZoneOffset.
const MAX_ZONE_OFFSET_MINUTES = 18 * 60;

/**
 * Parses an ISO-8601 date and time. Text without a zone is read as UTC and
 * reported with `hasZone: false`. Returns `null` for any other text and for
 * dates that do not exist, such as February 30. Fractions beyond milliseconds
 * are truncated because `Date` has millisecond precision.
 */
export function parseTimestamp(text: string): ParsedTimestamp | null {
  const match = TIMESTAMP_PATTERN.exec(text.trim());
  if (match === null) {
    return null;
  }

  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? '0'));
  const millisecond = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return null;
  }

  const zone = match[8];
  const offsetMinutes = zone === undefined ? 0 : parseZoneOffset(zone);
  if (Math.abs(offsetMinutes) > MAX_ZONE_OFFSET_MINUTES) {
    return null;
  }
  return { date: new Date(utc - offsetMinutes * 60_000), hasZone: zone !== undefined };
}

/** Returns the offset in minutes of `Z`, `+02`, `+0200` or `-02:00`. */
function parseZoneOffset(zone: string): number {
  if (zone.toUpperCase() === 'Z') {
    return 0;
  }
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}

/** Parses epoch seconds, such as Zeek's `1588205199.82437`, or returns `null`. */
export function parseEpochSeconds(value: number | string): Date | null {
  const seconds = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && !/^\d+(\.\d+)?$/.test(value.trim())) {
    return null;
  }
  if (!Number.isFinite(seconds) || seconds < 0) {
    return null;
  }

  const date = new Date(Math.round(seconds * 1000));
  return Number.isNaN(date.getTime()) ? null : date;
}
