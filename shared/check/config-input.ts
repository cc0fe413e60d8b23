import type { FailoverConfig } from '../config/schema.js';
import { inferZoneName } from './change-batch.js';
import { normalizeName, type CheckInput, type Finding, type RecordSet } from './findings.js';
import { healthBasisOf, memberProbes } from '../config/lookups.js';

/**
 * failover.yml as a CheckInput: each group is the PRIMARY/SECONDARY pair of its recordName/recordType, each member
 * carrying its health basis (a health check, target health, or none). What the records answer is not in the file, so answer and alias rules skip them.
 * The zone name is `zoneName` or inferred per hostedZoneId from that zone's record names.
 */
export const configInput = (config: FailoverConfig, opts: { zoneName?: string } = {}): CheckInput => {
  const notes: Finding[] = [];
  const zoneNames = new Map<string, string | undefined>();
  const byZone = new Map<string, string[]>();
  for (const g of Object.values(config.groups))
    byZone.set(g.hostedZoneId, [...(byZone.get(g.hostedZoneId) ?? []), g.recordName]);
  for (const [zoneId, names] of byZone) {
    const name = opts.zoneName ? normalizeName(opts.zoneName) : inferZoneName(names);
    zoneNames.set(zoneId, name);
    if (opts.zoneName) continue;
    notes.push({
      severity: 'info',
      rule: 'zone-inferred',
      record: `(zone ${zoneId})`,
      message: name
        ? `assuming hosted zone ${zoneId} is ${name} (the common suffix of its groups' record names)`
        : `cannot tell the name of hosted zone ${zoneId} from its groups' record names`,
      why: 'failover.yml names the zone by id only; records outside the zone are judged against this name.',
      fix: 'Pass --zone-name to make it explicit, or run check --hosted-zone-id against the live zone.',
    });
  }
  const records: RecordSet[] = [];
  const probeCounts = new Map<string, number>();
  for (const [group, g] of Object.entries(config.groups)) {
    const zoneName = zoneNames.get(g.hostedZoneId);
    for (const role of ['primary', 'secondary'] as const) {
      const member = g[role];
      const basis = healthBasisOf(member);
      records.push({
        name: g.recordName,
        type: g.recordType,
        setIdentifier: `${group}-${role}`,
        failover: role === 'primary' ? 'PRIMARY' : 'SECONDARY',
        ...(basis.kind === 'health-check' ? { healthCheckId: basis.healthCheckId } : {}),
        ...(basis.kind === 'target-health'
          ? {
              targetHealth: {
                targetGroupArns: basis.targetGroupArns,
                ...(basis.loadBalancerArn ? { loadBalancerArn: basis.loadBalancerArn } : {}),
              },
            }
          : {}),
        source: `groups.${group}.${role}`,
        targetsKnown: false,
        zoneId: g.hostedZoneId,
        ...(zoneName ? { zoneName } : {}),
        group,
      });
      if (basis.kind === 'health-check') probeCounts.set(basis.healthCheckId, memberProbes(config, group, role).length);
      if (basis.kind === 'target-health' && !basis.loadBalancerArn) notes.push(noLoadBalancer(group, role));
    }
  }
  return { mode: 'config', records, zoneComplete: false, probeCounts, notes };
};

/**
 * A targetHealth member without loadBalancerArn: its target group alarms read HealthyHostCount with a Metrics Insights
 * query on AWS/ApplicationELB (the target group ARN does not say which kind of load balancer it serves), which never
 * sees a datapoint for a Network Load Balancer's target group (serverless/plugin/target-health.cjs).
 */
const noLoadBalancer = (group: string, role: 'primary' | 'secondary'): Finding => ({
  severity: 'warning',
  rule: 'target-health-no-load-balancer',
  record: `groups.${group}.${role}`,
  message: `groups.${group}.${role}.targetHealth has no loadBalancerArn: its alarms read the target groups as an Application Load Balancer's; a Network Load Balancer target group needs loadBalancerArn`,
  why: 'HealthyHostCount is published per target group and load balancer, in AWS/ApplicationELB or AWS/NetworkELB: without the load balancer the alarm queries AWS/ApplicationELB only, and for an NLB it would see no data and stay in ALARM.',
  fix: 'Add targetHealth.loadBalancerArn (the load balancer the record aliases); `r53-failover init --hosted-zone-id Z…` fills it in.',
});
