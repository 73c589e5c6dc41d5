import { controlCharacterProblem } from '../domain/text';
import { JsonObject, readText } from './json-path';
import { FieldResult, invalidFieldReason } from './parse-result';

/** Maximum length of a device id, the same for every event format. */
export const MAX_DEVICE_ID_LENGTH = 256;

/**
 * Returns the first non-blank text found at `paths`, as given, or the reason
 * the event is rejected: none of the paths has a value, or the value is
 * longer than {@link MAX_DEVICE_ID_LENGTH} characters.
 */
export function readDeviceId(record: JsonObject, paths: readonly string[]): FieldResult<string> {
  for (const path of paths) {
    const text = readText(record, path);
    if (text === undefined || text.trim() === '') {
      continue;
    }
    if (text.length > MAX_DEVICE_ID_LENGTH) {
      const rule = `a device id of at most ${MAX_DEVICE_ID_LENGTH} characters`;
      return { ok: false, reason: invalidFieldReason(path, rule, text) };
    }
    const problem = controlCharacterProblem(text);
    if (problem) {
      return { ok: false, reason: `"${path}" ${problem}` };
    }
    return { ok: true, value: text };
  }

  const names = paths.map((path) => `"${path}"`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return { ok: false, reason: `No device id found: ${list} ${names.length === 1 ? 'is' : 'are all'} missing or blank.` };
}
