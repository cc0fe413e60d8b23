import { setTimeout as delay } from 'node:timers/promises';
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, PromoteReadReplicaCommand, SwitchoverGlobalClusterCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { HookConfig } from '../config/schema.js';
import { R53FailoverError } from '../support/errors.js';
import { signWebhook, WEBHOOK_HEADERS } from '../notify/channels/webhook.js';
import { postJson, retryAfterMs } from '../net/http.js';
import { checkUrl, resolveChecked } from '../net/guard.js';

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

export type HookFence = { state: 'not-started'; detail: string } | { state: 'in-progress'; detail: string } | { state: 'done'; detail: string };

export interface HookTopology { newWriter: string; oldWriter: string; replicationSource?: string }

export interface HookExecutor {
  readonly type: HookConfig['type'];
  /** The exact call, for approvals, dry runs and the ledger. */
  describe(ctx: HookContext): string;
  /** The real-world state, read before acting (and on resume after a crash): a promotion in progress or done is not started again. */
  fence(): Promise<HookFence>;
  /** Starts (RDS: asynchronous) or performs (lambda/webhook: synchronous) the promotion. Throws HookError. */
  execute(ctx: HookContext, signal?: AbortSignal): Promise<{ status: 'started' | 'done'; detail: string }>;
  /** Follow-up status check (no waiting loops). */
  checkCompletion(): Promise<{ status: 'in-progress' | 'succeeded' | 'failed'; detail: string; topology?: HookTopology }>;
  /** Data-loss budget input: replication lag into the target region, seconds; undefined when there is no datapoint. */
  replicaLagSeconds?(now: Date): Promise<number | undefined>;
  /** The exact command an operator runs to fail back when ready (never run automatically). */
  failbackCommand?(): string;
}

