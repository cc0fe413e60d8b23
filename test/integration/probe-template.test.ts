import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asArray,
  ofType,
  openShippedConfig,
  packageStack as packageInto,
  readZip,
  serverless,
  type Packaged,
  type Resource,
  type Statement,
  type Template,
} from '../helpers/template.js';

// The regional probe in both stacks: serverless.yml (us-east-1, with the ledger) and serverless.probe.yml (every other
// probe region, writing to the us-east-1 ledger). `serverless package` is offline: no AWS call, no credentials.

const HC = {
  ordersPrimary: '4dd370d3-b015-4e3f-a866-db054eabfffb',
  ordersSecondary: '7453f8fa-f3ba-4a8b-980b-d692a846ade4',
  inventoryPrimary: '0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b',
  inventorySecondary: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
};

// Probe regions (probeSettingsFor): orders-api takes the top-level list (us-east-1, ap-southeast-2; not its members'
// us-west-2), inventory its own override (eu-west-1, eu-central-1). So us-east-1 and eu-west-1 probe, us-west-2 doesn't.
const PROBE_CONFIG = `version: 1
probes:
  regions: [us-east-1, ap-southeast-2]
  intervalSeconds: 15
  quorum: { required: 2, consecutive: 3 }
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary:
      region: us-east-1
      healthCheckId: ${HC.ordersPrimary}
      endpoint: https://api-use1.orders.example.com/healthz
    secondary:
      region: us-west-2
      healthCheckId: ${HC.ordersSecondary}
      endpoint: https://api-usw2.orders.example.com/healthz
  inventory:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: inventory.example.com.
    primary:
      region: eu-west-1
      healthCheckId: ${HC.inventoryPrimary}
      probes:
        - { type: tcp, host: inventory-euw1.example.com, port: 443 }
    secondary:
      region: eu-central-1
      healthCheckId: ${HC.inventorySecondary}
    probeSettings:
      regions: [eu-west-1, eu-central-1]
      allowPrivateTargets: true
notify:
  slack:
    webhookSsmParameter: /r53-failover/slack-webhook
`;

// One group whose own probe regions leave out us-east-1 (one of its members' regions).
const NO_US_EAST_1_CONFIG = `version: 1
groups:
  billing:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: billing.example.com.
    primary:
      region: us-east-1
      healthCheckId: ${HC.ordersPrimary}
      endpoint: https://billing-use1.example.com/healthz
    secondary:
      region: us-west-2
      healthCheckId: ${HC.ordersSecondary}
    probeSettings:
      regions: [us-west-2, eu-west-1]
`;

