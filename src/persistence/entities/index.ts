import { AlertCommentEntity } from './alert-comment.entity';
import { ApiKeyEntity } from './api-key.entity';
import { AuditEventEntity, type AuditChange } from './audit-event.entity';
import { AlertDefinitionEntity } from './alert-definition.entity';
import { AlertEntity } from './alert.entity';
import { IndicatorEntity } from './indicator.entity';
import { OrganizationEntity } from './organization.entity';

export { AlertCommentEntity, AlertDefinitionEntity, AlertEntity, ApiKeyEntity, AuditEventEntity, IndicatorEntity, OrganizationEntity };
export type { AuditChange };

export const ENTITIES = [
  OrganizationEntity,
  AlertDefinitionEntity,
  IndicatorEntity,
  AlertEntity,
  AlertCommentEntity,
  ApiKeyEntity,
  AuditEventEntity,
];
