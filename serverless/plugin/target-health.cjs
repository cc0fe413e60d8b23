'use strict';
// Target-health alarms: a `targetHealth` member (an alias record to an ALB/NLB with Evaluate Target Health and no
// Route 53 health check) has no HealthCheckStatus metric. What Route 53 judges it by is its load balancer's target
// groups: "For an Application or Network Load Balancer to be considered healthy, every target group that contains
// targets must contain at least one healthy target [...] A target group that has no registered targets is considered
// unhealthy" (Route 53 API Reference, AliasTarget, EvaluateTargetHealth). So each target group gets one alarm on
// HealthyHostCount, Minimum < 1 over 60 s, in the load balancer's region (the member's region: ELB publishes its
// metrics there, and an alarm reads metrics of its own region only).
//
// Where the alarm lives: in the recorder stack's nested alarm stacks when the load balancer is in us-east-1 (the
// recorder's EventBridge rule sees it directly, and its actions notify the alarm topic like the health check alarms);
// otherwise in the probe stack (serverless.probe.yml) deployed in that region, whose rule `…-target-health-forward`
// forwards their state changes to the us-east-1 default event bus ("Sending and receiving events between AWS Regions
// in Amazon EventBridge", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
//
// TreatMissingData is `breaching`. ELB reports a metric only when it has data ("If there are no requests flowing
// through the load balancer or no data for a metric, the metric is not reported"; HealthyHostCount: "Reported if
// health checks are enabled" — "CloudWatch metrics for your Application Load Balancer",
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html): a target
// group with no registered target has nothing to health-check, so nothing is published, and Route 53 counts that
// target group as unhealthy. A late datapoint does not flip the alarm: with 1 evaluation period, CloudWatch reads the
// most recent real datapoint of its evaluation range and fills in missing data only when there is none ("Configuring
// how CloudWatch alarms treat missing data", CloudWatch User Guide).
const { alarmNameFilter } = require('./limits.cjs');

/** CloudWatch's limit on AlarmName ("PutMetricAlarm", CloudWatch API Reference: 1 to 255 characters). */
const MAX_ALARM_NAME = 255;
/** serverless.probe.yml: forwards this region's target-health alarm state changes to the us-east-1 default bus. */
const FORWARD_RULE_ID = 'TargetHealthForwardRule';
const FORWARD_ROLE_ID = 'TargetHealthForwardRole';

/** `orders-api` → `OrdersDashapi`: the alarms' logical id parts (alphanumeric, distinct for distinct names). */
const idPart = (name) => {
  const s = name.replace(/-/g, 'Dash');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/**
 * Every target group alarm failover.yml asks for, sorted by alarm name: { group, role, region, targetGroupArn,
 * targetGroup (dimension), loadBalancer (dimension, or undefined), namespace (its metrics', when the load balancer is
 * known), query (the Metrics Insights query, when it is not), alarmName, logicalId }. The logical id holds the target group's id (16 hex digits, from its ARN), so
 * reordering targetGroupArns never replaces an alarm.
 */
const targetGroupAlarms = (config, { tools, prefix, error }) => {
  const out = [];
  for (const [group, g] of Object.entries(config.groups)) {
    for (const role of ['primary', 'secondary']) {
      const member = g[role];
      const basis = tools.healthBasisOf(member);
      if (basis.kind !== 'target-health') continue;
      const loadBalancer = basis.loadBalancerArn ? tools.loadBalancerDimension(basis.loadBalancerArn) : undefined;
      for (const arn of basis.targetGroupArns) {
        const targetGroup = tools.targetGroupDimension(arn);
        const alarmName = tools.targetGroupAlarmNameFor(prefix, group, role, arn);
        if (alarmName.length > MAX_ALARM_NAME) {
          throw error(
            `r53-failover: the alarm name for groups.${group}.${role}.targetHealth target group ${targetGroup} would be ` +
              `${alarmName.length} characters; CloudWatch allows ${MAX_ALARM_NAME}. Use a shorter group name, stage or alarm prefix.`,
          );
        }
        const logicalId = `${idPart(group)}${idPart(role)}TargetGroup${targetGroup.split('/')[2]}Alarm`;
        out.push({
          group,
          role,
          region: member.region,
          targetGroupArn: arn,
          targetGroup,
          loadBalancer,
          namespace: loadBalancer ? tools.elbNamespaceOf(loadBalancer) : undefined,
          query: loadBalancer ? undefined : tools.targetGroupHealthQuery(targetGroup),
          alarmName,
          logicalId,
        });
      }
    }
  }
  return out.sort((a, b) => (a.alarmName < b.alarmName ? -1 : a.alarmName > b.alarmName ? 1 : 0));
};

/**
 * One alarm resource: the metric with both dimensions when the load balancer is known (its ARN says app/ or net/,
 * hence the namespace), else a Metrics Insights query on the TargetGroup dimension alone (a metric alarm needs every
 * dimension ELB publishes the metric with). `actions`: the alarm topic (recorder stack) or none (forwarded instead).
 */
const targetGroupAlarmResource = (t, actions) => {
  const [, tgName] = t.targetGroup.split('/');
  const reading = t.loadBalancer
    ? {
        Namespace: t.namespace,
        MetricName: 'HealthyHostCount',
        Dimensions: [
          { Name: 'TargetGroup', Value: t.targetGroup },
          { Name: 'LoadBalancer', Value: t.loadBalancer },
        ],
        Statistic: 'Minimum',
        Period: 60,
      }
    : {
        Metrics: [{ Id: 'healthy', Expression: t.query, Period: 60, ReturnData: true }],
      };
  const via = t.loadBalancer ? `load balancer ${t.loadBalancer}` : 'load balancer not configured: Metrics Insights';
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: t.alarmName,
      AlarmDescription:
        `${t.group} ${t.role} (${t.region}): target group ${tgName} has no healthy target (HealthyHostCount Minimum < 1 ` +
        `over 1 minute; ${via}); Route 53 then treats the alias record (Evaluate Target Health) as unhealthy. ` +
        'Managed by r53-failover.',
      ...reading,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      // No datapoint: an empty target group, which Route 53 counts as unhealthy (see the top of this file).
      TreatMissingData: 'breaching',
      ...(actions
        ? { ActionsEnabled: true, AlarmActions: actions, OKActions: actions, InsufficientDataActions: actions }
        : {}),
    },
  };
};