export interface HookOptions {
  /** Reads a SecureString parameter (SSM); the webhook hook's secret. */
  secret?: (parameter: string) => Promise<string>;
  /** Clock in milliseconds since the epoch (webhook signature timestamps). */
  now?: () => number;
  /** Per-attempt timeout of a webhook request. */
  fetchTimeoutMs?: number;
  /** `AWS_LAMBDA_RUNTIME_API` (host:port): never a webhook target. */
  runtimeApi?: string;
  /** Waits between webhook attempts (tests record instead of waiting). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A promotion hook call failed. `recheckFence`: the real-world state may have moved, read `fence()` before anything else. */
export class HookError extends R53FailoverError {
  readonly retryable: boolean;
  readonly recheckFence: boolean;
  constructor(message: string, options: ErrorOptions & { retryable: boolean; recheckFence?: boolean }) {
    super(message, { cause: options.cause });
    this.name = 'HookError';
    this.retryable = options.retryable;
    this.recheckFence = options.recheckFence ?? false;
  }
}

/** `arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2` → region and resource name. */
const arnParts = (arn: string) => ({ region: arn.split(':')[3] ?? '', name: arn.split(':').slice(6).join(':') });

const clip = (s: string, n = 300) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 3)}...` : flat;
};

// RDS answers a throttled query call with `Throttling` (400); the JSON services say `ThrottlingException` / 429.
const RETRYABLE_NAMES = new Set([
  'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'EC2ThrottledException',
  'ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'ServiceException', 'ResourceConflictException',
  'ResourceNotReadyException', 'TimeoutError', 'RequestTimeout',
]);
// These say "the resource is not in a state for this": usually another failover/switchover/promotion is running or done.
const STATE_FAULTS = new Set(['InvalidGlobalClusterStateFault', 'InvalidDBClusterStateFault', 'InvalidDBInstanceStateFault']);

/** Maps an SDK error to a HookError; `mutating`: the request may have taken effect although it failed (read the fence first). */
export const classifyAwsError = (op: string, err: unknown, mutating: boolean): HookError => {
  const e = (err ?? {}) as { name?: unknown; message?: unknown; $fault?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
  const what = `${op} failed: ${name}${typeof e.message === 'string' && e.message ? `: ${clip(e.message)}` : ''}`;
  if (STATE_FAULTS.has(name)) {
    return new HookError(`${what} (not retried; re-check the fence: a failover, switchover or promotion may already be running or done)`, { cause: err, retryable: false, recheckFence: true });
  }
  const status = e.$metadata?.httpStatusCode;
  const retryable = RETRYABLE_NAMES.has(name) || Boolean(e.$retryable) || e.$fault === 'server' || status === 429 || (status !== undefined && status >= 500)
    // No fault and no HTTP status: the request never got an answer (connection reset, DNS, abort).
    || (e.$fault === undefined && status === undefined);
  return new HookError(what, { cause: err, retryable, recheckFence: mutating && retryable });
};

const send = async <T>(op: string, mutating: boolean, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (err) {
    throw classifyAwsError(op, err, mutating);
  }
};

interface LagQuery { id: string; metric: string; dimension: string; value: string; perSecond: number }

/** Maximum over the last 5 minutes of the first query that has datapoints; negative values (replication stopped) are not lag. */
const lagSeconds = async (cw: CloudWatchClient, now: Date, queries: LagQuery[]): Promise<number | undefined> => {
  const out = await send('cloudwatch:GetMetricData', false, () =>
    cw.send(new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - 5 * 60_000),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: queries.map((q) => ({
        Id: q.id,
        MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: q.metric, Dimensions: [{ Name: q.dimension, Value: q.value }] }, Period: 60, Stat: 'Maximum' },
        ReturnData: true,
      })),
    })));
  for (const q of queries) {
    const values = (out.MetricDataResults?.find((r) => r.Id === q.id)?.Values ?? []).filter((v) => v >= 0);
    if (values.length) return Math.max(...values) / q.perSecond;
  }
  return undefined;
};

const IN_FLIGHT = new Set(['pending', 'failing-over', 'switching-over', 'cancelling']);

const auroraGlobalHook = (hook: Extract<HookConfig, { type: 'aurora-global' }>, clients: HookClients): HookExecutor => {
  const id = hook.globalClusterId;
  const target = arnParts(hook.targetClusterArn);
  const primary = arnParts(hook.primaryClusterArn);
  const same = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();
  // Always the target's region: the primary region is the impaired one.
  const rds = () => clients.rds(target.region);

  const read = async () => {
    const out = await send('rds:DescribeGlobalClusters', false, () => rds().send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id })));
    const gc = out.GlobalClusters?.find((g) => same(g.GlobalClusterIdentifier, id));
    if (!gc) throw new HookError(`global cluster ${id} is not visible from ${target.region}`, { retryable: false });
    const members = gc.GlobalClusterMembers ?? [];
    const fs = gc.FailoverState?.Status ? gc.FailoverState : undefined;
    return {
      member: members.find((m) => same(m.DBClusterArn, hook.targetClusterArn)),
      writer: members.find((m) => m.IsWriter)?.DBClusterArn ?? 'none',
      members: members.map((m) => m.DBClusterArn).join(', ') || 'none',
      inFlight: fs && IN_FLIGHT.has(String(fs.Status))
        ? `global ${fs.IsDataLossAllowed ? 'failover' : 'switchover'} ${String(fs.Status)} from ${fs.FromDbClusterArn ?? '?'} to ${fs.ToDbClusterArn ?? '?'}`
        : undefined,
    };
  };

  return {
    type: 'aurora-global',
    describe: (ctx) =>
      ctx.reason === 'outage'
        ? `rds:FailoverGlobalCluster ${id} → ${hook.targetClusterArn} (AllowDataLoss, ${target.region} endpoint)`
        : `rds:SwitchoverGlobalCluster ${id} → ${hook.targetClusterArn} (no data loss, ${target.region} endpoint)`,
    async fence() {
      const s = await read();
      if (s.inFlight) return { state: 'in-progress', detail: s.inFlight };
      if (!s.member) throw new HookError(`${hook.targetClusterArn} is not a member of global cluster ${id} (members: ${s.members})`, { retryable: false });
      if (s.member.IsWriter) return { state: 'done', detail: `${target.name} is already the writer of ${id}` };
      return { state: 'not-started', detail: `writer of ${id} is ${s.writer}; no failover or switchover in progress` };
    },
    async execute(ctx, signal) {
      const opts = signal ? { abortSignal: signal } : {};
      const input = { GlobalClusterIdentifier: id, TargetDbClusterIdentifier: hook.targetClusterArn };
      const op = ctx.reason === 'outage' ? 'rds:FailoverGlobalCluster' : 'rds:SwitchoverGlobalCluster';
      const out = await send(op, true, () =>
        ctx.reason === 'outage'
          ? rds().send(new FailoverGlobalClusterCommand({ ...input, AllowDataLoss: true }), opts)
          : rds().send(new SwitchoverGlobalClusterCommand(input), opts));
      const status = out.GlobalCluster?.FailoverState?.Status ?? out.GlobalCluster?.Status ?? 'accepted';
      return { status: 'started', detail: `${op} ${id} → ${target.name} accepted in ${target.region} (${String(status)})` };
    },
    async checkCompletion() {
      const s = await read();
      if (!s.member) return { status: 'failed', detail: `${hook.targetClusterArn} is no longer a member of ${id} (members: ${s.members})` };
      if (s.inFlight) return { status: 'in-progress', detail: s.inFlight };
      if (s.member.IsWriter) {
        return { status: 'succeeded', detail: `${target.name} is the writer of ${id}`, topology: { newWriter: hook.targetClusterArn, oldWriter: hook.primaryClusterArn } };
      }
      return { status: 'failed', detail: `no failover or switchover in progress and ${target.name} is not the writer (writer: ${s.writer}): it failed or was cancelled (RDS-EVENT-0239, 0186, 0187)` };
    },
    // AuroraGlobalDBRPOLag is published by Aurora PostgreSQL only; AuroraGlobalDBReplicationLag (also ms) stands in for Aurora MySQL.
    replicaLagSeconds: (now) =>
      lagSeconds(clients.cloudwatch(target.region), now, [
        { id: 'rpo', metric: 'AuroraGlobalDBRPOLag', dimension: 'DBClusterIdentifier', value: target.name, perSecond: 1000 },
        { id: 'replication', metric: 'AuroraGlobalDBReplicationLag', dimension: 'DBClusterIdentifier', value: target.name, perSecond: 1000 },
      ]),
    failbackCommand: () =>
      `aws rds switchover-global-cluster --region ${primary.region} --global-cluster-identifier ${id} --target-db-cluster-identifier ${hook.primaryClusterArn}`,
  };
};

const FAILED_INSTANCE_STATUSES = new Set([
  'failed', 'incompatible-parameters', 'incompatible-network', 'incompatible-option-group', 'incompatible-restore', 'incompatible-credentials',
  'inaccessible-encryption-credentials', 'inaccessible-encryption-credentials-recoverable', 'restore-error', 'storage-full', 'deleting',
]);

const rdsReplicaHook = (hook: Extract<HookConfig, { type: 'rds-replica' }>, clients: HookClients): HookExecutor => {
  const replica = arnParts(hook.replicaInstanceArn);
  const rds = () => clients.rds(replica.region);
  // The source is only readable before promotion: remembered for the topology once seen.
  let source: string | undefined;
  const read = async () => {
    const out = await send('rds:DescribeDBInstances', false, () => rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: replica.name })));
    const db = out.DBInstances?.[0];
    if (!db) throw new HookError(`${replica.name} is not visible in ${replica.region}`, { retryable: false });
    const from = db.ReadReplicaSourceDBInstanceIdentifier;
    if (from) source = from;
    const status = db.DBInstanceStatus ?? 'unknown';
    return { from, status, standalone: !from && status === 'available' };
  };
  return {
    type: 'rds-replica',
    describe: () => `rds:PromoteReadReplica ${replica.name} (${replica.region} endpoint; one-way: the replica stops replicating and cannot be re-attached)`,
    async fence() {
      const s = await read();
      if (s.standalone) return { state: 'done', detail: `${replica.name} is a stand-alone instance (available)` };
      if (s.from && s.status === 'available') return { state: 'not-started', detail: `${replica.name} replicates from ${s.from}` };
      return { state: 'in-progress', detail: `${replica.name} is ${s.status}${s.from ? ` (source ${s.from})` : ' (no replication source)'}` };
    },
    async execute(_ctx, signal) {
      const out = await send('rds:PromoteReadReplica', true, () =>
        rds().send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: replica.name }), signal ? { abortSignal: signal } : {}));
      source = out.DBInstance?.ReadReplicaSourceDBInstanceIdentifier ?? source;
      return { status: 'started', detail: `rds:PromoteReadReplica ${replica.name} accepted in ${replica.region} (${out.DBInstance?.DBInstanceStatus ?? 'accepted'})` };
    },
    async checkCompletion() {
      const s = await read();
      if (s.standalone) {
        return { status: 'succeeded', detail: `${replica.name} is a stand-alone instance (available)`, topology: { newWriter: hook.replicaInstanceArn, oldWriter: source ?? 'unknown (the source was not seen before promotion)' } };
      }
      if (FAILED_INSTANCE_STATUSES.has(s.status)) return { status: 'failed', detail: `${replica.name} is ${s.status}` };
      return { status: 'in-progress', detail: `${replica.name} is ${s.status}${s.from ? ` (source ${s.from})` : ''}` };
    },
    replicaLagSeconds: (now) =>
      lagSeconds(clients.cloudwatch(replica.region), now, [{ id: 'lag', metric: 'ReplicaLag', dimension: 'DBInstanceIdentifier', value: replica.name, perSecond: 1 }]),
    failbackCommand: () => [
      `# PromoteReadReplica is one-way: ${replica.name} cannot be switched back into a replica. To fail back when the primary region is healthy:`,
      `# 1. Create a replica of it in the primary region: aws rds create-db-instance-read-replica --region <primary-region> --db-instance-identifier <new-id> --source-db-instance-identifier ${hook.replicaInstanceArn} [--db-subnet-group-name … --kms-key-id …]`,
      '# 2. Wait until its ReplicaLag is near 0, then stop writes to the application.',
      '# 3. Promote it: aws rds promote-read-replica --region <primary-region> --db-instance-identifier <new-id>',
      `# 4. Point the application and this hook's replicaInstanceArn at the new layout, and rebuild a replica in ${replica.region}.`,
    ].join('\n'),
  };
};

