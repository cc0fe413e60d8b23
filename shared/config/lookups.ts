import { DEFAULT_DISAGREEMENT_SECONDS } from '../core/detection-time.js';
import type { HealthCheckPlacement, MemberRole } from '../core/members.js';
import { ConfigError } from '../support/errors.js';
import { DEFAULT_DIGEST_RETENTION_DAYS, LOAD_BALANCER_ARN_RE, parseElbArn, TARGET_GROUP_ARN_RE } from './fields.js';
import type { FailoverConfig, FailoverGroup, HttpProbeConfig, ProbeConfig, TcpProbeConfig } from './schema.js';

/** What a loaded config says for a group or a member, with the defaults filled in. */

/** What Route 53 judges a member's record by (failover.yml: exactly one of the three per member). */
export type HealthBasis =
  | { kind: 'health-check'; healthCheckId: string }
  | { kind: 'target-health'; targetGroupArns: string[]; loadBalancerArn?: string }
  | { kind: 'none' };

type Member = FailoverGroup['primary'];

/** A validated member's health basis (the schema guarantees exactly one is set). */
export const healthBasisOf = (member: Member): HealthBasis => {
  if (member.healthCheckId) return { kind: 'health-check', healthCheckId: member.healthCheckId };
  if (member.targetHealth)
    return {
      kind: 'target-health',
      targetGroupArns: member.targetHealth.targetGroupArns,
      ...(member.targetHealth.loadBalancerArn ? { loadBalancerArn: member.targetHealth.loadBalancerArn } : {}),
    };
  return { kind: 'none' };
};

const dimensionOf = (arn: string, re: RegExp, what: string): string => {
  const parsed = re.test(arn) ? parseElbArn(arn) : undefined;
  if (!parsed) throw new ConfigError(`expected ${what} ARN, got ${JSON.stringify(arn)}`);
  return parsed.dimension;
};

/** The CloudWatch `TargetGroup` dimension of a target group ARN: `targetgroup/<name>/<id>`. */
export const targetGroupDimension = (arn: string): string => dimensionOf(arn, TARGET_GROUP_ARN_RE, 'a target group');

/** The CloudWatch `LoadBalancer` dimension of an ALB/NLB ARN: `app/<name>/<id>` or `net/<name>/<id>`. */
export const loadBalancerDimension = (arn: string): string =>
  dimensionOf(arn, LOAD_BALANCER_ARN_RE, 'an Application or Network Load Balancer');

/**
 * The CloudWatch namespace a load balancer's metrics are published in, from its `LoadBalancer` dimension: `net/…` (a
 * Network Load Balancer) in `AWS/NetworkELB`, else (`app/…`) `AWS/ApplicationELB`.
 */
export const elbNamespaceOf = (loadBalancer: string): 'AWS/ApplicationELB' | 'AWS/NetworkELB' =>
  loadBalancer.startsWith('net/') ? 'AWS/NetworkELB' : 'AWS/ApplicationELB';

/**
 * The Metrics Insights query of a target group's alarm when failover.yml names no load balancer: the minimum
 * `HealthyHostCount` over the `TargetGroup` dimension alone (read in `namespace`, an ALB's by default). The recorder
 * reads the target group back out of its WHERE clause (core/alarm-metrics.ts).
 */
export const targetGroupHealthQuery = (targetGroup: string, namespace = 'AWS/ApplicationELB'): string =>
  `SELECT MIN(HealthyHostCount) FROM SCHEMA("${namespace}", LoadBalancer, TargetGroup) WHERE TargetGroup = '${targetGroup}'`;

/** A group's `healthCheck: none` members: always healthy to Route 53 (see `asRoute53Weighs`). */
export const alwaysHealthyRoles = (g: FailoverGroup): MemberRole[] =>
  (['primary', 'secondary'] as const).filter((r) => healthBasisOf(g[r]).kind === 'none');

/** Where a member of `g` sits, as the recorder weighs it (its group's `healthCheck: none` members always healthy). */
const placementOf = (group: string, g: FailoverGroup, role: MemberRole): HealthCheckPlacement => {
  const alwaysHealthy = alwaysHealthyRoles(g);
  const basis = healthBasisOf(g[role]);
  return {
    group,
    role,
    region: g[role].region,
    ...(basis.kind === 'target-health' ? { targetGroups: basis.targetGroupArns.map(targetGroupDimension) } : {}),
    ...(alwaysHealthy.length ? { alwaysHealthy } : {}),
  };
};

/** Index health check id → group and role, built once per container / CLI run. */
export const indexHealthChecks = (config: FailoverConfig): Map<string, HealthCheckPlacement> => {
  const index = new Map<string, HealthCheckPlacement>();
  for (const [group, g] of Object.entries(config.groups)) {
    for (const role of ['primary', 'secondary'] as const) {
      const id = g[role].healthCheckId;
      if (id) index.set(id, placementOf(group, g, role));
    }
  }
  return index;
};

