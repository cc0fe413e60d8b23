'use strict';
// Recorder resources derived from failover.yml: the health check alarms per group member and the topic subscriptions.
// The alarms live in nested stacks (alarm-stacks.cjs); their actions name the alarm topic through a stack parameter.
const NOTIFICATION_TOPIC_ID = 'NotificationTopic';
const ROLES = ['primary', 'secondary'];

/**
 * The HealthCheckStatus alarms of the named groups (one per member), keyed by logical id; every state change notifies
 * `topic` (a Ref to the nested stack's AlarmTopicArn parameter).
 */
const alarmResources = (groups, { config, tools, prefix, topic, error }) => {
  if (!config || !tools) throw error('r53-failover: config was not validated before compiling events');
  const actions = [topic];
  const resources = {};
  for (const group of groups) {
    const g = config.groups[group];
    for (const role of ROLES) {
      const member = g[role];
      const id = alarmLogicalId(group, role);
      if (resources[id]) throw error(`r53-failover: logical id ${id} (alarm for ${group} ${role}) is already in use`);
      resources[id] = {
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
      };
    }
  }
  return resources;
};

/** `orders-api`, `primary` → `OrdersDashapiPrimaryHealthAlarm`: alphanumeric, and distinct for distinct group names. */
const alarmLogicalId = (group, role) => `${normalize(group)}${normalize(role)}HealthAlarm`;
const normalize = (name) => {
  const s = name.replace(/-/g, 'Dash');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

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
