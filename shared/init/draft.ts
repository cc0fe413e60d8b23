import { isIP } from 'node:net';
import { classifyAliasTarget } from '../check/alias-zones.js';
import { byNameType, type HealthCheckSummary, normalizeName, type RecordSet } from '../check/findings.js';
import type { ZoneRead } from '../check/live.js';
import { GROUP_NAME_RE, RECORD_TYPES } from '../config/fields.js';
import { UNASSIGNED_GROUP } from '../core/members.js';
import type { FindLoadBalancer, LoadBalancerFound } from './load-balancers.js';

/** What `init` makes of a live hosted zone: one group per failover pair, each line it could not fill said as such. */

export type MemberBasis =
  | { kind: 'health-check'; healthCheckId: string; healthCheck?: HealthCheckSummary }
  | { kind: 'target-health'; loadBalancer: LoadBalancerFound }
  | { kind: 'none' }
  /** Nothing r53-failover can watch was found: `fillIn` says what to write. */
  | { kind: 'unknown'; fillIn: string };

export interface MemberDraft {
  role: 'primary' | 'secondary';
  setIdentifier: string;
  region?: string;
  /** Where the region came from, or what to fill in when it is unknown. */
  regionNote: string;
  basis: MemberBasis;
  /** What the record answers: its values, or the alias target's name. */
  dnsAnswers: string[];
  /** The URL an HTTP(S) health check requests, offered (commented out) as the member's probe endpoint. */
  endpoint?: string;
  /** Comment lines about the record (its alias target, Evaluate Target Health, the health check). */
  notes: string[];
}

export interface GroupDraft {
  name: string;
  recordName: string;
  recordType: string;
  primary: MemberDraft;
  secondary: MemberDraft;
}

export interface InitDraft {
  zoneId: string;
  zoneName: string;
  groups: GroupDraft[];
  /** Failover records not written as a group, and why (a comment each). */
  skipped: string[];
}

const REGION_IN_TEXT = /(?:^|[^a-z])([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})(?:$|[^0-9])/;

/** The region an AWS endpoint name carries (`….us-west-2.elb.amazonaws.com`, `ec2-….eu-west-1.compute.amazonaws.com`). */
const regionOfName = (name: string): string | undefined => {
  const t = classifyAliasTarget(normalizeName(name));
  return t.kind === 'service' || t.kind === 'aws-unknown' ? t.region : undefined;
};

const memberRegion = (r: RecordSet, basis: MemberBasis): { region?: string; regionNote: string } => {
  if (basis.kind === 'target-health')
    return { region: basis.loadBalancer.region, regionNote: "from the load balancer's ARN" };
  const fromAlias = r.alias ? regionOfName(r.alias.dnsName) : undefined;
  if (fromAlias) return { region: fromAlias, regionNote: `from the alias target ${r.alias?.dnsName}` };
  const hc = basis.kind === 'health-check' ? basis.healthCheck : undefined;
  if (hc?.alarmRegion) return { region: hc.alarmRegion, regionNote: "from the health check's CloudWatch alarm" };
  const fromFqdn = hc?.fqdn ? regionOfName(hc.fqdn) : undefined;
  if (fromFqdn) return { region: fromFqdn, regionNote: `from the health check's endpoint ${hc?.fqdn}` };
  const fromId = REGION_IN_TEXT.exec(r.setIdentifier ?? '')?.[1];
  if (fromId)
    return { region: fromId, regionNote: `from the SetIdentifier "${r.setIdentifier}": make sure it is right` };
  return {
    regionNote: `FILL IN region: the AWS region this ${r.failover} record's endpoint runs in (nothing in the record, its alias target or health check names it)`,
  };
};

