import { DEFINITION_LIMITS, MITRE_TECHNIQUE_PATTERN } from '../domain/alert-rules';
import type { InputIssue } from '../domain/errors';
import { checkLength } from './indicator-preparation';
import type { AlertDefinitionPatch } from './inputs';

/**
 * Checks the scalar fields of a new or changed alert definition and returns
 * the cleaned values (trimmed title, de-duplicated upper-case techniques).
 */
export function checkDefinitionFields(
  fields: AlertDefinitionPatch,
  prefix: string,
  issues: InputIssue[],
): AlertDefinitionPatch {
  const cleaned: AlertDefinitionPatch = { ...fields };

  if (fields.title !== undefined) {
    cleaned.title = fields.title.trim();
    if (cleaned.title.length === 0) {
      issues.push({ field: `${prefix}.title`, message: 'must not be empty; give the alert a short descriptive title.' });
    }
    checkLength(cleaned.title, DEFINITION_LIMITS.titleMax, `${prefix}.title`, issues);
  }
  checkLength(fields.description, DEFINITION_LIMITS.descriptionMax, `${prefix}.description`, issues);
  checkLength(fields.recommendedActions, DEFINITION_LIMITS.recommendedActionsMax, `${prefix}.recommendedActions`, issues);

  if (fields.mitreTechniques !== undefined) {
    cleaned.mitreTechniques = checkTechniques(fields.mitreTechniques, `${prefix}.mitreTechniques`, issues);
  }
  return cleaned;
}

function checkTechniques(techniques: string[], field: string, issues: InputIssue[]): string[] {
  if (techniques.length > DEFINITION_LIMITS.mitreTechniquesMax) {
    issues.push({
      field,
      message: `must contain at most ${DEFINITION_LIMITS.mitreTechniquesMax} techniques; received ${techniques.length}.`,
    });
    return [];
  }

  const result: string[] = [];
  techniques.forEach((technique, index) => {
    const id = technique.trim().toUpperCase();
    if (!MITRE_TECHNIQUE_PATTERN.test(id)) {
      const shown = technique.length > 40 ? `${technique.slice(0, 40)}...` : technique;
      issues.push({
        field: `${field}[${index}]`,
        message: `must be a MITRE ATT&CK technique id such as T1003 or T1003.001; received "${shown}".`,
      });
    } else if (!result.includes(id)) {
      result.push(id);
    }
  });
  return result;
}
