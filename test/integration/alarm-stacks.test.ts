import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticConfigYaml, syntheticGroupName } from '../../local/synthetic-config.js';
import { cfnLintSkipReason, lintPackage } from '../helpers/cfn-lint.js';
import {
  nestedAlarms,
  nestedTemplates,
  ofType,
  openShippedConfig,
  packageStack,
  readZip,
  type Packaged,
  type Template,
} from '../helpers/template.js';
import { alarmNameFor } from '../../shared/config/lookups.js';

// A failover.yml with 1,000 groups (2,000 health check alarms) packaged as `serverless deploy` would ship it: the
// alarms in nested stacks, every template within CloudFormation's 500 resources and 1 MB, cfn-lint clean.
const require = createRequire(import.meta.url);
const { alarmStackOf, ALARM_STACKS } = require('../../serverless/plugin/alarm-stacks.cjs') as {
  alarmStackOf: (group: string) => number;
  ALARM_STACKS: number;
};
const { policyLength } = require('../../serverless/plugin/limits.cjs') as { policyLength: (doc: unknown) => number };

const GROUPS = 1000;
const PREFIX = 'r53-failover-test-';
const stackId = (group: string) => `HealthAlarmStack${String(alarmStackOf(group)).padStart(2, '0')}`;
/** The UUID-shaped health check ids of local/synthetic-config.ts, read back from the config the zip ships. */
type Shipped = { groups: Record<string, { primary: { healthCheckId: string }; secondary: { healthCheckId: string } }> };