const payloadOf = (ctx: HookContext) => ({ promotionId: ctx.promotionId, group: ctx.group, episode: ctx.episode, reason: ctx.reason, event: ctx.event });

/** fence/checkCompletion of a synchronous hook: nothing outside can be read, so the receiver dedupes on promotionId. */
const syncState = (what: string) => {
  let outcome: { ok: boolean; detail: string } | undefined;
  return {
    fence: async (): Promise<HookFence> => ({ state: 'not-started', detail: `${what} has no readable state: it runs on every execute and must be idempotent on promotionId` }),
    checkCompletion: async () =>
      outcome ? { status: outcome.ok ? ('succeeded' as const) : ('failed' as const), detail: outcome.detail } : { status: 'in-progress' as const, detail: `${what} has not run in this process` },
    record: async <T extends { detail: string }>(run: () => Promise<T>): Promise<T> => {
      try {
        const result = await run();
        outcome = { ok: true, detail: result.detail };
        return result;
      } catch (err) {
        outcome = { ok: false, detail: (err as Error).message };
        throw err;
      }
    },
  };
};

const lambdaHook = (hook: Extract<HookConfig, { type: 'lambda' }>, clients: HookClients): HookExecutor => {
  const fn = arnParts(hook.functionArn);
  const state = syncState(`lambda ${fn.name}`);
  return {
    type: 'lambda',
    describe: () => `lambda:Invoke ${hook.functionArn} (RequestResponse, ${fn.region} endpoint; payload {promotionId, group, episode, reason, event}; the function must be idempotent on promotionId)`,
    fence: state.fence,
    checkCompletion: state.checkCompletion,
    execute: (ctx, signal) =>
      state.record(async () => {
        const out = await send('lambda:Invoke', true, () =>
          clients.lambda(fn.region).send(
            new InvokeCommand({ FunctionName: hook.functionArn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payloadOf(ctx))) }),
            signal ? { abortSignal: signal } : {},
          ));
        const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
        if (out.FunctionError) {
          let why = clip(text);
          try {
            const e = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
            if (typeof e.errorMessage === 'string') why = clip(`${typeof e.errorType === 'string' ? `${e.errorType}: ` : ''}${e.errorMessage}`);
          } catch {
            // A non-JSON error payload (a runtime crash) is reported as text.
          }
          throw new HookError(`lambda ${fn.name} failed (${out.FunctionError}): ${why || 'no error payload'}`, { retryable: false });
        }
        return { status: 'done' as const, detail: `lambda ${fn.name} returned ${out.StatusCode ?? '?'}${out.ExecutedVersion ? ` (version ${out.ExecutedVersion})` : ''}${text ? `: ${clip(text, 200)}` : ''}` };
      }),
  };
};