/**
 * serverless.probe.yml's forwarding rule: matches the state changes of this region's target-health alarms (their
 * exact names while they fit in an event pattern, else the alarm prefix); the rule and its role are dropped where the
 * region holds none.
 */
const configureTargetHealthForwarding = (resources, { alarms, prefix, region, log }) => {
  const rule = resources[FORWARD_RULE_ID];
  if (!rule) return;
  if (alarms.length === 0) {
    delete resources[FORWARD_RULE_ID];
    delete resources[FORWARD_ROLE_ID];
    log.verbose(`r53-failover: no target-health member in ${region}: no target-health alarms or forwarding rule`);
    return;
  }
  const names = alarms.map((t) => t.alarmName);
  const { pattern, widened } = alarmNameFilter(rule.Properties.EventPattern, names, prefix);
  rule.Properties.EventPattern = pattern;
  log.verbose(`r53-failover: forwarding ${names.length} target-health alarm(s) in ${region} to us-east-1`);
  if (widened) {
    log.notice(
      `r53-failover: ${names.length} target-health alarm names do not fit in ${FORWARD_RULE_ID}'s event pattern ` +
        `(2,048 characters): it forwards every alarm in ${region} whose name starts with ${prefix}`,
    );
  }
};

/** The package log: where target-health alarms need a probe stack, and which ones read a Metrics Insights query. */
const reportTargetHealth = (all, { here, recorder, configName, stage, log }) => {
  for (const t of all.filter((a) => a.region === here && !a.loadBalancer)) {
    log.notice(
      `r53-failover: groups.${t.group}.${t.role}.targetHealth names no loadBalancerArn: the alarm on ${t.targetGroup} ` +
        'queries AWS/ApplicationELB with Metrics Insights; for a Network Load Balancer target group it would never see ' +
        'a datapoint (and stay in ALARM): add loadBalancerArn (`r53-failover init` fills it in)',
    );
  }
  if (!recorder) return;
  const elsewhere = [...new Set(all.filter((a) => a.region !== here).map((a) => a.region))].sort();
  if (elsewhere.length === 0) return;
  log.notice(
    `r53-failover: target-health alarms of ${configName} live in ${elsewhere.join(', ')}: deploy the regional stack ` +
      `there too (${elsewhere
        .map((r) => `npx serverless deploy --config serverless.probe.yml --stage ${stage} --region ${r}`)
        .join('; ')})`,
  );
};

module.exports = {
  idPart,
  targetGroupAlarms,
  targetGroupAlarmResource,
  configureTargetHealthForwarding,
  reportTargetHealth,
  FORWARD_RULE_ID,
  FORWARD_ROLE_ID,
};
