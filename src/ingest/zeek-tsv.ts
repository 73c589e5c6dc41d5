/**
 * Reading of Zeek's TSV log format (the ASCII writer's default). Header lines
 * start with `#`: `#separator` (written as `\x09`), `#set_separator`,
 * `#empty_field`, `#unset_field`, `#path`, `#fields` and `#types`. Rows are
 * turned into JSON records keyed by the `#fields` names, so that
 * `parseZeekRecord` reads both formats alike.
 */
import { JsonObject } from './json-path';
import { FieldResult } from './parse-result';

/** A TSV row as a record, with the log type from the `#path` header. */
export interface ZeekTsvRow {
  record: JsonObject;
  logPath: string | undefined;
}

// Columns that hold sets or vectors in the standard logs, for rows whose log has no #types header.
const KNOWN_CONTAINER_COLUMNS = new Set([
  'answers', 'TTLs', 'tx_hosts', 'rx_hosts', 'conn_uids', 'analyzers', 'tunnel_parents', 'tags',
  'cert_chain_fps', 'client_cert_chain_fps', 'cert_chain_fuids', 'client_cert_chain_fuids',
  'san.dns', 'san.uri', 'san.email', 'san.ip', 'orig_fuids', 'resp_fuids', 'orig_mime_types', 'resp_mime_types',
]);

/** Returns whether a body is Zeek TSV: its first non-blank line is a header, or it has a `#fields` line. */
export function looksLikeZeekTsv(body: string): boolean {
  return /^\s*#/.test(body) || /^#(fields|separator)\b/m.test(body);
}

/**
 * Reads the lines of one or more concatenated Zeek TSV logs in order. A
 * `#separator` line starts a new log, so rows after it need a new `#fields`
 * header.
 */
export class ZeekTsvReader {
  private separator = '\t';
  private setSeparator = ',';
  private emptyField = '(empty)';
  private unsetField = '-';
  private logPath: string | undefined;
  private columns: string[] | null = null;
  private containerColumns: ReadonlySet<string> = KNOWN_CONTAINER_COLUMNS;

  /** Applies a header line, which starts with `#`. Unknown headers such as `#open` are ignored. */
  readHeader(line: string): void {
    if (line.startsWith('#separator')) {
      this.startLog(unescapeZeekText(line.slice('#separator'.length).trim()));
      return;
    }

    const [name, ...values] = line.slice(1).split(this.separator);
    switch (name) {
      case 'set_separator':
        this.setSeparator = unescapeZeekText(values[0] ?? ',');
        break;
      case 'empty_field':
        this.emptyField = values[0] ?? '(empty)';
        break;
      case 'unset_field':
        this.unsetField = values[0] ?? '-';
        break;
      case 'path':
        this.logPath = values[0];
        break;
      case 'fields':
        this.columns = values;
        this.containerColumns = KNOWN_CONTAINER_COLUMNS;
        break;
      case 'types':
        this.containerColumns = this.findContainerColumns(values);
        break;
      default:
        break;
    }
  }

  /** Converts a data row into a record, or returns why it cannot. */
  readRow(line: string): FieldResult<ZeekTsvRow> {
    if (this.columns === null) {
      return { ok: false, reason: 'Zeek TSV data line appears before any "#fields" header.' };
    }

    const values = line.split(this.separator);
    if (values.length !== this.columns.length) {
      const reason = `Zeek TSV row has ${values.length} columns, but the "#fields" header names ${this.columns.length}.`;
      return { ok: false, reason };
    }

    const record: JsonObject = {};
    this.columns.forEach((column, index) => {
      const value = this.convertValue(column, values[index]);
      if (value !== undefined) {
        record[column] = value;
      }
    });
    return { ok: true, value: { record, logPath: this.logPath } };
  }

  private startLog(separator: string): void {
    this.separator = separator === '' ? '\t' : separator;
    this.logPath = undefined;
    this.columns = null;
    this.containerColumns = KNOWN_CONTAINER_COLUMNS;
  }

  private findContainerColumns(types: string[]): ReadonlySet<string> {
    const columns = this.columns ?? [];
    return new Set(columns.filter((_, index) => /^(set|vector)\[/.test(types[index] ?? '')));
  }

  /** Returns `undefined` for the unset marker, a string array for sets and vectors, else the text. */
  private convertValue(column: string, raw: string): string | string[] | undefined {
    if (raw === this.unsetField) {
      return undefined;
    }
    if (!this.containerColumns.has(column)) {
      return raw === this.emptyField ? '' : unescapeZeekText(raw);
    }
    return raw === this.emptyField ? [] : raw.split(this.setSeparator).map(unescapeZeekText);
  }
}

/**
 * Decodes the `\xHH` escapes that Zeek writes for separators and bytes that
 * are not printable ASCII. Runs of escapes are decoded as UTF-8, so that
 * escaped multi-byte characters come back whole.
 */
export function unescapeZeekText(text: string): string {
  if (!text.includes('\\x')) {
    return text;
  }
  return text.replace(/(?:\\x[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/\\x/g, ''), 'hex').toString('utf8'));
}
