import { type FailoverConfig } from '../config/schema.js';
import { inferZoneName } from './change-batch.js';
import { normalizeName, type CheckInput, type Finding, type RecordSet } from './findings.js';
import { memberProbes } from '../config/lookups.js';

/**
 * failover.yml as a CheckInput: each group is the PRIMARY/SECONDARY pair of its recordName/recordType, each member
 * carrying its health check. What the records answer is not in the file, so answer and alias rules skip them.
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
      records.push({
        name: g.recordName,
        type: g.recordType,
        setIdentifier: `${group}-${role}`,
        failover: role === 'primary' ? 'PRIMARY' : 'SECONDARY',
        ...(member.healthCheckId ? { healthCheckId: member.healthCheckId } : {}),
        source: `groups.${group}.${role}`,
        targetsKnown: false,
        zoneId: g.hostedZoneId,
        ...(zoneName ? { zoneName } : {}),
        group,
      });
      if (member.healthCheckId) probeCounts.set(member.healthCheckId, memberProbes(config, group, role).length);
    }
  }
  return { mode: 'config', records, zoneComplete: false, probeCounts, notes };
};
