import { R53FailoverError } from '../support/errors.js';

/** Reads SecureString parameters (SSM, cached per container); never logs or returns values in errors. */
export interface SecretSource {
  get(parameterName: string): Promise<string>;
}

export class SecretUnavailableError extends R53FailoverError {
  override readonly name: string = 'SecretUnavailableError';
}

/** A local value (tests, local runs) wins; otherwise the SSM parameter; otherwise the channel cannot be used. */
export const secretGetter = (
  local: string | undefined,
  parameter: string | undefined,
  source: SecretSource | undefined,
  what: string,
): (() => Promise<string>) => {
  if (local) return async () => local;
  return async () => {
    if (!parameter || !source) throw new SecretUnavailableError(`${what}: no local value and no SSM parameter source`);
    try {
      return await source.get(parameter);
    } catch (err) {
      // The SDK error names the parameter, not its value; keep only the class for the record.
      throw new SecretUnavailableError(
        `${what}: reading ${parameter} from SSM failed (${(err as Error)?.name ?? 'Error'})`,
        { cause: err },
      );
    }
  };
};
