import { Arg, Args, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';

import { INDICATOR_LIMITS } from '../../domain/alert-rules';
import { AlertDefinition } from '../alert-definition/alert-definition.type';
import { withoutNulls } from '../alert-definition/alert-definition.resolver';
import { PaginationArgs } from '../common/pagination.args';
import { actorOfContext, callerOf, type GraphQLContext } from '../context';
import { IndicatorFilter, IndicatorInput, IndicatorUpdateInput } from './indicator.input';
import { Indicator, IndicatorConnection } from './indicator.type';

@ObjectType('AddIndicatorsResult', { description: 'Outcome of addIndicators.' })
class AddIndicatorsResult {
  @Field(() => [Indicator], { description: 'The indicators created, in input order.' })
  indicators: Indicator[];

  @Field(() => Int, { description: 'Number of indicators created.' })
  addedCount: number;

  @Field(() => [Int], { description: 'Input indexes skipped as duplicates (only with skipDuplicates: true).' })
  skippedDuplicates: number[];
}

@ObjectType('DeleteIndicatorsResult', { description: 'Outcome of deleteIndicators.' })
class DeleteIndicatorsResult {
  @Field(() => [ID], { description: 'Ids of the indicators deleted.' })
  deletedIds: string[];

  @Field(() => [ID], { description: 'Requested ids that do not exist; nothing was done for them.' })
  notFoundIds: string[];
}

@Resolver(() => Indicator)
export class IndicatorResolver {
  @Query(() => IndicatorConnection, { description: 'Indicators of the organization, oldest first.' })
  async indicators(
    @Args() { first, after }: PaginationArgs,
    @Arg('filter', () => IndicatorFilter, { nullable: true, description: 'Only indicators matching every given field.' }) filter: IndicatorFilter | null,
    @Ctx() context: GraphQLContext,
  ): Promise<IndicatorConnection> {
    const page = await context.services.indicators.list(callerOf(context).organizationId, { first, after }, filter ?? {});
    const now = new Date();
    return IndicatorConnection.create(page, (row) => Indicator.from(row, now));
  }

  @Query(() => Indicator, { description: 'One indicator; NOT_FOUND when it does not exist.' })
  async indicator(@Arg('id', () => ID, { description: 'Identifier of the item.' }) id: string, @Ctx() context: GraphQLContext): Promise<Indicator> {
    return Indicator.from(await context.services.indicators.get(callerOf(context).organizationId, id));
  }

  @FieldResolver(() => AlertDefinition, { description: 'The alert definition this indicator belongs to.' })
  async alertDefinition(@Root() indicator: Indicator, @Ctx() context: GraphQLContext): Promise<AlertDefinition> {
    const row = await context.loaders.definition.load(indicator.alertDefinitionId);
    if (!row) throw new Error(`Invariant: indicator ${indicator.id} has no alert definition.`);
    return AlertDefinition.from(row);
  }

  @Mutation(() => AddIndicatorsResult, {
    description: `Adds up to ${INDICATOR_LIMITS.batchMax} indicators to an alert definition, all or nothing. Each error names the item index, the field and the rule. They match the very next event.`,
  })
  async addIndicators(
    @Arg('alertDefinitionId', () => ID, { description: 'The alert definition to add them to.' }) alertDefinitionId: string,
    @Arg('indicators', () => [IndicatorInput], { description: 'The indicators to add.' }) indicators: IndicatorInput[],
    @Arg('skipDuplicates', () => Boolean, {
      defaultValue: false,
      description: 'Skip indicators already present (in the batch or stored) instead of rejecting the batch.',
    })
    skipDuplicates: boolean,
    @Ctx() context: GraphQLContext,
  ): Promise<AddIndicatorsResult> {
    const result = await context.services.indicators.add(actorOfContext(context), alertDefinitionId, indicators, {
      skipDuplicates,
    });
    return {
      indicators: result.indicators.map((row) => Indicator.from(row)),
      addedCount: result.indicators.length,
      skippedDuplicates: result.skippedDuplicates,
    };
  }

  @Mutation(() => Indicator, { description: 'Changes the given fields of an indicator; omitted fields stay.' })
  async updateIndicator(
    @Arg('id', () => ID, { description: 'Identifier of the item.' }) id: string,
    @Arg('input', () => IndicatorUpdateInput, { description: 'The fields to change.' }) input: IndicatorUpdateInput,
    @Ctx() context: GraphQLContext,
  ): Promise<Indicator> {
    const { expiresAt, ...rest } = input;
    const patch = { ...withoutNulls(rest), ...(expiresAt !== undefined ? { expiresAt } : {}) };
    return Indicator.from(await context.services.indicators.update(actorOfContext(context), id, patch));
  }

  @Mutation(() => DeleteIndicatorsResult, {
    description: `Deletes up to ${INDICATOR_LIMITS.deleteMax} indicators; they stop matching at once. Unknown ids are reported, not errors.`,
  })
  async deleteIndicators(
    @Arg('ids', () => [ID], { description: 'Ids of the indicators to delete.' }) ids: string[],
    @Ctx() context: GraphQLContext,
  ): Promise<DeleteIndicatorsResult> {
    return context.services.indicators.delete(actorOfContext(context), ids);
  }
}
