import { Field, ID, Int, ObjectType } from 'type-graphql';

import { AlertDetermination } from '../../domain/alert-rules';
import { encodeCursor } from '../../domain/cursor';
import {
  AlertCategory,
  AlertClassification,
  AlertStatus,
  IndicatorType,
  Severity,
} from '../../domain/enums';
import type { AlertRecord } from '../../feed/alert-feed.payload';
import { AlertChange } from '../../feed/alert-feed.topics';
import type { AlertCommentEntity } from '../../persistence/entities';
import { connectionOf } from '../common/connection';

@ObjectType('AlertComment', { description: 'A note added to an alert during triage.' })
export class AlertComment {
  @Field(() => ID, { description: 'Identifier of the comment.' })
  id: string;

  @Field({ description: 'The comment text.' })
  text: string;

  @Field({ description: 'Who wrote the comment.' })
  author: string;

  @Field({ description: 'When the comment was added.' })
  createdAt: Date;

  static from(row: AlertCommentEntity): AlertComment {
    return Object.assign(new AlertComment(), { id: row.id, text: row.text, author: row.author, createdAt: row.createdAt });
  }
}

@ObjectType('Alert', {
  description:
    "A match of an indicator on a device. Carries the definition's metadata as it was when the alert was raised; repeated matches of the same indicator on the same device add to the open alert.",
})
export class Alert {
  @Field(() => ID, { description: 'Identifier of the alert.' })
  id: string;

  @Field({
    description: 'Feed position of this alert: pass it as `after` to `alertRaised` to receive every later alert, or to `alerts`.',
  })
  cursor: string;

  @Field(() => ID, { description: 'Alert definition that raised the alert; it may have been deleted since.' })
  alertDefinitionId: string;

  @Field(() => ID, { description: 'Indicator that matched; it may have been deleted since.' })
  indicatorId: string;

  @Field(() => IndicatorType, { description: 'Type of the indicator that matched.' })
  indicatorType: IndicatorType;

  @Field({ description: 'Title of the alert definition at raise time.' })
  title: string;

  @Field(() => Severity, { description: 'Severity of the alert definition at raise time.' })
  severity: Severity;

  @Field(() => AlertCategory, { description: 'Category of the alert definition at raise time.' })
  category: AlertCategory;

  @Field({ description: 'Description of the alert definition at raise time.' })
  description: string;

  @Field({ description: 'Recommended actions of the alert definition at raise time.' })
  recommendedActions: string;

  @Field(() => [String], { description: 'MITRE ATT&CK techniques of the alert definition at raise time.' })
  mitreTechniques: string[];

  @Field(() => AlertStatus, { description: 'Triage state.' })
  status: AlertStatus;

  @Field(() => AlertClassification, { nullable: true, description: 'Investigation outcome; null until classified.' })
  classification: AlertClassification | null;

  @Field(() => AlertDetermination, { nullable: true, description: 'Reason behind the classification.' })
  determination: AlertDetermination | null;

  @Field(() => String, { nullable: true, description: 'Person or team working on the alert.' })
  assignedTo: string | null;

  @Field({ description: 'Device the events came from, as the sensor identified it.' })
  deviceId: string;

  @Field(() => String, { nullable: true, description: 'Short device name, when the event carried one.' })
  deviceName: string | null;

  @Field({ description: 'Event field that matched, such as `process.hash.sha256` or `dns.question.name`.' })
  matchedField: string;

  @Field({ description: 'Normalized value of the observable that matched.' })
  matchedValue: string;

  @Field({ description: 'Time of the earliest matching event.' })
  firstEventTime: Date;

  @Field({ description: 'Time of the latest matching event.' })
  lastEventTime: Date;

  @Field(() => Int, { description: 'Number of matching events folded into this alert.' })
  eventCount: number;

  @Field({ description: 'When the alert was raised.' })
  createdAt: Date;

  @Field({ description: 'When the alert last changed.' })
  updatedAt: Date;

  static from(record: AlertRecord): Alert {
    return Object.assign(new Alert(), {
      ...record,
      cursor: encodeCursor('alert', record.feedSequence),
      firstEventTime: new Date(record.firstEventTime),
      lastEventTime: new Date(record.lastEventTime),
      createdAt: new Date(record.createdAt),
      updatedAt: new Date(record.updatedAt),
    });
  }
}

@ObjectType('AlertUpdate', { description: 'A change to an existing alert, as sent by the `alertUpdated` subscription.' })
export class AlertUpdate {
  @Field(() => Alert, { description: 'The alert after the change.' })
  alert: Alert;

  @Field(() => [AlertChange], { description: 'What changed.' })
  changes: AlertChange[];
}

export const AlertConnection = connectionOf(Alert, 'Alert', 'alert');
export type AlertConnection = InstanceType<typeof AlertConnection>;
