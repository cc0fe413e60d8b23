import * as z from 'zod/mini';
import { ConfigError } from '../support/errors.js';
import { parseOrThrow } from '../support/zod-errors.js';

type Env = Record<string, string | undefined>;

/**
 * What every function reads: the ledger table and the compiled config file. Each loader builds its schema when it
 * is called (once, at cold start), so a bundle constructs only its own and none of the others'.
 */
const ledgerFields = () => ({
  LEDGER_TABLE: z
    .string({ error: 'is required (the ledger table name)' })
    .check(z.minLength(3, { error: 'is required (the ledger table name, 3+ characters)' })),
  R53F_CONFIG_FILE: z._default(z.string(), 'dist/config/failover.json'),
  LAMBDA_TASK_ROOT: z.optional(z.string()),
});

/**
 * The ledger table and the shipped config: all the recorder and audit-api read. Read once at cold start; a bad deploy
 * fails there, naming the variable.
 */
export const loadLedgerEnv = (env: Env = process.env) => parseOrThrow(z.object(ledgerFields()), env, ConfigError);

/** The notify function's environment, read once at cold start. */
export const loadNotifyEnv = (env: Env = process.env) =>
  parseOrThrow(
    z.object({
      ...ledgerFields(),
      /** The stack's NotificationTopic (email/SMS subscribers). */
      NOTIFY_TOPIC_ARN: z.optional(z.string().check(z.startsWith('arn:', { error: 'expected an SNS topic ARN' }))),
      /** The stack's ChatbotTopic (`notify.chatbot: true`): Amazon Q Developer in chat applications subscribes to it. */
      CHATBOT_TOPIC_ARN: z.optional(z.string().check(z.startsWith('arn:', { error: 'expected an SNS topic ARN' }))),
      /** Where deliveries go once their retries are exhausted. */
      DEAD_LETTER_QUEUE_URL: z.optional(
        z.string().check(z.regex(/^https?:\/\//, { error: 'expected an SQS queue URL' })),
      ),
      /** Seconds SSM parameters (webhook URL, routing key, secrets) are cached per container. */
      SECRET_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 300),
      /** Set by Lambda: the SSRF guard never lets a channel reach it. */
      AWS_LAMBDA_RUNTIME_API: z.optional(z.string()),
    }),
    env,
    ConfigError,
  );

/** The regional probe's environment; PROBE_REGION falls back to the Lambda's AWS_REGION. */
export const loadProbeEnv = (env: Env = process.env) =>
  parseOrThrow(
    z.object({
      ...ledgerFields(),
      /** Where the ledger table lives (the recorder stack's region). */
      LEDGER_REGION: z._default(z.string(), 'us-east-1'),
      /** This deployment's probe region (defaults to the Lambda's region). */
      PROBE_REGION: z.string({ error: 'is required (set PROBE_REGION or AWS_REGION)' }).check(z.minLength(1)),
      AWS_LAMBDA_RUNTIME_API: z.optional(z.string()),
      /** Milliseconds kept back so a round never runs into the Lambda timeout. */
      ROUND_BUDGET_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 12_000),
      PROBE_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.positive()), 8),
    }),
    { ...env, PROBE_REGION: env.PROBE_REGION ?? env.AWS_REGION },
    ConfigError,
  );

/** The promote-replica function's environment. */
export const loadPromoteEnv = (env: Env = process.env) =>
  parseOrThrow(z.object({ ...ledgerFields(), AWS_LAMBDA_RUNTIME_API: z.optional(z.string()) }), env, ConfigError);

/** The write-digest function's environment: the ledger, and the Object Lock bucket its digests go to. */
export const loadDigestEnv = (env: Env = process.env) =>
  parseOrThrow(
    z.object({
      ...ledgerFields(),
      DIGEST_BUCKET: z
        .string({ error: 'is required (the digest bucket name)' })
        .check(z.minLength(3, { error: 'is required (the digest bucket name, 3+ characters)' })),
    }),
    env,
    ConfigError,
  );
