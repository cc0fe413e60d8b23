'use strict';
// The recorder stack watches itself: alarms on the DLQ, each function's errors and throttles, the ledger stream
// consumers' iterator age and each probe region's heartbeat, all named `<opsPrefix>…` and notifying the
// NotificationTopic; plus the dashboard (dashboard.cjs). The notify function's ops rule (serverless.yml) turns the
// same state changes into notifications on the configured channels.
const { opsDashboard } = require('./dashboard.cjs');

const TOPIC_ID = 'NotificationTopic';
const DLQ_ID = 'DeadLetterQueue';
const DASHBOARD_ID = 'OpsDashboard';
/** The heartbeat (shared/probe/heartbeat.ts) and its alarm: RoundCompleted per ProbeRegion, in the recorder's region. */
const PROBES_NAMESPACE = 'R53Failover/Probes';
const HEARTBEAT_METRIC = 'RoundCompleted';
/** Minutes without a probe round before a probe region counts as silent. */
const SILENT_MINUTES = 3;
/** A stream consumer this far behind the ledger stream is alarming (notifications and promotions wait on it). */
const ITERATOR_AGE_MS = 5 * 60 * 1000;

/** `eu-west-1` → `EuWest1`, `record-failover` → `RecordFailover`: logical id parts. */
const pascal = (s) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

/**
 * Alarm resource with the stack's common settings: ALARM and OK publish to the NotificationTopic (so subscribers hear
 * about it even when notify is what fails). `missing` says what no data means (CloudWatch User Guide, "Configuring
 * how CloudWatch alarms treat missing data"): `notBreaching` for counters that report nothing when nothing happens,
 * `breaching` for the heartbeat, whose silence is the failure.
 */
const alarm = ({
  name,
  description,
  namespace,
  metric,
  dimensions,
  statistic,
  period,
  periods,
  threshold,
  op,
  missing,
}) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    AlarmName: name,
    AlarmDescription: `${description} Managed by r53-failover.`,
    Namespace: namespace,
    MetricName: metric,
    Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    Statistic: statistic,
    Period: period,
    EvaluationPeriods: periods,
    DatapointsToAlarm: periods,
    Threshold: threshold,
    ComparisonOperator: op,
    TreatMissingData: missing,
    ActionsEnabled: true,
    AlarmActions: [{ Ref: TOPIC_ID }],
    OKActions: [{ Ref: TOPIC_ID }],
  },
});

/**
 * The ops alarms, by logical id. `functions`: `{ key, name, logicalId, stream }` per function (stream: it reads the
 * ledger stream); `probeRegions`: every group's probe regions.
 */
const opsAlarms = ({ opsPrefix, functions, probeRegions }) => {
  const out = {};
  out.OpsDeadLetterQueueAlarm = alarm({
    name: `${opsPrefix}dlq-messages`,
    description:
      'Messages wait in the dead-letter queue: an alarm event, a ledger stream batch or a notification could not be ' +
      'processed. Read them and replay or resend (docs/deploy.md, "Dead-letter queue").',
    namespace: 'AWS/SQS',
    metric: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: { 'Fn::GetAtt': [DLQ_ID, 'QueueName'] } },
    statistic: 'Maximum',
    // SQS reports queue metrics every minute, and not at all for a queue idle for hours: no data is an empty queue
    // (SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS").
    period: 60,
    periods: 1,
    threshold: 0,
    op: 'GreaterThanThreshold',
    missing: 'notBreaching',
  });
  for (const fn of functions) {
    const base = pascal(fn.key);
    const dims = { FunctionName: { Ref: fn.logicalId } };
    // Any error or throttle in 5 minutes: a Lambda metric that reports nothing while nothing happens.
    const counter = (metric, suffix, description) =>
      alarm({
        name: `${opsPrefix}${fn.key}-${suffix}`,
        description,
        namespace: 'AWS/Lambda',
        metric,
        dimensions: dims,
        statistic: 'Sum',
        period: 300,
        periods: 1,
        threshold: 1,
        op: 'GreaterThanOrEqualToThreshold',
        missing: 'notBreaching',
      });
    out[`Ops${base}ErrorsAlarm`] = counter(
      'Errors',
      'errors',
      `${fn.key} failed (Lambda Errors >= 1 in 5 minutes). Its log group /aws/lambda/${fn.name} says why.`,
    );
    out[`Ops${base}ThrottlesAlarm`] = counter(
      'Throttles',
      'throttles',
      `${fn.key} was throttled (Lambda Throttles >= 1 in 5 minutes): invocations were refused for lack of ` +
        'concurrency (its reserved concurrency, or the account limit).',
    );
    if (fn.stream) {
      out[`Ops${base}IteratorAgeAlarm`] = alarm({
        name: `${opsPrefix}${fn.key}-iterator-age`,
        description:
          `${fn.key} is more than ${ITERATOR_AGE_MS / 60_000} minutes behind the ledger stream (Lambda IteratorAge): ` +
          'new ledger entries wait for it. Its errors and the DLQ say why.',
        namespace: 'AWS/Lambda',
        metric: 'IteratorAge',
        dimensions: dims,
        statistic: 'Maximum',
        period: 60,
        periods: 1,
        threshold: ITERATOR_AGE_MS,
        op: 'GreaterThanThreshold',
        missing: 'notBreaching',
      });
    }
  }
  for (const region of probeRegions) {
    out[`OpsProbe${pascal(region)}HeartbeatAlarm`] = alarm({
      name: `${opsPrefix}probe-${region}-silent`,
      description:
        `No probe round reported from ${region} for ${SILENT_MINUTES} minutes: its regional-probe is failing, ` +
        'throttled or not deployed (serverless.probe.yml), or the region is impaired. Its verdicts go stale and stop counting.',
      namespace: PROBES_NAMESPACE,
      metric: HEARTBEAT_METRIC,
      dimensions: { ProbeRegion: region },
      statistic: 'Sum',
      period: 60,
      periods: SILENT_MINUTES,
      threshold: 1,
      op: 'LessThanThreshold',
      missing: 'breaching',
    });
  }
  return out;
};

/**
 * Adds the ops alarms and the dashboard to the recorder template. Refuses an ops prefix that overlaps the health
 * check alarm prefix (either rule would then see the other's alarms) and logical ids already in use.
 */
const addMonitoring = (resources, opts) => {
  const { alarmPrefix, opsPrefix, error } = opts;
  if (opsPrefix.startsWith(alarmPrefix) || alarmPrefix.startsWith(opsPrefix)) {
    throw error(
      `r53-failover: custom.r53failover.opsAlarmPrefix (${opsPrefix}) and alarmPrefix (${alarmPrefix}) overlap: ` +
        "the recorder's rule would see the ops alarms, or the ops rule the health check alarms. Keep the default " +
        '`<service>-<stage>_ops-`.',
    );
  }
  for (const id of [TOPIC_ID, DLQ_ID]) {
    if (!resources[id]) throw error(`r53-failover: resource ${id} is missing; the ops alarms need it`);
  }
  const alarms = opsAlarms(opts);
  const added = { ...alarms, [DASHBOARD_ID]: opsDashboard({ ...opts, alarmIds: Object.keys(alarms) }) };
  for (const [id, res] of Object.entries(added)) {
    if (resources[id]) throw error(`r53-failover: logical id ${id} (monitoring) is already in use`);
    resources[id] = res;
  }
};

module.exports = { addMonitoring, opsAlarms, ITERATOR_AGE_MS, SILENT_MINUTES };
