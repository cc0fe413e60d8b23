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

const ProbeEnvSchema = z.object({
  LEDGER_TABLE: z.string({ error: 'is required (the ledger table name)' }).check(z.minLength(3, { error: 'is required (the ledger table name, 3+ characters)' })),
  /** Where the ledger table lives (the recorder stack's region). */
  LEDGER_REGION: z._default(z.string(), 'us-east-1'),
  /** This deployment's probe region (defaults to the Lambda's region). */
  PROBE_REGION: z.string({ error: 'is required (set PROBE_REGION or AWS_REGION)' }).check(z.minLength(1)),
  R53F_CONFIG_FILE: z._default(z.string(), 'dist/config/failover.json'),
  LAMBDA_TASK_ROOT: z.optional(z.string()),
  AWS_LAMBDA_RUNTIME_API: z.optional(z.string()),
  /** Milliseconds kept back so a round never runs into the Lambda timeout. */
  ROUND_BUDGET_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 12_000),
  PROBE_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.positive()), 8),
});

/** The regional probe's environment; PROBE_REGION falls back to the Lambda's AWS_REGION. */
export const loadProbeEnv = (env: Record<string, string | undefined> = process.env) =>
  parseOrThrow(ProbeEnvSchema, { ...env, PROBE_REGION: env.PROBE_REGION ?? env.AWS_REGION }, ConfigError);

const PromoteEnvSchema = z.object({
  LEDGER_TABLE: z.string({ error: 'is required (the ledger table name)' }).check(z.minLength(3, { error: 'is required (the ledger table name, 3+ characters)' })),
  R53F_CONFIG_FILE: z._default(z.string(), 'dist/config/failover.json'),
  LAMBDA_TASK_ROOT: z.optional(z.string()),
  AWS_LAMBDA_RUNTIME_API: z.optional(z.string()),
});

/** The promote-replica function's environment. */
export const loadPromoteEnv = (env: Record<string, string | undefined> = process.env) => parseOrThrow(PromoteEnvSchema, env, ConfigError);
