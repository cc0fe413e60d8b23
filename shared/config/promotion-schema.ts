import * as z from 'zod/mini';
import { show } from '../support/values.js';
import type { FieldSchemas } from './fields.js';

/** `promotion.maxAttempts` when a group leaves it out. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** `failover.yml` promotion: the mode, guardrails, attempts and hooks of a group's database promotion. */
export const promotionSchema = ({
  HttpUrlSchema,
  SsmParameterNameSchema,
  ClusterArnSchema,
  InstanceArnSchema,
  FunctionArnSchema,
}: FieldSchemas) => {
  const HookSchema = z.discriminatedUnion(
    'type',
    [
      z.strictObject({
        type: z.literal('aurora-global'),
        /** The global database identifier (not an ARN): `orders-global`. */
        globalClusterId: z.string().check(
          z.regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, {
            error: (i) => `expected a global cluster identifier like orders-global, got ${show(i.input)}`,
          }),
        ),
        /** The secondary region's cluster: the one that becomes the writer. */
        targetClusterArn: ClusterArnSchema,
        /** The primary region's cluster: named in the failback (switchover) command. */
        primaryClusterArn: ClusterArnSchema,
      }),
      z.strictObject({
        type: z.literal('rds-replica'),
        /** The cross-region read replica in the secondary region; PromoteReadReplica is one-way. */
        replicaInstanceArn: InstanceArnSchema,
      }),
      z.strictObject({ type: z.literal('lambda'), functionArn: FunctionArnSchema }),
      z.strictObject({
        type: z.literal('webhook'),
        /** A URL without a token (shipped to Lambda); one with a token goes in SSM: `urlSsmParameter`. */
        url: z.optional(HttpUrlSchema),
        urlSsmParameter: z.optional(SsmParameterNameSchema),
        secret: z.optional(z.string().check(z.minLength(16, { error: 'expected a secret of at least 16 characters' }))),
        secretSsmParameter: z.optional(SsmParameterNameSchema),
        allowPrivateTargets: z._default(z.boolean(), false),
      }),
    ],
    {
      error: (i) =>
        `expected a hook with type aurora-global, rds-replica, lambda or webhook, got ${show((i.input as { type?: unknown })?.type)}`,
    },
  );

  const PromotionSchema = z.strictObject({
    /** auto: act after the guardrails; approve (default): ask and wait for `r53-failover promote approve`; dry-run: record and notify only. */
    mode: z._default(
      z.enum(['auto', 'approve', 'dry-run'], {
        error: (i) => `expected auto, approve or dry-run, got ${show(i.input)}`,
      }),
      'approve',
    ),
    /** The group must stay FAILED_OVER this long before anything is promoted. */
    holdDownSeconds: z._default(z.number().check(z.int(), z.nonnegative()), 120),
    /** With probes configured, their quorum must also say the primary is down. */
    requireProbeQuorum: z._default(z.boolean(), true),
    /** An approval request expires after this long. */
    approvalTimeoutMinutes: z._default(z.number().check(z.int(), z.positive()), 30),
    /** Replica lag (seconds) above which an ungraceful promotion needs approval even in auto mode. */
    maxReplicaLagSeconds: z._default(z.number().check(z.nonnegative()), 60),
    /** Attempts of each hook call (a retryable error, or a call the run's time budget cut short) before PROMOTION_FAILED. */
    maxAttempts: z._default(
      z
        .number()
        .check(
          z.int(),
          z.gte(1, { error: (i) => `expected 1 to 20 attempts, got ${show(i.input)}` }),
          z.lte(20, { error: (i) => `expected 1 to 20 attempts, got ${show(i.input)}` }),
        ),
      DEFAULT_MAX_ATTEMPTS,
    ),
    hooks: z.array(HookSchema).check(z.minLength(1, { error: 'expected at least one hook' })),
  });

  return PromotionSchema;
};
