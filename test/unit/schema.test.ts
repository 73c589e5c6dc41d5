import fs from 'node:fs';
import path from 'node:path';

import { createPubSub } from '@graphql-yoga/subscription';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';

import { printSightlineSchema, SCHEMA_FILE } from '../../src/graphql/print-schema';
import { buildSightlineSchema } from '../../src/graphql/schema';

describe('schema', () => {
  let schema: GraphQLSchema;

  beforeAll(async () => {
    schema = await buildSightlineSchema(createPubSub());
  });

  it('matches the committed schema.graphql', async () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '../..', SCHEMA_FILE), 'utf8');
    const printed = await printSightlineSchema();
    // On failure, run `npm run schema` and review the diff of schema.graphql.
    expect(printed).toBe(committed);
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const root = ['Query', 'Mutation', 'Subscription'].includes(type.name);
      if (!type.description && !root) missing.push(type.name);

      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) {
          if (!value.description) missing.push(`${type.name}.${value.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('exposes the public operation names', () => {
    expect(Object.keys(schema.getQueryType()!.getFields()).sort()).toEqual(
      ['alert', 'alertDefinition', 'alertDefinitions', 'alerts', 'apiKeys', 'auditEvents', 'indicator', 'indicators', 'viewer'].sort(),
    );
    expect(Object.keys(schema.getMutationType()!.getFields()).sort()).toEqual(
      [
        'addIndicators',
        'createAlertDefinition',
        'createApiKey',
        'deleteAlertDefinition',
        'deleteIndicators',
        'ingestEvents',
        'revokeApiKey',
        'updateAlert',
        'updateAlertDefinition',
        'updateIndicator',
      ].sort(),
    );
    expect(Object.keys(schema.getSubscriptionType()!.getFields()).sort()).toEqual(['alertRaised', 'alertUpdated']);
  });
});
