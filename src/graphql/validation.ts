import { validate, type ValidationError } from 'class-validator';
import { getNamedType, type GraphQLResolveInfo } from 'graphql';

import { invalidInput, type InputIssue } from '../domain/errors';
import { controlCharacterProblem } from '../domain/text';

/**
 * Validates resolver arguments with their class-validator decorators and
 * reports every broken rule as a BAD_USER_INPUT issue whose `field` is the
 * argument path, such as `input.indicators[2].value` or `first`.
 */
export async function validateArgument(
  value: unknown,
  argType: unknown,
  resolverData: { info: GraphQLResolveInfo },
): Promise<void> {
  if (value === null || typeof value !== 'object') return;

  const prefix = argumentName(argType, resolverData.info);
  const issues: InputIssue[] = [];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      if (item !== null && typeof item === 'object') {
        collect(await validate(item, OPTIONS), `${prefix}[${index}]`, issues);
      }
    }
  } else {
    collect(await validate(value, OPTIONS), prefix, issues);
  }
  findControlCharacters(value, prefix, issues);
  if (issues.length > 0) throw invalidInput(issues);
}

/**
 * Validates one input object outside a resolver call, such as a subscription
 * filter at subscribe time, with the same rules and issue paths.
 */
export async function assertValidInput(value: object | null | undefined, prefix: string): Promise<void> {
  if (!value) return;
  const issues: InputIssue[] = [];
  collect(await validate(value, OPTIONS), prefix, issues);
  findControlCharacters(value, prefix, issues);
  if (issues.length > 0) throw invalidInput(issues);
}

/** Adds an issue for every string in `value` (walked recursively) that contains a control character. */
function findControlCharacters(value: unknown, path: string, issues: InputIssue[]): void {
  if (typeof value === 'string') {
    const problem = controlCharacterProblem(value);
    if (problem) issues.push({ field: path, message: problem });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => findControlCharacters(item, `${path}[${index}]`, issues));
    return;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) findControlCharacters(item, path ? `${path}.${key}` : key, issues);
  }
}

const OPTIONS = { skipMissingProperties: true, forbidUnknownValues: false } as const;

/** Name of the argument whose input type is `argType`; empty for `@ArgsType` classes, whose fields are arguments. */
function argumentName(argType: unknown, info: GraphQLResolveInfo): string {
  const typeName = typeof argType === 'function' ? argType.name : '';
  const field = info.parentType.getFields()[info.fieldName];
  const arg = field?.args.find((candidate) => getNamedType(candidate.type).name === typeName);
  return arg?.name ?? '';
}

function collect(errors: ValidationError[], prefix: string, issues: InputIssue[]): void {
  for (const error of errors) {
    const property = /^\d+$/.test(error.property) ? `[${error.property}]` : error.property;
    const path = !prefix ? property : property.startsWith('[') ? `${prefix}${property}` : `${prefix}.${property}`;
    for (const message of Object.values(error.constraints ?? {})) {
      issues.push({ field: path, message: message.endsWith('.') ? message : `${message}.` });
    }
    if (error.children?.length) collect(error.children, path, issues);
  }
}
