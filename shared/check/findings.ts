/** What `r53-failover check` works on and what it reports: one model for change batches, failover.yml and the live zone. */

export type Severity = 'error' | 'warning' | 'info';

/** One problem (or fact) about a record: what, why it matters, how to fix it. */
export interface Finding {
  severity: Severity;
  /** Stable id, documented in docs/check.md. */
  rule: string;
  /** The record concerned (`my-app.example.com. A PRIMARY (use1)`), or a scope such as `(zone)`. */
  record: string;
  message: string;
  why: string;
  fix: string;
}

export interface AliasTarget {
  hostedZoneId: string;
  dnsName: string;
  evaluateTargetHealth: boolean;
}

/** How Route 53 picks among records of one name and type: `simple` when the record names no policy. */
export type RoutingPolicy =
  | 'simple'
  | 'failover'
  | 'weighted'
  | 'latency'
  | 'geolocation'
  | 'geoproximity'
  | 'multivalue'
  | 'ip-based';

/** A failover.yml member judged by its alias target's health (an ALB/NLB with Evaluate Target Health). */
export interface TargetHealthBasis {
  targetGroupArns: string[];
  loadBalancerArn?: string;
}

/** A resource record set, normalised: lower-case names with a trailing dot, `/hostedzone/` prefixes removed. */
export interface RecordSet {
  name: string;
  type: string;
  setIdentifier?: string;
  /** Unknown for failover.yml members, which are failover records by definition. */
  routingPolicy?: RoutingPolicy;
  failover?: 'PRIMARY' | 'SECONDARY';
  ttl?: number;
  resourceRecords?: string[];
  alias?: AliasTarget;
  healthCheckId?: string;
  /** failover.yml `targetHealth`: the alias's target health judges the member (its DNS name is not in the file). */
  targetHealth?: TargetHealthBasis;
  /** Where it came from: `Changes[2]`, `groups.orders-api.primary`, `zone`. */
  source: string;
  /** false when only the name, role and health check are known (failover.yml): the answer is not checked. */
  targetsKnown: boolean;
  /** The hosted zone the record belongs to, as far as known. */
  zoneName?: string;
  zoneId?: string;
  /** The failover.yml group, when the record came from one. */
  group?: string;
}

/** The part of a Route 53 `HealthCheckConfig` the rules read. */
export interface HealthCheckSummary {
  id: string;
  type: string;
  resourcePath?: string;
  searchString?: string;
  fqdn?: string;
  port?: number;
  requestInterval?: number;
  failureThreshold?: number;
  /** CLOUDWATCH_METRIC: the watched alarm's period and evaluation periods (CloudWatchAlarmConfiguration). */
  alarmPeriod?: number;
  alarmEvaluationPeriods?: number;
  /** CLOUDWATCH_METRIC: the region of the watched alarm (AlarmIdentifier.Region). */
  alarmRegion?: string;
  /** CALCULATED: how many child health checks it aggregates. */
  childCount?: number;
  /** false: GetHealthCheck said NoSuchHealthCheck. */
  exists: boolean;
}

/** Everything the rules need; built by change-batch.ts, config-input.ts or live.ts. */
export interface CheckInput {
  mode: 'change-batch' | 'config' | 'live';
  records: RecordSet[];
  /** true when `records` is the whole zone (live): a missing alias target is then certain, not just absent from a batch. */
  zoneComplete: boolean;
  /** Health check configurations read from Route 53 (live mode only). */
  healthChecks?: Map<string, HealthCheckSummary>;
  /** failover.yml: health check id → number of r53-failover probes on that member. */
  probeCounts?: Map<string, number>;
  /** Live with --check-alarms: health check id → names of the alarms on its HealthCheckStatus. */
  alarms?: Map<string, string[]>;
  /** Findings from loading the input (the inferred zone, for one). */
  notes: Finding[];
}

/**
 * How long each failover member takes to be noticed (shared/core/detection-time.ts): by Route 53, which then answers
 * the other member, and by r53-failover, whose alarm records it.
 */
export interface DetectionRow {
  group: string;
  record: string;
  role: 'PRIMARY' | 'SECONDARY';
  /** What judges the member: its health check, the alias target's health, or nothing. */
  basis: 'health-check' | 'target-health' | 'none';
  healthCheckId?: string;
  /** HTTP, HTTPS_STR_MATCH, TCP, CALCULATED, CLOUDWATCH_METRIC…, when read from Route 53 (live). */
  healthCheckType?: string;
  /** Seconds between checks and failures in a row that make the member unhealthy: Route 53's, or the load balancer's. */
  intervalSeconds: number | null;
  threshold: number | null;
  /** true when interval and threshold are defaults rather than read from the health check. */
  assumed: boolean;
  /** [earliest, latest] seconds from the failure until Route 53 treats the member as unhealthy; null: never. */
  unhealthySeconds: [number, number] | null;
  /** [earliest, latest] seconds until the alarm's state change reaches record-failover; null: no alarm exists. */
  recordedSeconds: [number, number] | null;
  /** What the ranges do not say: a calculated or CloudWatch alarm health check, an alias target not modelled. */
  note?: string;
  /** What adds up to the ranges, step by step. */
  steps: Array<{ what: string; seconds: [number, number] }>;
}

export interface CheckReport {
  ok: boolean;
  findings: Finding[];
  detection: DetectionRow[];
}

/** `my-app.example.com.` from `My-App.Example.com` or `\052.example.com` (how Route 53 lists a wildcard). */
export const normalizeName = (name: string): string => {
  const lower = name.trim().toLowerCase().replace(/\\052/g, '*');
  return lower.endsWith('.') ? lower : `${lower}.`;
};

export const stripZonePrefix = (id: string): string => id.trim().replace(/^\/?hostedzone\//i, '');

/** `my-app.example.com. A PRIMARY (use1)`: what a finding points at. */
export const recordLabel = (r: Pick<RecordSet, 'name' | 'type' | 'failover' | 'setIdentifier'>): string =>
  `${r.name} ${r.type}${r.failover ? ` ${r.failover}` : ''}${r.setIdentifier !== undefined ? ` (${r.setIdentifier})` : ''}`;

/** Records grouped by name and type: a failover pair lives in one such group. */
export const byNameType = (records: RecordSet[]): Map<string, RecordSet[]> => {
  const groups = new Map<string, RecordSet[]>();
  for (const r of records) groups.set(`${r.name} ${r.type}`, [...(groups.get(`${r.name} ${r.type}`) ?? []), r]);
  return groups;
};

/** `name` is `zone` or below it. */
export const isWithin = (name: string, zone: string): boolean => name === zone || name.endsWith(`.${zone}`);

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
/** Errors first, then warnings, then info; otherwise in the order found. */
export const sortFindings = (findings: Finding[]): Finding[] =>
  findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