/**
 * Index target group → group and role, keyed by the CloudWatch `TargetGroup` dimension (`targetgroup/<name>/<id>`)
 * that a target-group alarm names; the placement's region is the member's, where the target group is.
 */
export const indexTargetGroups = (config: FailoverConfig): Map<string, HealthCheckPlacement> => {
  const index = new Map<string, HealthCheckPlacement>();
  for (const [group, g] of Object.entries(config.groups)) {
    for (const role of ['primary', 'secondary'] as const) {
      const placement = placementOf(group, g, role);
      for (const tg of placement.targetGroups ?? []) index.set(tg, placement);
    }
  }
  return index;
};

/** Name of the CloudWatch alarm this project creates for a group member (stable: EventBridge filters on its prefix). */
export const alarmNameFor = (prefix: string, group: string, role: MemberRole): string =>
  `${prefix}${group}-${role}-health`;

/**
 * Name of the HealthyHostCount alarm on one target group of a `targetHealth` member: the member's alarm name, then
 * `-tg-<target group name>-<id>`. It starts with the prefix, so the recorder's rule matches it wherever it lives.
 */
export const targetGroupAlarmNameFor = (prefix: string, group: string, role: MemberRole, targetGroupArn: string) => {
  const [, name, id] = targetGroupDimension(targetGroupArn).split('/');
  return `${alarmNameFor(prefix, group, role)}-tg-${name}-${id}`;
};

/**
 * `probes.servingMismatchSeconds` by default: well past a normal failover's gap between DNS moving (Route 53's own
 * health checkers, about 2 min) and the alarm-derived `serving` following it (the one-minute alarm plus its delivery).
 */
export const DEFAULT_SERVING_MISMATCH_SECONDS = 600;

/** Probe settings in effect for a group: group overrides, then top level, then defaults. */
export const probeSettingsFor = (config: FailoverConfig, group: string) => {
  const g = config.groups[group];
  const top = config.probes ?? {};
  const own = g?.probeSettings ?? {};
  const regions = own.regions ?? top.regions ?? [...new Set(g ? [g.primary.region, g.secondary.region] : [])];
  return {
    regions,
    required: own.quorum?.required ?? top.quorum?.required ?? Math.min(2, Math.max(1, regions.length)),
    consecutive: own.quorum?.consecutive ?? top.quorum?.consecutive ?? 3,
    intervalSeconds: own.intervalSeconds ?? top.intervalSeconds ?? 10,
    disagreementSeconds: own.disagreementSeconds ?? top.disagreementSeconds ?? DEFAULT_DISAGREEMENT_SECONDS,
    allowPrivateTargets: own.allowPrivateTargets ?? top.allowPrivateTargets ?? false,
    dnsResolvers: own.dnsResolvers ?? top.dnsResolvers ?? [],
    aliasTargetResolvers: own.aliasTargetResolvers ?? top.aliasTargetResolvers ?? [],
    servingMismatchSeconds:
      own.servingMismatchSeconds ?? top.servingMismatchSeconds ?? DEFAULT_SERVING_MISMATCH_SECONDS,
    retentionDays: own.retentionDays ?? top.retentionDays ?? 7,
  };
};
export type EffectiveProbeSettings = ReturnType<typeof probeSettingsFor>;

/** Days each ledger digest object is locked for: `audit.digestRetentionDays`, else 400. */
export const digestRetentionDays = (config: FailoverConfig): number =>
  config.audit?.digestRetentionDays ?? DEFAULT_DIGEST_RETENTION_DAYS;

/** A member's probes with defaults filled in: an endpoint and no probes means "GET endpoint, expect 2xx, 2 s". */
export const memberProbes = (
  config: FailoverConfig,
  group: string,
  role: MemberRole,
): Array<(HttpProbeConfig & { name: string; url: string }) | (TcpProbeConfig & { name: string })> => {
  const m = config.groups[group]?.[role];
  if (!m) return [];
  const list: ProbeConfig[] =
    m.probes ??
    (m.endpoint
      ? [
          {
            type: 'http',
            method: 'GET',
            headers: {},
            expectStatus: [[200, 299]],
            timeoutMs: 2000,
            certExpiryWarningDays: 14,
            followRedirects: false,
          },
        ]
      : []);
  return list.map((p, i) =>
    p.type === 'http'
      ? { ...p, name: p.name ?? (i === 0 ? 'http' : `http-${i + 1}`), url: (p.url ?? m.endpoint) as string }
      : { ...p, name: p.name ?? `tcp-${p.port}` },
  );
};
