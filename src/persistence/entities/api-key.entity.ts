import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

import { Role } from '../../domain/roles';

/** An API key. Only the SHA-256 hash of the secret is stored. */
@Entity({ name: 'api_key' })
@Index('uq_api_key_hash', ['keyHash'], { unique: true })
@Index('ix_api_key_organization', ['organizationId', 'id'])
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36, name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  /** Hex SHA-256 of the whole key. */
  @Column({ type: 'varchar', length: 64, name: 'key_hash' })
  keyHash: string;

  /** The first characters of the key, shown in lists so a key can be recognized. */
  @Column({ type: 'varchar', length: 16, name: 'key_prefix' })
  keyPrefix: string;

  @Column({ type: 'varchar', length: 36, name: 'created_by_key_id', nullable: true })
  createdByKeyId: string | null;

  @CreateDateColumn({ type: 'datetime', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'datetime', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'datetime', name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;
}
