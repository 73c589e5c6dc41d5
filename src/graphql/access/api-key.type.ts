import { MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';

import { Role } from '../../domain/roles';
import type { ApiKeyEntity } from '../../persistence/entities';
import { KEY_NAME_MAX } from '../../services/api-key.service';
import { connectionOf } from '../common/connection';

@ObjectType('ApiKey', { description: 'An API key of the organization. The key itself is shown only once, by createApiKey.' })
export class ApiKey {
  @Field(() => ID, { description: 'Identifier of the key.' })
  id: string;

  @Field({ description: 'Name of the person or system using the key.' })
  name: string;

  @Field(() => Role, { description: 'What the key may do.' })
  role: Role;

  @Field({ description: 'The first characters of the key, to recognize it.' })
  prefix: string;

  @Field({ description: 'When the key was created.' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; null while it is active.' })
  revokedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was last used, to the minute; null if never.' })
  lastUsedAt: Date | null;

  static from(row: ApiKeyEntity): ApiKey {
    return Object.assign(new ApiKey(), {
      id: row.id,
      name: row.name,
      role: row.role,
      prefix: row.keyPrefix,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
      lastUsedAt: row.lastUsedAt,
    });
  }
}

@ObjectType('CreatedApiKey', { description: 'A new API key and its secret.' })
export class CreatedApiKey {
  @Field(() => ApiKey, { description: 'The stored key.' })
  apiKey: ApiKey;

  @Field({ description: 'The key to send as "Authorization: Bearer <key>". It is shown only now; store it safely.' })
  key: string;
}

@InputType('ApiKeyInput', { description: 'A new API key.' })
export class ApiKeyInput {
  @Field({ description: `Name of the person or system that will use it, 1 to ${KEY_NAME_MAX} characters.` })
  @MaxLength(KEY_NAME_MAX, { message: `must be at most ${KEY_NAME_MAX} characters` })
  name: string;

  @Field(() => Role, { description: 'What the key may do.' })
  role: Role;
}

export const ApiKeyConnection = connectionOf(ApiKey, 'ApiKey', 'API key');
export type ApiKeyConnection = InstanceType<typeof ApiKeyConnection>;
