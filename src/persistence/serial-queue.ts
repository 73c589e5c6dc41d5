/**
 * Runs tasks one at a time, in submission order. TypeORM's SQLite driver
 * shares one connection, so two interleaved transactions would nest and fail;
 * every write transaction on SQLite goes through one queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // The chain must continue after a failed task, so the tail swallows errors.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