describe(`serverless package with ${GROUPS} groups`, () => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-scale-'));
  let big: Packaged;
  let plusOne: Packaged;
  let shipped: Shipped;

  beforeAll(async () => {
    const file = join(work, 'failover-1000.yml');
    const filePlusOne = join(work, 'failover-1001.yml');
    writeFileSync(file, syntheticConfigYaml(GROUPS));
    writeFileSync(filePlusOne, syntheticConfigYaml(GROUPS + 1));
    [big, plusOne] = await Promise.all([
      packageStack(join(work, 'big'), ['--region', 'us-east-1'], file),
      packageStack(join(work, 'plus-one'), ['--region', 'us-east-1'], filePlusOne),
    ]);
    const text = readZip(join(big.dir, 'record-failover.zip')).get('dist/config/failover.json')?.().toString('utf8');
    shipped = openShippedConfig<Shipped>(text ?? '');
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs every function of the stack on nodejs24.x', () => {
    const functions = ofType(big.template, 'AWS::Lambda::Function');
    expect(functions.length).toBe(6);
    for (const [id, fn] of functions) expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
  });

  it('keeps every template within 500 resources and 1 MB, the alarms in nested stacks', () => {
    const templates = readdirSync(big.dir).filter((f) => f.endsWith('.json') && f !== 'serverless-state.json');
    const nested = nestedTemplates(big.dir, big.template);
    // The root, the framework's create-stack template and one file per nested stack: nothing else is packaged.
    expect(templates.sort()).toEqual(
      [
        'cloudformation-template-create-stack.json',
        'cloudformation-template-update-stack.json',
        ...[...nested.values()].map((n) => n.file),
      ].sort(),
    );
    for (const f of templates) {
      expect(statSync(join(big.dir, f)).size, f).toBeLessThanOrEqual(1_000_000);
    }
    expect(Object.keys(big.template.Resources).length).toBeLessThanOrEqual(500);
    // The root keeps only the stack's own alarms (monitoring-template.test.ts); every health check alarm is nested.
    expect(
      ofType(big.template, 'AWS::CloudWatch::Alarm').filter(([, r]) => r.Properties.Namespace === 'AWS/Route53'),
    ).toEqual([]);
    // 2,000 alarms hashed into 16 stacks: every stack is used, none is near the limit.
    expect(nested.size).toBe(ALARM_STACKS);
    for (const [id, n] of nested) {
      const count = Object.keys(n.template.Resources).length;
      expect(count, id).toBeLessThanOrEqual(500);
      expect(count, id).toBeGreaterThan(0);
      expect(ofType(n.template, 'AWS::CloudWatch::Alarm')).toHaveLength(count);
    }
  });

  it('holds exactly one HealthCheckStatus alarm per group member, in the nested stack its group hashes to', () => {
    const alarms = nestedAlarms(big.dir, big.template);
    expect(alarms.size).toBe(2 * GROUPS);
    const expected = Object.entries(shipped.groups).flatMap(([group, g]) =>
      (['primary', 'secondary'] as const).map((role) => ({
        name: alarmNameFor(PREFIX, group, role),
        hc: g[role].healthCheckId,
        stack: stackId(group),
      })),
    );
    expect(expected).toHaveLength(2 * GROUPS);
    const byName = new Map(
      [...nestedTemplates(big.dir, big.template)].flatMap(([id, n]) =>
        ofType(n.template, 'AWS::CloudWatch::Alarm').map(([, r]) => [r.Properties.AlarmName as string, { id, r }]),
      ),
    );
    expect(byName.size).toBe(2 * GROUPS);
    for (const e of expected) {
      const found = byName.get(e.name);
      expect(found?.id, e.name).toBe(e.stack);
      expect(found?.r.Properties).toMatchObject({
        Namespace: 'AWS/Route53',
        MetricName: 'HealthCheckStatus',
        Dimensions: [{ Name: 'HealthCheckId', Value: e.hc }],
        AlarmActions: [{ Ref: 'AlarmTopicArn' }],
        OKActions: [{ Ref: 'AlarmTopicArn' }],
        InsufficientDataActions: [{ Ref: 'AlarmTopicArn' }],
      });
    }
  });

  it('passes the alarm topic to each nested stack, after the topic policy, from the deployment bucket', () => {
    for (const [id, r] of ofType(big.template, 'AWS::CloudFormation::Stack')) {
      const meta = (r as unknown as { Metadata: Record<string, { file: string; key: string }> }).Metadata[
        'R53Failover::AlarmStack'
      ];
      expect(meta?.key, id).toBe(`serverless/r53-failover/test/r53-failover-alarm-stacks/${meta?.file}`);
      expect(r.DependsOn, id).toEqual(['AlarmTopicPolicy']);
      expect(r.Properties).toEqual({
        TemplateURL: {
          'Fn::Sub': [
            `https://s3.\${AWS::Region}.\${AWS::URLSuffix}/\${Bucket}/${meta?.key}`,
            { Bucket: { Ref: 'ServerlessDeploymentBucket' } },
          ],
        },
        Parameters: { AlarmTopicArn: { Ref: 'AlarmTopic' } },
      });
    }
  });

  it('adds a group by changing only the nested stack that holds it', () => {
    const added = syntheticGroupName(GROUPS);
    const urls = (t: Template) =>
      new Map(ofType(t, 'AWS::CloudFormation::Stack').map(([id, r]) => [id, JSON.stringify(r)]));
    const [before, after] = [urls(big.template), urls(plusOne.template)];
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after].filter(([id, r]) => before.get(id) !== r).map(([id]) => id);
    expect(changed).toEqual([stackId(added)]);
    // The rest of the root template is the same, up to the code's S3 keys (timestamped per package) and the function
    // versions (named after each zip's hash: every zip ships the config, which gained a group).
    const rest = (t: Template) =>
      new Map(
        Object.entries(t.Resources)
          .filter(([, r]) => r.Type !== 'AWS::CloudFormation::Stack' && r.Type !== 'AWS::Lambda::Version')
          .map(([id, r]) => [id, JSON.stringify(r).replace(/\/\d{13}-[\d-]+T[\d:.]+Z\//g, '/<time>/')]),
      );
    const [restBefore, restAfter] = [rest(big.template), rest(plusOne.template)];
    expect([...restAfter.keys()].sort()).toEqual([...restBefore.keys()].sort());
    // Named, so a failure says which resource a new group touched.
    expect([...restAfter].filter(([id, r]) => restBefore.get(id) !== r).map(([id]) => id)).toEqual([]);
    const had = nestedAlarms(big.dir, big.template);
    const newAlarms = [...nestedAlarms(plusOne.dir, plusOne.template).keys()].filter((id) => !had.has(id));
    expect(newAlarms).toHaveLength(2);
  });

  it('ships a sealed config of 1,000 groups that opens the way the functions open it', () => {
    expect(Object.keys(shipped.groups)).toHaveLength(GROUPS);
    for (const zip of ['notify.zip', 'promote-replica.zip', 'audit-api.zip', 'regional-probe.zip']) {
      const text = readZip(join(big.dir, zip)).get('dist/config/failover.json')?.().toString('utf8') ?? '';
      expect(Object.keys(openShippedConfig<Shipped>(text).groups), zip).toHaveLength(GROUPS);
    }
  });

  it('keeps the alarm rule and every policy the same size as with two groups (well within their limits)', () => {
    const rules = ofType(big.template, 'AWS::Events::Rule').filter(
      ([, r]) => r.Properties.EventPattern && r.Properties.Name === 'r53-failover-test-alarm-state-change',
    );
    expect(rules.map(([, r]) => r.Properties.EventPattern)).toEqual([
      {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: PREFIX }] },
      },
    ]);
    for (const [id, role] of ofType(big.template, 'AWS::IAM::Role')) {
      const policies = role.Properties.Policies as { PolicyDocument: unknown }[];
      const chars = policies.reduce((n, p) => n + policyLength(p.PolicyDocument), 0);
      expect(chars, id).toBeLessThan(10_240 / 2);
    }
  });

  it('passes cfn-lint with no error on any template (root, create-stack, every nested stack)', async (ctx) => {
    const skip = cfnLintSkipReason();
    if (skip) return ctx.skip(skip);
    expect(await lintPackage(big.dir)).toEqual([]);
  }, 600_000);
});
