import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'organization' })
export class OrganizationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 120, unique: true })
  name: string;

  /** Feed sequence of the organization's latest alert; its row lock orders alert writes. */
  @Column({ type: 'bigint', name: 'alert_sequence', default: 0, transformer: { to: (value: number) => value, from: (value: string | number) => Number(value) } })
  alertSequence: number;

  @CreateDateColumn({ type: 'datetime', name: 'created_at' })
  createdAt: Date;
}
