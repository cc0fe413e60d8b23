import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerTableDefinition } from '../../shared/ledger/schema.js';
import { LEDGER_ENTRY_KINDS } from '../../shared/ledger/store.js';
import {
  asArray,
  nestedAlarms,
  nestedTemplates,
  ofType,
  openShippedConfig,
  packageStack,
  readZip,
  serverless,
  type Resource,
  type Statement,
  type Template,
} from '../helpers/template.js';
import { alarmNameFor } from '../../shared/config/lookups.js';
import { cfnLint, cfnLintSkipReason } from '../helpers/cfn-lint.js';

const HC = {
  ordersPrimary: '4dd370d3-b015-4e3f-a866-db054eabfffb',
  ordersSecondary: '7453f8fa-f3ba-4a8b-980b-d692a846ade4',
  inventoryPrimary: '0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b',
  inventorySecondary: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
};

/** SSM parameters the config names: the notify role may read exactly these. */
const SSM = {
  slack: '/r53-failover/slack-webhook',
  pagerduty: '/r53-failover/pagerduty-routing-key',
  webhook: '/r53-failover/ops-webhook-secret',
  webhookUrl: '/r53-failover/ops-webhook-url',
};
/** Local-only secrets: valid in failover.yml, never shipped to Lambda. */
const LITERAL = {
  slackWebhookUrl: 'http://127.0.0.1:8080/hook',
  pagerdutyRoutingKey: 'local-pagerduty-routing-key-0123',
  webhookSecret: 'local-webhook-secret-0123456789',
  webhookUrl: 'https://hooks.example.com/r53-failover?token=LOCALWEBHOOKTOKEN0123',
  webhookToken: 'LOCALWEBHOOKTOKEN0123',
};
const SUBSCRIPTIONS = [
  { Protocol: 'email', Endpoint: 'oncall@example.com' },
  { Protocol: 'sms', Endpoint: '+15555550100' },
];

const configYaml = ({ ordersPrimaryRegion = 'us-east-1' } = {}): string => `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary:
      region: ${ordersPrimaryRegion}
      healthCheckId: ${HC.ordersPrimary}
      endpoint: https://api-use1.orders.example.com/healthz
    secondary:
      region: us-west-2
      healthCheckId: ${HC.ordersSecondary}
  inventory:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: inventory.example.com.
    primary:
      region: eu-west-1
      healthCheckId: ${HC.inventoryPrimary}
    secondary:
      region: eu-central-1
      healthCheckId: ${HC.inventorySecondary}
notify:
  slack:
    webhookUrl: ${LITERAL.slackWebhookUrl}
    webhookSsmParameter: ${SSM.slack}
  sns:
    subscriptions:
      - { protocol: email, endpoint: oncall@example.com }
      - { protocol: sms, endpoint: '+15555550100' }
  pagerduty:
    routingKey: ${LITERAL.pagerdutyRoutingKey}
    routingKeySsmParameter: ${SSM.pagerduty}
  webhooks:
    - name: ops
      url: ${LITERAL.webhookUrl}
      urlSsmParameter: ${SSM.webhookUrl}
      secret: ${LITERAL.webhookSecret}
      secretSsmParameter: ${SSM.webhook}
`;

// Logical ids are part of the contract: renaming one replaces the alarm, and CloudFormation then deletes the
// replacement's (identical) AlarmName.
const MEMBERS = [
  {
    logicalId: 'OrdersDashapiPrimaryHealthAlarm',
    group: 'orders-api',
    role: 'primary',
    region: 'us-east-1',
    hc: HC.ordersPrimary,
  },
  {
    logicalId: 'OrdersDashapiSecondaryHealthAlarm',
    group: 'orders-api',
    role: 'secondary',
    region: 'us-west-2',
    hc: HC.ordersSecondary,
  },
  {
    logicalId: 'InventoryPrimaryHealthAlarm',
    group: 'inventory',
    role: 'primary',
    region: 'eu-west-1',
    hc: HC.inventoryPrimary,
  },
  {
    logicalId: 'InventorySecondaryHealthAlarm',
    group: 'inventory',
    role: 'secondary',
    region: 'eu-central-1',
    hc: HC.inventorySecondary,
  },
] as const;

const FUNCTION_ID = 'RecordDashfailoverLambdaFunction';
const TABLE_ARN = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };
const TABLE_INDEXES_ARN = { 'Fn::Join': ['/', [TABLE_ARN, 'index', '*']] };
const DLQ_ARN = { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] };
const TOPIC_REF = { Ref: 'AlarmTopic' };
const FUNCTION_ARN = { 'Fn::GetAtt': [FUNCTION_ID, 'Arn'] };
const ALARM_ARN_PREFIX = {
  'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:r53-failover-test-*',
};
const ROLE_ID = 'RecordDashfailoverIamRoleLambdaExecution';
const NOTIFY_ID = 'NotifyLambdaFunction';
const NOTIFY_ARN = { 'Fn::GetAtt': [NOTIFY_ID, 'Arn'] };
const NOTIFY_ROLE_ID = 'NotifyIamRoleLambdaExecution';
const STREAM_ARN = { 'Fn::GetAtt': ['LedgerTable', 'StreamArn'] };
const NOTIFICATION_TOPIC_REF = { Ref: 'NotificationTopic' };
const NOTIFICATION_KEY_ARN = { 'Fn::GetAtt': ['NotificationKey', 'Arn'] };
const OPS_RULE_NAME = 'r53-failover-test-ops-alarm-state-change';
const ssmParameterArn = (name: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`,
});
const KMS_KEYS_ARN = { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' };
const logGroupArn = (fn: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/r53-failover-test-${fn}:*:*`,
});

/** Every statement of a role's inline policies, after checking it has no managed policies and only Allow. */
const roleStatements = (role: Resource): Statement[] => {
  const props = role.Properties as {
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
    ManagedPolicyArns?: unknown[];
  };
  expect(props.ManagedPolicyArns ?? []).toEqual([]);
  const statements = props.Policies.flatMap((p) => p.PolicyDocument.Statement);
  expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  return statements;
};

