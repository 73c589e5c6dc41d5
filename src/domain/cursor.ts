import { invalidInput } from './errors';

/**
 * Opaque pagination cursors. A cursor is base64url text of `KIND:KEY`, where
 * KEY is an id (time-ordered UUIDv7) or, for alerts, the organization's feed sequence number.
 */
export type CursorKind = 'alert' | 'definition' | 'indicator' | 'key' | 'audit';

export function encodeCursor(kind: CursorKind, key: string | number): string {
  return Buffer.from(`${kind}:${key}`, 'utf8').toString('base64url');
}

/**
 * Decodes a cursor of the expected kind.
 *
 * @throws BAD_USER_INPUT naming `field` when the cursor is malformed or belongs to another list.
 */
export function decodeCursor(kind: CursorKind, cursor: string, field: string): string {
  const text = cursor.length <= 200 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const prefix = `${kind}:`;
  const key = text.startsWith(prefix) ? text.slice(prefix.length) : '';
  const valid = kind === 'alert' ? /^\d{1,15}$/.test(key) : UUID_PATTERN.test(key);

  if (!valid) {
    throw invalidInput([
      { field, message: `is not a valid ${kind} cursor; pass a cursor returned by this list or omit "${field}".` },
    ]);
  }
  return key;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeAlertCursor(cursor: string, field: string): number {
  return Number(decodeCursor('alert', cursor, field));
}
