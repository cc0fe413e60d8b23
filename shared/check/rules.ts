import { classifyAliasTarget, describeZoneId, isAwsOwnedName, SERVICE_LABEL, zoneIdsIn } from './alias-zones.js';
import {
  byNameType,
  isWithin,
  recordLabel,
  sortFindings,
  type CheckInput,
  type CheckReport,
  type Finding,
  type RecordSet,
  type Severity,
} from './findings.js';
import { detectionFindings, detectionRows } from './detection.js';
import { alarmRules, healthRules } from './health-rules.js';
import { cnameRules, mixedRoutingRules } from './name-rules.js';

const finding = (
  severity: Severity,
  rule: string,
  r: RecordSet,
  message: string,
  why: string,
  fix: string,
): Finding => ({ severity, rule, record: recordLabel(r), message, why, fix });

const isCloudFront = (dnsName: string) => {
  const t = classifyAliasTarget(dnsName);
  return t.kind === 'service' && t.service === 'cloudfront';
};

/** PRIMARY/SECONDARY pairing, SetIdentifier presence and uniqueness. */
export const structureRules = (input: CheckInput): Finding[] => {
  const out: Finding[] = [];
  // A change batch may touch one member of a pair that already exists in the zone: say so, don't assert it.
  const partial = input.mode === 'change-batch';
  for (const [key, records] of byNameType(input.records)) {
    const seen = new Map<string, RecordSet>();
    for (const r of records) {
      if (r.setIdentifier === undefined) {
        if (r.failover)
          out.push(
            finding(
              'error',
              'missing-set-identifier',
              r,
              `${r.failover} record ${key} has no SetIdentifier`,
              'Every failover record needs a SetIdentifier that tells it apart from its partner; Route 53 rejects the change without one.',
              `Add "SetIdentifier": "${r.failover === 'PRIMARY' ? 'primary' : 'secondary'}" (any value unique within ${key}).`,
            ),
          );
        continue;
      }
      if (seen.has(r.setIdentifier))
        out.push(
          finding(
            'error',
            'duplicate-set-identifier',
            r,
            `SetIdentifier "${r.setIdentifier}" is used twice for ${key} (also ${seen.get(r.setIdentifier)?.source})`,
            'Name, type and SetIdentifier identify one record set: the second change overwrites the first or the batch is rejected.',
            'Give each member of the pair its own SetIdentifier, e.g. "primary" and "secondary".',
          ),
        );
      else seen.set(r.setIdentifier, r);
    }
    for (const role of ['PRIMARY', 'SECONDARY'] as const) {
      const members = records.filter((r) => r.failover === role);
      for (const extra of members.slice(1))
        out.push(
          finding(
            'error',
            'duplicate-role',
            extra,
            `${key} has ${members.length} ${role} records`,
            `A failover pair has exactly one PRIMARY and one SECONDARY; Route 53 rejects a second ${role} of the same name and type.`,
            `Keep one ${role}; for more than two targets, put weighted or latency records behind each failover member.`,
          ),
        );
      const other = role === 'PRIMARY' ? 'SECONDARY' : 'PRIMARY';
      if (members.length > 0 && !records.some((r) => r.failover === other)) {
        const first = members[0] as RecordSet;
        out.push(
          finding(
            partial ? 'warning' : 'error',
            role === 'PRIMARY' ? 'missing-secondary' : 'missing-primary',
            first,
            `${key} has a ${role} but no ${other}${partial ? ' in this change batch' : ''}`,
            role === 'PRIMARY'
              ? 'With no SECONDARY there is nothing to fail over to: when the primary is unhealthy Route 53 keeps answering it.'
              : 'When every record of a name and type is unhealthy, Route 53 treats them all as healthy: a SECONDARY alone is answered whatever its health, so it stands by for nothing and nothing ever fails over.',
            partial
              ? `Make sure the ${other} of ${key} exists in the zone, or add it to the batch.`
              : `Create the ${other} record of ${key} with its own SetIdentifier and health check.`,
          ),
        );
      }
    }
  }
  return out;
};