/**
 * Checks that every action granted is in `allowed` and only on the resources listed for it (never "*"), and that
 * every allowed action is granted. Returns the statements that grant each action.
 */
const checkGrants = (statements: Statement[], allowed: Map<string, unknown[]>): Map<string, Statement[]> => {
  const granted = new Map<string, Statement[]>();
  for (const s of statements) {
    for (const action of asArray(s.Action)) {
      expect(typeof action).toBe('string');
      const scope = allowed.get(action as string);
      expect(scope, `unexpected action ${String(action)}`).toBeDefined();
      for (const r of asArray(s.Resource)) {
        expect(r).not.toBe('*');
        expect(scope, `${String(action)} on ${JSON.stringify(r)}`).toContainEqual(r);
      }
      granted.set(action as string, [...(granted.get(action as string) ?? []), s]);
    }
  }
  expect([...granted.keys()].sort()).toEqual([...allowed.keys()].sort());
  return granted;
};

interface ShippedConfig {
  groups: Record<string, { primary: { healthCheckId: string } }>;
  notify?: {
    slack?: Record<string, unknown>;
    pagerduty?: Record<string, unknown>;
    webhooks?: Record<string, unknown>[];
    sns?: { subscriptions?: unknown[] };
  };
}
const shippedConfig = (entries: Map<string, () => Buffer>): { text: string; config: ShippedConfig } => {
  const text = entries.get('dist/config/failover.json')?.().toString('utf8') ?? '';
  return { text, config: openShippedConfig<ShippedConfig>(text) };
};

