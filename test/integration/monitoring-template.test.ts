import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC, NAMESPACE, PROBES_NAMESPACE, SERVING_VALUE } from '../../shared/support/metrics.js';
import {
  nestedAlarms,
  ofType,
  packageStack,
  type Packaged,
  type Resource,
  type Statement,
} from '../helpers/template.js';

// The recorder stack watches itself (serverless/plugin/monitoring.cjs, dashboard.cjs): alarms on the DLQ, every
// function's errors and throttles, the stream consumers' iterator age and each probe region's heartbeat, all to the
// NotificationTopic and, through their own EventBridge rule, to notify; and a dashboard. Checked on the packaged
// template, the same JSON `serverless deploy` sends to CloudFormation.

const require = createRequire(import.meta.url);
const { addMonitoring } = require('../../serverless/plugin/monitoring.cjs') as {
  addMonitoring: (resources: Record<string, unknown>, opts: Record<string, unknown>) => void;
};

const CONFIG = `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary: { region: us-east-1, healthCheckId: 4dd370d3-b015-4e3f-a866-db054eabfffb, endpoint: https://use1.example.com/healthz }
    secondary: { region: us-west-2, healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4, endpoint: https://usw2.example.com/healthz }
  inventory:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: inventory.example.com.
    primary: { region: eu-west-1, healthCheckId: 0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b }
    secondary: { region: eu-central-1, healthCheckId: 9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d }
    probeSettings:
      regions: [eu-west-1, us-east-1]
`;
/** Every group's probe regions: orders-api's members' regions, inventory's own list. */
const PROBE_REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2'];
const OPS_PREFIX = 'r53-failover-test_ops-';
const HEALTH_PREFIX = 'r53-failover-test-';
const TOPIC = { Ref: 'NotificationTopic' };
const FUNCTIONS = [
  ['record-failover', 'RecordDashfailoverLambdaFunction', 'RecordFailover'],
  ['notify', 'NotifyLambdaFunction', 'Notify'],
  ['regional-probe', 'RegionalDashprobeLambdaFunction', 'RegionalProbe'],
  ['promote-replica', 'PromoteDashreplicaLambdaFunction', 'PromoteReplica'],
  ['audit-api', 'AuditDashapiLambdaFunction', 'AuditApi'],
  ['write-digest', 'WriteDashdigestLambdaFunction', 'WriteDigest'],
] as const;

interface AlarmProps {
  AlarmName: string;
  AlarmDescription: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: unknown }[];
  Statistic: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
}

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: {
    title?: string;
    region?: string;
    markdown?: string;
    alarms?: string[];
    metrics?: unknown[][];
    annotations?: { horizontal: { value: number; label: string }[] };
  };
}

const work = mkdtempSync(join(tmpdir(), 'r53f-monitoring-'));
let p: Packaged;
const alarms = () =>
  Object.fromEntries(
    ofType(p.template, 'AWS::CloudWatch::Alarm').map(([id, r]) => [id, r.Properties as unknown as AlarmProps]),
  );
const opsAlarms = () => Object.fromEntries(Object.entries(alarms()).filter(([id]) => id.startsWith('Ops')));

