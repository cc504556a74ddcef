/**
 * The store's errors. Adapters never swallow a failed write: they reject with one of these, naming the adapter
 * and the operation, with the driver's error as `cause`.
 */

export type StoreErrorCode = 'closed' | 'unavailable' | 'write_failed' | 'read_failed' | 'conflict' | 'not_found' | 'invalid';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly op: string;
  constructor(code: StoreErrorCode, op: string, message: string, options?: { cause?: unknown }) {
    super(`store: ${op}: ${message}`, options);
    this.name = 'StoreError';
    this.code = code;
    this.op = op;
  }
}

/** the store was closed, or the connection to the database is gone */
export class StoreUnavailableError extends StoreError {
  constructor(op: string, message: string, options?: { cause?: unknown }) {
    super('unavailable', op, message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** a write with the key of a stored record but different identity (e.g. the same turn seq, another turnId) */
export class StoreConflictError extends StoreError {
  constructor(op: string, message: string) {
    super('conflict', op, message);
    this.name = 'StoreConflictError';
  }
}

export class StoreNotFoundError extends StoreError {
  constructor(op: string, message: string) {
    super('not_found', op, message);
    this.name = 'StoreNotFoundError';
  }
}

/** bad input: the store refuses it before touching the database */
export class StoreInvalidError extends StoreError {
  constructor(op: string, message: string) {
    super('invalid', op, message);
    this.name = 'StoreInvalidError';
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
