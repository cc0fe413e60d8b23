import { byNameType, recordLabel, type CheckInput, type Finding, type RecordSet } from './findings.js';

const SHALLOW_HTTP = new Set(['HTTP', 'HTTPS']);

const failoverRecords = (input: CheckInput) =>
  input.records.filter((r): r is RecordSet & { failover: 'PRIMARY' | 'SECONDARY' } => r.failover !== undefined);

/** The health checks failover records reference, once each, with the first record that names it. */
const referencedHealthChecks = (input: CheckInput): Map<string, RecordSet> => {
  const out = new Map<string, RecordSet>();
  for (const r of failoverRecords(input)) if (r.healthCheckId && !out.has(r.healthCheckId)) out.set(r.healthCheckId, r);
  return out;
};

const DEEP_FIX =
  'Use an HTTPS_STR_MATCH health check on /healthz that reads the database and returns a marker such as "db":"up" (SearchString), ' +
  'and add r53-failover probes (bodyContains / jsonPath) so a "200 OK but broken" primary is caught from several regions.';

/** Health evaluation of both members, depth of the health checks, detection time. */
export const healthRules = (input: CheckInput): Finding[] => {
  const out: Finding[] = [];
  for (const r of failoverRecords(input)) {
    const evaluated = Boolean(r.healthCheckId) || Boolean(r.alias?.evaluateTargetHealth) || Boolean(r.targetHealth);
    // failover.yml says so with `healthCheck: none`; a record set by leaving out HealthCheckId and EvaluateTargetHealth.
    const fromConfig = input.mode === 'config';
    if (!evaluated && r.failover === 'PRIMARY')
      out.push({
        severity: 'error',
        rule: 'primary-no-health',
        record: recordLabel(r),
        message: fromConfig
          ? `PRIMARY has healthCheck: none (${r.source})`
          : 'PRIMARY has neither a HealthCheckId nor AliasTarget.EvaluateTargetHealth: true',
        why: 'Route 53 treats a primary it does not evaluate as always healthy: it never fails over, whatever happens to the endpoint.',
        fix: fromConfig
          ? 'Attach a health check (healthCheckId) or Evaluate Target Health on an ALB/NLB alias (targetHealth) to the PRIMARY record, and say so in failover.yml.'
          : r.alias
            ? 'Set "EvaluateTargetHealth": true (ALB/NLB target health) and/or add "HealthCheckId" of a health check on the primary endpoint.'
            : 'Add "HealthCheckId" of a Route 53 health check that tests the primary endpoint.',
      });
    if (!evaluated && r.failover === 'SECONDARY')
      out.push({
        severity: 'warning',
        rule: 'secondary-no-health',
        record: recordLabel(r),
        message: fromConfig
          ? `SECONDARY has healthCheck: none (${r.source})`
          : 'SECONDARY has no health check (and no EvaluateTargetHealth)',
        why: 'If the standby is broken too, Route 53 still answers it as healthy, and nobody learns the standby is down until it is needed.',
        fix: 'Add a HealthCheckId (or EvaluateTargetHealth: true on an alias) to the SECONDARY as well.',
      });
  }
  for (const [id, r] of referencedHealthChecks(input)) {
    const hc = input.healthChecks?.get(id);
    if (hc && !hc.exists) {
      out.push({
        severity: 'error',
        rule: 'health-check-missing',
        record: recordLabel(r),
        message: `health check ${id} does not exist`,
        why: 'A record whose health check is gone is judged by nothing; Route 53 may keep answering a dead endpoint.',
        fix: 'Create the health check again and update HealthCheckId on the record (and in failover.yml).',
      });
      continue;
    }
    if (hc) {
      const path = hc.resourcePath ?? '';
      const shallow =
        hc.type === 'TCP'
          ? 'only opens a TCP connection'
          : SHALLOW_HTTP.has(hc.type) && (path === '' || path === '/')
            ? `requests only ${hc.type} ${path || '/'} with no SearchString`
            : undefined;
      if (shallow)
        out.push({
          severity: 'warning',
          rule: 'shallow-health-check',
          record: recordLabel(r),
          message: `health check ${id}${hc.fqdn ? ` (${hc.fqdn})` : ''} ${shallow}`,
          why: 'A load balancer or web server answers 200 (or accepts the connection) while the application behind it is broken: Route 53 stays on the broken primary.',
          fix: DEEP_FIX,
        });
    }
    if (input.probeCounts?.get(id) === 0)
      out.push({
        severity: 'warning',
        rule: 'unverified-health-check',
        record: recordLabel(r),
        message: `no r53-failover probes on this member; only Route 53 health check ${id} judges it`,
        why: 'failover.yml does not say what the health check tests; if it is "/" or TCP only, a "200 OK but broken" member stays in service and nothing disagrees.',
        fix: `Give the member an endpoint (/healthz) or probes with bodyContains or jsonPath. ${DEEP_FIX}`,
      });
  }
  for (const [key, records] of byNameType(failoverRecords(input))) {
    const primary = records.find((r) => r.failover === 'PRIMARY');
    const secondary = records.find((r) => r.failover === 'SECONDARY' && r.healthCheckId === primary?.healthCheckId);
    if (!primary?.healthCheckId || !secondary) continue;
    out.push({
      severity: 'error',
      rule: 'shared-health-check',
      record: recordLabel(secondary),
      message: `both members of ${key} use health check ${primary.healthCheckId}`,
      why: 'Both members then turn unhealthy together, and when every record is unhealthy Route 53 treats them all as healthy and answers the PRIMARY: the pair never fails over. r53-failover cannot tell the members apart either (a health check belongs to one member).',
      fix: 'Give each member its own health check on its own endpoint (the standby region’s address or load balancer).',
    });
  }
  return out;
};

