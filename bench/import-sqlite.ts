import sqlite3 from 'sqlite3';

/**
 * The driver's own methods, taken when this module loads. TypeORM's SQLite
 * driver calls `sqlite3.verbose()` when it connects (typeorm 0.3.31,
 * SqliteDriver.js), which wraps these methods process-wide: every call then
 * creates an Error and runs `util.inspect` on each argument, parameter arrays
 * included. The raw connections below call the unwrapped methods, so the
 * baseline measures the driver as it ships. This works only while nothing
 * loaded earlier has called `sqlite3.verbose()`; the scenario modules load this
 * file before any data source connects.
 */
const DRIVER = {
  exec: sqlite3.Database.prototype.exec,
  run: sqlite3.Database.prototype.run,
  get: sqlite3.Database.prototype.get,
  prepare: sqlite3.Database.prototype.prepare,
  close: sqlite3.Database.prototype.close,
  statementRun: sqlite3.Statement.prototype.run,
  statementFinalize: sqlite3.Statement.prototype.finalize,
};

/** Values a SQLite statement binds: the driver's native types, with booleans as 0 and 1. */
export type SqliteValue = string | number | null;

/**
 * A raw `sqlite3` connection with promises, as a baseline and a data
 * generator use it: no ORM, no query builder, no statement logging.
 */
export class SqliteConnection {
  private constructor(private readonly database: sqlite3.Database) {}

  /**
   * Opens the file in WAL mode with foreign keys on, the settings the
   * service's TypeORM connection uses, so a write costs the same work.
   */
  static async open(filePath: string): Promise<SqliteConnection> {
    const database = await new Promise<sqlite3.Database>((resolve, reject) => {
      const opened: sqlite3.Database = new sqlite3.Database(filePath, (error) => (error ? reject(error) : resolve(opened)));
    });
    const connection = new SqliteConnection(database);
    await connection.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;');
    return connection;
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => DRIVER.exec.call(this.database, sql, (error) => (error ? reject(error) : resolve())));
  }

  run(sql: string, parameters: readonly SqliteValue[] = []): Promise<void> {
    return new Promise((resolve, reject) =>
      DRIVER.run.call(this.database, sql, parameters, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  get<T>(sql: string, parameters: readonly SqliteValue[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) =>
      DRIVER.get.call(this.database, sql, parameters, (error: Error | null, row: T | undefined) => (error ? reject(error) : resolve(row))),
    );
  }

  /**
   * Prepares `sql` once and runs it with each parameter list. Every run is
   * queued on the statement before the first completes, so no row waits for
   * a promise of the previous one. The driver still executes them one at a time.
   *
   * @throws the first error a run reports, after every queued run has finished.
   */
  async runPrepared(sql: string, parameterLists: Iterable<readonly SqliteValue[]>): Promise<void> {
    const statement = await new Promise<sqlite3.Statement>((resolve, reject) => {
      const prepared: sqlite3.Statement = DRIVER.prepare.call(this.database, sql, (error: Error | null) => (error ? reject(error) : resolve(prepared)));
    });

    let firstError: Error | null = null;
    for (const parameters of parameterLists) {
      DRIVER.statementRun.call(statement, parameters, (error: Error | null) => {
        firstError ??= error;
      });
    }
    // finalize() is queued behind the runs, so its callback marks the end of all of them.
    await new Promise<void>((resolve) => DRIVER.statementFinalize.call(statement, () => resolve()));
    if (firstError) throw firstError;
  }

  /**
   * Inserts `rows` into `table` with one prepared statement of
   * `rowsPerStatement` rows, run for each full chunk, and one more statement
   * for the rows left over. `verb` is `INSERT` or `INSERT OR IGNORE`.
   */
  async insertRows(
    verb: 'INSERT' | 'INSERT OR IGNORE',
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<readonly SqliteValue[]>,
    rowsPerStatement: number,
  ): Promise<void> {
    const statement = (rowCount: number) => {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      return `${verb} INTO ${table} (${columns.join(', ')}) VALUES ${Array(rowCount).fill(tuple).join(', ')}`;
    };
    const fullChunkCount = Math.floor(rows.length / rowsPerStatement);
    const fullChunks = function* () {
      for (let start = 0; start < fullChunkCount * rowsPerStatement; start += rowsPerStatement) {
        yield rowsPerStatement === 1 ? rows[start] : rows.slice(start, start + rowsPerStatement).flat();
      }
    };

    if (fullChunkCount > 0) await this.runPrepared(statement(rowsPerStatement), fullChunks());
    const remainder = rows.slice(fullChunkCount * rowsPerStatement);
    if (remainder.length > 0) await this.run(statement(remainder.length), remainder.flat());
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => DRIVER.close.call(this.database, (error) => (error ? reject(error) : resolve())));
  }
}

/** Formats a date as TypeORM stores `datetime` columns on SQLite: UTC, `YYYY-MM-DD HH:MM:SS.mmm`. */
export function sqliteDatetime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
