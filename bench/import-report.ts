import type { ResultRow } from './harness';

/**
 * Prints the note of each row under the table that `report` prints, which
 * shows no notes. Notes carry the conditions of a figure and any anomaly
 * seen while measuring it.
 */
export function printNotes(name: string, rows: readonly ResultRow[]): void {
  const lines = rows.filter((row) => row.note).map((row) => `- ${row.metric}: ${row.note}`);
  if (lines.length > 0) process.stdout.write(`${name} notes:\n${lines.join('\n')}\n`);
}
