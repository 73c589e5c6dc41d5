import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';

import { DEFAULT_PAGE_SIZE } from './common/pagination.args';

/** Limits every operation must stay within, on HTTP and on websockets alike. */
export const OPERATION_LIMITS = {
  /** Deepest field nesting; the deepest useful query in the schema nests 8 levels. */
  maxDepth: 12,
  /** Aliased fields per operation. */
  maxAliases: 20,
  /** Estimated cost: every field costs 1, and a list field multiplies its selection by its `first` argument. */
  maxCost: 25_000,
  /** Lexical tokens per document, checked while parsing. */
  maxTokens: 10_000,
} as const;

/**
 * Validation rules added to GraphQL's own on both transports: depth and
 * alias limits, and no introspection when it is off.
 */
export function limitValidationRules(options: { introspection: boolean }): ValidationRule[] {
  const rules: ValidationRule[] = [
    limitRule(maxDepthRule, { n: OPERATION_LIMITS.maxDepth, ignoreIntrospection: true }),
    limitRule(maxAliasesRule, { n: OPERATION_LIMITS.maxAliases }),
  ];
  if (!options.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

/**
 * graphql-armor rules throw by default; these options make them report the
 * violation as an ordinary validation error instead.
 */
function limitRule<T extends object>(
  rule: (options: T & { propagateOnRejection: boolean; onReject: Array<(context: ValidationContext | null, error: GraphQLError) => void> }) => ValidationRule,
  options: T,
): ValidationRule {
  return rule({
    ...options,
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(
          new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
        ),
    ],
  });
}

/** Multiplies a list field's selection by its page size, so `first: 500` inside `first: 500` costs what it loads. */
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const first = typeof args.first === 'number' ? args.first : undefined;
  if (first === undefined && !('first' in args)) return undefined;
  return 1 + childComplexity * Math.max(1, first ?? DEFAULT_PAGE_SIZE);
};

/**
 * Returns a validation error when the estimated cost of the operation is over
 * the limit; null when it fits.
 */
export function checkOperationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | null {
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables: variables ?? {},
      estimators: [pageSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    // Invalid variables make the estimate impossible; execution reports them with their own error.
    return null;
  }
  if (cost <= OPERATION_LIMITS.maxCost) return null;
  return new GraphQLError(
    `The operation's estimated cost is ${cost}, over the limit of ${OPERATION_LIMITS.maxCost}; request smaller pages (a lower "first") or fewer fields.`,
    { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost: OPERATION_LIMITS.maxCost } },
  );
}
