import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmNameFor } from '../../shared/config.js';
import { ledgerTableDefinition } from '../../shared/ledger-schema.js';

// `serverless package` is offline (no AWS call, no credentials): the template and zips it writes are the deploy.
const root = resolve(import.meta.dirname, '../..');
const sls = join(root, 'node_modules', '.bin', 'serverless');
const run = promisify(execFile);

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const HC = {
  ordersPrimary: '4dd370d3-b015-4e3f-a866-db054eabfffb',
  ordersSecondary: '7453f8fa-f3ba-4a8b-980b-d692a846ade4',
  inventoryPrimary: '0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b',
  inventorySecondary: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
};

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
    webhookUrl: http://127.0.0.1:8080/hook
    webhookSsmParameter: /r53-failover/slack-webhook
`;

// Logical ids are part of the contract: renaming one replaces the alarm, and CloudFormation then deletes the
// replacement's (identical) AlarmName.
const MEMBERS = [
  { logicalId: 'OrdersDashapiPrimaryHealthAlarm', group: 'orders-api', role: 'primary', region: 'us-east-1', hc: HC.ordersPrimary },
  { logicalId: 'OrdersDashapiSecondaryHealthAlarm', group: 'orders-api', role: 'secondary', region: 'us-west-2', hc: HC.ordersSecondary },
  { logicalId: 'InventoryPrimaryHealthAlarm', group: 'inventory', role: 'primary', region: 'eu-west-1', hc: HC.inventoryPrimary },
  { logicalId: 'InventorySecondaryHealthAlarm', group: 'inventory', role: 'secondary', region: 'eu-central-1', hc: HC.inventorySecondary },
] as const;

const FUNCTION_ID = 'RecordDashfailoverLambdaFunction';
const TABLE_ARN = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };
const TABLE_INDEXES_ARN = { 'Fn::Join': ['/', [TABLE_ARN, 'index', '*']] };
const DLQ_ARN = { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] };
const TOPIC_REF = { Ref: 'AlarmTopic' };
const FUNCTION_ARN = { 'Fn::GetAtt': [FUNCTION_ID, 'Arn'] };

interface RunResult {
  code: number;
  output: string;
}

/** Runs the local `serverless` with telemetry off; resolves with the exit code and stdout + stderr. */
const serverless = async (args: string[], env: Record<string, string> = {}): Promise<RunResult> => {
  const { R53F_CONFIG: _ignored, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await run(sls, args, {
      cwd: root,
      env: { ...inherited, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
};

/** Entries of a zip file from its central directory: name → contents (stored or deflated). */
const readZip = (file: string): Map<string, () => Buffer> => {
  const buf = readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file}: not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, () => Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const localHeader = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, () => {
      const dataStart = localHeader + 30 + buf.readUInt16LE(localHeader + 26) + buf.readUInt16LE(localHeader + 28);
      const data = buf.subarray(dataStart, dataStart + compressedSize);
      return method === 0 ? data : inflateRawSync(data);
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
};

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const ofType = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('serverless package (stage test, us-east-1)', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-template-'));
  const packageDir = join(work, 'package');
  const configFile = join(work, 'failover.yml');
  let template: Template;
  let resource: (id: string) => Resource;

  beforeAll(async () => {
    writeFileSync(configFile, configYaml());
    const result = await serverless(['package', '--stage', 'test', '--region', 'us-east-1', '--package', packageDir], {
      R53F_CONFIG: configFile,
    });
    if (result.code !== 0) throw new Error(`serverless package failed (${result.code}):\n${result.output}`);
    template = JSON.parse(readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
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

    it('leaves deletion protection off for the test stage', () => {
      expect(resource('LedgerTable').Properties.DeletionProtectionEnabled).toBe(false);
    });
  });

  describe('dead-letter queue', () => {
    it('is SSE-encrypted and keeps messages 14 days', () => {
      const q = resource('DeadLetterQueue');
      expect(q.Type).toBe('AWS::SQS::Queue');
      expect(q.Properties).toMatchObject({ QueueName: 'r53-failover-test-dlq', SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    });

    it('has one queue policy letting only the rule and the topic send to it', () => {
      // Two QueuePolicy resources on one queue overwrite each other, so there must be exactly one.
      const policies = ofType(template, 'AWS::SQS::QueuePolicy');
      expect(policies.map(([id]) => id)).toEqual(['DeadLetterQueuePolicy']);
      const props = resource('DeadLetterQueuePolicy').Properties as { Queues: unknown[]; PolicyDocument: { Statement: Statement[] } };
      expect(props.Queues).toEqual([{ Ref: 'DeadLetterQueue' }]);
      const byService = Object.fromEntries(
        props.PolicyDocument.Statement.map((s) => [(s.Principal as { Service: string }).Service, s]),
      );
      expect(Object.keys(byService).sort()).toEqual(['events.amazonaws.com', 'sns.amazonaws.com']);
      for (const s of props.PolicyDocument.Statement) {
        expect(s).toMatchObject({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: DLQ_ARN });
      }
      expect(byService['events.amazonaws.com']?.Condition).toEqual({
        ArnEquals: {
          'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/r53-failover-test-alarm-state-change' },
        },
      });
      expect(byService['sns.amazonaws.com']?.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': TOPIC_REF } });
    });
  });

  describe('alarm topic', () => {
    it('is named after the stack and lets CloudWatch in this account publish', () => {
      expect(resource('AlarmTopic')).toMatchObject({ Type: 'AWS::SNS::Topic', Properties: { TopicName: 'r53-failover-test-alarms' } });
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
  });

  describe('event sources', () => {
    it('routes only this stack’s alarm state changes to the recorder, with retries and a DLQ', () => {
      const rules = ofType(template, 'AWS::Events::Rule');
      expect(rules).toHaveLength(1);
      const [, rule] = rules[0] ?? [];
      const props = rule?.Properties as { Name: string; EventPattern: unknown; State: string; Targets: Record<string, unknown>[] };
      expect(props.Name).toBe('r53-failover-test-alarm-state-change');
      expect(props.State).toBe('ENABLED');
      expect(props.EventPattern).toEqual({
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'detail': { alarmName: [{ prefix: 'r53-failover-test-' }] },
      });
      expect(props.Targets).toHaveLength(1);
      expect(props.Targets[0]).toMatchObject({ Arn: FUNCTION_ARN, DeadLetterConfig: { Arn: DLQ_ARN } });
      expect(props.Targets[0]?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: expect.any(Number), MaximumRetryAttempts: expect.any(Number) });
    });

    it('subscribes the recorder to the alarm topic with a redrive policy to the DLQ', () => {
      const subs = ofType(template, 'AWS::SNS::Subscription');
      expect(subs).toHaveLength(1);
      expect(subs[0]?.[1].Properties).toEqual({
        TopicArn: TOPIC_REF,
        Protocol: 'lambda',
        Endpoint: FUNCTION_ARN,
        RedrivePolicy: { deadLetterTargetArn: DLQ_ARN },
      });
      const permissions = ofType(template, 'AWS::Lambda::Permission').map(([, r]) => r.Properties);
      expect(permissions).toContainEqual(expect.objectContaining({ Principal: 'sns.amazonaws.com', SourceArn: TOPIC_REF }));
      expect(permissions).toContainEqual(expect.objectContaining({ Principal: 'events.amazonaws.com' }));
    });
  });

  describe('health check alarms', () => {
    it('creates one alarm per group member and nothing else', () => {
      expect(ofType(template, 'AWS::CloudWatch::Alarm').map(([id]) => id).sort()).toEqual(MEMBERS.map((m) => m.logicalId).sort());
    });

    it.each(MEMBERS)('$group $role alarms on HealthCheckStatus < 1 and notifies the topic on every state', (m) => {
      expect(resource(m.logicalId).Properties).toEqual({
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
        AlarmActions: [TOPIC_REF],
        OKActions: [TOPIC_REF],
        InsufficientDataActions: [TOPIC_REF],
      });
    });

    it('names alarms with the prefix the EventBridge rule filters on', () => {
      expect(resource('OrdersDashapiPrimaryHealthAlarm').Properties.AlarmName).toBe('r53-failover-test-orders-api-primary-health');
    });
  });

  describe('record-failover function', () => {
    it('runs the bundled handler on arm64 Node 20 with the ledger and config in its environment', () => {
      const fn = resource(FUNCTION_ID);
      expect(fn.Properties).toMatchObject({
        Handler: 'dist/record-failover/index.handler',
        Runtime: 'nodejs20.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: 30,
        Environment: {
          Variables: {
            LEDGER_TABLE: { Ref: 'LedgerTable' },
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
      const [conf] = ofType(template, 'AWS::Lambda::EventInvokeConfig');
      expect(conf?.[1].Properties).toMatchObject({ FunctionName: { Ref: FUNCTION_ID }, MaximumRetryAttempts: 2 });
    });

    it('keeps its log group for 30 days', () => {
      expect(resource('RecordDashfailoverLogGroup').Properties.RetentionInDays).toBe(30);
    });

    it('has its own role with only the ledger and DLQ actions, scoped to their ARNs', () => {
      const roles = ofType(template, 'AWS::IAM::Role');
      expect(roles.map(([id]) => id)).toEqual(['RecordDashfailoverIamRoleLambdaExecution']);
      expect(resource(FUNCTION_ID).Properties.Role).toEqual({ 'Fn::GetAtt': ['RecordDashfailoverIamRoleLambdaExecution', 'Arn'] });

      const role = resource('RecordDashfailoverIamRoleLambdaExecution').Properties as {
        Policies: { PolicyDocument: { Statement: Statement[] } }[];
        ManagedPolicyArns?: unknown[];
      };
      expect(role.ManagedPolicyArns ?? []).toEqual([]);
      const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);

      const logGroupArn = {
        'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/r53-failover-test-record-failover:*:*',
      };
      const allowed = new Map<string, unknown[]>([
        ['dynamodb:PutItem', [TABLE_ARN, TABLE_INDEXES_ARN]],
        ['dynamodb:UpdateItem', [TABLE_ARN, TABLE_INDEXES_ARN]],
        ['dynamodb:GetItem', [TABLE_ARN, TABLE_INDEXES_ARN]],
        ['dynamodb:Query', [TABLE_ARN, TABLE_INDEXES_ARN]],
        ['sqs:SendMessage', [DLQ_ARN]],
        // Added by serverless-iam-roles-per-function for the function's own log group.
        ['logs:CreateLogStream', [logGroupArn]],
        ['logs:CreateLogGroup', [logGroupArn]],
        ['logs:PutLogEvents', [logGroupArn]],
      ]);
      const granted = new Set<string>();
      for (const s of statements) {
        for (const action of asArray(s.Action)) {
          expect(typeof action).toBe('string');
          const scope = allowed.get(action as string);
          expect(scope, `unexpected action ${String(action)}`).toBeDefined();
          for (const r of asArray(s.Resource)) {
            expect(r).not.toBe('*');
            expect(scope).toContainEqual(r);
          }
          granted.add(action as string);
        }
      }
      expect([...granted].filter((a) => !a.startsWith('logs:')).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'sqs:SendMessage',
      ]);
    });

    it('ships the bundle and the validated config, without the local-only webhook URL', () => {
      const zip = join(packageDir, 'record-failover.zip');
      expect(existsSync(zip)).toBe(true);
      const entries = readZip(zip);
      expect([...entries.keys()].sort()).toEqual(['dist/config/failover.json', 'dist/package.json', 'dist/record-failover/index.js']);
      expect(JSON.parse(entries.get('dist/package.json')?.().toString('utf8') ?? '')).toEqual({ type: 'commonjs' });
      const shipped = JSON.parse(entries.get('dist/config/failover.json')?.().toString('utf8') ?? '') as {
        groups: Record<string, { primary: { healthCheckId: string } }>;
        notify?: { slack?: { webhookUrl?: string; webhookSsmParameter?: string } };
      };
      expect(Object.keys(shipped.groups).sort()).toEqual(['inventory', 'orders-api']);
      expect(shipped.groups['orders-api']?.primary.healthCheckId).toBe(HC.ordersPrimary);
      expect(shipped.notify?.slack).toEqual({ webhookSsmParameter: '/r53-failover/slack-webhook' });
    });
  });

  it('outputs the table name, topic ARN and DLQ URL', () => {
    expect(template.Outputs.LedgerTableName?.Value).toEqual({ Ref: 'LedgerTable' });
    expect(template.Outputs.AlarmTopicArn?.Value).toEqual(TOPIC_REF);
    expect(template.Outputs.DeadLetterQueueUrl?.Value).toEqual({ Ref: 'DeadLetterQueue' });
  });
});

// Each case is one short-lived `serverless` process that fails before building: run them side by side.
describe.concurrent('serverless package refuses bad input', () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-template-bad-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('fails on an invalid failover.yml, naming the field', async ({ expect }) => {
    const configFile = join(work, 'bad-region.yml');
    writeFileSync(configFile, configYaml({ ordersPrimaryRegion: 'useast1' }));
    const result = await serverless(['package', '--stage', 'test', '--region', 'us-east-1', '--package', join(work, 'out-bad')], {
      R53F_CONFIG: configFile,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('groups.orders-api.primary.region');
    expect(result.output).toContain('useast1');
    expect(existsSync(join(work, 'out-bad', 'cloudformation-template-update-stack.json'))).toBe(false);
  }, 60_000);

  it('fails outside us-east-1, saying why', async ({ expect }) => {
    const configFile = join(work, 'good.yml');
    writeFileSync(configFile, configYaml());
    const result = await serverless(['package', '--stage', 'test', '--region', 'eu-west-1', '--package', join(work, 'out-region')], {
      R53F_CONFIG: configFile,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('us-east-1 only, not eu-west-1');
    expect(result.output).toContain('HealthCheckStatus');
  }, 60_000);

  it('fails when the config file is missing, pointing at the example', async ({ expect }) => {
    const result = await serverless(['package', '--stage', 'test', '--region', 'us-east-1', '--package', join(work, 'out-missing')], {
      R53F_CONFIG: join(work, 'does-not-exist.yml'),
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('not found');
    expect(result.output).toContain('cp failover.example.yml failover.yml');
  }, 60_000);
});

describe.concurrent('ledger deletion protection per stage', () => {
  const protection = async (args: string[]): Promise<string> => {
    const result = await serverless(['print', ...args, '--path', 'resources.Resources.LedgerTable.Properties.DeletionProtectionEnabled']);
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
