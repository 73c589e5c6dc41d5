/**
 * C0 control characters other than tab, line feed and carriage return, and
 * DEL. NUL in particular cannot be stored in PostgreSQL text.
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Returns the rule text for the first control character in `text`, such as
 * `must not contain control characters; received U+0000 at position 3. ...`,
 * or null when there is none. Positions count from 1.
 */
export function controlCharacterProblem(text: string): string | null {
  const index = text.search(CONTROL_CHARACTER);
  if (index === -1) return null;
  const code = text.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control characters; received U+${code} at position ${index + 1}. Remove it and submit the value again.`;
}
