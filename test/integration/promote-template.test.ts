import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  asArray,
  forwardingRoleOf,
  ofType,
  openShippedConfig,
  packageStack as packageInto,
  readZip,
  root,
  serverless,
  type Packaged,
  type Resource,
  type Statement,
  type Template,
  US_EAST_1_DEFAULT_BUS,
} from '../helpers/template.js';

// promote-replica in the recorder stack (role, stream filter, schedule, RDS rule, all derived from failover.yml's
// promotion hooks) and the RDS event forwarding rule of serverless.probe.yml. `serverless package` is offline: no AWS
// call, no credentials.

/** What failover.example.yml's promotion hooks name (orders-api: aurora-global, lambda, webhook; inventory: rds-replica). */
const EXAMPLE = {
  globalClusterId: 'orders-global',
  targetCluster: 'arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2',
  primaryCluster: 'arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora-use1',
  hookFunction: 'arn:aws:lambda:us-west-2:123456789012:function:orders-promote-cache',
  webhookSecret: '/r53-failover/promote-hmac',
  replicaInstance: 'arn:aws:rds:eu-central-1:123456789012:db:inventory-db-euc1',
};
/** A literal promotion webhook secret: valid in failover.yml for local runs, never shipped. */
const LITERAL_HOOK_SECRET = 'local-promote-hook-secret-0123456789';
/** A token in the promotion webhook's local URL: with `urlSsmParameter` set, the URL is never shipped. */
const LITERAL_HOOK_TOKEN = 'LOCALPROMOTETOKEN0123';
const HOOK_URL_PARAMETER = '/r53-failover/promote-url';

