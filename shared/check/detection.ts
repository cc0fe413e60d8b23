import {
  type Detection,
  ELB_DEFAULT_INTERVAL,
  ELB_DEFAULT_UNHEALTHY_THRESHOLD,
  endpointCheckDetection,
  metricCheckDetection,
  ROUTE53_DEFAULT_FAILURE_THRESHOLD,
  ROUTE53_DEFAULT_REQUEST_INTERVAL,
  targetHealthDetection,
} from '../core/detection-time.js';
import { classifyAliasTarget } from './alias-zones.js';
import { recordLabel, type CheckInput, type DetectionRow, type Finding, type RecordSet } from './findings.js';

/** Health check types Route 53 runs against an endpoint every RequestInterval. */
const ENDPOINT_TYPES = new Set(['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP']);

/** An alias to an ALB/NLB: the load balancer's target health checks are what Evaluate Target Health reads. */
const isLoadBalancer = (dnsName: string) => {
  const t = classifyAliasTarget(dnsName);
  return t.kind === 'service' && (t.service === 'elb' || t.service === 'nlb');
};

type Estimate = Pick<DetectionRow, 'healthCheckType' | 'intervalSeconds' | 'threshold' | 'assumed'> & {
  detection?: Detection;
  note?: string;
};

/** The model's inputs for a health check: read from Route 53 when live, else Route 53's defaults (assumed). */
const healthCheckEstimate = (input: CheckInput, id: string): Estimate => {
  const hc = input.healthChecks?.get(id);
  const type = hc?.exists ? hc.type : undefined;
  const typed = type ? { healthCheckType: type } : {};
  if (type === 'CLOUDWATCH_METRIC') {
    const period = hc?.alarmPeriod ?? 60;
    const periods = hc?.alarmEvaluationPeriods ?? 1;
    return {
      ...typed,
      intervalSeconds: period,
      threshold: periods,
      assumed: hc?.alarmPeriod === undefined,
      detection: metricCheckDetection(period, periods),
      note: 'a CloudWatch alarm health check: Route 53 follows the alarm it watches, then our alarm follows Route 53',
    };
  }
  const known = hc?.exists && type && ENDPOINT_TYPES.has(type) ? hc : undefined;
  const interval = known?.requestInterval ?? ROUTE53_DEFAULT_REQUEST_INTERVAL;
  const threshold = known?.failureThreshold ?? ROUTE53_DEFAULT_FAILURE_THRESHOLD;
  return {
    ...typed,
    intervalSeconds: interval,
    threshold,
    assumed: !known,
    detection: endpointCheckDetection(interval, threshold),
    ...(type === 'CALCULATED'
      ? {
          note: `a calculated health check: its status follows its ${hc?.childCount ?? ''} child health checks (their timing assumed here)`,
        }
      : {}),
  };
};

const estimateFor = (input: CheckInput, r: RecordSet): Estimate & { basis: DetectionRow['basis'] } => {
  if (r.healthCheckId) return { basis: 'health-check', ...healthCheckEstimate(input, r.healthCheckId) };
  if (r.targetHealth || r.alias?.evaluateTargetHealth) {
    if (r.targetHealth || (r.alias && isLoadBalancer(r.alias.dnsName)))
      return {
        basis: 'target-health',
        intervalSeconds: ELB_DEFAULT_INTERVAL,
        threshold: ELB_DEFAULT_UNHEALTHY_THRESHOLD,
        assumed: true,
        detection: targetHealthDetection(ELB_DEFAULT_INTERVAL, ELB_DEFAULT_UNHEALTHY_THRESHOLD),
      };
    return {
      basis: 'target-health',
      intervalSeconds: null,
      threshold: null,
      assumed: true,
      note: `the health of the alias target ${r.alias?.dnsName} decides; not modelled, and no alarm of this stack watches it`,
    };
  }
  return { basis: 'none', intervalSeconds: null, threshold: null, assumed: false };
};

