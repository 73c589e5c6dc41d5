import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

import { ErrorCode } from '../domain/errors';
import type { Logger } from '../logging/logger';

/** Codes a client may see as they were raised; anything else becomes INTERNAL_SERVER_ERROR. */
const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** graphql-js's field-name hint, which reveals schema details; removed in production. */
const SUGGESTION = / Did you mean .*\?$/;

/**
 * Builds the error formatter shared by HTTP and websockets. Errors raised on
 * purpose keep their message and code. Any other error is logged with its
 * stack and replaced by a generic message, so no stack trace, SQL or file
 * path reaches a client.
 */
export function createErrorFormatter(logger: Logger, options: { includeStack: boolean; hideSuggestions: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;

    if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR && CLIENT_CODES.has(code)) {
      // `http` only sets the response status; Apollo drops it, and websockets have no status to set.
      const { stacktrace, http: _http, ...extensions } = formatted.extensions ?? {};
      const message = options.hideSuggestions ? formatted.message.replace(SUGGESTION, '') : formatted.message;
      return { ...formatted, message, extensions: options.includeStack ? { ...extensions, stacktrace } : extensions };
    }

    logger.error({ err: original, path: formatted.path }, 'unexpected error while executing an operation');
    return {
      message: 'Internal server error.',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
