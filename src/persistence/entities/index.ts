import { AlertCommentEntity } from './alert-comment.entity';
import { AlertDefinitionEntity } from './alert-definition.entity';
import { AlertEntity } from './alert.entity';
import { IndicatorEntity } from './indicator.entity';
import { OrganizationEntity } from './organization.entity';

export { AlertCommentEntity, AlertDefinitionEntity, AlertEntity, IndicatorEntity, OrganizationEntity };

export const ENTITIES = [OrganizationEntity, AlertDefinitionEntity, IndicatorEntity, AlertEntity, AlertCommentEntity];