/** Whether each failover health check has a HealthCheckStatus alarm (live, --check-alarms), or who creates them. */
export const alarmRules = (input: CheckInput): Finding[] => {
  const referenced = referencedHealthChecks(input);
  const targetGroups = new Set(failoverRecords(input).flatMap((r) => r.targetHealth?.targetGroupArns ?? []));
  if (input.mode === 'config' && referenced.size + targetGroups.size > 0) {
    // A target group ARN's fourth field is its region: the alarm lives there (us-east-1: the recorder stack).
    const elsewhere = [...new Set([...targetGroups].map((arn) => arn.split(':')[3] ?? ''))]
      .filter((r) => r !== 'us-east-1')
      .sort();
    const where = elsewhere.length
      ? `in its load balancer's region (us-east-1 in this stack; ${elsewhere.join(', ')} in the regional stack there)`
      : 'in this stack (us-east-1)';
    return [
      {
        severity: 'info',
        rule: 'alarms-by-deploy',
        record: '(all groups)',
        message:
          `serverless deploy creates one HealthCheckStatus alarm per health check member (${referenced.size})` +
          (targetGroups.size
            ? `, and one HealthyHostCount alarm per target group (${targetGroups.size}) ${where}`
            : ''),
        why: "r53-failover records and notifies failovers from those alarms' state changes: HealthCheckStatus in us-east-1 where Route 53 publishes it, HealthyHostCount where each load balancer is, forwarded to us-east-1.",
        fix: `Deploy the stack in us-east-1${elsewhere.length ? ` and the regional stack (serverless.probe.yml) in ${elsewhere.join(', ')}` : ''} with this failover.yml; check --hosted-zone-id Z… --check-alarms verifies the health check alarms afterwards.`,
      },
    ];
  }
  if (referenced.size === 0) return [];
  if (input.mode !== 'live') return [];
  if (!input.alarms)
    return [
      {
        severity: 'info',
        rule: 'alarms-not-checked',
        record: '(zone)',
        message: 'CloudWatch alarms on the failover health checks were not checked',
        why: 'Without a HealthCheckStatus alarm a failover happens silently: nothing is recorded or notified.',
        fix: 'Run again with --check-alarms (reads DescribeAlarms in us-east-1).',
      },
    ];
  const out: Finding[] = [];
  for (const [id, r] of referenced) {
    if ((input.alarms.get(id) ?? []).length > 0) continue;
    out.push({
      severity: 'warning',
      rule: 'no-alarm',
      record: recordLabel(r),
      message: `no CloudWatch alarm on AWS/Route53 HealthCheckStatus for health check ${id}`,
      why: 'Route 53 fails over on its own, but without an alarm nobody is told, and r53-failover records nothing.',
      fix:
        'Add the group to failover.yml and serverless deploy (creates r53-failover-<stage>-<group>-<role>-health), or create an alarm in us-east-1: ' +
        `HealthCheckStatus, dimension HealthCheckId=${id}, Minimum < 1 over 1 minute.`,
    });
  }
  return out;
};
