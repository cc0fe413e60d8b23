import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import { parseOrThrow } from './zod-errors.js';

const RecorderEnvSchema = z.object({
  LEDGER_TABLE: z.string({ error: 'is required (the ledger table name)' }).check(z.minLength(3, { error: 'is required (the ledger table name, 3+ characters)' })),
  R53F_CONFIG_FILE: z._default(z.string(), 'dist/config/failover.json'),
  LAMBDA_TASK_ROOT: z.optional(z.string()),
});
export type RecorderEnv = z.infer<typeof RecorderEnvSchema>;

/** Reads the recorder's environment once at cold start; a bad deploy fails there, naming the variable. */
export const loadRecorderEnv = (env: Record<string, string | undefined> = process.env): RecorderEnv =>
  parseOrThrow(RecorderEnvSchema, env, ConfigError);
