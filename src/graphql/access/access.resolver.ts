import { Arg, Args, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';

import { Role } from '../../domain/roles';
import { PaginationArgs } from '../common/pagination.args';
import { actorOfContext, callerOf, type GraphQLContext } from '../context';
import { ApiKey, ApiKeyConnection, ApiKeyInput, CreatedApiKey } from './api-key.type';
import { AuditEvent, AuditEventConnection, AuditEventFilter } from './audit-event.type';

@ObjectType('Viewer', { description: 'The caller: its API key and organization.' })
class Viewer {
  @Field(() => ID, { description: 'Identifier of the organization the key belongs to.' })
  organizationId: string;

  @Field({ description: 'Name of the organization.' })
  organizationName: string;

  @Field(() => ID, { description: 'Identifier of the API key.' })
  keyId: string;

  @Field({ description: 'Name of the API key.' })
  keyName: string;

  @Field(() => Role, { description: 'Role of the API key.' })
  role: Role;
}

@Resolver()
export class AccessResolver {
  @Query(() => Viewer, { description: 'Who the caller is. Any valid key may ask.' })
  async viewer(@Ctx() context: GraphQLContext): Promise<Viewer> {
    const caller = callerOf(context);
    const organization = await context.services.organizations.get(caller.organizationId);
    return {
      organizationId: caller.organizationId,
      organizationName: organization.name,
      keyId: caller.keyId,
      keyName: caller.keyName,
      role: caller.role,
    };
  }

  @Query(() => ApiKeyConnection, { description: 'API keys of the organization, oldest first, revoked ones included.' })
  async apiKeys(@Args() { first, after }: PaginationArgs, @Ctx() context: GraphQLContext): Promise<ApiKeyConnection> {
    const page = await context.services.apiKeys.list(callerOf(context).organizationId, { first, after });
    return ApiKeyConnection.create(page, ApiKey.from);
  }

  @Query(() => AuditEventConnection, { description: 'Recorded changes to definitions, indicators, alerts and keys, oldest first.' })
  async auditEvents(
    @Args() { first, after }: PaginationArgs,
    @Arg('filter', () => AuditEventFilter, { nullable: true, description: 'Only events matching every given field.' })
    filter: AuditEventFilter | null,
    @Ctx() context: GraphQLContext,
  ): Promise<AuditEventConnection> {
    const page = await context.services.audit.list(callerOf(context).organizationId, { first, after }, filter ?? {});
    return AuditEventConnection.create(page, AuditEvent.from);
  }

  @Mutation(() => CreatedApiKey, { description: 'Creates an API key in the caller\'s organization. The key is returned only here.' })
  async createApiKey(
    @Arg('input', () => ApiKeyInput, { description: 'Name and role of the key.' }) input: ApiKeyInput,
    @Ctx() context: GraphQLContext,
  ): Promise<CreatedApiKey> {
    const created = await context.services.apiKeys.create(actorOfContext(context), input.name, input.role);
    return { apiKey: ApiKey.from(created.record), key: created.secret };
  }

  @Mutation(() => ApiKey, {
    description: 'Revokes an API key at once: its requests fail and its open subscriptions close within seconds.',
  })
  async revokeApiKey(
    @Arg('id', () => ID, { description: 'Identifier of the key.' }) id: string,
    @Ctx() context: GraphQLContext,
  ): Promise<ApiKey> {
    return ApiKey.from(await context.services.apiKeys.revoke(actorOfContext(context), id));
  }
}
