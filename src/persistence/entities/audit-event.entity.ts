import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One field change recorded in the audit log; values are JSON-serialisable. */
export interface AuditChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** A change to definitions, indicators, alerts or keys, written in the same transaction as the change. */
@Entity({ name: 'audit_event' })
@Index('ix_audit_event_organization', ['organizationId', 'id'])
export class AuditEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36, name: 'organization_id' })
  organizationId: string;

  /** Key that made the change; null for changes made with the command-line tool. */
  @Column({ type: 'varchar', length: 36, name: 'actor_key_id', nullable: true })
  actorKeyId: string | null;

  @Column({ type: 'varchar', length: 100, name: 'actor_name' })
  actorName: string;

  @Column({ type: 'varchar', length: 40 })
  action: string;

  @Column({ type: 'varchar', length: 40, name: 'target_type' })
  targetType: string;

  @Column({ type: 'varchar', length: 36, name: 'target_id' })
  targetId: string;

  @Column({ type: 'simple-json' })
  changes: AuditChange[];

  @CreateDateColumn({ type: 'datetime', name: 'created_at' })
  createdAt: Date;
}
