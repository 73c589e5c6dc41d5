import { v7 as uuidv7 } from 'uuid';

import { INDICATOR_LIMITS } from '../domain/alert-rules';
import type { InputIssue } from '../domain/errors';
import { allowedMatchFunctions, defaultMatchFunction, normalizeIndicatorValue } from '../domain/normalize';
import type { IndicatorEntity } from '../persistence/entities';
import type { IndicatorInput } from './inputs';

export interface PreparedIndicators {
  rows: IndicatorEntity[];
  /** Input index of each row in `rows`. */
  rowIndexes: number[];
  issues: InputIssue[];
  /** Indexes (in the input) of items skipped as duplicates. */
  duplicates: number[];
}

/**
 * Validates and normalizes a batch of indicator inputs into rows for one
 * definition. Every problem is reported with the item's path, such as
 * `indicators[3].value`; nothing is written while any issue remains.
 */
export function prepareIndicators(
  inputs: readonly IndicatorInput[],
  context: { organizationId: string; alertDefinitionId: string; fieldPrefix: string; now: Date; skipDuplicates: boolean },
): PreparedIndicators {
  const rows: IndicatorEntity[] = [];
  const rowIndexes: number[] = [];
  const issues: InputIssue[] = [];
  const duplicates: number[] = [];
  const seen = new Map<string, number>();

  if (inputs.length > INDICATOR_LIMITS.batchMax) {
    issues.push({
      field: context.fieldPrefix,
      message: `must contain at most ${INDICATOR_LIMITS.batchMax} indicators per call; received ${inputs.length}. Split the import into several calls.`,
    });
    return { rows, rowIndexes, issues, duplicates };
  }

  inputs.forEach((input, index) => {
    const path = `${context.fieldPrefix}[${index}]`;
    const row = prepareOne(input, path, context, issues);
    if (!row) return;

    const key = `${row.type}|${row.matchFunction}|${row.normalizedValue}`;
    const first = seen.get(key);
    if (first !== undefined) {
      if (context.skipDuplicates) {
        duplicates.push(index);
      } else {
        issues.push({
          field: `${path}.value`,
          message: `duplicates ${context.fieldPrefix}[${first}] after normalization; remove one or pass skipDuplicates: true.`,
        });
      }
      return;
    }
    seen.set(key, index);
    rows.push(row);
    rowIndexes.push(index);
  });

  return { rows, rowIndexes, issues, duplicates };
}

function prepareOne(
  input: IndicatorInput,
  path: string,
  context: { organizationId: string; alertDefinitionId: string; now: Date },
  issues: InputIssue[],
): IndicatorEntity | null {
  const before = issues.length;
  const matchFunction = input.matchFunction ?? defaultMatchFunction(input.type);

  if (!allowedMatchFunctions(input.type).includes(matchFunction)) {
    issues.push({
      field: `${path}.matchFunction`,
      message: `${matchFunction} is not allowed for ${input.type}; use one of ${allowedMatchFunctions(input.type).join(', ')}.`,
    });
    return null;
  }

  const normalized = normalizeIndicatorValue(input.type, matchFunction, input.value);
  if (!normalized.ok) issues.push({ field: `${path}.value`, message: normalized.reason });

  if (input.expiresAt && input.expiresAt.getTime() <= context.now.getTime()) {
    issues.push({
      field: `${path}.expiresAt`,
      message: 'must be in the future; omit it for an indicator that never expires.',
    });
  }
  checkLength(input.description, INDICATOR_LIMITS.descriptionMax, `${path}.description`, issues);
  checkLength(input.source, INDICATOR_LIMITS.sourceMax, `${path}.source`, issues);

  if (issues.length > before || !normalized.ok) return null;

  return {
    id: uuidv7(),
    organizationId: context.organizationId,
    alertDefinitionId: context.alertDefinitionId,
    type: input.type,
    value: input.value.trim(),
    normalizedValue: normalized.value,
    matchFunction,
    enabled: input.enabled ?? true,
    expiresAt: input.expiresAt ?? null,
    description: input.description ?? '',
    source: input.source ?? '',
    createdAt: context.now,
    updatedAt: context.now,
  };
}

/** Adds an issue when `value` is longer than `max` characters. */
export function checkLength(value: string | null | undefined, max: number, field: string, issues: InputIssue[]): void {
  if (value != null && value.length > max) {
    issues.push({ field, message: `must be at most ${max} characters; received ${value.length}.` });
  }
}
