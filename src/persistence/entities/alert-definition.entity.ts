import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

import { AlertCategory, Severity } from '../../domain/enums';

@Entity({ name: 'alert_definition' })
@Index('uq_alert_definition_title', ['organizationId', 'title'], { unique: true })
export class AlertDefinitionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36, name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'varchar', length: 120 })
  title: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'varchar', length: 16 })
  severity: Severity;

  @Column({ type: 'varchar', length: 32 })
  category: AlertCategory;

  @Column({ type: 'text', name: 'recommended_actions', default: '' })
  recommendedActions: string;

  @Column({ type: 'simple-json', name: 'mitre_techniques' })
  mitreTechniques: string[];

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @CreateDateColumn({ type: 'datetime', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'datetime', name: 'updated_at' })
  updatedAt: Date;
}
