import type { HealthCheckPlacement, MemberRole } from '../core/members.js';
import { DEFAULT_DIGEST_RETENTION_DAYS } from './fields.js';
import type { FailoverConfig, HttpProbeConfig, ProbeConfig, TcpProbeConfig } from './schema.js';

/** What a loaded config says for a group or a member, with the defaults filled in. */

/** Index health check id → group and role, built once per container / CLI run. */
export const indexHealthChecks = (config: FailoverConfig): Map<string, HealthCheckPlacement> => {
  const index = new Map<string, HealthCheckPlacement>();
  for (const [group, g] of Object.entries(config.groups)) {
    index.set(g.primary.healthCheckId, { group, role: 'primary', region: g.primary.region });
    index.set(g.secondary.healthCheckId, { group, role: 'secondary', region: g.secondary.region });
  }
  return index;
};

/** Name of the CloudWatch alarm this project creates for a group member (stable: EventBridge filters on its prefix). */
export const alarmNameFor = (prefix: string, group: string, role: MemberRole): string =>
  `${prefix}${group}-${role}-health`;

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
    disagreementSeconds: own.disagreementSeconds ?? top.disagreementSeconds ?? 300,
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
