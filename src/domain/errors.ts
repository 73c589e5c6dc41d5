import { GraphQLError } from 'graphql';

/**
 * Stable `extensions.code` values. Messages may improve between releases;
 * codes never change meaning.
 */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  BAD_REQUEST = 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** One rule broken by one input field. `field` is a path such as `indicators[3].value`. */
export interface InputIssue {
  field: string;
  message: string;
}

/**
 * Creates the client error for invalid input. It carries every issue found,
 * so a batch reports all its problems at once. Nothing was written.
 */
export function invalidInput(issues: InputIssue[]): GraphQLError {
  const shown = issues.slice(0, 20).map((issue) => `"${issue.field}" ${issue.message}`);
  const more = issues.length > shown.length ? ` (${issues.length - shown.length} more issues in extensions.issues)` : '';
  const message = `Invalid input: ${shown.join(' ')}${more}`;

  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, issues: issues.slice(0, 1000) },
  });
}

/** Creates the NOT_FOUND error, used alike for missing and not-visible items, so ids of other organizations leak nothing. */
export function notFound(kind: string, id: string): GraphQLError {
  return new GraphQLError(`${kind} "${clipId(id)}" was not found.`, {
    extensions: { code: ErrorCode.NOT_FOUND },
  });
}

export function conflict(message: string, field: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.CONFLICT, field } });
}

function clipId(id: string): string {
  return id.length > 64 ? `${id.slice(0, 64)}...` : id;
}

/** Creates the error for a request without a valid API key. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/** Creates the error for a valid key whose role lacks the permission. */
export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });
}

/** Creates the error for a key over its rate limit; `retryAfterSeconds` is the wait before a retry. */
export function rateLimited(what: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Rate limit for ${what} exceeded; retry after ${retryAfterSeconds} s.`, {
    extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds, http: { status: 429 } },
  });
}
