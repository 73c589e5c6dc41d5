/**
 * Readers for parsed JSON records whose field names may be nested objects
 * (`{"host": {"name": "ws5"}}`), dotted keys (`{"host.name": "ws5"}`) or a mix
 * of both (`{"host": {"os.name": "Windows"}}`), as log shippers produce all three.
 */

export type JsonObject = Record<string, unknown>;

/** Returns whether `value` is a plain JSON object (not an array and not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns the value at a dotted path such as `host.name`, or `undefined`.
 * Every split of the path into dotted keys and nested objects is tried, and
 * the first split that reaches a value wins.
 */
export function readPath(record: JsonObject, path: string): unknown {
  return readParts(record, path.split('.'));
}

function readParts(record: JsonObject, parts: string[]): unknown {
  for (let length = parts.length; length >= 1; length -= 1) {
    const key = parts.slice(0, length).join('.');
    if (!Object.prototype.hasOwnProperty.call(record, key)) {
      continue;
    }

    const value = record[key];
    if (length === parts.length) {
      return value;
    }
    if (isJsonObject(value)) {
      const nested = readParts(value, parts.slice(length));
      if (nested !== undefined) {
        return nested;
      }
    }
  }
  return undefined;
}

/**
 * Returns the text of a string or finite number at `path`, or `undefined`
 * for any other value. The text is returned as the record carried it.
 */
export function readText(record: JsonObject, path: string): string | undefined {
  return toText(readPath(record, path));
}

/** Returns the text of a string or finite number, or `undefined`. */
export function toText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  return undefined;
}

/**
 * Returns the texts at `path`: a string or number gives one item and an
 * array gives its string and number items. Anything else gives none.
 */
export function readTexts(record: JsonObject, path: string): string[] {
  const value = readPath(record, path);
  const items = Array.isArray(value) ? value : [value];
  return items.map(toText).filter((text): text is string => text !== undefined);
}
