import { Field, ID, ObjectType } from 'type-graphql';

import { IndicatorType, MatchFunction } from '../../domain/enums';
import type { IndicatorEntity } from '../../persistence/entities';
import { connectionOf } from '../common/connection';

@ObjectType('Indicator', { description: 'An indicator of compromise: an observable whose presence in an event raises an alert.' })
export class Indicator {
  @Field(() => ID, { description: 'Identifier of the indicator.' })
  id: string;

  @Field(() => ID, { description: 'Identifier of the alert definition this indicator belongs to.' })
  alertDefinitionId: string;

  @Field(() => IndicatorType, { description: 'Kind of observable.' })
  type: IndicatorType;

  @Field({ description: 'The value as submitted.' })
  value: string;

  @Field({ description: 'The value after normalization; this is what events are compared with.' })
  normalizedValue: string;

  @Field(() => MatchFunction, { description: 'How the value is compared with event observables.' })
  matchFunction: MatchFunction;

  @Field({ description: 'Disabled indicators are kept but never match.' })
  enabled: boolean;

  @Field(() => Date, { nullable: true, description: 'The indicator stops matching at this time; null never expires.' })
  expiresAt: Date | null;

  @Field({ description: 'True when expiresAt has passed.' })
  expired: boolean;

  @Field({ description: 'Free-text notes about the indicator.' })
  description: string;

  @Field({ description: 'Where the indicator came from, such as a feed or report name.' })
  source: string;

  @Field({ description: 'When the indicator was created.' })
  createdAt: Date;

  @Field({ description: 'When the indicator last changed.' })
  updatedAt: Date;

  static from(row: IndicatorEntity, now = new Date()): Indicator {
    return Object.assign(new Indicator(), {
      id: row.id,
      alertDefinitionId: row.alertDefinitionId,
      type: row.type,
      value: row.value,
      normalizedValue: row.normalizedValue,
      matchFunction: row.matchFunction,
      enabled: row.enabled,
      expiresAt: row.expiresAt,
      expired: row.expiresAt !== null && row.expiresAt <= now,
      description: row.description,
      source: row.source,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
}

export const IndicatorConnection = connectionOf(Indicator, 'Indicator', 'indicator');
export type IndicatorConnection = InstanceType<typeof IndicatorConnection>;
