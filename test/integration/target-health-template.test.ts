import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetGroupAlarmNameFor } from '../../shared/config/lookups.js';
import { cfnLint, cfnLintSkipReason } from '../helpers/cfn-lint.js';
import { type MotoServer, motoClientConfig, motoSkipReason, startMoto } from '../helpers/moto.js';
import {
  forwardingRoleOf,
  nestedAlarms,
  nestedTemplates,
  ofType,
  packageStack,
  type Packaged,
  type Resource,
  US_EAST_1_DEFAULT_BUS,
} from '../helpers/template.js';

// Target-health alarms where the load balancers are (issue 14, item 2): `serverless package` of the recorder stack
// (us-east-1) and of the regional stack (serverless.probe.yml) in each region of a targetHealth member. Offline: no AWS
// call, no credentials.

const ACCOUNT = '123456789012';
const PREFIX = 'r53-failover-test-';
const elb = (region: string, resource: string) => `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:${resource}`;
const TG = {
  webUsw2: elb('us-west-2', 'targetgroup/web-usw2/0123456789abcdef'),
  webUsw2Api: elb('us-west-2', 'targetgroup/web-usw2-api/1111111111111111'),
  webEuw1: elb('eu-west-1', 'targetgroup/web-euw1/2222222222222222'),
  tcpUse1: elb('us-east-1', 'targetgroup/tcp-use1/3333333333333333'),
};
const LB = {
  webUsw2: elb('us-west-2', 'loadbalancer/app/web-usw2/0fedcba987654321'),
  tcpUse1: elb('us-east-1', 'loadbalancer/net/tcp-use1/4444444444444444'),
};

// web: two targetHealth members, the primary with its ALB named (two target groups), the secondary without (one);
// tcp: an NLB member in us-east-1 (its alarm stays in the recorder stack) and a SECONDARY with no health check;
// orders-api: health checks, as before.
const CONFIG = `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary: { region: us-east-1, healthCheckId: 4dd370d3-b015-4e3f-a866-db054eabfffb }
    secondary: { region: us-west-2, healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4 }
  web:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: www.example.com.
    primary:
      region: us-west-2
      targetHealth:
        targetGroupArns: [${TG.webUsw2}, ${TG.webUsw2Api}]
        loadBalancerArn: ${LB.webUsw2}
    secondary:
      region: eu-west-1
      targetHealth:
        targetGroupArns: [${TG.webEuw1}]
  tcp:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: tcp.example.com.
    primary:
      region: us-east-1
      targetHealth: { targetGroupArns: [${TG.tcpUse1}], loadBalancerArn: ${LB.tcpUse1} }
    secondary: { region: us-west-2, healthCheck: none }
`;

const FORWARD_RULE = 'TargetHealthForwardRule';
const FORWARD_ROLE = 'TargetHealthForwardRole';
const FORWARD_RULE_NAME = 'r53-failover-probe-test-target-health-forward';
const TOPIC = [{ Ref: 'AlarmTopicArn' }];
/** What every target group alarm shares: Minimum < 1 over one 60 s period, no data read as unhealthy. */
const THRESHOLD = {
  EvaluationPeriods: 1,
  DatapointsToAlarm: 1,
  Threshold: 1,
  ComparisonOperator: 'LessThanThreshold',
  TreatMissingData: 'breaching',
};
const metricOf = (namespace: string, targetGroup: string, loadBalancer: string) => ({
  Namespace: namespace,
  MetricName: 'HealthyHostCount',
  Dimensions: [
    { Name: 'TargetGroup', Value: targetGroup },
    { Name: 'LoadBalancer', Value: loadBalancer },
  ],
  Statistic: 'Minimum',
  Period: 60,
});

type Run = 'main' | 'usw2' | 'euw1' | 'euc1';

