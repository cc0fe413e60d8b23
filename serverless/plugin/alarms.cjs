'use strict';
// Recorder resources derived from failover.yml: the health alarms per group member and the topic subscriptions.
// The alarms live in nested stacks (alarm-stacks.cjs); their actions name the alarm topic through a stack parameter.
// A member's alarms follow its health basis: a health check → one HealthCheckStatus alarm (us-east-1, the recorder
// stack); targetHealth → one HealthyHostCount alarm per target group in its region (target-health.cjs); none → none.
const { idPart, targetGroupAlarmResource } = require('./target-health.cjs');

const NOTIFICATION_TOPIC_ID = 'NotificationTopic';
const ROLES = ['primary', 'secondary'];

/**
 * The alarms of the named groups that live in this stack, keyed by logical id: the HealthCheckStatus alarms when
 * `healthChecks` (the recorder stack), and the target group alarms (`targetGroups`: target-health.cjs
 * targetGroupAlarms, already limited to this stack's region). Every state change notifies `topic` (a Ref to the
 * nested stack's AlarmTopicArn parameter) when there is one.
 */
const alarmResources = (groups, { config, tools, prefix, topic, healthChecks = true, targetGroups = [], error }) => {
  if (!config || !tools) throw error('r53-failover: config was not validated before compiling events');
  const actions = topic ? [topic] : undefined;
  const resources = {};
  const add = (id, what, resource) => {
    if (resources[id]) throw error(`r53-failover: logical id ${id} (alarm for ${what}) is already in use`);
    resources[id] = resource;
  };
  for (const group of groups) {
    const g = config.groups[group];
    for (const role of healthChecks ? ROLES : []) {
      const member = g[role];
      if (!member.healthCheckId) continue;
      add(alarmLogicalId(group, role), `${group} ${role}`, {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: tools.alarmNameFor(prefix, group, role),
          AlarmDescription:
            `${group} ${role} (${member.region}): Route 53 health check ${member.healthCheckId} is unhealthy ` +
            '(HealthCheckStatus Minimum < 1 over 1 minute). Managed by r53-failover.',
          Namespace: 'AWS/Route53',
          MetricName: 'HealthCheckStatus',
          Dimensions: [{ Name: 'HealthCheckId', Value: member.healthCheckId }],
          Statistic: 'Minimum',
          Period: 60,
          EvaluationPeriods: 1,
          DatapointsToAlarm: 1,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          // Missing data is never read as healthy: a check that stops reporting ends INSUFFICIENT_DATA (also notified).
          TreatMissingData: 'missing',
          ActionsEnabled: true,
          AlarmActions: actions,
          OKActions: actions,
          InsufficientDataActions: actions,
        },
      });
    }
    for (const t of targetGroups.filter((a) => a.group === group)) {
      add(t.logicalId, `${group} ${t.role} target group ${t.targetGroup}`, targetGroupAlarmResource(t, actions));
    }
  }
  return resources;
};

/** `orders-api`, `primary` → `OrdersDashapiPrimaryHealthAlarm`: alphanumeric, and distinct for distinct group names. */
const alarmLogicalId = (group, role) => `${idPart(group)}${idPart(role)}HealthAlarm`;

/** Email/SMS/… subscriptions to the notification topic, from failover.yml notify.sns.subscriptions. */
const addSubscriptions = (resources, config) => {
  const subs = config.notify?.sns?.subscriptions || [];
  subs.forEach((sub, i) => {
    resources[`NotificationSubscription${i + 1}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: NOTIFICATION_TOPIC_ID }, Protocol: sub.protocol, Endpoint: sub.endpoint },
    };
  });
};

module.exports = { alarmResources, addSubscriptions, ROLES };