const FUNCTION_ID = 'PromoteDashreplicaLambdaFunction';
const ROLE_ID = 'PromoteDashreplicaIamRoleLambdaExecution';
const FUNCTION_ARN = { 'Fn::GetAtt': [FUNCTION_ID, 'Arn'] };
const TABLE_ARN = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };
const TABLE_INDEXES_ARN = { 'Fn::Join': ['/', [TABLE_ARN, 'index', '*']] };
const STREAM_ARN = { 'Fn::GetAtt': ['LedgerTable', 'StreamArn'] };
const DLQ_ARN = { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] };
/** Empty region field: a global database belongs to no region. */
const GLOBAL_CLUSTER_ARN = { 'Fn::Sub': 'arn:${AWS::Partition}:rds::${AWS::AccountId}:global-cluster:orders-global' };
const ssmParameterArn = (name: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`,
});
const KMS_KEYS_ARN = { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' };
const LOG_GROUP_ARN = {
  'Fn::Sub':
    'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/r53-failover-test-promote-replica:*:*',
};
const RDS_DETAIL_TYPES = ['RDS DB Cluster Event', 'RDS DB Instance Event'];

/** Statements serverless.yml and the framework give promote-replica whatever failover.yml says. */
const BASE_GRANTS: [string, unknown[]][] = [
  ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'].map((a): [string, unknown[]] => [
    a,
    [TABLE_ARN, TABLE_INDEXES_ARN],
  ]),
  // Added by the framework for the stream event.
  ...['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream', 'dynamodb:ListStreams'].map(
    (a): [string, unknown[]] => [a, [STREAM_ARN]],
  ),
  // The stream mapping's on-failure destination.
  ['sqs:SendMessage', [DLQ_ARN]],
  // Added by serverless-iam-roles-per-function for the function's own log group.
  ...['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'].map((a): [string, unknown[]] => [
    a,
    [LOG_GROUP_ARN],
  ]),
];

/** The statements the plugin derives from failover.example.yml, exactly. */
const EXAMPLE_STATEMENTS: Statement[] = [
  {
    Sid: 'PromoteAuroraGlobal',
    Effect: 'Allow',
    Action: ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
    Resource: [GLOBAL_CLUSTER_ARN, EXAMPLE.targetCluster, EXAMPLE.primaryCluster],
  },
  {
    Sid: 'PromoteReadReplica',
    Effect: 'Allow',
    Action: ['rds:PromoteReadReplica'],
    Resource: [EXAMPLE.replicaInstance],
  },
  {
    Sid: 'DescribePromotionGlobalClusters',
    Effect: 'Allow',
    Action: ['rds:DescribeGlobalClusters'],
    Resource: [GLOBAL_CLUSTER_ARN],
  },
  {
    Sid: 'DescribePromotionClusters',
    Effect: 'Allow',
    Action: ['rds:DescribeDBClusters'],
    Resource: [EXAMPLE.targetCluster, EXAMPLE.primaryCluster],
  },
  {
    Sid: 'DescribePromotionInstances',
    Effect: 'Allow',
    Action: ['rds:DescribeDBInstances'],
    Resource: [EXAMPLE.replicaInstance],
  },
  { Sid: 'InvokePromotionHooks', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [EXAMPLE.hookFunction] },
  // No resource-level permissions for GetMetricData: the only "*" in the role (read-only).
  { Sid: 'ReadPromotionMetrics', Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
  {
    Sid: 'ReadPromotionSecrets',
    Effect: 'Allow',
    Action: ['ssm:GetParameter'],
    Resource: [ssmParameterArn(EXAMPLE.webhookSecret)],
  },
  {
    Sid: 'DecryptPromotionSecretsViaSsm',
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: [KMS_KEYS_ARN],
    Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
  },
];

const statementsOf = (role: Resource): Statement[] => {
  const props = role.Properties as {
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
    ManagedPolicyArns?: unknown[];
  };
  expect(props.ManagedPolicyArns ?? []).toEqual([]);
  return props.Policies.flatMap((p) => p.PolicyDocument.Statement);
};

/** action → every resource granted for it, over all statements (all Allow, no NotAction/NotResource). */
const grantsOf = (statements: Statement[]): Record<string, unknown[]> => {
  const granted: Record<string, unknown[]> = {};
  for (const s of statements) {
    expect(s.Effect).toBe('Allow');
    expect(Object.keys(s).filter((k) => k.startsWith('Not'))).toEqual([]);
    for (const action of asArray(s.Action) as string[])
      granted[action] = [...(granted[action] ?? []), ...asArray(s.Resource)];
  }
  return granted;
};

/** failover.example.yml without any promotion block. */
const exampleWithoutPromotion = (): string => {
  const doc = parse(readFileSync(join(root, 'failover.example.yml'), 'utf8')) as {
    groups: Record<string, { promotion?: unknown }>;
  };
  for (const g of Object.values(doc.groups)) delete g.promotion;
  return stringify(doc);
};

/**
 * failover.example.yml whose promotion webhook hook also has a literal secret (or, `ssm: false`, only that), and a
 * local URL with a token beside its `urlSsmParameter`.
 */
const exampleWithLiteralHookSecret = ({ ssm = true } = {}): string => {
  const doc = parse(readFileSync(join(root, 'failover.example.yml'), 'utf8')) as {
    groups: Record<string, { promotion?: { hooks: Record<string, unknown>[] } }>;
  };
  const hook = doc.groups['orders-api']?.promotion?.hooks.find((h) => h.type === 'webhook');
  if (!hook) throw new Error('failover.example.yml: orders-api has no webhook promotion hook');
  hook.secret = LITERAL_HOOK_SECRET;
  hook.url = `https://hooks.example.com/promote?token=${LITERAL_HOOK_TOKEN}`;
  hook.urlSsmParameter = HOOK_URL_PARAMETER;
  if (!ssm) delete hook.secretSsmParameter;
  return stringify(doc);
};

type Run = 'example' | 'none' | 'probeUsw2' | 'probeEuc1' | 'probeEuw1';