describe('target-health alarms (serverless package: recorder stack and regional stacks)', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-target-health-'));
  const config = join(work, 'failover.yml');
  const packages = {} as Record<Run, Packaged>;
  const alarmsOf = (run: Run) => nestedAlarms(packages[run].dir, packages[run].template);
  const alarm = (run: Run, id: string): Resource => {
    const r = alarmsOf(run).get(id);
    if (!r) throw new Error(`no alarm ${id} in the ${run} package's nested alarm templates`);
    return r;
  };

  beforeAll(async () => {
    writeFileSync(config, CONFIG);
    const probe = (region: string) => ['--config', 'serverless.probe.yml', '--region', region];
    const runs: [Run, string[]][] = [
      ['main', ['--region', 'us-east-1']],
      ['usw2', probe('us-west-2')],
      ['euw1', probe('eu-west-1')],
      ['euc1', probe('eu-central-1')],
    ];
    // Side by side on purpose: the plugin's package lock keeps each run's files its own.
    await Promise.all(
      runs.map(async ([run, args]) => {
        packages[run] = await packageStack(join(work, run), args, config, run);
      }),
    );
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  describe('recorder stack (us-east-1)', () => {
    it('alarms on the NLB target group in us-east-1 beside the health check alarms, notifying the alarm topic', () => {
      expect([...alarmsOf('main').keys()].sort()).toEqual([
        'OrdersDashapiPrimaryHealthAlarm',
        'OrdersDashapiSecondaryHealthAlarm',
        'TcpPrimaryTargetGroup3333333333333333Alarm',
      ]);
      expect(alarm('main', 'TcpPrimaryTargetGroup3333333333333333Alarm').Properties).toEqual({
        AlarmName: 'r53-failover-test-tcp-primary-health-tg-tcp-use1-3333333333333333',
        AlarmDescription: expect.stringContaining(
          'tcp primary (us-east-1): target group tcp-use1 has no healthy target',
        ),
        ...metricOf('AWS/NetworkELB', 'targetgroup/tcp-use1/3333333333333333', 'net/tcp-use1/4444444444444444'),
        ...THRESHOLD,
        ActionsEnabled: true,
        AlarmActions: TOPIC,
        OKActions: TOPIC,
        InsufficientDataActions: TOPIC,
      });
    });

    it('has no forwarding rule (its alarms are on the bus the recorder listens to) and names where the others live', () => {
      expect(packages.main.template.Resources[FORWARD_RULE]).toBeUndefined();
      expect(packages.main.template.Resources[FORWARD_ROLE]).toBeUndefined();
      const { output } = packages.main;
      expect(output).toContain('live in eu-west-1, us-west-2: deploy the regional stack there too');
      expect(output).toContain('npx serverless deploy --config serverless.probe.yml --stage test --region eu-west-1');
      expect(output).toContain('npx serverless deploy --config serverless.probe.yml --stage test --region us-west-2');
    });

    it("matches every target-health alarm's state change in the recorder rule, whatever region it comes from", () => {
      const rules = ofType(packages.main.template, 'AWS::Events::Rule').filter(
        ([, r]) => r.Properties.Name === 'r53-failover-test-alarm-state-change',
      );
      expect(rules).toHaveLength(1);
      const pattern = rules[0]?.[1].Properties.EventPattern as Record<string, unknown>;
      // Only source, detail-type and the name prefix: no region or account filter that a forwarded event would miss.
      expect(pattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: PREFIX }] },
      });
      const names = (['main', 'usw2', 'euw1'] as Run[]).flatMap((run) =>
        [...alarmsOf(run).values()].map((a) => String(a.Properties.AlarmName)),
      );
      expect(names).toHaveLength(6);
      for (const name of names) {
        expect(name.startsWith(PREFIX), name).toBe(true);
        expect(name.length, name).toBeLessThanOrEqual(255);
      }
    });
  });

  describe('regional stack in us-west-2 (the ALB named in failover.yml)', () => {
    it('alarms on each target group with both dimensions, in AWS/ApplicationELB (app/ in the ARN), no actions', () => {
      expect([...alarmsOf('usw2').keys()].sort()).toEqual([
        'WebPrimaryTargetGroup0123456789abcdefAlarm',
        'WebPrimaryTargetGroup1111111111111111Alarm',
      ]);
      expect(alarm('usw2', 'WebPrimaryTargetGroup0123456789abcdefAlarm').Properties).toEqual({
        AlarmName: targetGroupAlarmNameFor(PREFIX, 'web', 'primary', TG.webUsw2),
        AlarmDescription: expect.stringContaining('load balancer app/web-usw2/0fedcba987654321'),
        ...metricOf('AWS/ApplicationELB', 'targetgroup/web-usw2/0123456789abcdef', 'app/web-usw2/0fedcba987654321'),
        ...THRESHOLD,
      });
      expect(alarm('usw2', 'WebPrimaryTargetGroup1111111111111111Alarm').Properties).toMatchObject({
        AlarmName: 'r53-failover-test-web-primary-health-tg-web-usw2-api-1111111111111111',
        ...metricOf('AWS/ApplicationELB', 'targetgroup/web-usw2-api/1111111111111111', 'app/web-usw2/0fedcba987654321'),
      });
      // A regional nested stack takes no topic: nothing in it notifies SNS.
      for (const n of nestedTemplates(packages.usw2.dir, packages.usw2.template).values()) {
        expect((n.template as { Parameters?: unknown }).Parameters).toBeUndefined();
      }
    });

    it('forwards exactly those alarms to the us-east-1 default bus', () => {
      const rule = packages.usw2.resource(FORWARD_RULE).Properties;
      expect(rule).toEqual({
        Name: FORWARD_RULE_NAME,
        Description: expect.any(String),
        EventBusName: 'default',
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          detail: {
            alarmName: [
              'r53-failover-test-web-primary-health-tg-web-usw2-0123456789abcdef',
              'r53-failover-test-web-primary-health-tg-web-usw2-api-1111111111111111',
            ],
          },
        },
        Targets: [
          { Id: 'us-east-1-default-bus', Arn: US_EAST_1_DEFAULT_BUS, RoleArn: { 'Fn::GetAtt': [FORWARD_ROLE, 'Arn'] } },
        ],
      });
    });

    it('gives the rule its own role: events:PutEvents on the us-east-1 default bus, nothing else, assumed for this rule only', () => {
      expect(packages.usw2.resource(FORWARD_ROLE).Properties).toEqual(forwardingRoleOf(FORWARD_RULE_NAME));
    });
  });

  describe('regional stack in eu-west-1 (no load balancer named)', () => {
    it('alarms on the target group with a Metrics Insights query of the TargetGroup dimension', () => {
      const props = alarm('euw1', 'WebSecondaryTargetGroup2222222222222222Alarm').Properties;
      expect(props).toEqual({
        AlarmName: 'r53-failover-test-web-secondary-health-tg-web-euw1-2222222222222222',
        AlarmDescription: expect.stringContaining('Metrics Insights'),
        Metrics: [
          {
            Id: 'healthy',
            Expression:
              'SELECT MIN(HealthyHostCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, TargetGroup) ' +
              "WHERE TargetGroup = 'targetgroup/web-euw1/2222222222222222'",
            Period: 60,
            ReturnData: true,
          },
        ],
        ...THRESHOLD,
      });
      expect(packages.euw1.resource(FORWARD_RULE).Properties.EventPattern).toMatchObject({
        detail: { alarmName: ['r53-failover-test-web-secondary-health-tg-web-euw1-2222222222222222'] },
      });
    });

    it('says in the package log that an NLB target group needs loadBalancerArn', () => {
      expect(packages.euw1.output).toContain('groups.web.secondary.targetHealth names no loadBalancerArn');
      expect(packages.usw2.output).not.toContain('names no loadBalancerArn');
    });
  });

  it('leaves a region with no target-health member without alarms, forwarding rule or role', () => {
    const { template } = packages.euc1;
    expect(nestedTemplates(packages.euc1.dir, template).size).toBe(0);
    expect(template.Resources[FORWARD_RULE]).toBeUndefined();
    expect(template.Resources[FORWARD_ROLE]).toBeUndefined();
  });

  it('passes cfn-lint on every packaged template', async (ctx) => {
    const skip = cfnLintSkipReason();
    if (skip) return ctx.skip(skip);
    const files = (Object.values(packages) as Packaged[]).flatMap((p) =>
      readdirSync(p.dir)
        .filter((f) => f.endsWith('.json') && f !== 'serverless-state.json')
        .map((f) => join(p.dir, f)),
    );
    expect(files.filter((f) => /health-alarms-/.test(f))).toHaveLength(4);
    const findings = await cfnLint(files);
    expect(findings.map((f) => `${f.Rule.Id} ${f.Message} (${f.Filename})`)).toEqual([]);
  }, 300_000);

  // The two rules as packaged, put on moto_server's EventBridge (us-west-2's forwarding rule, us-east-1's recorder rule
  // with an SQS queue standing in for the function): an ELB alarm's state change in us-west-2 must come out in
  // us-east-1, an unrelated alarm's must not. moto re-stamps a forwarded event with the receiving bus's region (AWS
  // keeps the source region), so this proves the patterns and the target, not the region field.
  describe('event path on moto_server (us-west-2 → us-east-1 default bus → recorder rule)', () => {
    let moto: MotoServer | undefined;
    const skip = motoSkipReason();

    beforeAll(async () => {
      if (!skip) moto = await startMoto();
    }, 60_000);
    afterAll(async () => moto?.stop());

    /** One EventBridge call over its JSON protocol (moto reads the service and region from the credential scope). */
    const events = async (region: string, action: string, body: object) => {
      const res = await fetch(`${moto?.endpoint}/`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `AWSEvents.${action}`,
          Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/events/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${action} in ${region}: ${res.status} ${text}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    const sub = (value: unknown) =>
      String((value as { 'Fn::Sub': string })['Fn::Sub'])
        .replace('${AWS::Partition}', 'aws')
        .replace('${AWS::AccountId}', ACCOUNT);
    const stateChange = (alarmName: string) => ({
      Source: 'aws.cloudwatch',
      DetailType: 'CloudWatch Alarm State Change',
      Detail: JSON.stringify({
        alarmName,
        state: { value: 'ALARM', timestamp: '2026-12-05T10:00:00.000+0000' },
        previousState: { value: 'OK' },
      }),
    });

    it('delivers a forwarded target-health alarm to the recorder rule, and nothing else', async (ctx) => {
      if (skip || !moto) return ctx.skip(skip ?? 'moto_server did not start');
      const forward = packages.usw2.resource(FORWARD_RULE).Properties as {
        Name: string;
        EventPattern: object;
        Targets: { Id: string; Arn: unknown }[];
      };
      const recorder = ofType(packages.main.template, 'AWS::Events::Rule').find(
        ([, r]) => r.Properties.Name === 'r53-failover-test-alarm-state-change',
      )?.[1].Properties as { Name: string; EventPattern: object };
      const sqs = new SQSClient(motoClientConfig(moto));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'record-failover-stand-in' }));
      await events('us-west-2', 'PutRule', { Name: forward.Name, EventPattern: JSON.stringify(forward.EventPattern) });
      await events('us-west-2', 'PutTargets', {
        Rule: forward.Name,
        Targets: [{ Id: 'bus', Arn: sub(forward.Targets[0]?.Arn), RoleArn: `arn:aws:iam::${ACCOUNT}:role/forward` }],
      });
      await events('us-east-1', 'PutRule', {
        Name: recorder.Name,
        EventPattern: JSON.stringify(recorder.EventPattern),
      });
      await events('us-east-1', 'PutTargets', {
        Rule: recorder.Name,
        Targets: [{ Id: 'recorder', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:record-failover-stand-in` }],
      });

      const ours = targetGroupAlarmNameFor(PREFIX, 'web', 'primary', TG.webUsw2);
      await events('us-west-2', 'PutEvents', {
        Entries: [
          stateChange('someone-elses-alarm'),
          stateChange(`${PREFIX}web-secondary-health-not-here`),
          stateChange(ours),
        ],
      });

      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const delivered = (got.Messages ?? []).map(
        (m) => (JSON.parse(m.Body ?? '{}') as { detail: { alarmName: string } }).detail.alarmName,
      );
      expect(delivered).toEqual([ours]);
    }, 60_000);
  });
});
