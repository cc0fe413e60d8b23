import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig, type FailoverConfig } from './schema.js';
import { ConfigError } from '../support/errors.js';
import { isRecord } from '../support/values.js';

/**
 * The config a Lambda ships with. `serverless package` validates `failover.yml` with the full schema, strips local
 * secrets, validates the result again and writes it *sealed*: the validated config plus the SHA-256 of its JSON.
 * At cold start a function checks the digest and uses the config as is: the schema already ran on exactly these
 * bytes, and building and running it again would cost every cold start ~10 ms (hundreds of zod objects) and the
 * bundle the whole config schema. A file that is not sealed, or whose digest does not match (edited or corrupted
 * after packaging), fails the cold start with a message saying so, and the function changes nothing.
 * The digest is an integrity check, not a signature: whoever can change the zip can change the code too.
 */
export const SEALED_CONFIG_FORMAT = 'r53-failover/validated-config@1';

export interface SealedConfig {
  format: typeof SEALED_CONFIG_FORMAT;
  /** SHA-256 (hex) of `JSON.stringify(config)`. */
  sha256: string;
  config: FailoverConfig;
}

const digestOf = (config: unknown): string => createHash('sha256').update(JSON.stringify(config)).digest('hex');

/** Validates `config` (throws ConfigError naming the field) and seals the result for shipping. Package time only. */
export const sealConfig = (config: unknown, source = 'failover.yml'): SealedConfig => {
  const valid = parseConfig(config, source);
  return { format: SEALED_CONFIG_FORMAT, sha256: digestOf(valid), config: valid };
};

const REPACKAGE =
  'deploy what `serverless package` wrote (npx serverless deploy), or check the source file with `npx r53-failover check`';

/** The config inside a sealed document whose digest matches; anything else is a ConfigError naming the problem. */
export const openDeployedConfig = (document: unknown, source: string): FailoverConfig => {
  if (!isRecord(document) || document.format !== SEALED_CONFIG_FORMAT) {
    const found =
      isRecord(document) && typeof document.format === 'string'
        ? `format ${JSON.stringify(document.format)}`
        : 'no format field';
    throw new ConfigError(
      `${source}: not a sealed r53-failover config (expected format "${SEALED_CONFIG_FORMAT}", found ${found}); ${REPACKAGE}`,
    );
  }
  if (typeof document.sha256 !== 'string' || !isRecord(document.config)) {
    throw new ConfigError(
      `${source}: sealed config is missing ${typeof document.sha256 !== 'string' ? 'sha256 (a hex string)' : 'config (an object)'}; ${REPACKAGE}`,
    );
  }
  if (document.sha256 !== digestOf(document.config)) {
    throw new ConfigError(
      `${source}: config was changed after it was validated and sealed (SHA-256 does not match); ${REPACKAGE}`,
    );
  }
  return document.config as FailoverConfig;
};

/** Reads `R53F_CONFIG_FILE` (relative to the task root) once per container. */
export const loadDeployedConfig = (env: {
  R53F_CONFIG_FILE: string;
  LAMBDA_TASK_ROOT?: string | undefined;
}): FailoverConfig => {
  const file = resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), env.R53F_CONFIG_FILE);
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `${env.R53F_CONFIG_FILE}: cannot read the packaged config (${(err as Error).message}); ${REPACKAGE}`,
      { cause: err },
    );
  }
  return openDeployedConfig(document, env.R53F_CONFIG_FILE);
};