const FUNCTION_ID = 'RegionalDashprobeLambdaFunction';
const ROLE_ID = 'RegionalDashprobeIamRoleLambdaExecution';
const FUNCTION_ARN = { 'Fn::GetAtt': [FUNCTION_ID, 'Arn'] };
const TABLE_ARN = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };
const TABLE_INDEXES_ARN = { 'Fn::Join': ['/', [TABLE_ARN, 'index', '*']] };
/** The probe stack's grant: the table in the ledger region (us-east-1), never the stack's own region. */
const ledgerArns = (table: string, region = 'us-east-1') => [
  { 'Fn::Sub': `arn:\${AWS::Partition}:dynamodb:${region}:\${AWS::AccountId}:table/${table}` },
  { 'Fn::Sub': `arn:\${AWS::Partition}:dynamodb:${region}:\${AWS::AccountId}:table/${table}/index/*` },
];
const logGroupArn = (functionName: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*:*`,
});
const LEDGER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'];
const ZIP_ENTRIES = ['dist/config/failover.json', 'dist/package.json', 'dist/regional-probe/index.js'];
const NOT_A_PROBE_REGION = 'is not a probe region of any group';

/**
 * The heartbeat's one grant (shared/probe/heartbeat.ts): PutMetricData has no resource-level permissions, so "*",
 * held to the probes' namespace by the condition.
 */
const HEARTBEAT_STATEMENT = {
  Effect: 'Allow',
  Action: ['cloudwatch:PutMetricData'],
  Resource: '*',
  Condition: { StringEquals: { 'cloudwatch:namespace': 'R53Failover/Probes' } },
};

/**
 * The role's inline statements must grant exactly `allowed` (action → resources), each action only on its resources,
 * never "*", with no managed policies, conditions or Deny; besides those, exactly the heartbeat statement.
 */
const expectExactGrants = (role: Resource, allowed: Map<string, unknown[]>): void => {
  const props = role.Properties as {
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
    ManagedPolicyArns?: unknown[];
  };
  expect(props.ManagedPolicyArns ?? []).toEqual([]);
  const all = props.Policies.flatMap((p) => p.PolicyDocument.Statement);
  const heartbeat = all.filter((s) => asArray(s.Action).includes('cloudwatch:PutMetricData'));
  expect(heartbeat).toEqual([HEARTBEAT_STATEMENT]);
  const statements = all.filter((s) => !heartbeat.includes(s));
  const granted = new Map<string, unknown[]>();
  for (const s of statements) {
    expect(Object.keys(s).sort()).toEqual(['Action', 'Effect', 'Resource']);
    expect(s.Effect).toBe('Allow');
    for (const action of asArray(s.Action) as string[]) {
      expect(allowed.has(action), `unexpected action ${action}`).toBe(true);
      for (const r of asArray(s.Resource)) expect(r).not.toBe('*');
      granted.set(action, [...(granted.get(action) ?? []), ...asArray(s.Resource)]);
    }
  }
  expect(Object.fromEntries(granted)).toEqual(Object.fromEntries(allowed));
};

type Run = 'main' | 'probe' | 'probeUnlisted' | 'mainUnlisted';

describe('regional-probe in both stacks (serverless package, stage test)', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-probe-template-'));
  const probeConfig = join(work, 'failover.yml');
  const noUsEast1Config = join(work, 'no-us-east-1.yml');
  /** Filled by beforeAll: one package per run. */
  const packages = {} as Record<Run, Packaged<Template>>;

  const packageStack = async (key: Run, args: string[], config: string): Promise<void> => {
    packages[key] = await packageInto<Template>(join(work, key), args, config, key);
  };

  beforeAll(async () => {
    writeFileSync(probeConfig, PROBE_CONFIG);
    writeFileSync(noUsEast1Config, NO_US_EAST_1_CONFIG);
    // Side by side on purpose: the plugin's package lock keeps each run's config in its own zips.
    await Promise.all([
      packageStack('main', ['--region', 'us-east-1'], probeConfig),
      packageStack('probe', ['--config', 'serverless.probe.yml', '--region', 'eu-west-1'], probeConfig),
      packageStack(
        'probeUnlisted',
        ['--config', 'serverless.probe.yml', '--region', 'us-west-2', '--param=ledgerTable=r53-failover-blue-ledger'],
        probeConfig,
      ),
      packageStack('mainUnlisted', ['--region', 'us-east-1'], noUsEast1Config),
    ]);
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const shippedText = (key: Run): string => {
    const entries = readZip(join(packages[key].dir, 'regional-probe.zip'));
    expect([...entries.keys()].sort()).toEqual(ZIP_ENTRIES);
    expect(JSON.parse(entries.get('dist/package.json')?.().toString('utf8') ?? '')).toEqual({ type: 'commonjs' });
    expect(entries.get('dist/regional-probe/index.js')?.().length).toBeGreaterThan(1000);
    return entries.get('dist/config/failover.json')?.().toString('utf8') ?? '';
  };

  const expectProbeFunction = (
    p: Packaged,
    functionName: string,
    ledgerEnv: { LEDGER_TABLE: unknown; LEDGER_REGION: string },
  ) => {
    const fn = p.resource(FUNCTION_ID);
    expect(fn.Properties).toMatchObject({
      FunctionName: functionName,
      Handler: 'dist/regional-probe/index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 75,
      ReservedConcurrentExecutions: 2,
      Role: { 'Fn::GetAtt': [ROLE_ID, 'Arn'] },
    });
    expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      ...ledgerEnv,
      R53F_CONFIG_FILE: 'dist/config/failover.json',
      POWERTOOLS_SERVICE_NAME: 'r53-failover',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'R53Failover/Probes',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    expect(p.resource('RegionalDashprobeLogGroup').Properties.RetentionInDays).toBe(30);
    // No async retries: the next minute's run is the retry.
    const confs = ofType(p.template, 'AWS::Lambda::EventInvokeConfig').filter(([, r]) =>
      isDeepStrictEqual(r.Properties.FunctionName, { Ref: FUNCTION_ID }),
    );
    expect(confs.map(([, r]) => r.Properties.MaximumRetryAttempts)).toEqual([0]);
    // Exactly one schedule invokes it: every minute.
    const rules = ofType(p.template, 'AWS::Events::Rule').filter(([, r]) =>
      (r.Properties.Targets as { Arn: unknown }[]).some((t) => isDeepStrictEqual(t.Arn, FUNCTION_ARN)),
    );
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0] ?? [];
    expect(rule?.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rule?.Properties.EventPattern).toBeUndefined();
    expect(rule?.Properties.Targets).toHaveLength(1);
    const permissions = ofType(p.template, 'AWS::Lambda::Permission')
      .map(([, r]) => r.Properties)
      .filter((r) => isDeepStrictEqual(r.FunctionName, FUNCTION_ARN));
    expect(permissions).toEqual([
      expect.objectContaining({ Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } }),
    ]);
    // Nothing else triggers it.
    const mappings = ofType(p.template, 'AWS::Lambda::EventSourceMapping').filter(([, r]) =>
      isDeepStrictEqual(r.Properties.FunctionName, FUNCTION_ARN),
    );
    expect(mappings).toEqual([]);
  };

  const roleGrants = (functionName: string, ledger: unknown[]) =>
    new Map<string, unknown[]>([
      ...LEDGER_ACTIONS.map((a): [string, unknown[]] => [a, ledger]),
      // Added by serverless-iam-roles-per-function for the function's own log group. Metrics are EMF in these logs.
      ...['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'].map((a): [string, unknown[]] => [
        a,
        [logGroupArn(functionName)],
      ]),
    ]);

  describe('recorder stack (serverless.yml, us-east-1)', () => {
    it('runs regional-probe every minute: 75 s, 256 MB, 2 reserved, no retries, the ledger in its environment', () => {
      expectProbeFunction(packages.main, 'r53-failover-test-regional-probe', {
        LEDGER_TABLE: 'r53-failover-test-ledger',
        LEDGER_REGION: 'us-east-1',
      });
    });

    it('gives it its own role: read/write on the ledger table and its indexes, and its log group, nothing else', () => {
      const { template, resource } = packages.main;
      expect(ofType(template, 'AWS::IAM::Role').map(([id]) => id)).toContain(ROLE_ID);
      expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
      expectExactGrants(
        resource(ROLE_ID),
        roleGrants('r53-failover-test-regional-probe', [TABLE_ARN, TABLE_INDEXES_ARN]),
      );
    });

    it('ships the probe bundle with the same validated config as the other functions', () => {
      const text = shippedText('main');
      expect(text).toBe(
        readZip(join(packages.main.dir, 'notify.zip')).get('dist/config/failover.json')?.().toString('utf8'),
      );
      const shipped = openShippedConfig<{ groups: Record<string, { probeSettings?: unknown }>; probes?: unknown }>(
        text,
      );
      expect(Object.keys(shipped.groups).sort()).toEqual(['inventory', 'orders-api']);
      expect(shipped.probes).toEqual({
        regions: ['us-east-1', 'ap-southeast-2'],
        intervalSeconds: 15,
        quorum: { required: 2, consecutive: 3 },
      });
      expect(shipped.groups.inventory?.probeSettings).toEqual({
        regions: ['eu-west-1', 'eu-central-1'],
        allowPrivateTargets: true,
      });
    });

    it('does not warn when us-east-1 is a probe region of some group', () => {
      expect(packages.main.output).not.toContain(NOT_A_PROBE_REGION);
    });

    it('warns (and still packages) when no group probes from us-east-1', () => {
      expect(packages.mainUnlisted.output).toContain(
        `us-east-1 ${NOT_A_PROBE_REGION}, so regional-probe in this stack will probe nothing`,
      );
      expect(packages.mainUnlisted.output).toContain(`probe regions in ${noUsEast1Config}: eu-west-1, us-west-2`);
      // Its zips carry its own config, not the one packaged beside it.
      const shipped = openShippedConfig<{ groups: Record<string, unknown> }>(shippedText('mainUnlisted'));
      expect(Object.keys(shipped.groups)).toEqual(['billing']);
    });
  });

  describe('probe stack (serverless.probe.yml, eu-west-1)', () => {
    it('packages in eu-west-1 as r53-failover-probe', () => {
      expect(packages.probe.output).toContain('Packaging r53-failover-probe for stage test (eu-west-1)');
      expect(packages.probe.output).not.toContain(NOT_A_PROBE_REGION);
    });

    it('runs the same regional-probe, pointed at the us-east-1 ledger table by name', () => {
      expectProbeFunction(packages.probe, 'r53-failover-probe-test-regional-probe', {
        LEDGER_TABLE: 'r53-failover-test-ledger',
        LEDGER_REGION: 'us-east-1',
      });
    });

    it('scopes the role to the ledger table ARN in us-east-1, not the stack region', () => {
      const role = packages.probe.resource(ROLE_ID);
      expectExactGrants(
        role,
        roleGrants('r53-failover-probe-test-regional-probe', ledgerArns('r53-failover-test-ledger')),
      );
      const statements = (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
        (p) => p.PolicyDocument.Statement,
      );
      const ledger = JSON.stringify(
        statements.filter((st) => asArray(st.Action).some((a) => String(a).startsWith('dynamodb:'))),
      );
      expect(ledger).toContain(':dynamodb:us-east-1:');
      expect(ledger).not.toContain('eu-west-1');
      expect(ledger).not.toContain('AWS::Region');
    });

    it('holds only the function, its role, log group, schedule and the deployment bucket: no alarms, topics, table or queue', () => {
      const { template } = packages.probe;
      expect([...new Set(Object.values(template.Resources).map((r) => r.Type))].sort()).toEqual([
        'AWS::Events::Rule',
        'AWS::IAM::Role',
        'AWS::Lambda::EventInvokeConfig',
        'AWS::Lambda::Function',
        'AWS::Lambda::Permission',
        'AWS::Lambda::Version',
        'AWS::Logs::LogGroup',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
      ]);
      for (const type of ['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::Events::Rule'])
        expect(ofType(template, type), type).toHaveLength(1);
      expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
      expect(Object.keys(template.Outputs ?? {}).filter((k) => /Ledger|Topic|Queue/.test(k))).toEqual([]);
    });

    it('ships the probe bundle and the same validated config as the recorder stack', () => {
      expect(shippedText('probe')).toBe(shippedText('main'));
      expect(existsSync(join(packages.probe.dir, 'notify.zip'))).toBe(false);
      expect(existsSync(join(packages.probe.dir, 'record-failover.zip'))).toBe(false);
    });

    it('warns in a region no group probes from, and takes the ledger table from --param', () => {
      const p = packages.probeUnlisted;
      expect(p.output).toContain(`us-west-2 ${NOT_A_PROBE_REGION}, so regional-probe in this stack will probe nothing`);
      expect(p.output).toContain('ap-southeast-2, eu-central-1, eu-west-1, us-east-1');
      expect(
        (p.resource(FUNCTION_ID).Properties.Environment as { Variables: Record<string, unknown> }).Variables,
      ).toMatchObject({
        LEDGER_TABLE: 'r53-failover-blue-ledger',
        LEDGER_REGION: 'us-east-1',
      });
      expectExactGrants(
        p.resource(ROLE_ID),
        roleGrants('r53-failover-probe-test-regional-probe', ledgerArns('r53-failover-blue-ledger')),
      );
    });
  });
});

// Each case is one short-lived `serverless` process that fails before building: run them side by side.
describe.concurrent('regions each stack refuses', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-probe-template-bad-'));
  const probeConfig = join(work, 'failover.yml');
  writeFileSync(probeConfig, PROBE_CONFIG);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the recorder stack still refuses eu-west-1', async ({ expect }) => {
    const result = await serverless(
      ['package', '--stage', 'test', '--region', 'eu-west-1', '--package', join(work, 'refused-main')],
      { R53F_CONFIG: probeConfig },
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('us-east-1 only, not eu-west-1');
    expect(existsSync(join(work, 'refused-main', 'cloudformation-template-update-stack.json'))).toBe(false);
  }, 60_000);

  it('the probe stack refuses us-east-1, where the recorder stack probes', async ({ expect }) => {
    const result = await serverless(
      [
        'package',
        '--config',
        'serverless.probe.yml',
        '--stage',
        'test',
        '--region',
        'us-east-1',
        '--package',
        join(work, 'refused-probe'),
      ],
      {
        R53F_CONFIG: probeConfig,
      },
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('r53-failover-probe is for the probe regions other than us-east-1');
    expect(existsSync(join(work, 'refused-probe', 'cloudformation-template-update-stack.json'))).toBe(false);
  }, 60_000);
});
