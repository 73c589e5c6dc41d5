import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';

import { toAlertRecord } from '../../feed/alert-feed.payload';
import { AlertOrder } from '../../services/alert.service';
import { AlertDefinition } from '../alert-definition/alert-definition.type';
import { PaginationArgs } from '../common/pagination.args';
import { actorOfContext, callerOf, type GraphQLContext } from '../context';
import { AlertFilter, AlertUpdateInput } from './alert.input';
import { Alert, AlertComment, AlertConnection } from './alert.type';

@Resolver(() => Alert)
export class AlertResolver {
  @Query(() => AlertConnection, { description: 'Alerts of the organization, newest first unless `order` is OLDEST_FIRST.' })
  async alerts(
    @Args() { first, after }: PaginationArgs,
    @Arg('filter', () => AlertFilter, { nullable: true, description: 'Only alerts matching every given field.' }) filter: AlertFilter | null,
    @Arg('order', () => AlertOrder, { defaultValue: AlertOrder.NEWEST_FIRST, description: 'Sort order by feed sequence.' }) order: AlertOrder,
    @Ctx() context: GraphQLContext,
  ): Promise<AlertConnection> {
    const page = await context.services.alerts.list(callerOf(context).organizationId, { first, after }, filter ?? {}, order);
    return AlertConnection.create(page, (row) => Alert.from(toAlertRecord(row)));
  }

  @Query(() => Alert, { description: 'One alert; NOT_FOUND when it does not exist.' })
  async alert(@Arg('id', () => ID, { description: 'Identifier of the item.' }) id: string, @Ctx() context: GraphQLContext): Promise<Alert> {
    return Alert.from(toAlertRecord(await context.services.alerts.get(callerOf(context).organizationId, id)));
  }

  @FieldResolver(() => [AlertComment], { description: 'Triage comments, oldest first.' })
  async comments(@Root() alert: Alert, @Ctx() context: GraphQLContext): Promise<AlertComment[]> {
    const rows = await context.loaders.comments.load(alert.id);
    return rows.map(AlertComment.from);
  }

  @FieldResolver(() => AlertDefinition, {
    nullable: true,
    description: 'The alert definition as it is now; null when it has been deleted.',
  })
  async alertDefinition(@Root() alert: Alert, @Ctx() context: GraphQLContext): Promise<AlertDefinition | null> {
    const row = await context.loaders.definition.load(alert.alertDefinitionId);
    return row ? AlertDefinition.from(row) : null;
  }

  @Mutation(() => Alert, { description: 'Changes status, classification, determination or assignment, and adds a comment.' })
  async updateAlert(
    @Arg('id', () => ID, { description: 'Identifier of the item.' }) id: string,
    @Arg('input', () => AlertUpdateInput, { description: 'The triage changes.' }) input: AlertUpdateInput,
    @Ctx() context: GraphQLContext,
  ): Promise<Alert> {
    const patch = {
      ...input,
      status: input.status ?? undefined,
      comment: input.comment ?? undefined,
    };
    const row = await context.services.alerts.update(actorOfContext(context), id, patch);
    return Alert.from(toAlertRecord(row));
  }
}
