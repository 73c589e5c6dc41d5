import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'alert_comment' })
@Index('ix_alert_comment_alert', ['alertId', 'createdAt'])
export class AlertCommentEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36, name: 'organization_id' })
  organizationId: string;

  /** Public id of the alert. */
  @Column({ type: 'varchar', length: 36, name: 'alert_id' })
  alertId: string;

  @Column({ type: 'text' })
  text: string;

  @Column({ type: 'varchar', length: 200 })
  author: string;

  @CreateDateColumn({ type: 'datetime', name: 'created_at' })
  createdAt: Date;
}
