import { ArrayMaxSize, MaxLength, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

import { IndicatorType } from '../../domain/enums';
import { Alert } from '../alert/alert.type';

/** Most events one `ingestEvents` call may carry. */
export const MAX_EVENTS_PER_CALL = 5000;

@InputType('ObservableInput', { description: 'One value taken from an event.' })
export class ObservableInput {
  @Field(() => IndicatorType, { description: 'Kind of value.' })
  type: IndicatorType;

  @Field({ description: 'The value as the sensor saw it; it is normalized before matching.' })
  @MaxLength(4096, { message: 'must be at most 4096 characters' })
  value: string;

  @Field(() => String, {
    nullable: true,
    description: 'Event field it came from, such as `process.hash.sha256`; defaults by type (for example `file.hash.sha256`).',
  })
  @MaxLength(128, { message: 'must be at most 128 characters' })
  field?: string | null;
}

@InputType('EventInput', { description: 'An event in the native shape, the same one `POST /events` accepts.' })
export class EventInput {
  @Field(() => Date, { nullable: true, description: 'When it happened on the device; defaults to the receive time.' })
  eventTime?: Date | null;

  @Field({ description: 'Identifier of the device, 1 to 256 characters.' })
  @MaxLength(256, { message: 'must be at most 256 characters' })
  deviceId: string;

  @Field(() => String, { nullable: true, description: 'Short device name.' })
  @MaxLength(256, { message: 'must be at most 256 characters' })
  deviceName?: string | null;

  @Field(() => [ObservableInput], { description: 'Values to match, at most 1000.' })
  @ArrayMaxSize(1000, { message: 'must contain at most 1000 observables' })
  @ValidateNested({ each: true })
  observables: ObservableInput[];
}

@ObjectType('IngestResult', { description: 'Outcome of matching a batch of events.' })
export class IngestResult {
  @Field(() => Int, { description: 'Events accepted for matching.' })
  accepted: number;

  @Field(() => Int, { description: 'Accepted events that matched at least one indicator.' })
  matched: number;

  @Field(() => [ID], { description: 'Ids of the alerts raised by these events.' })
  raisedAlertIds: string[];

  @Field(() => [ID], { description: 'Ids of the open alerts these events added to.' })
  updatedAlertIds: string[];

  /** The alerts themselves, resolved only for keys that may read alerts. */
  raisedAlerts: Alert[];
  updatedAlerts: Alert[];
}
