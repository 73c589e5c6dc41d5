import { ArrayMaxSize, MaxLength, ValidateNested } from 'class-validator';
import { Field, InputType } from 'type-graphql';

import { DEFINITION_LIMITS, INDICATOR_LIMITS } from '../../domain/alert-rules';
import { AlertCategory, Severity } from '../../domain/enums';
import { IndicatorInput } from '../indicator/indicator.input';

@InputType('AlertDefinitionInput', { description: 'A new alert definition, optionally with its first indicators.' })
export class AlertDefinitionInput {
  @Field({ description: `Alert title, 1 to ${DEFINITION_LIMITS.titleMax} characters, unique within the organization.` })
  @MaxLength(DEFINITION_LIMITS.titleMax, { message: `must be at most ${DEFINITION_LIMITS.titleMax} characters` })
  title: string;

  @Field(() => String, { nullable: true, description: `Up to ${DEFINITION_LIMITS.descriptionMax} characters.` })
  @MaxLength(DEFINITION_LIMITS.descriptionMax, { message: `must be at most ${DEFINITION_LIMITS.descriptionMax} characters` })
  description?: string | null;

  @Field(() => Severity, { description: 'Severity of the alerts it raises.' })
  severity: Severity;

  @Field(() => AlertCategory, { description: 'Threat category.' })
  category: AlertCategory;

  @Field(() => String, { nullable: true, description: `Up to ${DEFINITION_LIMITS.recommendedActionsMax} characters.` })
  @MaxLength(DEFINITION_LIMITS.recommendedActionsMax, {
    message: `must be at most ${DEFINITION_LIMITS.recommendedActionsMax} characters`,
  })
  recommendedActions?: string | null;

  @Field(() => [String], { nullable: true, description: 'MITRE ATT&CK technique ids such as T1003 or T1003.001.' })
  @ArrayMaxSize(DEFINITION_LIMITS.mitreTechniquesMax)
  mitreTechniques?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Defaults to true.' })
  enabled?: boolean | null;

  @Field(() => [IndicatorInput], {
    nullable: true,
    description: `Indicators to create with the definition, at most ${INDICATOR_LIMITS.batchMax}; all or nothing.`,
  })
  @ArrayMaxSize(INDICATOR_LIMITS.batchMax, {
    message: `must contain at most ${INDICATOR_LIMITS.batchMax} indicators; add more with addIndicators`,
  })
  @ValidateNested({ each: true })
  indicators?: IndicatorInput[] | null;
}

@InputType('AlertDefinitionUpdateInput', { description: 'Changes to an alert definition; omitted fields stay as they are.' })
export class AlertDefinitionUpdateInput {
  @Field(() => String, { nullable: true, description: 'New title, unique within the organization.' })
  @MaxLength(DEFINITION_LIMITS.titleMax, { message: `must be at most ${DEFINITION_LIMITS.titleMax} characters` })
  title?: string;

  @Field(() => String, { nullable: true, description: 'New description.' })
  @MaxLength(DEFINITION_LIMITS.descriptionMax, { message: `must be at most ${DEFINITION_LIMITS.descriptionMax} characters` })
  description?: string;

  @Field(() => Severity, { nullable: true, description: 'New severity; alerts already raised keep theirs.' })
  severity?: Severity;

  @Field(() => AlertCategory, { nullable: true, description: 'New category.' })
  category?: AlertCategory;

  @Field(() => String, { nullable: true, description: 'New recommended actions.' })
  @MaxLength(DEFINITION_LIMITS.recommendedActionsMax, {
    message: `must be at most ${DEFINITION_LIMITS.recommendedActionsMax} characters`,
  })
  recommendedActions?: string;

  @Field(() => [String], { nullable: true, description: 'Replaces the MITRE ATT&CK technique ids.' })
  @ArrayMaxSize(DEFINITION_LIMITS.mitreTechniquesMax)
  mitreTechniques?: string[];

  @Field(() => Boolean, { nullable: true, description: 'Disable to stop all its indicators from matching.' })
  enabled?: boolean;
}

@InputType('AlertDefinitionFilter', { description: 'Narrows an alert definition list; every given field must match.' })
export class AlertDefinitionFilter {
  @Field(() => [Severity], { nullable: true, description: 'Only these severities.' })
  severities?: Severity[] | null;

  @Field(() => [AlertCategory], { nullable: true, description: 'Only these categories.' })
  categories?: AlertCategory[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Only enabled (true) or disabled (false) definitions.' })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Only titles containing this text, ignoring case.' })
  @MaxLength(DEFINITION_LIMITS.titleMax, { message: `must be at most ${DEFINITION_LIMITS.titleMax} characters` })
  titleContains?: string | null;
}
