import { createPubSub } from '@graphql-yoga/subscription';
import { lexicographicSortSchema, printSchema } from 'graphql';

import { buildSightlineSchema } from './schema';

/** Path of the committed schema, relative to the repository root. */
export const SCHEMA_FILE = 'schema.graphql';

/** Prints the schema in the form committed as `schema.graphql`: sorted, so diffs stay small. */
export async function printSightlineSchema(): Promise<string> {
  const schema = await buildSightlineSchema(createPubSub());
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
