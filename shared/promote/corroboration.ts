// Mode auto's independent signal that the primary is down. A FAILED_OVER is one message (it may be forged, replayed or
// stale); before any hook is called without an approval, the probe quorum or the primary's own metric, read back from
// CloudWatch, must agree: Route 53's HealthCheckStatus, or for a target-health primary its target groups'
// HealthyHostCount in its region.
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  elbNamespaceOf,
  type HealthBasis,
  healthBasisOf,
  loadBalancerDimension,
  targetGroupDimension,
} from '../config/lookups.js';
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

interface MinimumQuery {
  id: string;
  namespace: string;
  metric: string;
  dimensions: { Name: string; Value: string }[];
}
type Reading = { value: number; at: Date };

/** The latest per-minute Minimum of each query in the last 3 minutes, by query id; an id without datapoints is absent. */
const readLatestMinimum = async (
  cw: CloudWatchClient,
  queries: MinimumQuery[],
  now: Date,
  signal?: AbortSignal,
): Promise<Map<string, Reading>> => {
  const out = await send('cloudwatch:GetMetricData', false, () =>
    cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - WINDOW_MINUTES * 60_000),
        EndTime: now,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: queries.map((q) => ({
          Id: q.id,
          MetricStat: {
            Metric: { Namespace: q.namespace, MetricName: q.metric, Dimensions: q.dimensions },
            Period: 60,
            Stat: 'Minimum',
          },
          ReturnData: true,
        })),
      }),
      signal ? { abortSignal: signal } : {},
    ),
  );
  const latest = new Map<string, Reading>();
  for (const r of out.MetricDataResults ?? []) {
    const points = (r.Values ?? []).flatMap((value, i) => {
      const at = r.Timestamps?.[i];
      return at ? [{ value, at: new Date(at) }] : [];
    });
    const newest = points.sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    if (r.Id && newest) latest.set(r.Id, newest);
  }
  return latest;
};

/** The latest per-minute Minimum of HealthCheckStatus in the last 3 minutes; undefined when there is none. */
export const readHealthCheckStatus = async (
  cw: CloudWatchClient,
  healthCheckId: string,
  now: Date,
  signal?: AbortSignal,
): Promise<Reading | undefined> =>
  (
    await readLatestMinimum(
      cw,
      [
        {
          id: 'status',
          namespace: 'AWS/Route53',
          metric: 'HealthCheckStatus',
          dimensions: [{ Name: 'HealthCheckId', Value: healthCheckId }],
        },
      ],
      now,
      signal,
    )
  ).get('status');

/** What Route 53's own metric says about the primary: unhealthy corroborates, healthy refutes, no data or an error neither. */
export const corroborateByHealthCheck = async (deps: PromoterDeps, healthCheckId: string): Promise<Corroboration> => {
  const where = `CloudWatch, ${ROUTE53_METRICS_REGION}`;
  let reading: Reading | undefined;
  try {
    reading = await within(callBudgetMs(deps.budgetMs), `reading HealthCheckStatus of ${healthCheckId}`, (signal) =>
      readHealthCheckStatus(deps.cloudwatch(ROUTE53_METRICS_REGION), healthCheckId, deps.now(), signal),
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

/**
 * What the load balancer's own metric says about a target-health primary: `HealthyHostCount` Minimum per target group,
 * read in the member's region with the dimensions the target-group alarm uses (TargetGroup and LoadBalancer; the
 * namespace follows the load balancer type). Route 53 counts the alias unhealthy when any target group has no healthy
 * target, so one target group at 0 corroborates; every one at 1 or more refutes. Without `loadBalancerArn` the metric
 * cannot be named by its dimensions: no second signal, so auto-promotion needs probes or an approval.
 */
export const corroborateByTargetHealth = async (
  deps: PromoterDeps,
  region: string,
  basis: Extract<HealthBasis, { kind: 'target-health' }>,
): Promise<Corroboration> => {
  if (!basis.loadBalancerArn)
    return {
      verdict: 'unknown',
      reason: `the primary's target groups have no loadBalancerArn in failover.yml, so their HealthyHostCount cannot be read as a second signal`,
    };
  const loadBalancer = loadBalancerDimension(basis.loadBalancerArn);
  const namespace = elbNamespaceOf(loadBalancer);
  const targetGroups = basis.targetGroupArns.map(targetGroupDimension);
  const where = `CloudWatch, ${region}`;
  let readings: Map<string, Reading>;
  try {
    readings = await within(callBudgetMs(deps.budgetMs), `reading HealthyHostCount in ${region}`, (signal) =>
      readLatestMinimum(
        deps.cloudwatch(region),
        targetGroups.map((tg, i) => ({
          id: `tg${i}`,
          namespace,
          metric: 'HealthyHostCount',
          dimensions: [
            { Name: 'TargetGroup', Value: tg },
            { Name: 'LoadBalancer', Value: loadBalancer },
          ],
        })),
        deps.now(),
        signal,
      ),
    );
  } catch (err) {
    deps.log.warn('could not read HealthyHostCount', { region, targetGroups, error: err });
    return {
      verdict: 'unknown',
      reason: `reading HealthyHostCount of ${targetGroups.join(', ')} from CloudWatch in ${region} failed (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  const read = targetGroups.map((tg, i) => ({ tg, r: readings.get(`tg${i}`) }));
  const down = read.find((x) => x.r && x.r.value < 1);
  if (down?.r)
    return {
      verdict: 'down',
      evidence: `${namespace} HealthyHostCount of ${down.tg} reads ${down.r.value} (Minimum at ${down.r.at.toISOString()} in ${where}): no healthy target`,
    };
  const missing = read.filter((x) => !x.r).map((x) => x.tg);
  if (missing.length)
    return {
      verdict: 'unknown',
      reason: `${namespace} HealthyHostCount of ${missing.join(', ')} has no datapoints (${where}) in the last ${WINDOW_MINUTES} minutes`,
    };
  return {
    verdict: 'healthy',
    reason: `${namespace} HealthyHostCount of every target group of the primary reads 1 or more (${where}): the event may be forged or stale. Nothing was called.`,
  };
};

/** The probe quorum when probes watch the primary and say DOWN; otherwise the primary's own metric, per health basis. */
export const corroborate = async (
  deps: PromoterDeps,
  group: string,
  quorum: Quorum | undefined,
): Promise<Corroboration> => {
  if (quorum === 'DOWN') return { verdict: 'down', evidence: 'the probe quorum says the primary is DOWN' };
  const primary = deps.config.groups[group]?.primary;
  if (!primary) return { verdict: 'unknown', reason: `group ${group} is not in the config` };
  const basis = healthBasisOf(primary);
  const c =
    basis.kind === 'health-check'
      ? await corroborateByHealthCheck(deps, basis.healthCheckId)
      : basis.kind === 'target-health'
        ? await corroborateByTargetHealth(deps, primary.region, basis)
        : // Route 53 treats a primary without a health check as always healthy: it never fails over by itself.
          {
            verdict: 'unknown' as const,
            reason: `the primary of ${group} has no health check (healthCheck: none) to read`,
          };
  return quorum === undefined || c.verdict === 'down' ? c : { ...c, reason: `${c.reason}; probes: ${quorum}` };
};
