import { Max, MaxLength, Min } from 'class-validator';
import { ArgsType, Field, Int } from 'type-graphql';

/** Largest page any list returns. */
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

@ArgsType()
export class PaginationArgs {
  @Field(() => Int, {
    defaultValue: DEFAULT_PAGE_SIZE,
    description: `Number of items to return, from 1 to ${MAX_PAGE_SIZE}.`,
  })
  @Min(1, { message: `must be at least 1` })
  @Max(MAX_PAGE_SIZE, { message: `must be at most ${MAX_PAGE_SIZE}; page with "after" for more` })
  first: number;

  @Field(() => String, { nullable: true, description: 'Return the items after this cursor (from `edges.cursor` or `pageInfo.endCursor`).' })
  @MaxLength(200, { message: 'must be a cursor returned by this list' })
  after?: string | null;
}
