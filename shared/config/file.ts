import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { EMPTY_CONFIG, parseConfig, type FailoverConfig } from './schema.js';
import { ConfigError } from '../support/errors.js';

export const DEFAULT_CONFIG_FILE = 'failover.yml';

export interface LoadedConfig {
  config: FailoverConfig;
  /** Absolute path of the file read, or undefined when none existed (every health check is `unassigned`). */
  path?: string;
}

/** Parses YAML (or JSON) text and validates it; errors name the file, the line or the field path. */
export const parseConfigText = (text: string, source: string): FailoverConfig => {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first?.linePos?.[0] ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    throw new ConfigError(`${source}: not valid YAML${where}: ${first?.message.split('\n')[0] ?? 'parse error'}`);
  }
  return parseConfig(doc.toJS(), source);
};

/**
 * The one config loader for the CLI and the deploy plugin. An explicit path (flag or R53F_CONFIG) must exist; the
 * default `./failover.yml` may be absent, in which case every health check is recorded as `unassigned`.
 */
export const loadConfigFile = (explicit?: string, cwd = process.cwd()): LoadedConfig => {
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`${explicit}: config file not found`);
    return { config: EMPTY_CONFIG };
  }
  return { config: parseConfigText(readFileSync(path, 'utf8'), explicit ?? DEFAULT_CONFIG_FILE), path };
};
