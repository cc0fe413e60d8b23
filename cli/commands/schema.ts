import { configJsonSchemaText } from '../../shared/config/json-schema.js';
import { parseFlags } from '../args.js';
import type { Io } from '../context.js';

export const SCHEMA_HELP = `r53-failover schema

Prints failover.yml's JSON Schema (draft 2020-12), generated from the same zod schema the CLI and the deploy load
the file with; the build writes the same text to failover.schema.json at the package root. Point your editor at it
with a first line in failover.yml (YAML Language Server: VS Code's YAML extension, Neovim, JetBrains, Helix…):

  # yaml-language-server: $schema=./failover.schema.json

  r53-failover schema > failover.schema.json    # beside your own failover.yml, outside this repository

It flags unknown keys (a typo), wrong types, bad regions, ids and URLs, and missing required keys as you type.
Rules across fields (a channel named but not configured, a health check used by two members, a webhook without a
secret) are checked when the file is loaded: r53-failover check --config failover.yml.`;

/** `r53-failover schema`: the JSON Schema of failover.yml on stdout. */
export const schema = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('schema', args, { help: { type: 'boolean', short: 'h', default: false } });
  io.out(values.help ? SCHEMA_HELP : configJsonSchemaText());
  return 0;
};
