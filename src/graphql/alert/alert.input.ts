import { ArrayMaxSize, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

import { ALERT_LIMITS, AlertDetermination } from '../../domain/alert-rules';
import { AlertClassification, AlertStatus, Severity } from '../../domain/enums';

@InputType('AlertUpdateInput', { description: 'Triage changes to an alert; omitted fields stay as they are.' })
export class AlertUpdateInput {
  @Field(() => AlertStatus, { nullable: true, description: 'New status. A RESOLVED alert stops collecting events; the next match raises a new alert.' })
  status?: AlertStatus;

  @Field(() => AlertClassification, { nullable: true, description: 'Investigation outcome; null clears it.' })
  classification?: AlertClassification | null;

  @Field(() => AlertDetermination, { nullable: true, description: 'Reason behind the classification; must fit it.' })
  determination?: AlertDetermination | null;

  @Field(() => String, { nullable: true, description: 'Person or team working on it; null or empty unassigns.' })
  @MaxLength(ALERT_LIMITS.assignedToMax, { message: `must be at most ${ALERT_LIMITS.assignedToMax} characters` })
  assignedTo?: string | null;

  @Field(() => String, { nullable: true, description: `A comment to add, up to ${ALERT_LIMITS.commentMax} characters.` })
  @MaxLength(ALERT_LIMITS.commentMax, { message: `must be at most ${ALERT_LIMITS.commentMax} characters` })
  comment?: string;
}

@InputType('AlertFilter', { description: 'Narrows an alert list; every given field must match.' })
export class AlertFilter {
  @Field(() => [Severity], { nullable: true, description: 'Only these severities.' })
  severities?: Severity[] | null;

  @Field(() => [AlertStatus], { nullable: true, description: 'Only these statuses.' })
  statuses?: AlertStatus[] | null;

  @Field(() => ID, { nullable: true, description: 'Only alerts raised by this alert definition.' })
  alertDefinitionId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only alerts of this device.' })
  @MaxLength(256)
  deviceId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only alerts raised at or after this time.' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only alerts raised at or before this time.' })
  until?: Date | null;
}

@InputType('AlertFeedFilter', { description: 'Narrows a live alert subscription; every given field must match.' })
export class AlertFeedFilter {
  @Field(() => Severity, { nullable: true, description: 'Only alerts of this severity or higher.' })
  minSeverity?: Severity | null;

  @Field(() => [ID], { nullable: true, description: 'Only alerts raised by these alert definitions.' })
  @ArrayMaxSize(500)
  alertDefinitionIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only alerts of these devices.' })
  @ArrayMaxSize(500)
  deviceIds?: string[] | null;
}
