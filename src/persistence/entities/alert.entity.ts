import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import {
  AlertCategory,
  AlertClassification,
  AlertStatus,
  IndicatorType,
  Severity,
} from '../../domain/enums';
import { AlertDetermination } from '../../domain/alert-rules';

/**
 * A raised alert. The definition's metadata is copied at raise time, and the
 * definition and indicator ids are plain columns without foreign keys, so an
 * alert outlives the definition that raised it.
 */
@Entity({ name: 'alert' })
@Index('uq_alert_public_id', ['id'], { unique: true })
@Index('ix_alert_organization_sequence', ['organizationId', 'sequence'])
export class AlertEntity {
  /** Global row number; the feed uses `feedSequence`. */
  @PrimaryGeneratedColumn({ type: 'integer' })
  sequence: number;

  @Column({ type: 'varchar', length: 36 })
  id: string;

  /** Position in the organization's feed: 1, 2, 3... with no gaps, in commit order. The alert cursor encodes it. */
  @Column({ type: 'bigint', name: 'feed_sequence', transformer: { to: (value: number) => value, from: (value: string | number) => Number(value) } })
  feedSequence: number;

  @Column({ type: 'varchar', length: 36, name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'varchar', length: 36, name: 'alert_definition_id' })
  alertDefinitionId: string;

  @Column({ type: 'varchar', length: 36, name: 'indicator_id' })
  indicatorId: string;

  @Column({ type: 'varchar', length: 32, name: 'indicator_type' })
  indicatorType: IndicatorType;

  @Column({ type: 'varchar', length: 120 })
  title: string;

  @Column({ type: 'varchar', length: 16 })
  severity: Severity;

  @Column({ type: 'varchar', length: 32 })
  category: AlertCategory;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'text', name: 'recommended_actions', default: '' })
  recommendedActions: string;

  @Column({ type: 'simple-json', name: 'mitre_techniques' })
  mitreTechniques: string[];

  @Column({ type: 'varchar', length: 16 })
  status: AlertStatus;

  @Column({ type: 'varchar', length: 40, nullable: true })
  classification: AlertClassification | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  determination: AlertDetermination | null;

  @Column({ type: 'varchar', length: 200, name: 'assigned_to', nullable: true })
  assignedTo: string | null;

  @Column({ type: 'varchar', length: 256, name: 'device_id' })
  deviceId: string;

  @Column({ type: 'varchar', length: 256, name: 'device_name', nullable: true })
  deviceName: string | null;

  @Column({ type: 'varchar', length: 128, name: 'matched_field' })
  matchedField: string;

  @Column({ type: 'text', name: 'matched_value' })
  matchedValue: string;

  @Column({ type: 'datetime', name: 'first_event_time' })
  firstEventTime: Date;

  @Column({ type: 'datetime', name: 'last_event_time' })
  lastEventTime: Date;

  @Column({ type: 'integer', name: 'event_count' })
  eventCount: number;

  @CreateDateColumn({ type: 'datetime', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'datetime', name: 'updated_at' })
  updatedAt: Date;
}
