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

/** A resource record set, normalised: lower-case names with a trailing dot, `/hostedzone/` prefixes removed. */
export interface RecordSet {
  name: string;
  type: string;
  setIdentifier?: string;
  failover?: 'PRIMARY' | 'SECONDARY';
  ttl?: number;
  resourceRecords?: string[];
  alias?: AliasTarget;
  healthCheckId?: string;
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
  requestInterval?: number;
  failureThreshold?: number;
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

/** Worst-case time from "primary broken" to "Route 53 answers the secondary" and to "the alarm fires", per failover pair. */
export interface DetectionRow {
  group: string;
  record: string;
  healthCheckId?: string;
  /** What judges the primary: its health check, the alias target's health, or nothing. */
  basis: 'health-check' | 'target-health' | 'none';
  requestIntervalSeconds: number;
  failureThreshold: number;
  /** true when interval/threshold are Route 53's defaults rather than read from the health check. */
  assumed: boolean;
  checkerSpreadSeconds: number;
  alarmPeriodSeconds: number;
  /** null: Route 53 never fails over (nothing judges the primary). */
  failoverSeconds: number | null;
  alarmSeconds: number | null;
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

/** `name` is `zone` or below it. */
export const isWithin = (name: string, zone: string): boolean => name === zone || name.endsWith(`.${zone}`);

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
/** Errors first, then warnings, then info; otherwise in the order found. */
export const sortFindings = (findings: Finding[]): Finding[] =>
  findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
