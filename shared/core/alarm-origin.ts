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
 * Why `t` (an `AWS/Route53` health check alarm) is not one of this deployment's alarms, or undefined. The account of
 * its ARN (and of the envelope, when the payload names one) must be `expectedAccount`; absent, the account is not
 * checked. The region must be us-east-1 whatever the account.
 */
export const foreignAlarm = (
  t: Pick<AlarmTransition, 'alarmArn' | 'accountId' | 'region'>,
  expectedAccount: string | undefined,
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
  const region = [arn?.region, t.region].find((r) => r && r !== ROUTE53_METRICS_REGION);
  if (region)
    return {
      rule: 'foreign-region',
      reason: `alarm ${t.alarmArn} is in region ${region}; AWS/Route53 health check alarms exist only in ${ROUTE53_METRICS_REGION}: not one of our alarms, nothing recorded`,
    };
  return undefined;
};