const describeHealthCheck = (id: string, hc?: HealthCheckSummary): string => {
  if (!hc) return `health check ${id}`;
  if (!hc.exists) return `health check ${id} does not exist in Route 53 (GetHealthCheck): create it or fix the record`;
  const target = hc.fqdn ? ` ${hc.fqdn}${hc.resourcePath ?? ''}` : '';
  const timing = hc.requestInterval ? `, every ${hc.requestInterval} s, ${hc.failureThreshold ?? 3} in a row` : '';
  const kind =
    hc.type === 'CALCULATED'
      ? ` (follows ${hc.childCount ?? 'its'} child health checks)`
      : hc.type === 'CLOUDWATCH_METRIC'
        ? ' (follows a CloudWatch alarm)'
        : '';
  return `health check ${id}: ${hc.type}${target}${timing}${kind}`;
};

/** What a failover record answers, in the DNS probe's terms: IPs or a CNAME target, else the alias target's name. */
const answersOf = (r: RecordSet): string[] => {
  if (r.alias) return [r.alias.dnsName.replace(/\.$/, '')];
  if (!['A', 'AAAA', 'CNAME'].includes(r.type)) return [];
  return (r.resourceRecords ?? []).map((v) => (r.type === 'CNAME' ? v.toLowerCase().replace(/\.$/, '') : v));
};

const basisOf = async (r: RecordSet, zone: ZoneRead, findLb: FindLoadBalancer): Promise<MemberBasis> => {
  if (r.healthCheckId) {
    const healthCheck = zone.healthChecks.get(r.healthCheckId);
    return { kind: 'health-check', healthCheckId: r.healthCheckId, ...(healthCheck ? { healthCheck } : {}) };
  }
  if (!r.alias?.evaluateTargetHealth) return { kind: 'none' };
  const target = classifyAliasTarget(r.alias.dnsName);
  if (target.kind !== 'service' || (target.service !== 'elb' && target.service !== 'nlb') || !target.region)
    return {
      kind: 'unknown',
      fillIn: `Route 53 evaluates the health of the alias target ${r.alias.dnsName}, which r53-failover cannot watch (it watches ALB/NLB target groups and health checks): attach a health check to this record and write its healthCheckId`,
    };
  const lookup = await findLb(r.alias.dnsName, target.region);
  if ('missing' in lookup) return { kind: 'unknown', fillIn: `targetHealth.targetGroupArns: ${lookup.missing}` };
  if (lookup.found.targetGroups.length === 0)
    return {
      kind: 'unknown',
      fillIn: `targetHealth.targetGroupArns: load balancer ${lookup.found.arn} has no target groups (DescribeTargetGroups)`,
    };
  return { kind: 'target-health', loadBalancer: lookup.found };
};

const memberNotes = (r: RecordSet, basis: MemberBasis): string[] => {
  const notes: string[] = [];
  if (r.alias)
    notes.push(
      `alias to ${r.alias.dnsName}${r.alias.evaluateTargetHealth ? ' with Evaluate Target Health' : ' (Evaluate Target Health off)'}`,
    );
  else if (r.resourceRecords?.length) notes.push(`answers ${r.resourceRecords.join(', ')}`);
  if (basis.kind === 'health-check') {
    notes.push(describeHealthCheck(basis.healthCheckId, basis.healthCheck));
    if (r.alias?.evaluateTargetHealth)
      notes.push('Route 53 evaluates the target health too; r53-failover watches the health check');
  }
  if (basis.kind === 'target-health') {
    const lb = basis.loadBalancer;
    notes.push(`its ${lb.type} load balancer's target groups decide (no health check on the record):`);
    for (const tg of lb.targetGroups)
      notes.push(
        `  ${tg.name}: target health checks every ${tg.intervalSeconds ?? '?'} s, unhealthy after ${tg.unhealthyThreshold ?? '?'}`,
      );
  }
  if (basis.kind === 'none')
    notes.push('no health check and no Evaluate Target Health: Route 53 treats it as always healthy');
  return notes;
};

/** `https://api.example.com/healthz` for an HTTPS health check of that name and path (not for an IP-only check). */
const endpointOf = (hc?: HealthCheckSummary): string | undefined => {
  if (!hc?.exists || !hc.fqdn || !/^HTTPS?(_STR_MATCH)?$/.test(hc.type) || isIP(hc.fqdn)) return undefined;
  const scheme = hc.type.startsWith('HTTPS') ? 'https' : 'http';
  const port = hc.port && hc.port !== (scheme === 'https' ? 443 : 80) ? `:${hc.port}` : '';
  return `${scheme}://${hc.fqdn.replace(/\.$/, '')}${port}${hc.resourcePath?.startsWith('/') ? hc.resourcePath : '/'}`;
};

