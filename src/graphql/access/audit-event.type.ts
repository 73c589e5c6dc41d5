import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';

import type { AuditEventEntity } from '../../persistence/entities';
import { AuditAction, AuditTargetType } from '../../services/audit.service';
import { connectionOf } from '../common/connection';

@ObjectType('AuditChange', { description: 'One field of a changed item, before and after.' })
export class AuditChange {
  @Field({ description: 'Name of the field.' })
  field: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Value before the change; null when the item was created.' })
  from: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Value after the change; null when the item was deleted.' })
  to: unknown;
}

@ObjectType('AuditEvent', { description: 'A recorded change: who made it, with which key, what changed and when.' })
export class AuditEvent {
  @Field(() => ID, { description: 'Identifier of the event.' })
  id: string;

  @Field(() => AuditAction, { description: 'What was done.' })
  action: AuditAction;

  @Field(() => AuditTargetType, { description: 'Kind of item changed.' })
  targetType: AuditTargetType;

  @Field(() => ID, { description: 'Identifier of the item changed.' })
  targetId: string;

  @Field(() => ID, { nullable: true, description: 'API key that made the change; null for the command-line tool.' })
  actorKeyId: string | null;

  @Field({ description: 'Name of that key, or of the tool.' })
  actorName: string;

  @Field(() => [AuditChange], { description: 'The changed fields.' })
  changes: AuditChange[];

  @Field({ description: 'When the change was made.' })
  createdAt: Date;

  static from(row: AuditEventEntity): AuditEvent {
    return Object.assign(new AuditEvent(), {
      id: row.id,
      action: row.action as AuditAction,
      targetType: row.targetType as AuditTargetType,
      targetId: row.targetId,
      actorKeyId: row.actorKeyId,
      actorName: row.actorName,
      changes: row.changes,
      createdAt: row.createdAt,
    });
  }
}

@InputType('AuditEventFilter', { description: 'Narrows the audit log; every given field must match.' })
export class AuditEventFilter {
  @Field(() => [AuditAction], { nullable: true, description: 'Only these actions.' })
  actions?: AuditAction[] | null;

  @Field(() => ID, { nullable: true, description: 'Only changes to this item.' })
  targetId?: string | null;
}

export const AuditEventConnection = connectionOf(AuditEvent, 'AuditEvent', 'audit event');
export type AuditEventConnection = InstanceType<typeof AuditEventConnection>;
