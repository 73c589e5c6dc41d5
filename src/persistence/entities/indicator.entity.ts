import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';

import { IndicatorType, MatchFunction } from '../../domain/enums';
import { AlertDefinitionEntity } from './alert-definition.entity';

@Entity({ name: 'indicator' })
@Index('uq_indicator_value', ['alertDefinitionId', 'type', 'matchFunction', 'normalizedValue'], { unique: true })
@Index('ix_indicator_organization', ['organizationId', 'createdAt'])
export class IndicatorEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36, name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'varchar', length: 36, name: 'alert_definition_id' })
  alertDefinitionId: string;

  @ManyToOne(() => AlertDefinitionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'alert_definition_id' })
  alertDefinition?: AlertDefinitionEntity;

  @Column({ type: 'varchar', length: 32 })
  type: IndicatorType;

  /** The value as the user submitted it. */
  @Column({ type: 'text' })
  value: string;

  /** The value after normalization; the matcher compares this one. */
  @Column({ type: 'text', name: 'normalized_value' })
  normalizedValue: string;

  @Column({ type: 'varchar', length: 32, name: 'match_function' })
  matchFunction: MatchFunction;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'datetime', name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'varchar', length: 200, default: '' })
  source: string;

  @CreateDateColumn({ type: 'datetime', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'datetime', name: 'updated_at' })
  updatedAt: Date;
}
