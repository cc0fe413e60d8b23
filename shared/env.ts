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

const NotifyEnvSchema = z.object({
  LEDGER_TABLE: z.string({ error: 'is required (the ledger table name)' }).check(z.minLength(3, { error: 'is required (the ledger table name, 3+ characters)' })),
  R53F_CONFIG_FILE: z._default(z.string(), 'dist/config/failover.json'),
  LAMBDA_TASK_ROOT: z.optional(z.string()),
  /** The stack's NotificationTopic (email/SMS subscribers). */
  NOTIFY_TOPIC_ARN: z.optional(z.string().check(z.startsWith('arn:', { error: 'expected an SNS topic ARN' }))),
  /** Where deliveries go once their retries are exhausted. */
  DEAD_LETTER_QUEUE_URL: z.optional(z.string().check(z.regex(/^https?:\/\//, { error: 'expected an SQS queue URL' }))),
  /** Seconds SSM parameters (webhook URL, routing key, secrets) are cached per container. */
  SECRET_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 300),
});
export type NotifyEnv = z.infer<typeof NotifyEnvSchema>;

/** The notify function's environment, read once at cold start. */
export const loadNotifyEnv = (env: Record<string, string | undefined> = process.env): NotifyEnv => parseOrThrow(NotifyEnvSchema, env, ConfigError);
