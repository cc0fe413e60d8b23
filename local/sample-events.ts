import { createHash } from 'node:crypto';
import type { AlarmStateValue } from '../shared/core/alarm-event.js';
import { elbNamespaceOf, targetGroupHealthQuery } from '../shared/config/lookups.js';

/** The account sample events come from unless a transition names another. */
export const SAMPLE_ACCOUNT = '123456789012';

/** Builds alarm payloads in AWS's delivered shapes (EventBridge, SNS, Lambda alarm action) for the demo, tests and bench. */
export interface SampleTransition {
  alarmName: string;
  /** The Route 53 health check a `HealthCheckStatus` alarm watches (leave empty for a target-group alarm). */
  healthCheckId: string;
  /**
   * A target-group alarm instead (`HealthyHostCount` Minimum < 1 of an ALB/NLB, in the load balancer's region): the
   * `TargetGroup` dimension, and the `LoadBalancer` one. Without a load balancer the alarm is the Metrics Insights
   * query the stack creates then (`… WHERE TargetGroup = '…'`).
   */
  targetGroup?: string;
  loadBalancer?: string;
  /** Default: AWS/NetworkELB for a `net/…` load balancer, else AWS/ApplicationELB. */
  namespace?: 'AWS/ApplicationELB' | 'AWS/NetworkELB';
  state: AlarmStateValue;
  previousState: AlarmStateValue;
  /** ISO 8601 instant of the state change. */
  at: string;
  account?: string;
  region?: string;
  reason?: string;
}

const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-central-1': 'EU (Frankfurt)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
};

/** `2025-06-12T14:03:27.412Z` → `2025-06-12T14:03:27.412+0000`, the form CloudWatch writes. */
export const cloudWatchTime = (iso: string): string => new Date(iso).toISOString().replace('Z', '+0000');

const uuidFrom = (seed: string): string => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const arnOf = (t: SampleTransition) =>
  `arn:aws:cloudwatch:${t.region ?? 'us-east-1'}:${t.account ?? SAMPLE_ACCOUNT}:alarm:${t.alarmName}`;

const defaultReason = (t: SampleTransition) =>
  t.state === 'ALARM'
    ? 'Threshold Crossed: 1 out of the last 1 datapoints [0.0] was less than the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).'
    : t.state === 'OK'
      ? 'Threshold Crossed: 1 out of the last 1 datapoints [1.0] was not less than the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).'
      : 'Insufficient Data: 1 datapoint was unknown.';

const elbNamespace = (t: SampleTransition) => t.namespace ?? elbNamespaceOf(t.loadBalancer ?? '');

/** The Metrics Insights query of a target-group alarm that names no load balancer. */
export const targetGroupQuery = (t: Pick<SampleTransition, 'targetGroup' | 'loadBalancer' | 'namespace'>): string =>
  targetGroupHealthQuery(t.targetGroup ?? '', elbNamespace(t as SampleTransition));

/** The alarm's metric in the EventBridge / alarm-action form. */
const detailMetric = (t: SampleTransition, id: string) => {
  if (t.targetGroup && !t.loadBalancer) return { id, expression: targetGroupQuery(t), period: 60, returnData: true };
  const metric = t.targetGroup
    ? {
        namespace: elbNamespace(t),
        name: 'HealthyHostCount',
        dimensions: { TargetGroup: t.targetGroup, LoadBalancer: t.loadBalancer },
      }
    : { namespace: 'AWS/Route53', name: 'HealthCheckStatus', dimensions: { HealthCheckId: t.healthCheckId } };
  return { id, metricStat: { metric, period: 60, stat: 'Minimum' }, returnData: true };
};

/** The alarm's metric in the SNS form (`Trigger`). */
const snsTrigger = (t: SampleTransition) => {
  const common = { Period: 60, EvaluationPeriods: 1, ComparisonOperator: 'LessThanThreshold', Threshold: 1.0 };
  if (t.targetGroup && !t.loadBalancer)
    return { Metrics: [{ Id: 'q1', Expression: targetGroupQuery(t), ReturnData: true }], ...common };
  return {
    ...(t.targetGroup
      ? {
          MetricName: 'HealthyHostCount',
          Namespace: elbNamespace(t),
          Dimensions: [
            { value: t.targetGroup, name: 'TargetGroup' },
            { value: t.loadBalancer, name: 'LoadBalancer' },
          ],
        }
      : {
          MetricName: 'HealthCheckStatus',
          Namespace: 'AWS/Route53',
          Dimensions: [{ value: t.healthCheckId, name: 'HealthCheckId' }],
        }),
    StatisticType: 'Statistic',
    Statistic: 'MINIMUM',
    Unit: null,
    ...common,
    TreatMissingData: 'missing',
  };
};

const detailOf = (t: SampleTransition) => ({
  alarmName: t.alarmName,
  state: { value: t.state, reason: t.reason ?? defaultReason(t), timestamp: cloudWatchTime(t.at) },
  previousState: {
    value: t.previousState,
    reason: 'previous',
    timestamp: cloudWatchTime(new Date(Date.parse(t.at) - 3_600_000).toISOString()),
  },
  configuration: { metrics: [detailMetric(t, uuidFrom(`${t.alarmName}${t.at}`))] },
});

export const eventBridgeEvent = (t: SampleTransition) => ({
  version: '0',
  id: uuidFrom(`eb:${t.alarmName}:${t.state}:${t.at}`),
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: t.account ?? SAMPLE_ACCOUNT,
  time: new Date(Date.parse(t.at)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: t.region ?? 'us-east-1',
  resources: [arnOf(t)],
  detail: detailOf(t),
});

export const alarmActionEvent = (t: SampleTransition) => ({
  source: 'aws.cloudwatch',
  alarmArn: arnOf(t),
  accountId: t.account ?? SAMPLE_ACCOUNT,
  time: cloudWatchTime(t.at),
  region: t.region ?? 'us-east-1',
  alarmData: detailOf(t),
});

export const snsEvent = (t: SampleTransition) => {
  const region = t.region ?? 'us-east-1';
  const topic = `arn:aws:sns:${region}:${t.account ?? SAMPLE_ACCOUNT}:r53-failover-alarms`;
  const message = {
    AlarmName: t.alarmName,
    AlarmDescription: t.targetGroup ? `Target group ${t.targetGroup}` : `Route 53 health check ${t.healthCheckId}`,
    AWSAccountId: t.account ?? SAMPLE_ACCOUNT,
    NewStateValue: t.state,
    NewStateReason: t.reason ?? defaultReason(t),
    StateChangeTime: cloudWatchTime(t.at),
    Region: REGION_NAMES[region] ?? region,
    AlarmArn: arnOf(t),
    OldStateValue: t.previousState,
    Trigger: snsTrigger(t),
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topic}:${uuidFrom(topic)}`,
        Sns: {
          Type: 'Notification',
          MessageId: uuidFrom(`sns:${t.alarmName}:${t.state}:${t.at}`),
          TopicArn: topic,
          Subject: `${t.state}: "${t.alarmName}" in ${REGION_NAMES[region] ?? region}`.slice(0, 100),
          Message: JSON.stringify(message),
          Timestamp: new Date(Date.parse(t.at) + 180).toISOString(),
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
};
