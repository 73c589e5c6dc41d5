import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';

import { actorOfContext, callerOf, type GraphQLContext } from '../context';
import { PaginationArgs } from '../common/pagination.args';
import { IndicatorFilter } from '../indicator/indicator.input';
import { Indicator, IndicatorConnection } from '../indicator/indicator.type';
import { AlertDefinitionFilter, AlertDefinitionInput, AlertDefinitionUpdateInput } from './alert-definition.input';
import { AlertDefinition, AlertDefinitionConnection } from './alert-definition.type';

@Resolver(() => AlertDefinition)
export class AlertDefinitionResolver {
  @Query(() => AlertDefinitionConnection, { description: 'Alert definitions of the organization, oldest first.' })
  async alertDefinitions(
    @Args() { first, after }: PaginationArgs,
    @Arg('filter', () => AlertDefinitionFilter, { nullable: true, description: 'Only definitions matching every given field.' }) filter: AlertDefinitionFilter | null,
    @Ctx() context: GraphQLContext,
  ): Promise<AlertDefinitionConnection> {
    const page = await context.services.definitions.list(callerOf(context).organizationId, { first, after }, filter ?? {});
    return AlertDefinitionConnection.create(page, AlertDefinition.from);
  }

  @Query(() => AlertDefinition, { description: 'One alert definition; NOT_FOUND when it does not exist.' })
  async alertDefinition(@Arg('id', () => ID, { description: 'Identifier of the item.' }) id: string, @Ctx() context: GraphQLContext): Promise<AlertDefinition> {
    return AlertDefinition.from(await context.services.definitions.get(callerOf(context).organizationId, id));
  }

  @FieldResolver(() => IndicatorConnection, { description: 'Indicators of this definition, oldest first.' })
  async indicators(
    @Root() definition: AlertDefinition,
    @Args() { first, after }: PaginationArgs,
    @Arg('filter', () => IndicatorFilter, { nullable: true, description: 'Only indicators matching every given field.' }) filter: IndicatorFilter | null,
    @Ctx() context: GraphQLContext,
  ): Promise<IndicatorConnection> {
    const cleanFilter = { ...(filter ?? {}), alertDefinitionId: undefined };
    const page = await context.loaders.indicatorPage.load({
      alertDefinitionId: definition.id,
      page: { first, after: after ?? null },
      filter: cleanFilter,
    });
    const now = new Date();
    return IndicatorConnection.create(
      page,
      (row) => Indicator.from(row, now),
      () => context.loaders.indicatorCount.load({ alertDefinitionId: definition.id, filter: cleanFilter }),
    );
  }

  @Mutation(() => AlertDefinition, {
    description: 'Creates an alert definition, with its indicators if given, all or nothing. They match the very next event.',
  })
  async createAlertDefinition(
    @Arg('input', () => AlertDefinitionInput, { description: 'The new definition.' }) input: AlertDefinitionInput,
    @Ctx() context: GraphQLContext,
  ): Promise<AlertDefinition> {
    return AlertDefinition.from(await context.services.definitions.create(actorOfContext(context), input));
  }

  @Mutation(() => AlertDefinition, { description: 'Changes the given fields of an alert definition; omitted fields stay.' })
  async updateAlertDefinition(
    @Arg('id', () => ID, { description: 'Identifier of the item.' }) id: string,
    @Arg('input', () => AlertDefinitionUpdateInput, { description: 'The fields to change.' }) input: AlertDefinitionUpdateInput,
    @Ctx() context: GraphQLContext,
  ): Promise<AlertDefinition> {
    return AlertDefinition.from(await context.services.definitions.update(actorOfContext(context), id, withoutNulls(input)));
  }

  @Mutation(() => AlertDefinition, {
    description: 'Deletes an alert definition and its indicators; alerts it raised stay. Returns the deleted definition.',
  })
  async deleteAlertDefinition(@Arg('id', () => ID, { description: 'Identifier of the item.' }) id: string, @Ctx() context: GraphQLContext): Promise<AlertDefinition> {
    return AlertDefinition.from(await context.services.definitions.delete(actorOfContext(context), id));
  }
}

/** Treats explicit nulls like omitted fields, for inputs whose fields cannot be cleared. */
export function withoutNulls<T extends object>(input: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}