describe('promote-replica and RDS event forwarding (serverless package, stage test)', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-promote-template-'));
  const noPromotion = join(work, 'no-promotion.yml');
  const literalSecret = join(work, 'literal-hook-secret.yml');
  const packages = {} as Record<Run, Packaged<Template>>;

  const packageStack = async (key: Run, args: string[], config: string): Promise<void> => {
    packages[key] = await packageInto<Template>(join(work, key), args, config, key);
  };

  beforeAll(async () => {
    writeFileSync(noPromotion, exampleWithoutPromotion());
    writeFileSync(literalSecret, exampleWithLiteralHookSecret());
    const example = join(root, 'failover.example.yml');
    const probe = ['--config', 'serverless.probe.yml', '--region'];
    // Side by side: the plugin's package lock keeps each run's config in its own zips.
    await Promise.all([
      packageStack('example', ['--region', 'us-east-1'], example),
      packageStack('none', ['--region', 'us-east-1'], noPromotion),
      // orders-api's target cluster lives in us-west-2, inventory's replica in eu-central-1, no target in eu-west-1.
      packageStack('probeUsw2', [...probe, 'us-west-2'], example),
      packageStack('probeEuc1', [...probe, 'eu-central-1'], example),
      packageStack('probeEuw1', [...probe, 'eu-west-1'], literalSecret),
    ]);
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const rulesTargeting = (p: Packaged, arn: unknown) =>
    ofType(p.template, 'AWS::Events::Rule').filter(([, r]) =>
      (r.Properties.Targets as { Arn: unknown }[]).some((t) => isDeepStrictEqual(t.Arn, arn)),
    );
  const rdsRules = (p: Packaged) =>
    ofType(p.template, 'AWS::Events::Rule').filter(([, r]) =>
      asArray((r.Properties.EventPattern as { source?: unknown } | undefined)?.source).includes('aws.rds'),
    );
  const dlqStatements = (p: Packaged) =>
    (p.resource('DeadLetterQueuePolicy').Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument
      .Statement;

  describe('recorder stack with failover.example.yml', () => {
    it('runs the bundled handler: 60 s, 2 reserved, 2 async retries, its own role, the ledger and config in its environment', () => {
      const { resource, template } = packages.example;
      const fn = resource(FUNCTION_ID);
      expect(fn.Properties).toMatchObject({
        FunctionName: 'r53-failover-test-promote-replica',
        Handler: 'dist/promote-replica/index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 60,
        ReservedConcurrentExecutions: 2,
        Role: { 'Fn::GetAtt': [ROLE_ID, 'Arn'] },
      });
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
        LEDGER_TABLE: 'r53-failover-test-ledger',
        R53F_CONFIG_FILE: 'dist/config/failover.json',
        POWERTOOLS_SERVICE_NAME: 'r53-failover',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      });
      const confs = ofType(template, 'AWS::Lambda::EventInvokeConfig').filter(([, r]) =>
        isDeepStrictEqual(r.Properties.FunctionName, { Ref: FUNCTION_ID }),
      );
      expect(confs.map(([, r]) => r.Properties.MaximumRetryAttempts)).toEqual([2]);
      expect(resource('PromoteDashreplicaLogGroup').Properties.RetentionInDays).toBe(30);
    });

    it('ships its bundle with the validated config, promotion hooks included', () => {
      const entries = readZip(join(packages.example.dir, 'promote-replica.zip'));
      expect([...entries.keys()].sort()).toEqual([
        'dist/config/failover.json',
        'dist/package.json',
        'dist/promote-replica/index.js',
      ]);
      expect(JSON.parse(entries.get('dist/package.json')?.().toString('utf8') ?? '')).toEqual({ type: 'commonjs' });
      const text = entries.get('dist/config/failover.json')?.().toString('utf8') ?? '';
      expect(text).toBe(
        readZip(join(packages.example.dir, 'notify.zip')).get('dist/config/failover.json')?.().toString('utf8'),
      );
      const shipped = openShippedConfig<{
        groups: Record<string, { promotion?: { mode: string; hooks: { type: string }[] } }>;
      }>(text);
      expect(shipped.groups['orders-api']?.promotion?.hooks.map((h) => h.type)).toEqual([
        'aurora-global',
        'lambda',
        'webhook',
      ]);
      expect(shipped.groups.inventory?.promotion).toMatchObject({
        mode: 'dry-run',
        hooks: [{ type: 'rds-replica', replicaInstanceArn: EXAMPLE.replicaInstance }],
      });
    });

    it('reads the ledger stream: non-stale transition INSERTs of FAILED_OVER, BOTH_UNHEALTHY and RECOVERED only', () => {
      const mappings = ofType(packages.example.template, 'AWS::Lambda::EventSourceMapping').filter(([, r]) =>
        isDeepStrictEqual(r.Properties.FunctionName, FUNCTION_ARN),
      );
      expect(mappings).toHaveLength(1);
      const props = mappings[0]?.[1].Properties as Record<string, unknown> & {
        FilterCriteria: { Filters: { Pattern: string }[] };
      };
      expect(props).toMatchObject({
        EventSourceArn: STREAM_ARN,
        Enabled: true,
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: DLQ_ARN } },
      });
      expect(props.FilterCriteria.Filters.map((f) => JSON.parse(f.Pattern) as unknown)).toEqual([
        {
          eventName: ['INSERT'],
          dynamodb: {
            NewImage: {
              kind: { S: ['transition'] },
              stale: { BOOL: [false] },
              event: { S: ['FAILED_OVER', 'BOTH_UNHEALTHY', 'RECOVERED'] },
            },
          },
        },
      ]);
    });

    it('checks every minute on a schedule', () => {
      const schedules = rulesTargeting(packages.example, FUNCTION_ARN).filter(
        ([, r]) => r.Properties.ScheduleExpression !== undefined,
      );
      expect(schedules).toHaveLength(1);
      const [id, rule] = schedules[0] ?? [];
      expect(rule?.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
      expect(rule?.Properties.EventPattern).toBeUndefined();
      const permissions = ofType(packages.example.template, 'AWS::Lambda::Permission').map(([, r]) => r.Properties);
      expect(permissions).toContainEqual(
        expect.objectContaining({
          FunctionName: FUNCTION_ARN,
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
        }),
      );
    });

    it('receives RDS cluster and instance events about exactly the configured clusters and replica, with retries and the DLQ', () => {
      const p = packages.example;
      const rules = rdsRules(p);
      expect(rules).toHaveLength(1);
      const props = rules[0]?.[1].Properties as {
        Name: string;
        State: string;
        EventPattern: unknown;
        Targets: Record<string, unknown>[];
      };
      expect(props.Name).toBe('r53-failover-test-rds-events');
      expect(props.State).toBe('ENABLED');
      expect(props.EventPattern).toEqual({
        source: ['aws.rds'],
        'detail-type': RDS_DETAIL_TYPES,
        detail: { SourceArn: [EXAMPLE.targetCluster, EXAMPLE.primaryCluster, EXAMPLE.replicaInstance] },
      });
      expect(props.Targets).toHaveLength(1);
      expect(props.Targets[0]).toMatchObject({
        Arn: FUNCTION_ARN,
        DeadLetterConfig: { Arn: DLQ_ARN },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
      });
      // Exactly two rules invoke it: the schedule and this one.
      expect(rulesTargeting(p, FUNCTION_ARN)).toHaveLength(2);
      // The DLQ admits EventBridge for this rule (and the alarm rule), by rule ARN.
      const forRule = dlqStatements(p).filter((s) => s.Sid === 'RdsEventRuleDeadLetters');
      expect(forRule).toEqual([
        {
          Sid: 'RdsEventRuleDeadLetters',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: DLQ_ARN,
          Condition: {
            ArnEquals: {
              'aws:SourceArn': {
                'Fn::Sub':
                  'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/r53-failover-test-rds-events',
              },
            },
          },
        },
      ]);
      expect(ofType(p.template, 'AWS::SQS::QueuePolicy').map(([id]) => id)).toEqual(['DeadLetterQueuePolicy']);
    });

    it('gives it its own role: the ledger and exactly what the hooks name, cloudwatch:GetMetricData the only "*"', () => {
      const { template, resource } = packages.example;
      expect(ofType(template, 'AWS::IAM::Role').map(([id]) => id)).toContain(ROLE_ID);
      const statements = statementsOf(resource(ROLE_ID));
      // The derived statements, exactly and in this order.
      expect(statements.filter((s) => s.Sid !== undefined)).toEqual(EXAMPLE_STATEMENTS);
      // Everything granted, action by action: the base statements plus the derived ones, nothing else.
      expect(grantsOf(statements)).toEqual(
        grantsOf([
          ...BASE_GRANTS.map(([a, r]): Statement => ({ Effect: 'Allow', Action: a, Resource: r })),
          ...EXAMPLE_STATEMENTS,
        ]),
      );
      const star = statements.filter((s) => asArray(s.Resource).includes('*'));
      expect(star.map((s) => s.Action)).toEqual([['cloudwatch:GetMetricData']]);
      // The global cluster ARN has an empty region; the cluster and instance ARNs are the config's own.
      expect(JSON.stringify(statements)).toContain(':rds::${AWS::AccountId}:global-cluster:orders-global');
      // Only the KMS statement has a condition.
      expect(statements.filter((s) => s.Condition !== undefined).map((s) => s.Sid)).toEqual([
        'DecryptPromotionSecretsViaSsm',
      ]);
    });
  });

  describe('recorder stack without any promotion', () => {
    it('still deploys the function (stream and schedule; it just returns), with no RDS rule and no DLQ statement for one', () => {
      const p = packages.none;
      expect(p.resource(FUNCTION_ID).Properties.Handler).toBe('dist/promote-replica/index.handler');
      expect(rdsRules(p)).toEqual([]);
      expect(rulesTargeting(p, FUNCTION_ARN).map(([, r]) => r.Properties.ScheduleExpression)).toEqual([
        'rate(1 minute)',
      ]);
      expect(
        ofType(p.template, 'AWS::Lambda::EventSourceMapping').filter(([, r]) =>
          isDeepStrictEqual(r.Properties.FunctionName, FUNCTION_ARN),
        ),
      ).toHaveLength(1);
      expect(dlqStatements(p).map((s) => s.Sid)).toEqual([
        'EventBridgeRuleDeadLetters',
        'OpsAlarmRuleDeadLetters',
        'AlarmTopicRedrive',
      ]);
    });

    it('gives the role only the ledger statement (plus the stream, DLQ and log grants every such function has)', () => {
      const statements = statementsOf(packages.none.resource(ROLE_ID));
      expect(statements.filter((s) => s.Sid !== undefined)).toEqual([]);
      expect(grantsOf(statements)).toEqual(
        grantsOf(BASE_GRANTS.map(([a, r]): Statement => ({ Effect: 'Allow', Action: a, Resource: r }))),
      );
      const actions = statements.flatMap((s) => asArray(s.Action) as string[]);
      expect(actions.filter((a) => /^(rds|lambda|cloudwatch|ssm|kms):/.test(a))).toEqual([]);
      expect(statements.filter((s) => asArray(s.Resource).includes('*'))).toEqual([]);
    });
  });

  describe('probe stack: forwarding RDS events to us-east-1', () => {
    const forwardRule = (p: Packaged) =>
      p.resource('RdsEventForwardRule').Properties as {
        Name: string;
        EventBusName: string;
        State: string;
        EventPattern: unknown;
        Targets: Record<string, unknown>[];
      };

    it('forwards the us-west-2 target cluster’s events to the us-east-1 default bus', () => {
      const p = packages.probeUsw2;
      expect(
        ofType(p.template, 'AWS::Events::Rule')
          .map(([id]) => id)
          .sort(),
      ).toEqual(['RdsEventForwardRule', 'RegionalDashprobeEventsRuleSchedule1']);
      const rule = forwardRule(p);
      expect(rule).toMatchObject({
        Name: 'r53-failover-probe-test-rds-forward',
        EventBusName: 'default',
        State: 'ENABLED',
      });
      expect(rule.EventPattern).toEqual({
        source: ['aws.rds'],
        'detail-type': RDS_DETAIL_TYPES,
        detail: { SourceArn: [EXAMPLE.targetCluster] },
      });
      expect(rule.Targets).toEqual([
        {
          Id: 'us-east-1-default-bus',
          Arn: US_EAST_1_DEFAULT_BUS,
          RoleArn: { 'Fn::GetAtt': ['RdsEventForwardRole', 'Arn'] },
        },
      ]);
    });

    it('lets EventBridge, for this rule only, put events on that bus and nothing else', () => {
      const p = packages.probeUsw2;
      expect(
        ofType(p.template, 'AWS::IAM::Role')
          .map(([id]) => id)
          .sort(),
      ).toEqual(['RdsEventForwardRole', 'RegionalDashprobeIamRoleLambdaExecution']);
      // Unnamed (IAM is global and there is one probe stack per region), PutEvents on the bus only.
      expect(p.resource('RdsEventForwardRole').Properties).toEqual(
        forwardingRoleOf('r53-failover-probe-test-rds-forward'),
      );
    });

    it('forwards only the targets in its own region: the replica instance in eu-central-1', () => {
      expect(forwardRule(packages.probeEuc1).EventPattern).toEqual({
        source: ['aws.rds'],
        'detail-type': RDS_DETAIL_TYPES,
        detail: { SourceArn: [EXAMPLE.replicaInstance] },
      });
    });

    it('has no forwarding rule or role in a region where no promotion target lives', () => {
      const { template } = packages.probeEuw1;
      expect(template.Resources.RdsEventForwardRule).toBeUndefined();
      expect(template.Resources.RdsEventForwardRole).toBeUndefined();
      expect(ofType(template, 'AWS::Events::Rule')).toHaveLength(1);
      expect(ofType(template, 'AWS::IAM::Role')).toHaveLength(1);
    });

    it('never ships a promotion webhook hook’s literal secret or URL, only their SSM parameters', () => {
      const p = packages.probeEuw1;
      const text =
        readZip(join(p.dir, 'regional-probe.zip')).get('dist/config/failover.json')?.().toString('utf8') ?? '';
      expect(text).not.toContain(LITERAL_HOOK_SECRET);
      expect(text).not.toContain(LITERAL_HOOK_TOKEN);
      const shipped = openShippedConfig<{
        groups: Record<string, { promotion?: { hooks: Record<string, unknown>[] } }>;
      }>(text);
      expect(shipped.groups['orders-api']?.promotion?.hooks.find((h) => h.type === 'webhook')).toEqual({
        type: 'webhook',
        urlSsmParameter: HOOK_URL_PARAMETER,
        secretSsmParameter: EXAMPLE.webhookSecret,
        allowPrivateTargets: false,
      });
      expect(p.output).toContain('groups.orders-api.promotion.hooks[2] (webhook).url is not shipped');
      expect(p.output).toContain('groups.orders-api.promotion.hooks[2] (webhook).secret is not shipped');
    });
  });
});

describe('serverless package refuses a promotion webhook that could never sign deployed', () => {
  it('fails when the hook has only a local secret and no SSM parameter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r53f-promote-localonly-'));
    try {
      const file = join(dir, 'failover.yml');
      writeFileSync(file, exampleWithLiteralHookSecret({ ssm: false }));
      const result = await serverless(
        ['package', '--stage', 'test', '--region', 'us-east-1', '--package', join(dir, 'pkg')],
        { R53F_CONFIG: file },
      );
      expect(result.code).not.toBe(0);
      expect(result.output).toContain(
        'groups.orders-api.promotion.hooks[2] (webhook) has secret (a local-only value) but no secretSsmParameter',
      );
      expect(existsSync(join(dir, 'pkg', 'cloudformation-template-update-stack.json'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
