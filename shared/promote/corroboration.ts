// Mode auto's independent signal that the primary is down. A FAILED_OVER is one message (it may be forged, replayed or
// stale); before any hook is called without an approval, the probe quorum or Route 53's own HealthCheckStatus, read
// back from CloudWatch, must agree.
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ROUTE53_METRICS_REGION } from '../core/alarm-origin.js';
import type { Quorum } from '../core/probe-verdicts.js';
import { callBudgetMs, within } from './budget.js';
import { send } from './hooks/common.js';
import type { PromoterDeps } from './lifecycle.js';

/**
 * Route 53 publishes health check metrics to CloudWatch in us-east-1 only (ROUTE53_METRICS_REGION), one datapoint a
 * minute; HealthCheckStatus 1 means healthy and 0 unhealthy ("Monitoring health checks using CloudWatch", Amazon
 * Route 53 Developer Guide, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html).
 */
const WINDOW_MINUTES = 3;

export type Corroboration =
  | { verdict: 'down'; evidence: string }
  | { verdict: 'healthy'; reason: string }
  | { verdict: 'unknown'; reason: string };

/** The latest per-minute Minimum of HealthCheckStatus in the last 3 minutes; undefined when there is none. */
export const readHealthCheckStatus = async (
  cw: CloudWatchClient,
  healthCheckId: string,
  now: Date,
  signal?: AbortSignal,
): Promise<{ value: number; at: Date } | undefined> => {
  const out = await send('cloudwatch:GetMetricData', false, () =>
    cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - WINDOW_MINUTES * 60_000),
        EndTime: now,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'status',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Route53',
                MetricName: 'HealthCheckStatus',
                Dimensions: [{ Name: 'HealthCheckId', Value: healthCheckId }],
              },
              Period: 60,
              Stat: 'Minimum',
            },
            ReturnData: true,
          },
        ],
      }),
      signal ? { abortSignal: signal } : {},
    ),
  );
  const r = out.MetricDataResults?.find((x) => x.Id === 'status');
  const points = (r?.Values ?? []).flatMap((value, i) => {
    const at = r?.Timestamps?.[i];
    return at ? [{ value, at: new Date(at) }] : [];
  });
  return points.sort((a, b) => b.at.getTime() - a.at.getTime())[0];
};

/** What Route 53's own metric says about the primary: unhealthy corroborates, healthy refutes, no data or an error neither. */
export const corroborateByHealthCheck = async (deps: PromoterDeps, healthCheckId: string): Promise<Corroboration> => {
  const where = `CloudWatch, ${ROUTE53_METRICS_REGION}`;
  let reading: Awaited<ReturnType<typeof readHealthCheckStatus>>;
  try {
    reading = await within(callBudgetMs(deps.budgetMs), `reading HealthCheckStatus of ${healthCheckId}`, (signal) =>
      readHealthCheckStatus(deps.cloudwatch(), healthCheckId, deps.now(), signal),
    );
  } catch (err) {
    deps.log.warn('could not read HealthCheckStatus', { healthCheckId, error: err });
    return {
      verdict: 'unknown',
      reason: `reading HealthCheckStatus of ${healthCheckId} from CloudWatch in ${ROUTE53_METRICS_REGION} failed (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  if (!reading)
    return {
      verdict: 'unknown',
      reason: `HealthCheckStatus of ${healthCheckId} has no datapoints (${where}) in the last ${WINDOW_MINUTES} minutes`,
    };
  const at = reading.at.toISOString();
  if (reading.value <= 0)
    return {
      verdict: 'down',
      evidence: `HealthCheckStatus of ${healthCheckId} reads unhealthy (Minimum ${reading.value} at ${at} in ${where})`,
    };
  return {
    verdict: 'healthy',
    reason: `HealthCheckStatus of ${healthCheckId} reads healthy: the event may be forged or stale (Minimum ${reading.value} at ${at} in ${where}). Nothing was called.`,
  };
};

/** The probe quorum when probes watch the primary and say DOWN; otherwise the primary's HealthCheckStatus. */
export const corroborate = async (
  deps: PromoterDeps,
  group: string,
  quorum: Quorum | undefined,
): Promise<Corroboration> => {
  if (quorum === 'DOWN') return { verdict: 'down', evidence: 'the probe quorum says the primary is DOWN' };
  const primary = deps.config.groups[group]?.primary;
  if (!primary) return { verdict: 'unknown', reason: `group ${group} is not in the config` };
  if (!primary.healthCheckId)
    return { verdict: 'unknown', reason: `the primary of ${group} has no health check to read a second signal from` };
  const c = await corroborateByHealthCheck(deps, primary.healthCheckId);
  return quorum === undefined || c.verdict === 'down' ? c : { ...c, reason: `${c.reason}; probes: ${quorum}` };
};
