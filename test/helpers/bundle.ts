import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { parseConfigText } from '../../shared/config/file.js';
import { sealConfig } from '../../shared/config/deployed.js';

const require = createRequire(import.meta.url);

/** `configYaml` validated and sealed as `serverless package` ships it, in a file of its own; returns the path. */
export const writeSealedConfig = (configYaml: string, label = 'test'): string => {
  const file = join(mkdtempSync(join(tmpdir(), `r53f-${label}-`)), 'failover.json');
  writeFileSync(file, JSON.stringify(sealConfig(parseConfigText(configYaml, `${label}.yml`))));
  return file;
};

/**
 * Loads a built bundle (`dist/<fn>/index.js`) the way Lambda runs it: the sealed config file the plugin ships,
 * credentials in the environment, plus `env` (what serverless.yml sets and the local peers' endpoints).
 * The bundle reads its environment at load time; call `restoreEnv` in afterAll.
 */
export const loadBundle = <H>(
  fn: string,
  configYaml: string,
  env: Record<string, string>,
): { handler: H; restoreEnv: () => void } => {
  const saved = { ...process.env };
  const configFile = writeSealedConfig(configYaml, `${fn}-bundle`);
  Object.assign(process.env, {
    R53F_CONFIG_FILE: configFile,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    ...env,
  });
  const { handler } = require(`../../dist/${fn}/index.js`) as { handler: H };
  return {
    handler,
    restoreEnv: () => {
      process.env = saved;
    },
  };
};

/** The EMF documents (CloudWatch embedded metric format) a bundle wrote to stdout while `fn` ran; stdout is restored. */
export const emfWrittenBy = async <T, M = Record<string, unknown>>(
  fn: () => Promise<T>,
): Promise<{
  result: T;
  emf: (M & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } })[];
}> => {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  let result: T;
  try {
    result = await fn();
  } finally {
    spy.mockRestore();
  }
  const emf = written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line));
  return { result, emf };
};
