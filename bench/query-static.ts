import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import {
  execute,
  GraphQLEnumType,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  validate,
  type DocumentNode,
} from 'graphql';

import { IndicatorType, Severity } from '../src/domain/enums';

/** An indicator as the benchmark queries select it. */
export interface StaticIndicator {
  id: string;
  type: IndicatorType;
  value: string;
}

/** A definition as the benchmark queries select it, with the first indicators of its page. */
export interface StaticDefinition {
  id: string;
  title: string;
  severity: Severity;
  indicators: {
    totalCount: number;
    nodes: StaticIndicator[];
  };
}

/**
 * Builds a schema with the shape of Sightline's `alertDefinitions` query
 * (connection `nodes`, nested `indicators(first)` with `totalCount`) whose
 * resolvers slice `definitions`, which are built before any request: no
 * database, no authentication, no cost analysis.
 */
export function buildStaticSchema(definitions: readonly StaticDefinition[]): GraphQLSchema {
  const severity = enumOf('Severity', Object.values(Severity));
  const indicatorType = enumOf('IndicatorType', Object.values(IndicatorType));
  const firstArgument = { first: { type: new GraphQLNonNull(GraphQLInt), defaultValue: 50 } };

  const indicator = new GraphQLObjectType({
    name: 'Indicator',
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID) },
      type: { type: new GraphQLNonNull(indicatorType) },
      value: { type: new GraphQLNonNull(GraphQLString) },
    },
  });
  const indicatorConnection = new GraphQLObjectType({
    name: 'IndicatorConnection',
    fields: {
      totalCount: { type: new GraphQLNonNull(GraphQLInt) },
      nodes: { type: nonNullList(indicator) },
    },
  });
  const definition = new GraphQLObjectType<StaticDefinition>({
    name: 'AlertDefinition',
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID) },
      title: { type: new GraphQLNonNull(GraphQLString) },
      severity: { type: new GraphQLNonNull(severity) },
      indicators: {
        type: new GraphQLNonNull(indicatorConnection),
        args: firstArgument,
        resolve: (parent, { first }: { first: number }) => ({
          totalCount: parent.indicators.totalCount,
          nodes: parent.indicators.nodes.slice(0, first),
        }),
      },
    },
  });
  const definitionConnection = new GraphQLObjectType({
    name: 'AlertDefinitionConnection',
    fields: { nodes: { type: nonNullList(definition) } },
  });

  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        alertDefinitions: {
          type: new GraphQLNonNull(definitionConnection),
          args: firstArgument,
          resolve: (_source, { first }: { first: number }) => ({ nodes: definitions.slice(0, first) }),
        },
      },
    }),
  });
}

/**
 * Starts Apollo Server 5 on `schema` with the HTTP stack Sightline uses
 * (Express 5, `express.json`, `expressMiddleware`) on loopback with an
 * ephemeral port, and none of Sightline's plugins, rules or context.
 */
export async function startStaticApollo(schema: GraphQLSchema): Promise<{ url: string; stop: () => Promise<void> }> {
  const app = express();
  const httpServer = createServer(app);
  const apollo = new ApolloServer({ schema, plugins: [ApolloServerPluginDrainHttpServer({ httpServer })] });
  await apollo.start();
  app.use('/graphql', express.json({ limit: '5mb' }), expressMiddleware(apollo));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, stop: () => apollo.stop() };
}

/**
 * Runs `query` with graphql-js `execute` in this thread for `durationMs`,
 * one operation after another, parsed and validated once beforehand.
 *
 * @returns operations per second.
 * @throws Error when the document is invalid for the schema or an execution returns errors.
 */
export function executeRepeatedly(schema: GraphQLSchema, query: string, durationMs: number): number {
  const document: DocumentNode = parse(query);
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) throw new Error(`The benchmark query is invalid for the static schema: ${validationErrors[0].message}`);

  const started = performance.now();
  let operations = 0;
  let now = started;
  while (now - started < durationMs) {
    // Resolvers are synchronous, so execute() returns the result itself, not a promise.
    const result = execute({ schema, document }) as { errors?: readonly Error[] };
    if (result.errors) throw new Error(`The static schema returned an error: ${result.errors[0].message}`);
    operations += 1;
    now = performance.now();
  }
  return operations / ((now - started) / 1000);
}

function enumOf(name: string, values: readonly string[]): GraphQLEnumType {
  return new GraphQLEnumType({ name, values: Object.fromEntries(values.map((value) => [value, { value }])) });
}

function nonNullList(type: GraphQLObjectType): GraphQLNonNull<GraphQLList<GraphQLNonNull<GraphQLObjectType>>> {
  return new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type)));
}