beforeAll(async () => {
  writeFileSync(join(work, 'failover.yml'), CONFIG);
  p = await packageStack(join(work, 'package'), ['--region', 'us-east-1'], join(work, 'failover.yml'));
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('ops alarms (serverless package, stage test)', () => {
  it('watches the DLQ, every function, both stream consumers and every probe region, and nothing else', () => {
    expect(Object.keys(opsAlarms()).sort()).toEqual(
      [
        'OpsDeadLetterQueueAlarm',
        ...FUNCTIONS.flatMap(([, , base]) => [`Ops${base}ErrorsAlarm`, `Ops${base}ThrottlesAlarm`]),
        'OpsNotifyIteratorAgeAlarm',
        'OpsPromoteReplicaIteratorAgeAlarm',
        'OpsProbeEuWest1HeartbeatAlarm',
        'OpsProbeUsEast1HeartbeatAlarm',
        'OpsProbeUsWest2HeartbeatAlarm',
      ].sort(),
    );
    for (const [id, a] of Object.entries(opsAlarms())) {
      expect(a.AlarmName, id).toMatch(new RegExp(`^${OPS_PREFIX}[a-z0-9-]+$`));
      // Subscribers hear about it directly (also when notify is what fails), on ALARM and on recovery.
      expect(a.AlarmActions, id).toEqual([TOPIC]);
      expect(a.OKActions, id).toEqual([TOPIC]);
      expect(a.AlarmDescription, id).toMatch(/Managed by r53-failover\.$/);
    }
  });

  it('alarms when a message waits in the DLQ (no data from an idle queue is an empty queue)', () => {
    expect(opsAlarms().OpsDeadLetterQueueAlarm).toMatchObject({
      AlarmName: `${OPS_PREFIX}dlq-messages`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it.each(FUNCTIONS)('alarms on any error or throttle of %s', (key, logicalId, base) => {
    const dims = [{ Name: 'FunctionName', Value: { Ref: logicalId } }];
    for (const [metric, suffix] of [
      ['Errors', 'errors'],
      ['Throttles', 'throttles'],
    ] as const) {
      expect(opsAlarms()[`Ops${base}${metric}Alarm`]).toMatchObject({
        AlarmName: `${OPS_PREFIX}${key}-${suffix}`,
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: dims,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(p.resource(logicalId).Type).toBe('AWS::Lambda::Function');
  });

  it('alarms when a ledger stream consumer falls 5 minutes behind (IteratorAge), for notify and promote-replica', () => {
    for (const [key, logicalId] of [
      ['notify', 'NotifyLambdaFunction'],
      ['promote-replica', 'PromoteDashreplicaLambdaFunction'],
    ]) {
      const a = Object.values(opsAlarms()).find((x) => x.AlarmName === `${OPS_PREFIX}${key}-iterator-age`);
      expect(a).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
        Statistic: 'Maximum',
        Threshold: 300_000,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      // It is a stream consumer indeed.
      expect(
        ofType(p.template, 'AWS::Lambda::EventSourceMapping').some(([, m]) =>
          isDeepStrictEqual(m.Properties.FunctionName, { 'Fn::GetAtt': [logicalId, 'Arn'] }),
        ),
      ).toBe(true);
    }
  });

  it.each(PROBE_REGIONS)(
    'alarms when probe region %s reports no round for 3 minutes, missing data counting as silence',
    (region) => {
      const a = Object.values(opsAlarms()).find((x) => x.AlarmName === `${OPS_PREFIX}probe-${region}-silent`);
      // The metric regional-probe's heartbeat sends (shared/probe/heartbeat.ts).
      expect(a).toMatchObject({
        Namespace: PROBES_NAMESPACE,
        MetricName: METRIC.roundCompleted,
        Dimensions: [{ Name: 'ProbeRegion', Value: region }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    },
  );

  it('keeps the two alarm families apart: each rule’s prefix matches its own alarms and never the other’s', () => {
    const rules = ofType(p.template, 'AWS::Events::Rule').filter(
      ([, r]) => (r.Properties.EventPattern as { source?: string[] } | undefined)?.source?.[0] === 'aws.cloudwatch',
    );
    const prefixOf = (name: string) => {
      const rule = rules.find(([, r]) => r.Properties.Name === name)?.[1];
      const pattern = rule?.Properties.EventPattern as { detail: { alarmName: { prefix: string }[] } } | undefined;
      return pattern?.detail.alarmName[0]?.prefix ?? '(no prefix)';
    };
    const recorder = prefixOf('r53-failover-test-alarm-state-change');
    const ops = prefixOf('r53-failover-test-ops-alarm-state-change');
    expect([recorder, ops]).toEqual([HEALTH_PREFIX, OPS_PREFIX]);
    // Health check alarms live in the nested alarm stacks (alarm-stacks.test.ts), the ops alarms in the root.
    const nested = [...nestedAlarms(p.dir, p.template).values()].map((r) => r.Properties as unknown as AlarmProps);
    const names = [...Object.values(alarms()), ...nested].map((a) => a.AlarmName);
    const health = nested.filter((a) => a.Namespace === 'AWS/Route53');
    expect(health).toHaveLength(4);
    expect(names.filter((n) => n.startsWith(recorder)).sort()).toEqual(health.map((a) => a.AlarmName).sort());
    expect(names.filter((n) => n.startsWith(ops)).sort()).toEqual(
      Object.values(opsAlarms())
        .map((a) => a.AlarmName)
        .sort(),
    );
  });

  it('sends ALARM and OK changes of the ops alarms to notify, with retries and the DLQ', () => {
    const [id, rule] =
      ofType(p.template, 'AWS::Events::Rule').find(
        ([, r]) => r.Properties.Name === 'r53-failover-test-ops-alarm-state-change',
      ) ?? [];
    expect(rule?.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: OPS_PREFIX }], state: { value: ['ALARM', 'OK'] } },
    });
    const notifyArn = { 'Fn::GetAtt': ['NotifyLambdaFunction', 'Arn'] };
    expect(rule?.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: notifyArn,
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
      }),
    ]);
    // Lambda lets EventBridge invoke notify for this rule only (the framework builds the rule's ARN from its name).
    const permissions = ofType(p.template, 'AWS::Lambda::Permission')
      .map(([, r]) => r.Properties)
      .filter((r) => isDeepStrictEqual(r.FunctionName, notifyArn) && r.Principal === 'events.amazonaws.com');
    expect(
      permissions.filter((r) =>
        JSON.stringify(r.SourceArn).includes('"rule","r53-failover-test-ops-alarm-state-change"'),
      ),
    ).toHaveLength(1);
    expect(id).toBeDefined();
  });

  it('refuses an ops prefix that overlaps the health check alarm prefix', () => {
    const error = (m: string) => new Error(m);
    const opts = { functions: [], probeRegions: [], service: 'r53-failover', stage: 'x', error };
    const resources = { NotificationTopic: {}, DeadLetterQueue: {} };
    expect(() =>
      addMonitoring(resources, { ...opts, alarmPrefix: 'r53-failover-x-', opsPrefix: 'r53-failover-x-ops-' }),
    ).toThrow(/opsAlarmPrefix \(r53-failover-x-ops-\) and alarmPrefix \(r53-failover-x-\) overlap/);
    expect(Object.keys(resources)).toEqual(['NotificationTopic', 'DeadLetterQueue']);
  });
});

describe('dashboard', () => {
  const body = () => {
    const res = p.resource('OpsDashboard') as Resource & {
      Properties: { DashboardName: string; DashboardBody: { 'Fn::Sub': string } };
    };
    return { name: res.Properties.DashboardName, text: res.Properties.DashboardBody['Fn::Sub'] };
  };
  const widgets = () => (JSON.parse(body().text) as { widgets: Widget[] }).widgets;
  const titled = (prefix: string) => widgets().filter((w) => w.properties.title?.startsWith(prefix));
  const expressions = (w: Widget | undefined) => JSON.stringify(w?.properties.metrics ?? []);

  it('is one dashboard named after the stack, whose Fn::Sub refers only to the ops alarms', () => {
    expect(ofType(p.template, 'AWS::CloudWatch::Dashboard').map(([id]) => id)).toEqual(['OpsDashboard']);
    expect(body().name).toBe('r53-failover-test');
    // `${X.Arn}` for the alarm widget; dynamic labels are escaped `${!…}` so Fn::Sub leaves them to CloudWatch.
    const refs = [...body().text.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(
      Object.keys(opsAlarms())
        .map((id) => `${id}.Arn`)
        .sort(),
    );
    const [alarmWidget] = widgets().filter((w) => w.type === 'alarm');
    expect(alarmWidget?.properties.alarms).toHaveLength(Object.keys(opsAlarms()).length);
  });

  it('draws the serving member per group from the recorder’s metric: 1 primary, 2 secondary, 0 none', () => {
    const [w] = titled('Serving member per group');
    expect(expressions(w)).toContain(`{${NAMESPACE},Group,service} MetricName=\\"${METRIC.servingMember}\\"`);
    expect(w?.properties.annotations?.horizontal.map((a) => [a.label, a.value])).toEqual([
      ['primary', SERVING_VALUE.primary],
      ['secondary', SERVING_VALUE.secondary],
    ]);
  });

  it('draws failovers, notification deliveries and failures, and promotions from the functions’ metrics', () => {
    const [failovers] = titled('Failovers');
    expect(failovers?.properties.metrics?.[0]).toEqual([
      NAMESPACE,
      METRIC.groupEvents,
      'service',
      'r53-failover',
      'Event',
      'FAILED_OVER',
      expect.any(Object),
    ]);
    const notifications = expressions(titled('Notification deliveries and failures')[0]);
    for (const m of [METRIC.notificationsSent, METRIC.notificationsFailed, METRIC.notificationsDeadLettered])
      expect(notifications).toContain(`MetricName=\\"${m}\\"`);
    expect(expressions(titled('Promotions')[0])).toContain(`MetricName=\\"${METRIC.promotionSteps}\\"`);
  });

  it.each(PROBE_REGIONS)('draws probe success and latency from %s, in that region', (region) => {
    const [success] = titled(`Probe success from ${region}`);
    const [latency] = titled(`Probe latency from ${region}`);
    expect([success?.properties.region, latency?.properties.region]).toEqual([region, region]);
    expect(expressions(success)).toContain(`MetricName=\\"${METRIC.probeSuccess}\\" ProbeRegion=\\"${region}\\"`);
    expect(expressions(latency)).toContain(`MetricName=\\"${METRIC.probeLatency}\\" ProbeRegion=\\"${region}\\"`);
    expect(expressions(success)).toContain(`{${PROBES_NAMESPACE},Group,Member,ProbeRegion,service}`);
  });

  it('lays the widgets out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const w of widgets()) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`), `${w.properties.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });
});

describe('notification topic and its key', () => {
  it('lets notify publish to the encrypted topic with exactly the key it needs', () => {
    const statements = (
      p.resource('NotifyIamRoleLambdaExecution').Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((x) => x.PolicyDocument.Statement);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: [{ 'Fn::GetAtt': ['NotificationKey', 'Arn'] }],
    });
  });
});
