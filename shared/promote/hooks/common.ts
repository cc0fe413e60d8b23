// Helpers shared by the hook types: ARN parsing, AWS error classification, replication-lag reads and the state of synchronous hooks.
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { clip } from '../../support/text.js';
import { HookError, type HookContext, type HookFence } from './types.js';

/** `arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2` → region and resource name. */
export const arnParts = (arn: string) => ({ region: arn.split(':')[3] ?? '', name: arn.split(':').slice(6).join(':') });

/** An error text from a hook's answer on one line, at most `n` characters. */
export const oneLine = (s: string, n = 300) => clip(s.replace(/\s+/g, ' ').trim(), n);

// RDS answers a throttled query call with `Throttling` (400); the JSON services say `ThrottlingException` / 429.
const RETRYABLE_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'EC2ThrottledException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'ServiceException',
  'ResourceConflictException',
  'ResourceNotReadyException',
  'TimeoutError',
  'RequestTimeout',
]);
// These say "the resource is not in a state for this": usually another failover/switchover/promotion is running or done.
const STATE_FAULTS = new Set([
  'InvalidGlobalClusterStateFault',
  'InvalidDBClusterStateFault',
  'InvalidDBInstanceStateFault',
]);

/** Maps an SDK error to a HookError; `mutating`: the request may have taken effect although it failed (read the fence first). */
export const classifyAwsError = (op: string, err: unknown, mutating: boolean): HookError => {
  const e = (err ?? {}) as {
    name?: unknown;
    message?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
  const what = `${op} failed: ${name}${typeof e.message === 'string' && e.message ? `: ${oneLine(e.message)}` : ''}`;
  if (STATE_FAULTS.has(name)) {
    return new HookError(
      `${what} (not retried; re-check the fence: a failover, switchover or promotion may already be running or done)`,
      { cause: err, retryable: false, recheckFence: true },
    );
  }
  const status = e.$metadata?.httpStatusCode;
  const retryable =
    RETRYABLE_NAMES.has(name) ||
    Boolean(e.$retryable) ||
    e.$fault === 'server' ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    // No fault and no HTTP status: the request never got an answer (connection reset, DNS, abort).
    (e.$fault === undefined && status === undefined);
  return new HookError(what, { cause: err, retryable, recheckFence: mutating && retryable });
};

export const send = async <T>(op: string, mutating: boolean, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (err) {
    throw classifyAwsError(op, err, mutating);
  }
};

interface LagQuery {
  id: string;
  metric: string;
  dimension: string;
  value: string;
  perSecond: number;
}

/** Maximum over the last 5 minutes of the first query that has datapoints; negative values (replication stopped) are not lag. */
export const lagSeconds = async (cw: CloudWatchClient, now: Date, queries: LagQuery[]): Promise<number | undefined> => {
  const out = await send('cloudwatch:GetMetricData', false, () =>
    cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 5 * 60_000),
        EndTime: now,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: queries.map((q) => ({
          Id: q.id,
          MetricStat: {
            Metric: { Namespace: 'AWS/RDS', MetricName: q.metric, Dimensions: [{ Name: q.dimension, Value: q.value }] },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        })),
      }),
    ),
  );
  for (const q of queries) {
    const values = (out.MetricDataResults?.find((r) => r.Id === q.id)?.Values ?? []).filter((v) => v >= 0);
    if (values.length) return Math.max(...values) / q.perSecond;
  }
  return undefined;
};

export const payloadOf = (ctx: HookContext) => ({
  promotionId: ctx.promotionId,
  group: ctx.group,
  episode: ctx.episode,
  reason: ctx.reason,
  event: ctx.event,
});

/** fence/checkCompletion of a synchronous hook: nothing outside can be read, so the receiver dedupes on promotionId. */
export const syncState = (what: string) => {
  let outcome: { ok: boolean; detail: string } | undefined;
  return {
    fence: async (): Promise<HookFence> => ({
      state: 'not-started',
      detail: `${what} has no readable state: it runs on every execute and must be idempotent on promotionId`,
    }),
    checkCompletion: async () =>
      outcome
        ? { status: outcome.ok ? ('succeeded' as const) : ('failed' as const), detail: outcome.detail }
        : { status: 'in-progress' as const, detail: `${what} has not run in this process` },
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