const WEBHOOK_ATTEMPTS = 3;
const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_WAIT_MS = 30_000;

const webhookHook = (hook: Extract<HookConfig, { type: 'webhook' }>, opts: HookOptions): HookExecutor => {
  // The URL may embed a token: only its origin appears in descriptions and errors (the schema guarantees a URL).
  const origin = URL.canParse(hook.url) ? new URL(hook.url).origin : 'an invalid URL';
  const state = syncState(`webhook ${origin}`);
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}));

  const secret = async (): Promise<string> => {
    if (hook.secretSsmParameter && opts.secret) {
      try {
        return await opts.secret(hook.secretSsmParameter);
      } catch (err) {
        throw new HookError(`webhook secret: reading ${hook.secretSsmParameter} failed (${(err as Error)?.name ?? 'Error'})`, { cause: err, retryable: true });
      }
    }
    if (hook.secret) return hook.secret;
    throw new HookError('webhook hook has no secret: set secretSsmParameter (deployed) or secret (local runs)', { retryable: false });
  };

  /** One guarded, signed POST: resolves on 2xx, returns a retry reason, or throws a non-retryable HookError. */
  const attempt = async (body: string, ctx: HookContext, key: string, signal?: AbortSignal): Promise<{ ok: true; status: number } | { ok: false; reason: string; waitMs?: number }> => {
    const parsed = checkUrl(hook.url);
    if (!parsed.ok) throw new HookError(`webhook ${parsed.reason}`, { retryable: false });
    const port = Number(parsed.url.port) || (parsed.url.protocol === 'https:' ? 443 : 80);
    const checked = await resolveChecked(parsed.url.hostname, port, { allowPrivateTargets: hook.allowPrivateTargets, ...(opts.runtimeApi ? { runtimeApi: opts.runtimeApi } : {}) });
    if (!checked.ok) {
      if (checked.error.name === 'TargetRefusedError') throw new HookError(`webhook ${checked.error.message}`, { cause: checked.error, retryable: false });
      return { ok: false, reason: `DNS: ${checked.error.message.split(' ')[0] ?? 'lookup failed'}` };
    }
    const ts = Math.floor(now() / 1000);
    const headers = {
      [WEBHOOK_HEADERS.timestamp]: String(ts),
      [WEBHOOK_HEADERS.signature]: signWebhook(key, ts, body),
      [WEBHOOK_HEADERS.id]: ctx.promotionId,
      [WEBHOOK_HEADERS.event]: 'promotion',
      'User-Agent': 'r53-failover',
    };
    const timeout = AbortSignal.timeout(opts.fetchTimeoutMs ?? WEBHOOK_TIMEOUT_MS);
    let res;
    try {
      res = await postJson(hook.url, body, headers, signal ? AbortSignal.any([signal, timeout]) : timeout);
    } catch (err) {
      if (signal?.aborted) throw new HookError('webhook request aborted by the caller', { cause: err, retryable: true, recheckFence: true });
      const e = err as { name?: string; cause?: { code?: string } };
      // Never the URL: fetch errors can carry it.
      return { ok: false, reason: e?.name === 'TimeoutError' ? 'timed out' : `network error${e?.cause?.code ? ` (${e.cause.code})` : ''}` };
    }
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    // The body is not echoed: receivers are third parties and may reflect anything back.
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      const waitMs = retryAfterMs(res.headers.get('retry-after'), now());
      return waitMs === undefined ? { ok: false, reason: `answered ${res.status}` } : { ok: false, reason: `answered ${res.status}`, waitMs };
    }
    const note = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
    throw new HookError(`webhook ${origin} answered ${res.status}${note}`, { retryable: false });
  };

  return {
    type: 'webhook',
    describe: (ctx) => `webhook:POST ${origin} (signed r53-failover.promotion, ${WEBHOOK_HEADERS.id}: ${ctx.promotionId}; the receiver must be idempotent on it)`,
    fence: state.fence,
    checkCompletion: state.checkCompletion,
    execute: (ctx, signal) =>
      state.record(async () => {
        const key = await secret();
        const body = JSON.stringify({ version: 1, type: 'r53-failover.promotion', ...payloadOf(ctx) });
        let reason = '';
        for (let n = 1; n <= WEBHOOK_ATTEMPTS; n++) {
          const r = await attempt(body, ctx, key, signal);
          if (r.ok) return { status: 'done' as const, detail: `webhook ${origin} answered ${r.status} (attempt ${n})` };
          reason = r.reason;
          if (n === WEBHOOK_ATTEMPTS) break;
          try {
            await sleep(Math.min(r.waitMs ?? 1000 * 2 ** (n - 1), MAX_WAIT_MS), signal);
          } catch (err) {
            throw new HookError(`webhook ${origin} retry abandoned: aborted by the caller after ${reason}`, { cause: err, retryable: true, recheckFence: true });
          }
        }
        throw new HookError(`webhook ${origin} failed after ${WEBHOOK_ATTEMPTS} attempts: ${reason}`, { retryable: true, recheckFence: true });
      }),
  };
};

/** The executor for one configured promotion hook. */
export const makeHook = (hook: HookConfig, clients: HookClients, opts: HookOptions = {}): HookExecutor => {
  switch (hook.type) {
    case 'aurora-global':
      return auroraGlobalHook(hook, clients);
    case 'rds-replica':
      return rdsReplicaHook(hook, clients);
    case 'lambda':
      return lambdaHook(hook, clients);
    case 'webhook':
      return webhookHook(hook, opts);
  }
};
