// The shared contract of promotion hooks: the executor interface, its context, clients and options, and HookError.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { HookConfig } from '../../config/schema.js';
import type { Resolve } from '../../net/guard.js';
import { R53FailoverError } from '../../support/errors.js';

export interface HookClients {
  rds(region: string): RDSClient;
  lambda(region: string): LambdaClient;
  cloudwatch(region: string): CloudWatchClient;
}

export interface HookContext {
  promotionId: string;
  group: string;
  episode: number;
  /** 'outage' = the primary region is impaired (ungraceful); 'planned' = switchover. */
  reason: 'outage' | 'planned';
  /** The group event payload passed to lambda/webhook hooks. */
  event: Record<string, unknown>;
}

export type HookFence =
  | { state: 'not-started'; detail: string }
  | { state: 'in-progress'; detail: string }
  | { state: 'done'; detail: string };

export interface HookTopology {
  newWriter: string;
  oldWriter: string;
  replicationSource?: string;
}

export interface HookExecutor {
  readonly type: HookConfig['type'];
  /** The exact call, for approvals, dry runs and the ledger. */
  describe(ctx: HookContext): string;
  /** The real-world state, read before acting (and on resume after a crash): a promotion in progress or done is not started again. */
  fence(): Promise<HookFence>;
  /** Starts (RDS: asynchronous) or performs (lambda/webhook: synchronous) the promotion. Throws HookError. */
  execute(ctx: HookContext, signal?: AbortSignal): Promise<{ status: 'started' | 'done'; detail: string }>;
  /** Follow-up status check (no waiting loops). */
  checkCompletion(): Promise<{
    status: 'in-progress' | 'succeeded' | 'failed';
    detail: string;
    topology?: HookTopology;
  }>;
  /** Data-loss budget input: replication lag into the target region, seconds; undefined when there is no datapoint. */
  replicaLagSeconds?(now: Date): Promise<number | undefined>;
  /** The exact command an operator runs to fail back when ready (never run automatically). */
  failbackCommand?(): string;
}

export interface HookOptions {
  /** Reads a SecureString parameter (SSM): the webhook hook's secret and, with `urlSsmParameter`, its URL. */
  secret?: (parameter: string) => Promise<string>;
  /** Clock in milliseconds since the epoch (webhook signature timestamps). */
  now?: () => number;
  /** Per-attempt timeout of a webhook request. */
  fetchTimeoutMs?: number;
  /** `AWS_LAMBDA_RUNTIME_API` (host:port): never a webhook target. */
  runtimeApi?: string;
  /** Resolves host names for the SSRF guard (default: the system resolver); tests inject one. */
  resolve?: Resolve;
  /** Waits between webhook attempts (tests record instead of waiting). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A promotion hook call failed. `recheckFence`: the real-world state may have moved, read `fence()` before anything else. */
export class HookError extends R53FailoverError {
  override readonly name: string = 'HookError';
  readonly retryable: boolean;
  readonly recheckFence: boolean;
  constructor(message: string, options: ErrorOptions & { retryable: boolean; recheckFence?: boolean }) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
    this.recheckFence = options.recheckFence ?? false;
  }
}
