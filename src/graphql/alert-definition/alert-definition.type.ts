import { Field, ID, ObjectType } from 'type-graphql';

import { AlertCategory, Severity } from '../../domain/enums';
import type { AlertDefinitionEntity } from '../../persistence/entities';
import { connectionOf } from '../common/connection';

@ObjectType('AlertDefinition', {
  description: 'How a match of any of its indicators is shown as an alert: title, severity, category and guidance.',
})
export class AlertDefinition {
  @Field(() => ID, { description: 'Identifier of the alert definition.' })
  id: string;

  @Field({ description: 'Alert title, 1 to 120 characters, unique within the organization.' })
  title: string;

  @Field({ description: 'What the alert means, up to 1000 characters.' })
  description: string;

  @Field(() => Severity, { description: 'Severity given to alerts this definition raises.' })
  severity: Severity;

  @Field(() => AlertCategory, { description: 'Threat category of the alerts.' })
  category: AlertCategory;

  @Field({ description: 'What responders should do, up to 2000 characters.' })
  recommendedActions: string;

  @Field(() => [String], { description: 'MITRE ATT&CK technique ids, such as T1003 or T1003.001.' })
  mitreTechniques: string[];

  @Field({ description: 'Disabled definitions keep their indicators, but none of them match.' })
  enabled: boolean;

  @Field({ description: 'When the definition was created.' })
  createdAt: Date;

  @Field({ description: 'When the definition last changed.' })
  updatedAt: Date;

  static from(row: AlertDefinitionEntity): AlertDefinition {
    return Object.assign(new AlertDefinition(), {
      id: row.id,
      title: row.title,
      description: row.description,
      severity: row.severity,
      category: row.category,
      recommendedActions: row.recommendedActions,
      mitreTechniques: row.mitreTechniques,
      enabled: row.enabled,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
}

export const AlertDefinitionConnection = connectionOf(AlertDefinition, 'AlertDefinition', 'alert definition');
export type AlertDefinitionConnection = InstanceType<typeof AlertDefinitionConnection>;
