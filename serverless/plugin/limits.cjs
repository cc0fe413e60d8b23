'use strict';
// AWS size limits the packaged stacks must stay within, checked at package time so that a config too large for one
// of them fails `serverless package` naming the limit, instead of failing (or half-applying) a CloudFormation update.
//
// - CloudFormation: 500 resources and 1 MB per template (a template in S3, as the framework and the nested alarm
//   stacks use) — "CloudFormation quotas", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
// - EventBridge: an event pattern of at most 2,048 characters (the default quota) — "Amazon EventBridge quotas",
//   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
// - IAM: a role's inline policies together at most 10,240 characters, whitespace not counted — "IAM and AWS STS
//   quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
// - SQS: a queue policy of at most 8,192 bytes — "Amazon SQS policy quotas",
//   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html
// - SNS: a topic policy of at most 30 KB (30,720 bytes) — "Amazon SNS endpoints and quotas",
//   https://docs.aws.amazon.com/general/latest/gr/sns.html
// Policies are measured after CloudFormation would resolve them: every Ref/GetAtt of a resource counts as a
// 128-character ARN (longer than any ARN of this stack), pseudo parameters as their longest value.
const MAX_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1_000_000;
const MAX_EVENT_PATTERN = 2048;
const MAX_ROLE_POLICY = 10_240;
const MAX_QUEUE_POLICY = 8192;
const MAX_TOPIC_POLICY = 30_720;
const ARN_PLACEHOLDER = 'x'.repeat(128);
const PSEUDO = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::Region': 'ap-southeast-5',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com.cn',
  'AWS::StackName': 'x'.repeat(128),
};

/** `value` with every intrinsic function replaced by a string at least as long as what CloudFormation puts there. */
const resolved = (value) => {
  if (typeof value === 'string' || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(resolved);
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = value[key];
    if (key === 'Ref') return PSEUDO[arg] ?? ARN_PLACEHOLDER;
    if (key === 'Fn::GetAtt') return ARN_PLACEHOLDER;
    if (key === 'Fn::Join') return resolved(arg[1]).join(arg[0]);
    if (key === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
      return text.replace(/\$\{([^}!]+)\}/g, (_, name) =>
        vars[name] !== undefined ? String(resolved(vars[name])) : (PSEUDO[name] ?? ARN_PLACEHOLDER),
      );
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolved(value[k])]));
};

/** Characters of a policy document as IAM counts them: resolved, serialised without whitespace between tokens. */
const policyLength = (doc) => JSON.stringify(resolved(doc)).length;
const eventPatternLength = (pattern) =>
  JSON.stringify(typeof pattern === 'string' ? JSON.parse(pattern) : pattern).length;

/**
 * Every finding of `template` (a root or nested template) over a limit, as sentences; `label` names the template.
 * `bytes` is its serialised size.
 */
const findingsOf = (template, label, bytes) => {
  const out = [];
  const resources = Object.entries(template.Resources || {});
  if (resources.length > MAX_RESOURCES)
    out.push(`${label} has ${resources.length} resources (CloudFormation allows ${MAX_RESOURCES} per template)`);
  if (bytes > MAX_TEMPLATE_BYTES)
    out.push(`${label} is ${bytes} bytes (CloudFormation allows 1 MB, ${MAX_TEMPLATE_BYTES} bytes, per template)`);
  for (const [id, r] of resources) {
    const p = r.Properties || {};
    if (r.Type === 'AWS::Events::Rule' && p.EventPattern) {
      const n = eventPatternLength(p.EventPattern);
      if (n > MAX_EVENT_PATTERN)
        out.push(`${label}: ${id}'s event pattern is ${n} characters (EventBridge allows ${MAX_EVENT_PATTERN})`);
    }
    if (r.Type === 'AWS::IAM::Role') {
      const n = (p.Policies || []).reduce((sum, pol) => sum + policyLength(pol.PolicyDocument), 0);
      if (n > MAX_ROLE_POLICY)
        out.push(
          `${label}: ${id}'s inline policies come to about ${n} characters (IAM allows ${MAX_ROLE_POLICY} per role)`,
        );
    }
    if (r.Type === 'AWS::SQS::QueuePolicy' && policyLength(p.PolicyDocument) > MAX_QUEUE_POLICY)
      out.push(`${label}: ${id} is over ${MAX_QUEUE_POLICY} bytes (the SQS queue policy limit)`);
    if (r.Type === 'AWS::SNS::TopicPolicy' && policyLength(p.PolicyDocument) > MAX_TOPIC_POLICY)
      out.push(`${label}: ${id} is over ${MAX_TOPIC_POLICY} bytes (the SNS topic policy limit)`);
  }
  return out;
};

/**
 * Throws the framework error listing every limit the root template or a nested one (`nested`: [{ file, template,
 * body }]) exceeds. Names what in failover.yml makes each grow.
 */
const checkLimits = (root, nested, error) => {
  const findings = [
    ...findingsOf(root, 'the stack template', Buffer.byteLength(JSON.stringify(root, null, 2))),
    ...nested.flatMap((s) => findingsOf(s.template, s.file, Buffer.byteLength(s.body))),
  ];
  if (findings.length === 0) return;
  throw error(
    `r53-failover: the packaged stack would exceed AWS limits: ${findings.join('; ')}. Groups add alarms (nested ` +
      "stacks), promotion hooks add RDS ARNs to promote-replica's role and RDS event rule; split failover.yml " +
      'across stages or name fewer promotion targets (see docs/deploy.md "Limits at scale").',
  );
};

/** `exact` while it fits in MAX_EVENT_PATTERN characters (widened: false), else `wide` (widened: true). */
const fitting = (exact, wide) =>
  eventPatternLength(exact) <= MAX_EVENT_PATTERN
    ? { pattern: exact, widened: false }
    : { pattern: wide(), widened: true };

/**
 * An EventBridge `SourceArn` filter for `arns` within `pattern`: the exact ARNs while the pattern fits in
 * MAX_EVENT_PATTERN characters, else one `prefix` per region and account (`arn:aws:rds:eu-west-1:123456789012:`),
 * which lets through other RDS events of those accounts and regions; promote-replica ignores events about
 * anything that is not a promotion in flight, so the wider filter costs invocations, not correctness.
 */
const sourceArnFilter = (pattern, arns) =>
  fitting({ ...pattern, detail: { ...(pattern.detail || {}), SourceArn: arns } }, () => {
    const prefixes = [...new Set(arns.map((arn) => `${arn.split(':').slice(0, 5).join(':')}:`))].sort();
    return { ...pattern, detail: { ...(pattern.detail || {}), SourceArn: prefixes.map((prefix) => ({ prefix })) } };
  });

/**
 * An EventBridge `alarmName` filter for `names` within `pattern`: the exact names while they fit, else the alarm
 * `prefix` they all start with (other alarms named with it in that region would be forwarded too; the recorder
 * records an alarm it cannot place as `unassigned`).
 */
const alarmNameFilter = (pattern, names, prefix) =>
  fitting({ ...pattern, detail: { ...(pattern.detail || {}), alarmName: names } }, () => ({
    ...pattern,
    detail: { ...(pattern.detail || {}), alarmName: [{ prefix }] },
  }));

module.exports = { alarmNameFilter, checkLimits, policyLength, sourceArnFilter, MAX_EVENT_PATTERN, MAX_ROLE_POLICY };
