import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';

import { forbidden, unauthenticated } from '../domain/errors';
import { hasPermission, Permission, rolesWith, type Caller } from '../domain/roles';
import type { GraphQLContext } from './context';

/**
 * The authorization decision of every root field. A root field missing here
 * is denied at run time, and the server refuses to start (see
 * `assertAuthorizationCoverage`), so a new operation cannot ship unguarded.
 * `authorizeRootFields` applies these decisions to the schema.
 */
export const ROOT_FIELD_PERMISSIONS: Readonly<Record<string, Permission>> = {
  'Query.viewer': Permission.IDENTIFY,
  'Query.alertDefinitions': Permission.READ,
  'Query.alertDefinition': Permission.READ,
  'Query.indicators': Permission.READ,
  'Query.indicator': Permission.READ,
  'Query.alerts': Permission.READ,
  'Query.alert': Permission.READ,
  'Query.apiKeys': Permission.MANAGE_KEYS,
  'Query.auditEvents': Permission.MANAGE_KEYS,
  'Mutation.createAlertDefinition': Permission.MANAGE_INDICATORS,
  'Mutation.updateAlertDefinition': Permission.MANAGE_INDICATORS,
  'Mutation.deleteAlertDefinition': Permission.MANAGE_INDICATORS,
  'Mutation.addIndicators': Permission.MANAGE_INDICATORS,
  'Mutation.updateIndicator': Permission.MANAGE_INDICATORS,
  'Mutation.deleteIndicators': Permission.MANAGE_INDICATORS,
  'Mutation.ingestEvents': Permission.INGEST_EVENTS,
  'Mutation.updateAlert': Permission.TRIAGE_ALERTS,
  'Mutation.createApiKey': Permission.MANAGE_KEYS,
  'Mutation.revokeApiKey': Permission.MANAGE_KEYS,
  'Subscription.alertRaised': Permission.READ,
  'Subscription.alertUpdated': Permission.READ,
};

const MISSING_KEY_MESSAGE =
  'This operation needs an API key: send the header "Authorization: Bearer <key>" (on websockets, {"Authorization": "Bearer <key>"} in the connection_init payload).';

/**
 * Returns the caller when it may use `Type.field`.
 *
 * @throws UNAUTHENTICATED without a caller; FORBIDDEN when the caller's role lacks the permission.
 */
export function authorizeRootField(context: GraphQLContext, typeName: string, fieldName: string): Caller {
  const coordinate = `${typeName}.${fieldName}`;
  const permission = ROOT_FIELD_PERMISSIONS[coordinate];
  const caller = context.caller;
  if (!caller) throw unauthenticated(MISSING_KEY_MESSAGE);

  if (!permission || !hasPermission(caller.role, permission)) {
    const allowed = permission ? rolesWith(permission).join(', ') : 'no role';
    throw forbidden(`The ${caller.role} role may not use "${fieldName}"; it needs a key with the role ${allowed}.`);
  }
  return caller;
}

/**
 * Wraps every root field of `schema` so it is authorized before it runs:
 * queries and mutations before they resolve, subscriptions once when they
 * subscribe. Nested fields inherit the root field's decision, and they stay
 * plain synchronous resolvers, which matters when one alert is sent to a
 * thousand subscribers.
 */
export function authorizeRootFields(schema: GraphQLSchema): void {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    const isSubscription = type === schema.getSubscriptionType();

    for (const field of Object.values(type.getFields())) {
      const check = (context: unknown) => authorizeRootField(context as GraphQLContext, type.name, field.name);
      if (isSubscription) {
        const subscribe = field.subscribe;
        field.subscribe = (source, args, context, info) => {
          check(context);
          return subscribe ? subscribe(source, args, context, info) : undefined;
        };
      } else {
        const resolve = field.resolve ?? defaultFieldResolver;
        field.resolve = (source, args, context, info) => {
          check(context);
          return resolve(source, args, context, info);
        };
      }
    }
  }
}

/**
 * Throws when a root field of `schema` has no entry in
 * `ROOT_FIELD_PERMISSIONS`, or an entry names a field that does not exist.
 */
export function assertAuthorizationCoverage(schema: GraphQLSchema): void {
  const coordinates = new Set<string>();
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type || !isObjectType(type)) continue;
    for (const field of Object.keys(type.getFields())) coordinates.add(`${type.name}.${field}`);
  }

  const missing = [...coordinates].filter((coordinate) => !(coordinate in ROOT_FIELD_PERMISSIONS));
  const stale = Object.keys(ROOT_FIELD_PERMISSIONS).filter((coordinate) => !coordinates.has(coordinate));
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      `Every root field needs exactly one authorization decision in ROOT_FIELD_PERMISSIONS. ` +
        `Missing: ${missing.join(', ') || 'none'}. Not in the schema: ${stale.join(', ') || 'none'}.`,
    );
  }
}
