import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';

import { IsNull, In } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

import { UUID_PATTERN } from '../domain/cursor';
import { invalidInput, notFound } from '../domain/errors';
import type { Actor, Caller } from '../domain/roles';
import { Role } from '../domain/roles';
import type { Logger } from '../logging/logger';
import type { Database } from '../persistence/database';
import { ApiKeyEntity } from '../persistence/entities';
import { AuditAction, AuditTargetType, recordAudit } from './audit.service';
import type { PageRequest } from './inputs';
import { fetchPage, type Page } from './pagination';

/** Every key starts with this, so secret scanners and people can recognize one. */
export const KEY_PREFIX = 'sl_';

/** Random bytes in a key: 32 bytes is 256 bits, far beyond guessing. */
const KEY_RANDOM_BYTES = 32;

/** `lastUsedAt` is written at most this often per key, in milliseconds, so reads do not turn into writes. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

export const KEY_NAME_MAX = 100;

export interface CreatedKey {
  record: ApiKeyEntity;
  /** The key itself; it is shown once and never stored. */
  secret: string;
}

/**
 * Creates, lists, revokes and checks API keys. Emits `revoked` with the key
 * id after a revocation commits, so open websockets of that key can close.
 */
export class ApiKeyService extends EventEmitter<{ revoked: [keyId: string] }> {
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {
    super();
  }

  /**
   * Returns the caller a key belongs to, or null for an unknown or revoked key.
   * The lookup is by the key's SHA-256 hash, so no secret is compared byte by byte.
   */
  async authenticate(secret: string): Promise<Caller | null> {
    if (!secret.startsWith(KEY_PREFIX) || secret.length > 200) return null;

    const row = await this.database.reader.getRepository(ApiKeyEntity).findOneBy({ keyHash: hashKey(secret) });
    if (!row || row.revokedAt) return null;

    this.touch(row.id);
    return { organizationId: row.organizationId, keyId: row.id, keyName: row.name, role: row.role };
  }

  /** Ids among `keyIds` that are revoked or gone. */
  async findRevoked(keyIds: readonly string[]): Promise<string[]> {
    if (keyIds.length === 0) return [];
    const active = await this.database.reader
      .getRepository(ApiKeyEntity)
      .find({ select: { id: true }, where: { id: In([...keyIds]), revokedAt: IsNull() } });
    const activeIds = new Set(active.map((row) => row.id));
    return keyIds.filter((id) => !activeIds.has(id));
  }

  async create(actor: Actor, name: string, role: Role): Promise<CreatedKey> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > KEY_NAME_MAX) {
      throw invalidInput([
        { field: 'input.name', message: `must be 1 to ${KEY_NAME_MAX} characters; name the key after the person or system that uses it.` },
      ]);
    }

    const secret = `${KEY_PREFIX}${randomBytes(KEY_RANDOM_BYTES).toString('base64url')}`;
    const record: ApiKeyEntity = {
      id: uuidv7(),
      organizationId: actor.organizationId,
      name: trimmed,
      role,
      keyHash: hashKey(secret),
      keyPrefix: secret.slice(0, 11),
      createdByKeyId: actor.keyId,
      createdAt: new Date(),
      revokedAt: null,
      lastUsedAt: null,
    };
    await this.database.transaction(async (manager) => {
      await manager.insert(ApiKeyEntity, record);
      await recordAudit(manager, actor, AuditAction.API_KEY_CREATED, { type: AuditTargetType.API_KEY, id: record.id }, [
        { field: 'name', from: null, to: record.name },
        { field: 'role', from: null, to: record.role },
      ]);
    });
    this.logger.info({ organizationId: actor.organizationId, keyId: record.id, role }, 'api key created');
    return { record, secret };
  }

  list(organizationId: string, page: PageRequest): Promise<Page<ApiKeyEntity>> {
    const query = this.database.reader
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.organization_id = :organizationId', { organizationId });
    return fetchPage(query, 'k', 'key', page);
  }

  /** Revokes a key at once; revoking a revoked key changes nothing. */
  async revoke(actor: Actor, id: string): Promise<ApiKeyEntity> {
    const row = await this.database.transaction(async (manager) => {
      const current = UUID_PATTERN.test(id)
        ? await manager.findOneBy(ApiKeyEntity, { organizationId: actor.organizationId, id })
        : null;
      if (!current) throw notFound('API key', id);
      if (current.revokedAt) return current;

      const revoked = { ...current, revokedAt: new Date() };
      await manager.update(ApiKeyEntity, { id }, { revokedAt: revoked.revokedAt });
      await recordAudit(manager, actor, AuditAction.API_KEY_REVOKED, { type: AuditTargetType.API_KEY, id }, [
        { field: 'revokedAt', from: null, to: revoked.revokedAt.toISOString() },
      ]);
      return revoked;
    });

    this.emit('revoked', row.id);
    this.logger.info({ organizationId: actor.organizationId, keyId: id }, 'api key revoked');
    return row;
  }

  /** Number of keys in the whole database; the first start creates one when there is none. */
  count(): Promise<number> {
    return this.database.reader.getRepository(ApiKeyEntity).count();
  }

  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWrites.get(keyId) ?? 0) < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWrites.set(keyId, now);

    this.database
      .transaction((manager) => manager.update(ApiKeyEntity, { id: keyId }, { lastUsedAt: new Date(now) }))
      .catch((error: unknown) => this.logger.warn({ err: error, keyId }, 'failed to record api key use'));
  }
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
