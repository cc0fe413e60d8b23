import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig, type FailoverConfig } from './config.js';

/** The config a Lambda ships with: `failover.yml` validated at package time, written as JSON, validated again here. */
export const loadDeployedConfig = (env: { R53F_CONFIG_FILE: string; LAMBDA_TASK_ROOT?: string | undefined }): FailoverConfig =>
  parseConfig(JSON.parse(readFileSync(resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), env.R53F_CONFIG_FILE), 'utf8')), env.R53F_CONFIG_FILE);