/** One row per failover member: when Route 53 treats it as unhealthy, and when r53-failover records that. */
export const detectionRows = (input: CheckInput): DetectionRow[] =>
  input.records
    .filter((r): r is RecordSet & { failover: 'PRIMARY' | 'SECONDARY' } => r.failover !== undefined)
    .map((r) => {
      const { detection, note, ...e } = estimateFor(input, r);
      return {
        group: r.group ?? `${r.name} ${r.type}`,
        record: recordLabel(r),
        role: r.failover,
        basis: e.basis,
        ...(r.healthCheckId ? { healthCheckId: r.healthCheckId } : {}),
        ...(e.healthCheckType ? { healthCheckType: e.healthCheckType } : {}),
        intervalSeconds: e.intervalSeconds,
        threshold: e.threshold,
        assumed: e.assumed,
        unhealthySeconds: detection?.unhealthy ?? null,
        recordedSeconds: detection?.recorded ?? null,
        ...(note ? { note } : {}),
        steps: detection?.steps ?? [],
      };
    });

const range = ([a, b]: [number, number]) => (a === b ? `${a} s` : `${a}–${b} s`);

const basisText = (d: DetectionRow) =>
  d.basis === 'target-health'
    ? `load balancer target health, ${d.intervalSeconds} s × ${d.threshold}${d.assumed ? ' (ELB defaults assumed)' : ''}`
    : `${d.healthCheckType ? `${d.healthCheckType} ` : ''}health check, ${d.intervalSeconds} s × ${d.threshold}` +
      (d.assumed ? ' (Route 53 defaults assumed)' : '');

/** The one-line wording of a row, for `check`'s text output and its detection-time finding. */
export const detectionText = (d: DetectionRow, hasPartner: boolean): string => {
  if (!d.unhealthySeconds)
    return d.basis === 'none'
      ? `nothing judges the ${d.role}: Route 53 treats it as always healthy${d.role === 'PRIMARY' ? ' and never fails over' : ''}`
      : (d.note ?? 'not modelled');
  const when = range(d.unhealthySeconds);
  const what =
    d.role === 'SECONDARY'
      ? `Route 53 marks the SECONDARY unhealthy ${when} after it fails (nothing changes in DNS while the PRIMARY is healthy)`
      : hasPartner
        ? `Route 53 answers the SECONDARY ${when} after the PRIMARY fails`
        : `Route 53 marks the PRIMARY unhealthy ${when} after it fails, but with no SECONDARY it keeps answering it (when every record is unhealthy, Route 53 treats them all as healthy)`;
  const recorded = d.recordedSeconds ? `; r53-failover records it ${range(d.recordedSeconds)} after` : '';
  const note = d.note ? `; ${d.note}` : '';
  return `${what}${recorded} [${basisText(d)}: ${d.steps.map((s) => s.what).join(', ')}${note}]`;
};

/** `detection-time` findings (info): one per failover member something judges, and for a PRIMARY nothing judges. */
export const detectionFindings = (input: CheckInput, rows: DetectionRow[]): Finding[] => {
  const pairs = new Set(
    input.records.filter((r) => r.failover).map((r) => `${r.name} ${r.type} ${r.failover === 'PRIMARY' ? 'P' : 'S'}`),
  );
  return input.records
    .filter((r) => r.failover)
    .flatMap((r, i) => {
      const d = rows[i] as DetectionRow;
      if (d.basis === 'none' && d.role === 'SECONDARY') return [];
      const hasPartner = pairs.has(`${r.name} ${r.type} ${r.failover === 'PRIMARY' ? 'S' : 'P'}`);
      return [
        {
          severity: 'info' as const,
          rule: 'detection-time',
          record: d.record,
          message: `detection for ${d.group}: ${detectionText(d, hasPartner)}`,
          why: "Clients keep the old answer for the record's TTL on top of this; an outage shorter than Route 53's time never fails over. AWS warns that several minutes may pass between a failed health check and its alarm notification.",
          fix:
            d.basis === 'none'
              ? 'Give the PRIMARY a HealthCheckId or EvaluateTargetHealth: true (see primary-no-health).'
              : d.basis === 'target-health'
                ? "For faster detection lower the target group's HealthCheckIntervalSeconds and UnhealthyThresholdCount; lower is faster but flaps on blips."
                : 'For faster failover use RequestInterval 10 (fast, extra cost) and FailureThreshold 2; lower is faster but flaps on blips.',
        },
      ];
    });
};
