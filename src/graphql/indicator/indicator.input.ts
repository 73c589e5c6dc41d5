import { ArrayMaxSize, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

import { INDICATOR_LIMITS } from '../../domain/alert-rules';
import { IndicatorType, MatchFunction } from '../../domain/enums';

/** Maximum indicator value length accepted before normalization rules run, in characters. */
const VALUE_MAX = 4096;

@InputType('IndicatorInput', { description: 'A new indicator of compromise.' })
export class IndicatorInput {
  @Field(() => IndicatorType, { description: 'Kind of observable.' })
  type: IndicatorType;

  @Field({ description: 'The value: a hash, thumbprint, IP address or CIDR block, domain or URL.' })
  @MaxLength(VALUE_MAX, { message: `must be at most ${VALUE_MAX} characters` })
  value: string;

  @Field(() => MatchFunction, {
    nullable: true,
    description: 'Defaults to INCLUDES_SUBDOMAINS for DOMAIN_NAME, PATH_PREFIX for URL and EQUALS otherwise.',
  })
  matchFunction?: MatchFunction | null;

  @Field(() => Boolean, { nullable: true, description: 'Defaults to true.' })
  enabled?: boolean | null;

  @Field(() => Date, { nullable: true, description: 'Must be in the future; omit for an indicator that never expires.' })
  expiresAt?: Date | null;

  @Field(() => String, { nullable: true, description: `Notes, up to ${INDICATOR_LIMITS.descriptionMax} characters.` })
  @MaxLength(INDICATOR_LIMITS.descriptionMax, { message: `must be at most ${INDICATOR_LIMITS.descriptionMax} characters` })
  description?: string | null;

  @Field(() => String, { nullable: true, description: `Origin of the indicator, up to ${INDICATOR_LIMITS.sourceMax} characters.` })
  @MaxLength(INDICATOR_LIMITS.sourceMax, { message: `must be at most ${INDICATOR_LIMITS.sourceMax} characters` })
  source?: string | null;
}

@InputType('IndicatorUpdateInput', { description: 'Changes to an indicator; omitted fields stay as they are. The type cannot change.' })
export class IndicatorUpdateInput {
  @Field(() => String, { nullable: true, description: 'New value, normalized by the same rules as on creation.' })
  @MaxLength(VALUE_MAX, { message: `must be at most ${VALUE_MAX} characters` })
  value?: string;

  @Field(() => MatchFunction, { nullable: true, description: 'New match function; it must be allowed for the type.' })
  matchFunction?: MatchFunction;

  @Field(() => Boolean, { nullable: true, description: 'Enable or disable matching.' })
  enabled?: boolean;

  @Field(() => Date, { nullable: true, description: 'New expiry in the future; null removes the expiry.' })
  expiresAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'New notes.' })
  @MaxLength(INDICATOR_LIMITS.descriptionMax, { message: `must be at most ${INDICATOR_LIMITS.descriptionMax} characters` })
  description?: string;

  @Field(() => String, { nullable: true, description: 'New origin.' })
  @MaxLength(INDICATOR_LIMITS.sourceMax, { message: `must be at most ${INDICATOR_LIMITS.sourceMax} characters` })
  source?: string;
}

@InputType('IndicatorFilter', { description: 'Narrows an indicator list; every given field must match.' })
export class IndicatorFilter {
  @Field(() => ID, { nullable: true, description: 'Only indicators of this alert definition.' })
  alertDefinitionId?: string | null;

  @Field(() => [IndicatorType], { nullable: true, description: 'Only indicators of these types.' })
  @ArrayMaxSize(20)
  types?: IndicatorType[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Only enabled (true) or disabled (false) indicators.' })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Only indicators whose normalized value equals this value once normalized.' })
  @MaxLength(VALUE_MAX, { message: `must be at most ${VALUE_MAX} characters` })
  value?: string | null;
}