describe('serverless package (stage test, us-east-1)', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-template-'));
  const packageDir = join(work, 'package');
  const configFile = join(work, 'failover.yml');
  let template: Template;
  let resource: (id: string) => Resource;
  let packageOutput: string;

  beforeAll(async () => {
    writeFileSync(configFile, configYaml());
    const result = await serverless(['package', '--stage', 'test', '--region', 'us-east-1', '--package', packageDir], {
      R53F_CONFIG: configFile,
    });
    if (result.code !== 0) throw new Error(`serverless package failed (${result.code}):\n${result.output}`);
    packageOutput = result.output;
    template = JSON.parse(
      readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    resource = (id) => {
      const r = template.Resources[id];
      if (!r) throw new Error(`no resource ${id} in the template`);
      return r;
    };
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  describe('ledger table', () => {
    it('declares exactly the keys, attributes and indexes of ledgerTableDefinition', () => {
      const table = resource('LedgerTable');
      expect(table.Type).toBe('AWS::DynamoDB::Table');
      for (const [key, value] of Object.entries(ledgerTableDefinition)) {
        expect(table.Properties[key], key).toEqual(value);
      }
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.TableName).toBe('r53-failover-test-ledger');
    });

    it('has point-in-time recovery, encryption and a TTL on expiresAt', () => {
      const p = resource('LedgerTable').Properties;
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.SSESpecification).toEqual({ SSEEnabled: true });
      expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    });

    it('streams new images of every item (the outbox the notify function reads)', () => {
      expect(resource('LedgerTable').Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    });

    it('leaves deletion protection off for the test stage', () => {
      expect(resource('LedgerTable').Properties.DeletionProtectionEnabled).toBe(false);
    });
  });

  describe('dead-letter queue', () => {
    it('is SSE-encrypted and keeps messages 14 days', () => {
      const q = resource('DeadLetterQueue');
      expect(q.Type).toBe('AWS::SQS::Queue');
      expect(q.Properties).toMatchObject({
        QueueName: 'r53-failover-test-dlq',
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    });

    it('has one queue policy letting only the two alarm rules and the topic send to it', () => {
      // Two QueuePolicy resources on one queue overwrite each other, so there must be exactly one.
      const policies = ofType(template, 'AWS::SQS::QueuePolicy');
      expect(policies.map(([id]) => id)).toEqual(['DeadLetterQueuePolicy']);
      const props = resource('DeadLetterQueuePolicy').Properties as {
        Queues: unknown[];
        PolicyDocument: { Statement: Statement[] };
      };
      expect(props.Queues).toEqual([{ Ref: 'DeadLetterQueue' }]);
      for (const s of props.PolicyDocument.Statement) {
        expect(s).toMatchObject({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: DLQ_ARN });
      }
      const ruleCondition = (rule: string) => ({
        ArnEquals: {
          'aws:SourceArn': {
            'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${rule}`,
          },
        },
      });
      // The recorder's rule and notify's ops alarm rule (the RDS rule's statement needs promotion targets).
      expect(
        props.PolicyDocument.Statement.map((s) => [s.Sid, (s.Principal as { Service: string }).Service, s.Condition]),
      ).toEqual([
        ['EventBridgeRuleDeadLetters', 'events.amazonaws.com', ruleCondition('r53-failover-test-alarm-state-change')],
        ['OpsAlarmRuleDeadLetters', 'events.amazonaws.com', ruleCondition('r53-failover-test-ops-alarm-state-change')],
        ['AlarmTopicRedrive', 'sns.amazonaws.com', { ArnEquals: { 'aws:SourceArn': TOPIC_REF } }],
      ]);
    });
  });

  describe('alarm topic', () => {
    it('is named after the stack and lets CloudWatch in this account publish', () => {
      expect(resource('AlarmTopic')).toMatchObject({
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: 'r53-failover-test-alarms' },
      });
      const policy = resource('AlarmTopicPolicy');
      expect(policy.Type).toBe('AWS::SNS::TopicPolicy');
      const props = policy.Properties as { Topics: unknown[]; PolicyDocument: { Statement: Statement[] } };
      expect(props.Topics).toEqual([TOPIC_REF]);
      const cloudwatch = props.PolicyDocument.Statement.find(
        (s) => (s.Principal as { Service?: string }).Service === 'cloudwatch.amazonaws.com',
      );
      expect(cloudwatch).toMatchObject({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: TOPIC_REF,
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });
      // No statement opens the topic to everyone.
      for (const s of props.PolicyDocument.Statement) expect(JSON.stringify(s.Principal)).not.toContain('"*"');
    });

    it('admits sns:Publish only from CloudWatch, for this account’s alarms named with the stack’s prefix', () => {
      const props = resource('AlarmTopicPolicy').Properties as { PolicyDocument: { Statement: Statement[] } };
      const publishing = props.PolicyDocument.Statement.filter(
        (s) => s.Effect === 'Allow' && asArray(s.Action).some((a) => /^sns:(Publish|\*)$/i.test(String(a))),
      );
      expect(publishing).toEqual([
        {
          Sid: 'CloudWatchAlarmActions',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: TOPIC_REF,
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': ALARM_ARN_PREFIX },
          },
        },
      ]);
      // The account keeps its rights to manage the topic and subscribe to it, not to publish.
      const owner = props.PolicyDocument.Statement.find((s) => s.Sid === 'TopicOwnerAccount');
      expect(asArray(owner?.Action)).toContain('sns:Subscribe');
      expect(asArray(owner?.Action)).not.toContain('sns:Publish');
    });

    it('lets CloudWatch alarm actions invoke the recorder only for this account’s alarms with the stack’s prefix', () => {
      const permissions = ofType(template, 'AWS::Lambda::Permission').map(([, r]) => r.Properties);
      const fromAlarms = permissions.filter((p) => p.Principal === 'lambda.alarms.cloudwatch.amazonaws.com');
      expect(fromAlarms).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: FUNCTION_ARN,
          Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
          SourceAccount: { Ref: 'AWS::AccountId' },
          SourceArn: ALARM_ARN_PREFIX,
        },
      ]);
      // Every way into the recorder names its source: the alarm prefix, the topic, or the rule.
      for (const p of permissions.filter((x) => isDeepStrictEqual(x.FunctionName, FUNCTION_ARN)))
        expect(p.SourceArn, JSON.stringify(p)).toBeDefined();
    });
  });

  describe('event sources', () => {
    it('routes only this stack’s alarm state changes to the recorder, with retries and a DLQ', () => {
      // Besides notify's ops alarm rule (monitoring-template.test.ts), the alarm rule is the only rule with an event
      // pattern (the others are notify's, regional-probe's and promote-replica's schedules; promote-replica's RDS
      // rule exists only with promotion targets, see promote-template.test.ts).
      const rules = ofType(template, 'AWS::Events::Rule');
      const patterned = rules.filter(
        ([, r]) =>
          r.Properties.EventPattern !== undefined &&
          !(r.Properties.Targets as { Arn: unknown }[]).some((t) => isDeepStrictEqual(t.Arn, NOTIFY_ARN)),
      );
      expect(patterned).toHaveLength(1);
      const [, rule] = patterned[0] ?? [];
      const props = rule?.Properties as {
        Name: string;
        EventPattern: unknown;
        State: string;
        Targets: Record<string, unknown>[];
      };
      expect(props.Name).toBe('r53-failover-test-alarm-state-change');
      expect(props.State).toBe('ENABLED');
      expect(props.EventPattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'r53-failover-test-' }] },
      });
      expect(props.Targets).toHaveLength(1);
      expect(props.Targets[0]).toMatchObject({ Arn: FUNCTION_ARN, DeadLetterConfig: { Arn: DLQ_ARN } });
      expect(props.Targets[0]?.RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: expect.any(Number),
        MaximumRetryAttempts: expect.any(Number),
      });
      // No other rule: everything else is a schedule (checked under notify and write-digest) or the ops alarm rule.
      for (const [id, r] of rules)
        if (r !== rule && r.Properties.Name !== OPS_RULE_NAME)
          expect(r.Properties.ScheduleExpression, id).toBeDefined();
      expect(rules).toHaveLength(6);
    });

    it('subscribes the recorder to the alarm topic with a redrive policy to the DLQ', () => {
      const subs = ofType(template, 'AWS::SNS::Subscription').filter(([, r]) =>
        isDeepStrictEqual(r.Properties.TopicArn, TOPIC_REF),
      );
      expect(subs).toHaveLength(1);
      expect(subs[0]?.[1].Properties).toEqual({
        TopicArn: TOPIC_REF,
        Protocol: 'lambda',
        Endpoint: FUNCTION_ARN,
        RedrivePolicy: { deadLetterTargetArn: DLQ_ARN },
      });
      const permissions = ofType(template, 'AWS::Lambda::Permission').map(([, r]) => r.Properties);
      expect(permissions).toContainEqual(
        expect.objectContaining({ FunctionName: FUNCTION_ARN, Principal: 'sns.amazonaws.com', SourceArn: TOPIC_REF }),
      );
      expect(permissions).toContainEqual(
        expect.objectContaining({ FunctionName: FUNCTION_ARN, Principal: 'events.amazonaws.com' }),
      );
    });
  });

  describe('health check alarms', () => {
    const alarm = (id: string): Resource => {
      const r = nestedAlarms(packageDir, template).get(id);
      if (!r) throw new Error(`no alarm ${id} in the nested alarm templates`);
      return r;
    };

    it('creates one alarm per group member, in nested stacks, and nothing else (the ops alarms: monitoring-template)', () => {
      expect(
        ofType(template, 'AWS::CloudWatch::Alarm').filter(([, r]) => r.Properties.Namespace === 'AWS/Route53'),
      ).toEqual([]);
      expect([...nestedAlarms(packageDir, template).keys()].sort()).toEqual(MEMBERS.map((m) => m.logicalId).sort());
    });

    it('puts each group in the nested stack its name hashes to, passing the alarm topic in', () => {
      // orders-api and inventory hash to stacks 08 and 02 (pinned in test/unit/alarm-stacks.test.ts).
      const nested = nestedTemplates(packageDir, template);
      expect([...nested.keys()].sort()).toEqual(['HealthAlarmStack02', 'HealthAlarmStack08']);
      expect(Object.keys(nested.get('HealthAlarmStack08')?.template.Resources ?? {}).sort()).toEqual([
        'OrdersDashapiPrimaryHealthAlarm',
        'OrdersDashapiSecondaryHealthAlarm',
      ]);
      for (const [id, n] of nested) {
        expect(resource(id)).toMatchObject({
          Type: 'AWS::CloudFormation::Stack',
          DependsOn: ['AlarmTopicPolicy'],
          Properties: { Parameters: { AlarmTopicArn: TOPIC_REF } },
        });
        expect(JSON.stringify(resource(id).Properties.TemplateURL)).toContain(`/r53-failover-alarm-stacks/${n.file}`);
        expect(Object.keys((n.template as unknown as { Parameters: object }).Parameters)).toEqual(['AlarmTopicArn']);
      }
    });

    it.each(MEMBERS)('$group $role alarms on HealthCheckStatus < 1 and notifies the topic on every state', (m) => {
      expect(alarm(m.logicalId).Properties).toEqual({
        AlarmName: alarmNameFor('r53-failover-test-', m.group, m.role),
        AlarmDescription:
          `${m.group} ${m.role} (${m.region}): Route 53 health check ${m.hc} is unhealthy ` +
          '(HealthCheckStatus Minimum < 1 over 1 minute). Managed by r53-failover.',
        Namespace: 'AWS/Route53',
        MetricName: 'HealthCheckStatus',
        Dimensions: [{ Name: 'HealthCheckId', Value: m.hc }],
        Statistic: 'Minimum',
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'missing',
        ActionsEnabled: true,
        // The nested stack's parameter, which the root sets to Ref AlarmTopic.
        AlarmActions: [{ Ref: 'AlarmTopicArn' }],
        OKActions: [{ Ref: 'AlarmTopicArn' }],
        InsufficientDataActions: [{ Ref: 'AlarmTopicArn' }],
      });
    });

    it('names alarms with the prefix the EventBridge rule filters on', () => {
      expect(alarm('OrdersDashapiPrimaryHealthAlarm').Properties.AlarmName).toBe(
        'r53-failover-test-orders-api-primary-health',
      );
    });
  });

  describe('record-failover function', () => {
    it('runs the bundled handler on arm64 Node 24 with the ledger and config in its environment', () => {
      const fn = resource(FUNCTION_ID);
      expect(fn.Properties).toMatchObject({
        Handler: 'dist/record-failover/index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: 30,
        Environment: {
          Variables: {
            LEDGER_TABLE: 'r53-failover-test-ledger',
            R53F_CONFIG_FILE: 'dist/config/failover.json',
            POWERTOOLS_SERVICE_NAME: 'r53-failover',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      });
    });

    it('sends failed async invocations to the DLQ after two retries', () => {
      expect(resource(FUNCTION_ID).Properties.DeadLetterConfig).toEqual({ TargetArn: DLQ_ARN });
      const confs = ofType(template, 'AWS::Lambda::EventInvokeConfig').filter(([, r]) =>
        isDeepStrictEqual(r.Properties.FunctionName, { Ref: FUNCTION_ID }),
      );
      expect(confs).toHaveLength(1);
      expect(confs[0]?.[1].Properties).toMatchObject({ MaximumRetryAttempts: 2 });
    });

    it('keeps its log group for 30 days', () => {
      expect(resource('RecordDashfailoverLogGroup').Properties.RetentionInDays).toBe(30);
    });

    it('serves the audit API only with AWS_IAM authorization, from a read-only role', () => {
      const routes = ofType(template, 'AWS::ApiGatewayV2::Route').map(
        ([, r]) => r.Properties as { RouteKey: string; AuthorizationType?: string },
      );
      expect(routes.map((r) => r.RouteKey).sort()).toEqual([
        'GET /badge/{group}',
        'GET /episodes/{group}/{episode}',
        'GET /export',
        'GET /groups',
        'GET /history',
        'GET /stats',
      ]);
      expect(routes.every((r) => r.AuthorizationType === 'AWS_IAM')).toBe(true);
      const role = resource('AuditDashapiIamRoleLambdaExecution') as unknown as {
        Properties: {
          Policies: { PolicyDocument: { Statement: { Action: string[] | string; Resource: unknown }[] } }[];
        };
      };
      const actions = role.Properties.Policies.flatMap((p) =>
        p.PolicyDocument.Statement.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action])),
      );
      expect(actions.filter((a) => !a.startsWith('logs:')).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    });

    it('passes cfn-lint with no finding, audit API routes included', async (ctx) => {
      const skip = cfnLintSkipReason();
      if (skip) return ctx.skip(skip);
      const files = readdirSync(packageDir)
        .filter((f) => f.endsWith('.json') && f !== 'serverless-state.json')
        .map((f) => join(packageDir, f));
      const findings = await cfnLint(files);
      expect(findings.map((f) => `${f.Level} ${f.Rule.Id} ${f.Message} (${f.Filename})`)).toEqual([]);
    }, 600_000);

    it('has its own role with only the ledger and DLQ actions, scoped to their ARNs', () => {
      // One role per function, and the framework's default role is gone (nothing uses it). regional-probe's role is
      // checked in probe-template.test.ts, promote-replica's in promote-template.test.ts, write-digest's below.
      expect(
        ofType(template, 'AWS::IAM::Role')
          .map(([id]) => id)
          .sort(),
      ).toEqual(
        [
          NOTIFY_ROLE_ID,
          ROLE_ID,
          'RegionalDashprobeIamRoleLambdaExecution',
          'PromoteDashreplicaIamRoleLambdaExecution',
          'AuditDashapiIamRoleLambdaExecution',
          'WriteDashdigestIamRoleLambdaExecution',
        ].sort(),
      );
      expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
      expect(JSON.stringify(template)).not.toContain('"IamRoleLambdaExecution"');
      expect(resource(FUNCTION_ID).Properties.Role).toEqual({ 'Fn::GetAtt': [ROLE_ID, 'Arn'] });

      const logs = logGroupArn('record-failover');
      checkGrants(
        roleStatements(resource(ROLE_ID)),
        new Map<string, unknown[]>([
          ['dynamodb:PutItem', [TABLE_ARN, TABLE_INDEXES_ARN]],
          ['dynamodb:UpdateItem', [TABLE_ARN, TABLE_INDEXES_ARN]],
          ['dynamodb:GetItem', [TABLE_ARN, TABLE_INDEXES_ARN]],
          ['dynamodb:Query', [TABLE_ARN, TABLE_INDEXES_ARN]],
          ['sqs:SendMessage', [DLQ_ARN]],
          // Added by serverless-iam-roles-per-function for the function's own log group.
          ['logs:CreateLogStream', [logs]],
          ['logs:CreateLogGroup', [logs]],
          ['logs:PutLogEvents', [logs]],
        ]),
      );
    });

    it('ships the bundle and the validated config, without the local-only secrets', () => {
      const zip = join(packageDir, 'record-failover.zip');
      expect(existsSync(zip)).toBe(true);
      const entries = readZip(zip);
      expect([...entries.keys()].sort()).toEqual([
        'dist/config/failover.json',
        'dist/package.json',
        'dist/record-failover/index.js',
      ]);
      expect(JSON.parse(entries.get('dist/package.json')?.().toString('utf8') ?? '')).toEqual({ type: 'commonjs' });
      const { text, config: shipped } = shippedConfig(entries);
      expect(Object.keys(shipped.groups).sort()).toEqual(['inventory', 'orders-api']);
      expect(shipped.groups['orders-api']?.primary.healthCheckId).toBe(HC.ordersPrimary);
      expect(shipped.notify?.slack).toEqual({ webhookSsmParameter: SSM.slack, allowPrivateTargets: false });
      for (const secret of Object.values(LITERAL)) expect(text).not.toContain(secret);
    });
  });

  describe('notify function', () => {
    it('runs the bundled handler with the ledger, topic, DLQ and config in its environment', () => {
      const fn = resource(NOTIFY_ID);
      expect(fn.Properties).toMatchObject({
        FunctionName: 'r53-failover-test-notify',
        Handler: 'dist/notify/index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 60,
        Role: { 'Fn::GetAtt': [NOTIFY_ROLE_ID, 'Arn'] },
      });
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
        LEDGER_TABLE: 'r53-failover-test-ledger',
        R53F_CONFIG_FILE: 'dist/config/failover.json',
        NOTIFY_TOPIC_ARN: NOTIFICATION_TOPIC_REF,
        DEAD_LETTER_QUEUE_URL: { Ref: 'DeadLetterQueue' },
        POWERTOOLS_SERVICE_NAME: 'r53-failover',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      });
      expect(resource('NotifyLogGroup').Properties.RetentionInDays).toBe(30);
      const confs = ofType(template, 'AWS::Lambda::EventInvokeConfig').filter(([, r]) =>
        isDeepStrictEqual(r.Properties.FunctionName, { Ref: NOTIFY_ID }),
      );
      expect(confs.map(([, r]) => r.Properties.MaximumRetryAttempts)).toEqual([2]);
    });

    it('reads the ledger stream: fresh non-stale INSERTs only, partial batch failures, bisect, then the DLQ', () => {
      // promote-replica's own mapping on the same stream is checked in promote-template.test.ts.
      const mappings = ofType(template, 'AWS::Lambda::EventSourceMapping').filter(([, r]) =>
        isDeepStrictEqual(r.Properties.FunctionName, NOTIFY_ARN),
      );
      expect(mappings).toHaveLength(1);
      const props = mappings[0]?.[1].Properties as Record<string, unknown> & {
        FilterCriteria: { Filters: { Pattern: string }[] };
      };
      expect(props).toMatchObject({
        EventSourceArn: STREAM_ARN,
        FunctionName: NOTIFY_ARN,
        Enabled: true,
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 50,
        MaximumRecordAgeInSeconds: 21_600,
        DestinationConfig: { OnFailure: { Destination: DLQ_ARN } },
      });
      // Filter patterns are JSON strings; compare them parsed.
      expect(props.FilterCriteria.Filters.map((f) => JSON.parse(f.Pattern) as unknown)).toEqual([
        {
          eventName: ['INSERT'],
          dynamodb: { NewImage: { kind: { S: [...LEDGER_ENTRY_KINDS] }, stale: { BOOL: [false] } } },
        },
      ]);
    });

    it('sweeps every minute on a schedule', () => {
      // The other schedule is regional-probe's (probe-template.test.ts).
      const schedules = ofType(template, 'AWS::Events::Rule').filter(
        ([, r]) =>
          r.Properties.ScheduleExpression !== undefined &&
          isDeepStrictEqual((r.Properties.Targets as { Arn: unknown }[])[0]?.Arn, NOTIFY_ARN),
      );
      expect(schedules).toHaveLength(1);
      const [id, rule] = schedules[0] ?? [];
      const props = rule?.Properties as {
        ScheduleExpression: string;
        State: string;
        Targets: Record<string, unknown>[];
      };
      expect(props.ScheduleExpression).toBe('rate(1 minute)');
      expect(props.State).toBe('ENABLED');
      expect(props.Targets).toHaveLength(1);
      expect(props.Targets[0]).toMatchObject({ Arn: NOTIFY_ARN });
      const permissions = ofType(template, 'AWS::Lambda::Permission').map(([, r]) => r.Properties);
      expect(permissions).toContainEqual(
        expect.objectContaining({
          FunctionName: NOTIFY_ARN,
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
        }),
      );
    });

    it('has its own role: ledger, stream, notification topic, DLQ and exactly the named SSM parameters', () => {
      const statements = roleStatements(resource(NOTIFY_ROLE_ID));
      const logs = logGroupArn('notify');
      const table = [TABLE_ARN, TABLE_INDEXES_ARN];
      const granted = checkGrants(
        statements,
        new Map<string, unknown[]>([
          ['dynamodb:GetItem', table],
          ['dynamodb:PutItem', table],
          ['dynamodb:UpdateItem', table],
          ['dynamodb:Query', table],
          // Stream read actions, added by the framework for the stream event.
          ['dynamodb:GetRecords', [STREAM_ARN]],
          ['dynamodb:GetShardIterator', [STREAM_ARN]],
          ['dynamodb:DescribeStream', [STREAM_ARN]],
          ['dynamodb:ListStreams', [STREAM_ARN]],
          ['sns:Publish', [NOTIFICATION_TOPIC_REF]],
          // The topic's customer managed key: publishing to an encrypted topic needs it.
          ['kms:GenerateDataKey*', [NOTIFICATION_KEY_ARN]],
          ['sqs:SendMessage', [DLQ_ARN]],
          // Added by the plugin from failover.yml.
          ['ssm:GetParameter', [SSM.slack, SSM.pagerduty, SSM.webhookUrl, SSM.webhook].map(ssmParameterArn)],
          ['kms:Decrypt', [NOTIFICATION_KEY_ARN, KMS_KEYS_ARN]],
          ['logs:CreateLogStream', [logs]],
          ['logs:CreateLogGroup', [logs]],
          ['logs:PutLogEvents', [logs]],
        ]),
      );
      // Every named parameter is granted, each once, in one statement with nothing else in it.
      const ssm = granted.get('ssm:GetParameter') ?? [];
      expect(ssm).toHaveLength(1);
      expect(asArray(ssm[0]?.Action)).toEqual(['ssm:GetParameter']);
      expect(asArray(ssm[0]?.Resource)).toEqual(
        [SSM.slack, SSM.pagerduty, SSM.webhookUrl, SSM.webhook].map(ssmParameterArn),
      );
      expect(ssm[0]?.Condition).toBeUndefined();
      // The topic's key, to publish; any other key only when SSM decrypts on the function's behalf.
      const [topicKey, ...others] = granted.get('kms:Decrypt') ?? [];
      expect(topicKey).toEqual({
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: [NOTIFICATION_KEY_ARN],
      });
      const kms = others;
      expect(kms).toHaveLength(1);
      expect(asArray(kms[0]?.Action)).toEqual(['kms:Decrypt']);
      expect(kms[0]?.Condition).toEqual({
        StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } },
      });
      // Only the KMS statement has a condition; none has a Deny or a NotAction/NotResource.
      expect(statements.filter((s) => s.Condition !== undefined)).toEqual(kms);
      for (const s of statements) expect(Object.keys(s).filter((k) => k.startsWith('Not'))).toEqual([]);
    });

    it('ships its bundle and the same config, with SSM parameter names instead of literal secrets', () => {
      const zip = join(packageDir, 'notify.zip');
      expect(existsSync(zip)).toBe(true);
      const entries = readZip(zip);
      expect([...entries.keys()].sort()).toEqual([
        'dist/config/failover.json',
        'dist/notify/index.js',
        'dist/package.json',
      ]);
      const { text, config: shipped } = shippedConfig(entries);
      expect(text).toBe(shippedConfig(readZip(join(packageDir, 'record-failover.zip'))).text);
      expect(shipped.notify?.slack).toEqual({ webhookSsmParameter: SSM.slack, allowPrivateTargets: false });
      expect(shipped.notify?.pagerduty).toMatchObject({ routingKeySsmParameter: SSM.pagerduty });
      expect(shipped.notify?.pagerduty).not.toHaveProperty('routingKey');
      // The webhook's URL carries a token: only its SSM parameter is shipped.
      expect(shipped.notify?.webhooks).toEqual([
        { name: 'ops', urlSsmParameter: SSM.webhookUrl, secretSsmParameter: SSM.webhook, allowPrivateTargets: false },
      ]);
      expect(shipped.notify?.sns?.subscriptions).toHaveLength(2);
      // As JSON keys: `"secret"` does not match `"secretSsmParameter"`.
      for (const key of ['webhookUrl', 'routingKey', 'secret', 'url']) expect(text).not.toContain(`"${key}"`);
      for (const secret of Object.values(LITERAL)) expect(text).not.toContain(secret);
      // Each stripped secret is reported; every channel has its SSM parameter, so no "cannot use it" warning.
      expect(packageOutput).toContain('notify.slack.webhookUrl is not shipped');
      expect(packageOutput).toContain('notify.pagerduty.routingKey is not shipped');
      expect(packageOutput).toContain('notify.webhooks[0] (ops).url is not shipped');
      expect(packageOutput).toContain('notify.webhooks[0] (ops).secret is not shipped');
      expect(packageOutput).not.toContain('cannot use it');
    });
  });

  it('puts no local secret (webhook URL with its token, routing key, signing secret) in any function package', () => {
    // Arrange
    const zips = readdirSync(packageDir).filter((f) => f.endsWith('.zip'));
    // Act: every file of every zip, bundles included.
    const found = zips.flatMap((zip) =>
      [...readZip(join(packageDir, zip)).entries()].flatMap(([name, read]) => {
        const text = read().toString('utf8');
        return Object.values(LITERAL)
          .filter((secret) => text.includes(secret))
          .map((secret) => `${zip}:${name} holds ${secret}`);
      }),
    );
    // Assert
    expect(zips.sort()).toEqual(expect.arrayContaining(['notify.zip', 'promote-replica.zip', 'record-failover.zip']));
    expect(found).toEqual([]);
  });

  describe('notification topic', () => {
    it('is encrypted with its own customer managed key, which CloudWatch alarms may use to publish', () => {
      expect(resource('NotificationTopic')).toEqual({
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: 'r53-failover-test-notifications',
          DisplayName: 'r53-failover test',
          KmsMasterKeyId: NOTIFICATION_KEY_ARN,
        },
      });
      const key = resource('NotificationKey').Properties as {
        EnableKeyRotation: boolean;
        KeyPolicy: { Statement: Statement[] };
      };
      expect(key.EnableKeyRotation).toBe(true);
      expect(key.KeyPolicy.Statement).toEqual([
        {
          Sid: 'AccountIamPolicies',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'CloudWatchAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
        },
      ]);
    });

    it('lets only this account’s ops alarms publish, besides the owner account', () => {
      const props = resource('NotificationTopicPolicy').Properties as {
        Topics: unknown[];
        PolicyDocument: { Statement: Statement[] };
      };
      expect(props.Topics).toEqual([NOTIFICATION_TOPIC_REF]);
      const [cloudwatch, owner, ...rest] = props.PolicyDocument.Statement;
      expect(rest).toEqual([]);
      expect(cloudwatch).toEqual({
        Sid: 'CloudWatchOpsAlarmActions',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: NOTIFICATION_TOPIC_REF,
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Sub':
                'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:r53-failover-test_ops-*',
            },
          },
        },
      });
      expect(owner?.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } });
    });

    it('has one subscription per notify.sns.subscriptions entry', () => {
      const subs = ofType(template, 'AWS::SNS::Subscription').filter(([, r]) =>
        isDeepStrictEqual(r.Properties.TopicArn, NOTIFICATION_TOPIC_REF),
      );
      expect(subs.map(([id]) => id).sort()).toEqual(['NotificationSubscription1', 'NotificationSubscription2']);
      SUBSCRIPTIONS.forEach((sub, i) => {
        expect(resource(`NotificationSubscription${i + 1}`).Properties).toEqual({
          TopicArn: NOTIFICATION_TOPIC_REF,
          ...sub,
        });
      });
      // Every subscription in the stack is either the recorder's on the alarm topic or one of these.
      expect(ofType(template, 'AWS::SNS::Subscription')).toHaveLength(1 + SUBSCRIPTIONS.length);
    });
  });

  describe('digest bucket and write-digest function', () => {
    const DIGEST_FN_ID = 'WriteDashdigestLambdaFunction';
    const DIGEST_FN_ARN = { 'Fn::GetAtt': [DIGEST_FN_ID, 'Arn'] };
    const BUCKET_ARN = { 'Fn::GetAtt': ['DigestBucket', 'Arn'] };

    it('locks every digest in COMPLIANCE mode for 400 days by default, versioned, private, encrypted, retained', () => {
      const bucket = resource('DigestBucket') as Resource & { DeletionPolicy?: string; UpdateReplacePolicy?: string };
      expect(bucket.Type).toBe('AWS::S3::Bucket');
      expect(bucket.Properties).toEqual({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } },
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
      expect(template.Outputs?.DigestBucketName?.Value).toEqual({ Ref: 'DigestBucket' });
    });

    it('denies every request to the bucket that does not use TLS', () => {
      const policy = resource('DigestBucketPolicy');
      expect(policy.Properties.Bucket).toEqual({ Ref: 'DigestBucket' });
      expect((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([
        {
          Sid: 'TlsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [BUCKET_ARN, { 'Fn::Join': ['', [BUCKET_ARN, '/*']] }],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]);
    });

    it('runs the bundled handler every hour with the ledger, the bucket and the config in its environment', () => {
      expect(resource(DIGEST_FN_ID).Properties).toMatchObject({
        FunctionName: 'r53-failover-test-write-digest',
        Handler: 'dist/write-digest/index.handler',
        Runtime: 'nodejs24.x',
        Role: { 'Fn::GetAtt': ['WriteDashdigestIamRoleLambdaExecution', 'Arn'] },
        Environment: {
          Variables: {
            LEDGER_TABLE: { Ref: 'LedgerTable' },
            DIGEST_BUCKET: { Ref: 'DigestBucket' },
            R53F_CONFIG_FILE: 'dist/config/failover.json',
            POWERTOOLS_SERVICE_NAME: 'r53-failover',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      });
      const schedules = ofType(template, 'AWS::Events::Rule').filter(([, r]) =>
        isDeepStrictEqual((r.Properties.Targets as { Arn: unknown }[])[0]?.Arn, DIGEST_FN_ARN),
      );
      expect(schedules.map(([, r]) => [r.Properties.ScheduleExpression, r.Properties.State])).toEqual([
        ['rate(1 hour)', 'ENABLED'],
      ]);
      expect(ofType(template, 'AWS::Lambda::Permission').map(([, r]) => r.Properties)).toContainEqual(
        expect.objectContaining({
          FunctionName: DIGEST_FN_ARN,
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [schedules[0]?.[0], 'Arn'] },
        }),
      );
    });

    it('has its own role: Query on the table and its byTime index, PutObject(+Retention) under digests/ only', () => {
      const logs = logGroupArn('write-digest');
      const digests = { 'Fn::Join': ['', [BUCKET_ARN, '/digests/*']] };
      checkGrants(
        roleStatements(resource('WriteDashdigestIamRoleLambdaExecution')),
        new Map<string, unknown[]>([
          ['dynamodb:Query', [TABLE_ARN, { 'Fn::Join': ['/', [TABLE_ARN, 'index', 'byTime']] }]],
          ['s3:PutObject', [digests]],
          ['s3:PutObjectRetention', [digests]],
          ['logs:CreateLogStream', [logs]],
          ['logs:CreateLogGroup', [logs]],
          ['logs:PutLogEvents', [logs]],
        ]),
      );
    });

    it('ships its bundle and the same validated config', () => {
      const entries = readZip(join(packageDir, 'write-digest.zip'));
      expect([...entries.keys()].sort()).toEqual([
        'dist/config/failover.json',
        'dist/package.json',
        'dist/write-digest/index.js',
      ]);
      expect(shippedConfig(entries).text).toBe(shippedConfig(readZip(join(packageDir, 'record-failover.zip'))).text);
    });
  });

  it('runs every function on nodejs24.x (the runtime the bundles are built and tested for)', () => {
    const functions = ofType(template, 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(
      [
        'AuditDashapiLambdaFunction',
        FUNCTION_ID,
        NOTIFY_ID,
        'PromoteDashreplicaLambdaFunction',
        'RegionalDashprobeLambdaFunction',
        'WriteDashdigestLambdaFunction',
      ].sort(),
    );
    for (const [id, fn] of functions) expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
  });

  it('outputs the table name, topic ARNs, DLQ URL, audit API URL and dashboard (serverless info --verbose prints them)', () => {
    expect(template.Outputs?.LedgerTableName?.Value).toEqual({ Ref: 'LedgerTable' });
    expect(template.Outputs?.AlarmTopicArn?.Value).toEqual(TOPIC_REF);
    expect(template.Outputs?.NotificationTopicArn?.Value).toEqual(NOTIFICATION_TOPIC_REF);
    expect(template.Outputs?.DeadLetterQueueUrl?.Value).toEqual({ Ref: 'DeadLetterQueue' });
    expect(template.Outputs?.AuditApiUrl?.Value).toEqual({
      'Fn::Join': [
        '',
        ['https://', { Ref: 'HttpApi' }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }],
      ],
    });
    // The same URL the framework puts in HttpApiUrl, under the name the docs use.
    expect(template.Outputs?.AuditApiUrl?.Value).toEqual(template.Outputs?.HttpApiUrl?.Value);
    expect(resource('HttpApi').Type).toBe('AWS::ApiGatewayV2::Api');
    expect(template.Outputs?.DashboardName?.Value).toEqual({ Ref: 'OpsDashboard' });
  });
});

// Each case is one short-lived `serverless` process that fails before building: run them side by side.
describe.concurrent('serverless package refuses bad input', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-template-bad-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('fails on an invalid failover.yml, naming the field', async ({ expect }) => {
    const configFile = join(work, 'bad-region.yml');
    writeFileSync(configFile, configYaml({ ordersPrimaryRegion: 'useast1' }));
    const result = await serverless(
      ['package', '--stage', 'test', '--region', 'us-east-1', '--package', join(work, 'out-bad')],
      {
        R53F_CONFIG: configFile,
      },
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('groups.orders-api.primary.region');
    expect(result.output).toContain('useast1');
    expect(existsSync(join(work, 'out-bad', 'cloudformation-template-update-stack.json'))).toBe(false);
  }, 60_000);

  it('fails on a digest retention out of range, naming the field, the value and the rule', async ({ expect }) => {
    const configFile = join(work, 'bad-retention.yml');
    writeFileSync(configFile, `${configYaml()}audit:\n  digestRetentionDays: 0\n`);
    const result = await serverless(
      ['package', '--stage', 'test', '--region', 'us-east-1', '--package', join(work, 'out-retention')],
      { R53F_CONFIG: configFile },
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(
      'audit.digestRetentionDays: expected a whole number of days from 1 to 36500, got 0',
    );
    expect(existsSync(join(work, 'out-retention', 'cloudformation-template-update-stack.json'))).toBe(false);
  }, 60_000);

  it('fails outside us-east-1, saying why', async ({ expect }) => {
    const configFile = join(work, 'good.yml');
    writeFileSync(configFile, configYaml());
    const result = await serverless(
      ['package', '--stage', 'test', '--region', 'eu-west-1', '--package', join(work, 'out-region')],
      {
        R53F_CONFIG: configFile,
      },
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('us-east-1 only, not eu-west-1');
    expect(result.output).toContain('HealthCheckStatus');
  }, 60_000);

  it('fails when the config file is missing, pointing at the example', async ({ expect }) => {
    const result = await serverless(
      ['package', '--stage', 'test', '--region', 'us-east-1', '--package', join(work, 'out-missing')],
      {
        R53F_CONFIG: join(work, 'does-not-exist.yml'),
      },
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('not found');
    expect(result.output).toContain('cp failover.example.yml failover.yml');
  }, 60_000);
});

describe('digest retention from failover.yml', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-template-retention-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('sets the digest bucket’s default retention to audit.digestRetentionDays', async () => {
    const configFile = join(work, 'failover.yml');
    writeFileSync(configFile, `${configYaml()}audit:\n  digestRetentionDays: 2555\n`);
    const { resource } = await packageStack(join(work, 'package'), ['--region', 'us-east-1'], configFile);
    expect(resource('DigestBucket').Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } },
    });
  }, 120_000);
});

describe.concurrent('ledger deletion protection per stage', () => {
  const protection = async (args: string[]): Promise<string> => {
    const result = await serverless([
      'print',
      ...args,
      '--path',
      'resources.Resources.LedgerTable.Properties.DeletionProtectionEnabled',
    ]);
    if (result.code !== 0) throw new Error(`serverless print failed (${result.code}):\n${result.output}`);
    return result.output.trim();
  };

  it('is on for any stage not listed as local', async ({ expect }) => {
    expect(await protection(['--stage', 'prod'])).toBe('true');
  }, 60_000);

  it('can be lifted for a teardown with --param', async ({ expect }) => {
    expect(await protection(['--stage', 'prod', '--param=ledgerDeletionProtection=false'])).toMatch(/^'?false'?$/);
  }, 60_000);
});

describe('serverless package refuses a channel that could never deliver', () => {
  it('fails when a channel has only a local secret and no SSM parameter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r53f-localonly-'));
    const file = join(dir, 'failover.yml');
    writeFileSync(
      file,
      `${readFileSync('failover.example.yml', 'utf8').replace(/\n {4}webhookSsmParameter: .*\n/, '\n')}`,
    );
    const res = spawnSync(
      process.execPath,
      [
        'node_modules/osls/bin/serverless.js',
        'package',
        '--stage',
        'test',
        '--region',
        'us-east-1',
        '--package',
        join(dir, 'pkg'),
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, R53F_CONFIG: file, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
        timeout: 120_000,
      },
    );
    expect(res.status).not.toBe(0);
    expect(`${res.stdout}${res.stderr}`).toContain(
      'notify.slack has webhookUrl (a local-only value) but no webhookSsmParameter',
    );
  });

  it('fails when a webhook URL carries a token and no urlSsmParameter holds it, naming the field', async () => {
    // Arrange: the ops webhook's URL (?token=…) without its SSM parameter.
    const dir = mkdtempSync(join(tmpdir(), 'r53f-token-url-'));
    try {
      const file = join(dir, 'failover.yml');
      writeFileSync(file, configYaml().replace(/\n {6}urlSsmParameter: .*\n/, '\n'));
      // Act
      const res = await serverless(
        ['package', '--stage', 'test', '--region', 'us-east-1', '--package', join(dir, 'pkg')],
        { R53F_CONFIG: file },
      );
      // Assert
      expect(res.code).not.toBe(0);
      expect(res.output).toContain('notify.webhooks[0] (ops).url carries a query string or credentials');
      expect(res.output).toContain('set notify.webhooks[0] (ops).urlSsmParameter');
      expect(res.output).not.toContain(LITERAL.webhookToken);
      expect(existsSync(join(dir, 'pkg', 'notify.zip'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
