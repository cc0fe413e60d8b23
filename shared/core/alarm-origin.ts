import { type AlarmTransition, arnParts, type ForeignAlarm } from './alarm-event.js';

/**
 * Whether an alarm notification can be one of ours. Payloads that reach the recorder through SNS or a Lambda alarm
 * action carry whatever ARN their sender wrote; EventBridge `aws.*` events cannot be forged (PutEvents answers
 * NotAuthorizedForSourceException for an `aws.` source: "PutEvents", Amazon EventBridge API Reference,
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html), but they get the same check, which
 * a genuine one always passes.
 */

/**
 * Route 53 publishes health check metrics (`AWS/Route53`) to CloudWatch only in US East (N. Virginia), so every alarm
 * on them lives there. "Monitoring health checks using CloudWatch", Amazon Route 53 Developer Guide,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html
 */
export const ROUTE53_METRICS_REGION = 'us-east-1';

/**
 * Why `t` is not one of this deployment's alarms, or undefined. The account of its ARN (and of the envelope, when the
 * payload names one) must be `expectedAccount`; absent, the account is not checked. The region, whatever the account:
 * - an `AWS/Route53` health check alarm: us-east-1 (ROUTE53_METRICS_REGION);
 * - a target-group alarm (`HealthyHostCount` of an ALB/NLB): the region of the target group it names, since ELB
 *   publishes its metrics in the load balancer's region and an EventBridge rule there forwards the alarm's state
 *   changes to the us-east-1 default bus unchanged (the event keeps its source `region` and `account`: "Sending and
 *   receiving events between AWS Regions in Amazon EventBridge", Amazon EventBridge User Guide,
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html). `targetGroupRegion` says where
 *   a configured target group is; a target group in no member has no known region and is recorded as `unassigned`.
 */
export const foreignAlarm = (
  t: Pick<AlarmTransition, 'alarmArn' | 'accountId' | 'region' | 'targetGroup'>,
  expectedAccount: string | undefined,
  targetGroupRegion: (targetGroup: string) => string | undefined = () => undefined,
): ForeignAlarm | undefined => {
  const arn = arnParts(t.alarmArn);
  if (expectedAccount) {
    const other = [arn?.accountId, t.accountId].find((a) => a && a !== expectedAccount);
    if (other)
      return {
        rule: 'foreign-account',
        reason: `alarm ${t.alarmArn} is in account ${other}, not this deployment's account ${expectedAccount}: not one of our alarms, nothing recorded`,
      };
  }
  const regions = [arn?.region, t.region].filter((r): r is string => Boolean(r));
  if (t.targetGroup) {
    const home = targetGroupRegion(t.targetGroup);
    const [first] = regions;
    const region = home ? regions.find((r) => r !== home) : regions.find((r) => r !== first);
    if (region)
      return {
        rule: 'foreign-region',
        reason: home
          ? `alarm ${t.alarmArn} is in region ${region}; target group ${t.targetGroup} is in ${home} (failover.yml), where its HealthyHostCount alarm lives: not one of our alarms, nothing recorded`
          : `alarm ${t.alarmArn} names region ${first} and ${region}; a target-group alarm comes from one region: not one of our alarms, nothing recorded`,
      };
    return undefined;
  }
  const region = regions.find((r) => r !== ROUTE53_METRICS_REGION);
  if (region)
    return {
      rule: 'foreign-region',
      reason: `alarm ${t.alarmArn} is in region ${region}; AWS/Route53 health check alarms exist only in ${ROUTE53_METRICS_REGION}: not one of our alarms, nothing recorded`,
    };
  return undefined;
};