const memberDraft = async (r: RecordSet, zone: ZoneRead, findLb: FindLoadBalancer): Promise<MemberDraft> => {
  const basis = await basisOf(r, zone, findLb);
  const endpoint = endpointOf(basis.kind === 'health-check' ? basis.healthCheck : undefined);
  return {
    ...(endpoint ? { endpoint } : {}),
    role: r.failover === 'PRIMARY' ? 'primary' : 'secondary',
    setIdentifier: r.setIdentifier ?? '',
    ...memberRegion(r, basis),
    basis,
    dnsAnswers: answersOf(r),
    notes: memberNotes(r, basis),
  };
};

/** `orders` for orders.example.com. in example.com.; `api-orders` for api.orders…; `apex`; `wildcard-…` for `*.`. */
const groupNameFor = (recordName: string, recordType: string, zoneName: string, taken: Set<string>): string => {
  const relative = recordName === zoneName ? 'apex' : recordName.slice(0, -(zoneName.length + 1)) || 'apex';
  const base =
    relative
      .replace(/\*/g, 'wildcard')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'group';
  const candidates = [base, `${base}-${recordType.toLowerCase()}`];
  for (let n = 2; ; n++) {
    const name = candidates.shift() ?? `${base}-${recordType.toLowerCase()}-${n}`;
    if (GROUP_NAME_RE.test(name) && name !== UNASSIGNED_GROUP && !taken.has(name)) return name;
  }
};

/** What a member owns in failover.yml (a health check, target groups): each can belong to one member only. */
const ownedBy = (m: MemberDraft): string[] =>
  m.basis.kind === 'health-check'
    ? [m.basis.healthCheckId]
    : m.basis.kind === 'target-health'
      ? m.basis.loadBalancer.targetGroups.map((t) => t.arn)
      : [];

/** One group per PRIMARY/SECONDARY pair of the zone; everything else is said in `skipped`. */
export const draftFromZone = async (zone: ZoneRead, findLb: FindLoadBalancer): Promise<InitDraft> => {
  const groups: GroupDraft[] = [];
  const skipped: string[] = [];
  const owner = new Map<string, string>();
  const taken = new Set<string>();
  for (const [key, records] of byNameType(zone.records.filter((r) => r.failover))) {
    const primaries = records.filter((r) => r.failover === 'PRIMARY');
    const secondaries = records.filter((r) => r.failover === 'SECONDARY');
    const [p, s] = [primaries[0], secondaries[0]];
    if (!p || !s || primaries.length > 1 || secondaries.length > 1) {
      skipped.push(
        `${key}: ${primaries.length} PRIMARY and ${secondaries.length} SECONDARY records, not one failover pair (check --hosted-zone-id ${zone.id} says more)`,
      );
      continue;
    }
    if (!(RECORD_TYPES as readonly string[]).includes(p.type)) {
      skipped.push(`${key}: record type ${p.type} is not one failover.yml takes (${RECORD_TYPES.join(', ')})`);
      continue;
    }
    const primary = await memberDraft(p, zone, findLb);
    const secondary = await memberDraft(s, zone, findLb);
    const shared = [...ownedBy(primary), ...ownedBy(secondary)].find((id) => owner.has(id));
    if (shared) {
      skipped.push(
        `${key}: uses ${shared} like group ${owner.get(shared)}; a health check or target group belongs to one member, so this pair fails over with that group and is not written again`,
      );
      continue;
    }
    const name = groupNameFor(p.name, p.type, zone.name, taken);
    taken.add(name);
    for (const id of [...ownedBy(primary), ...ownedBy(secondary)]) owner.set(id, name);
    groups.push({ name, recordName: p.name, recordType: p.type, primary, secondary });
  }
  return { zoneId: zone.id, zoneName: zone.name, groups, skipped };
};