/** Records outside the hosted zone, and failover records nothing resolves to. */
export const zoneRules = (input: CheckInput): Finding[] => {
  const out: Finding[] = [];
  const names = new Set(input.records.map((r) => `${r.name} ${r.type}`));
  for (const r of input.records) {
    const aws = isAwsOwnedName(r.name);
    if (r.zoneName ? !isWithin(r.name, r.zoneName) : aws) {
      out.push(
        finding(
          'error',
          'outside-zone',
          r,
          `${r.name} is not in the hosted zone${r.zoneName ? ` ${r.zoneName}` : ''}`,
          aws
            ? 'The name is under an AWS-owned domain: usually an endpoint or health check host name pasted as the record name. Nobody resolves it through your zone, so the failover never takes effect.'
            : 'Route 53 only accepts names in (or below) the zone; the change batch fails.',
          `Name the record in the zone, e.g. ${r.name.split('.')[0]}.${r.zoneName ?? 'example.com.'}, and put the endpoint in the value or alias target instead.`,
        ),
      );
    }
    if (!r.failover || !r.targetsKnown) continue;
    if (!r.alias && !(r.resourceRecords ?? []).length) {
      out.push(
        finding(
          'error',
          'no-answer',
          r,
          `${r.failover} ${r.name} ${r.type} has neither ResourceRecords nor an AliasTarget`,
          'A failover record must answer something; Route 53 rejects a non-alias record without values.',
          `Add "ResourceRecords": [{"Value": "…"}] with a TTL, or an AliasTarget to the ${r.failover === 'PRIMARY' ? 'primary' : 'standby'} endpoint.`,
        ),
      );
    }
    if (r.alias && r.zoneName && isWithin(r.alias.dnsName, r.zoneName) && !names.has(`${r.alias.dnsName} ${r.type}`)) {
      out.push(
        finding(
          input.zoneComplete ? 'error' : 'warning',
          'alias-target-missing',
          r,
          `alias target ${r.alias.dnsName} ${r.type} is ${input.zoneComplete ? 'not in the zone' : 'not in this change batch'}`,
          'An alias to a record of the same zone resolves only if that record (same name and type) exists; otherwise the answer is empty.',
          `Create ${r.alias.dnsName} ${r.type} first${input.zoneComplete ? '' : ', or make sure it already exists in the zone'}.`,
        ),
      );
    }
  }
  return out;
};

