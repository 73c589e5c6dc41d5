import type { Caller } from '../domain/roles';
import type { ApiKeyService } from '../services/api-key.service';

export type Authentication =
  | { status: 'anonymous' }
  | { status: 'authenticated'; caller: Caller }
  | { status: 'invalid'; message: string };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export const INVALID_KEY_MESSAGE = 'The API key is invalid or revoked; create a new key or ask an ADMIN of your organization for one.';

/**
 * Reads an `Authorization` value: no value is anonymous; a value that is not
 * `Bearer <key>`, or a key that is unknown or revoked, is invalid.
 */
export async function authenticate(apiKeys: ApiKeyService, authorization: unknown): Promise<Authentication> {
  if (authorization === undefined || authorization === null || authorization === '') return { status: 'anonymous' };

  const match = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
  if (!match) {
    return { status: 'invalid', message: 'The Authorization value must be "Bearer <key>".' };
  }
  const caller = await apiKeys.authenticate(match[1]);
  return caller ? { status: 'authenticated', caller } : { status: 'invalid', message: INVALID_KEY_MESSAGE };
}
