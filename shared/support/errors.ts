/** Base class for every error this project throws on purpose; callers branch on `instanceof`. */
export class R53FailoverError extends Error {
  override readonly name: string = 'R53FailoverError';
}

/** The incoming Lambda payload is malformed: nothing was written, the invocation must fail (DLQ). */
export class InvalidEventError extends R53FailoverError {
  override readonly name: string = 'InvalidEventError';
}

/** `failover.yml` (or an environment variable) does not match the schema. */
export class ConfigError extends R53FailoverError {
  override readonly name: string = 'ConfigError';
}

/** A DynamoDB call on the ledger failed for a reason other than a lost conditional check. */
export class LedgerWriteError extends R53FailoverError {
  override readonly name: string = 'LedgerWriteError';
}

/** A CLI flag or argument is wrong. */
export class UsageError extends R53FailoverError {
  override readonly name: string = 'UsageError';
}