/** Alias targets: the canonical hosted zone of the service and region, a real AWS endpoint name, no TTL. */
export const aliasRules = (input: CheckInput): Finding[] => {
  const out: Finding[] = [];
  for (const r of input.records) {
    if (!r.alias || !r.targetsKnown) continue;
    const { dnsName, hostedZoneId } = r.alias;
    if (r.ttl !== undefined)
      out.push(
        finding(
          'error',
          'alias-ttl',
          r,
          `alias record has TTL ${r.ttl}`,
          'Alias records take the TTL of their target; Route 53 rejects a TTL on an alias record.',
          'Remove "TTL" from the alias record.',
        ),
      );
    const inZone = r.zoneName !== undefined && isWithin(dnsName, r.zoneName);
    if (inZone) {
      if (r.zoneId && hostedZoneId !== r.zoneId)
        out.push(
          finding(
            'error',
            'alias-zone-id',
            r,
            `alias to ${dnsName} in this zone carries HostedZoneId ${hostedZoneId}, not the zone's own ${r.zoneId}`,
            'An alias to another record of the same zone must name this hosted zone.',
            `Set AliasTarget.HostedZoneId to ${r.zoneId}.`,
          ),
        );
      continue;
    }
    const target = classifyAliasTarget(dnsName);
    const known = describeZoneId(hostedZoneId);
    if (target.kind === 'service') {
      const where = `${SERVICE_LABEL[target.service]}${target.region ? ` in ${target.region}` : ''}`;
      if (target.expected && hostedZoneId !== target.expected)
        out.push(
          finding(
            'error',
            'alias-zone-id',
            r,
            `AliasTarget.HostedZoneId ${hostedZoneId}${known ? ` (${known})` : ''} is not the hosted zone of ${dnsName}, a ${where}: expected ${target.expected}`,
            "The alias HostedZoneId is the canonical zone of the target service in its region, not your zone and not another region's: Route 53 rejects the change, or an id copied from the other member sends the lookup nowhere.",
            `Set AliasTarget.HostedZoneId to ${target.expected} (or read CanonicalHostedZoneId from describe-load-balancers / get-domain-names).`,
          ),
        );
      else if (!target.expected)
        out.push(
          finding(
            'info',
            'alias-zone-unverified',
            r,
            `no canonical zone id on record for a ${where}; ${hostedZoneId} not verified`,
            'The canonical zone table covers the regions listed in the AWS endpoint pages at the time of writing.',
            `Compare ${hostedZoneId} with the service's "Route 53 Hosted Zone ID" for ${target.region ?? 'its region'}.`,
          ),
        );
      if (target.service === 'cloudfront' && r.alias.evaluateTargetHealth)
        out.push(
          finding(
            'error',
            'cloudfront-evaluate-target-health',
            r,
            'EvaluateTargetHealth is true on an alias to a CloudFront distribution',
            "Route 53 cannot evaluate a CloudFront distribution's health and rejects EvaluateTargetHealth: true for it.",
            'Set EvaluateTargetHealth to false and attach a HealthCheckId that tests the site through the distribution.',
          ),
        );
      continue;
    }
    if (target.kind === 'aws-unverified') {
      out.push(
        finding(
          'info',
          'alias-zone-unverified',
          r,
          `${dnsName} is an AWS endpoint whose zone id is per resource; ${hostedZoneId} not verified`,
          'VPC endpoints, Elastic Beanstalk and Global Accelerator publish their alias zone ids per resource or outside the tables used here.',
          "Copy HostedZoneId from the resource's own description (describe-vpc-endpoints, describe-environments, the accelerator).",
        ),
      );
      continue;
    }
    if (target.kind === 'other' && !r.zoneName) continue;
    const elbish = /(^|[.-])elb([.-]|$)/.test(dnsName);
    out.push(
      finding(
        'error',
        'alias-not-service',
        r,
        target.kind === 'aws-unknown'
          ? `${dnsName} looks like no AWS service endpoint`
          : `${dnsName} is neither an AWS resource nor a record in ${r.zoneName}`,
        target.kind === 'aws-unknown'
          ? 'AWS endpoint names have fixed shapes (ALB/CLB: name-id.<region>.elb.amazonaws.com, NLB: name-id.elb.<region>.amazonaws.com, API Gateway: d-id.execute-api.<region>.amazonaws.com); a made-up name resolves to nothing and the record answers nothing.'
          : 'Alias records can only point at AWS resources or at records in the same hosted zone.',
        target.kind === 'aws-unknown'
          ? `Copy the DNS name from the resource itself${elbish ? ` (aws elbv2 describe-load-balancers: DNSName, e.g. dualstack.my-app-alb-1234567890.${target.region ?? 'us-east-1'}.elb.amazonaws.com)` : ''}.`
          : 'Point the alias at the AWS resource, or use a non-alias CNAME record (with a health check) for an external name.',
      ),
    );
    if (target.kind === 'aws-unknown' && !known) {
      const candidates = target.region ? zoneIdsIn(target.region) : [];
      out.push(
        finding(
          'error',
          'alias-zone-id',
          r,
          `AliasTarget.HostedZoneId ${hostedZoneId} is the alias zone of no AWS service${target.region ? ` in ${target.region}` : ''}`,
          'The alias HostedZoneId must be the canonical zone of the target service in its region; an invented id is rejected by Route 53.',
          candidates.length
            ? `Use the id of the real target's service: ${candidates.map((c) => `${SERVICE_LABEL[c.service]} ${c.id}`).join(', ')}.`
            : 'Use the canonical hosted zone id of the target service and region.',
        ),
      );
    }
  }
  // Both members on CloudFront: an alternate domain name can be on one distribution only ("Move an alternate domain
  // name", CloudFront Developer Guide, https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/alternate-domain-names-move.html:
  // CNAMEAlreadyExists), and CloudFront picks the distribution by the request's host name, not by the address.
  for (const [key, records] of byNameType(input.records)) {
    const cf = records.filter((r) => r.failover && r.alias && isCloudFront(r.alias.dnsName));
    if (new Set(cf.map((r) => r.failover)).size === 2)
      out.push(
        finding(
          'error',
          'cloudfront-both-members',
          cf[1] as RecordSet,
          `both failover members of ${key} alias a CloudFront distribution`,
          "It is CloudFront's rule, not Route 53's: an alternate domain name can be on one distribution only (CloudFront rejects a second with CNAMEAlreadyExists), and CloudFront serves a request by its host name from the distribution that has it, whichever distribution's addresses DNS returned. Failing over between two distributions changes nothing; one of them cannot even hold the name.",
          'Use one distribution with an origin group (origin failover), or fail over between regional endpoints behind it.',
        ),
      );
  }
  return out;
};

/** Runs every rule; `ok` is false when any finding is an error. */
export const checkSetup = (input: CheckInput): CheckReport => {
  const detection = detectionRows(input);
  const findings = sortFindings([
    ...input.notes,
    ...structureRules(input),
    ...zoneRules(input),
    ...aliasRules(input),
    ...mixedRoutingRules(input),
    ...cnameRules(input),
    ...healthRules(input),
    ...detectionFindings(input, detection),
    ...alarmRules(input),
  ]);
  return { ok: !findings.some((f) => f.severity === 'error'), findings, detection };
};
