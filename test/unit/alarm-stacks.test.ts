import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticConfigYaml, syntheticGroupName } from '../../local/synthetic-config.js';
import { parseConfigText } from '../../shared/config/file.js';
import { type FailoverConfig } from '../../shared/config/schema.js';
import { alarmNameFor } from '../../shared/config/lookups.js';

// serverless/plugin/alarm-stacks.cjs (which nested stack holds which alarms) and limits.cjs (AWS size limits), on
// configs built here: no `serverless package` run (test/integration/alarm-stacks.test.ts packages 1,000 groups).
const require = createRequire(import.meta.url);
type Stack = { id: string; file: string; key: string; body: string; template: { Resources: Record<string, unknown> } };
type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const stacks = require('../../serverless/plugin/alarm-stacks.cjs') as {
  ALARM_STACKS: number;
  alarmStackOf: (group: string) => number;
  addAlarmStacks: (resources: Resources, opts: Record<string, unknown>) => Stack[];
  uploadAlarmStacks: (opts: Record<string, unknown>) => Promise<unknown[]>;
  writeAlarmStacks: (dir: string, s: Stack[]) => void;
};
const limits = require('../../serverless/plugin/limits.cjs') as {
  checkLimits: (root: unknown, nested: unknown[], error: (m: string) => Error) => void;
  sourceArnFilter: (
    pattern: object,
    arns: string[],
  ) => { pattern: { detail: { SourceArn: unknown[] } }; widened: boolean };
};

const error = (message: string) => new Error(message);
const build = (config: FailoverConfig) => {
  const resources: Resources = {};
  const nested = stacks.addAlarmStacks(resources, {
    config,
    tools: { alarmNameFor },
    prefix: 'r53-failover-test-',
    stage: 'test',
    s3Prefix: 'serverless/r53-failover/test',
    bucket: { Ref: 'ServerlessDeploymentBucket' },
    error,
  });
  return { resources, nested: new Map(nested.map((s) => [s.id, s])) };
};
const configOf = (yaml: string) => parseConfigText(yaml, 'failover.yml');
const without = (config: FailoverConfig, group: string): FailoverConfig => {
  const { [group]: _gone, ...groups } = config.groups;
  return { ...config, groups };
};

describe('nested alarm stacks (serverless/plugin/alarm-stacks.cjs)', () => {
  it('places a group by its name alone, with the same result on every run and Node version', () => {
    // Pinned: a different answer would move alarms between stacks on the next deploy (see alarm-stacks.cjs).
    expect(['orders-api', 'inventory', 'payments'].map(stacks.alarmStackOf)).toEqual([8, 2, 9]);
  });

  it('removes a group by changing only the nested stack that holds it', () => {
    const config = configOf(syntheticConfigYaml(200));
    const before = build(config);
    const gone = syntheticGroupName(17);
    const after = build(without(config, gone));
    const holder = `HealthAlarmStack${String(stacks.alarmStackOf(gone)).padStart(2, '0')}`;
    const changed = [...before.nested.keys()].filter(
      (id) => after.nested.get(id)?.body !== before.nested.get(id)?.body,
    );
    expect(changed).toEqual([holder]);
    for (const id of Object.keys(before.resources)) {
      if (id !== holder) expect(after.resources[id], id).toEqual(before.resources[id]);
    }
    expect(Object.keys(after.nested.get(holder)?.template.Resources ?? {})).toHaveLength(
      Object.keys(before.nested.get(holder)?.template.Resources ?? {}).length - 2,
    );
  });

  it('drops a nested stack whose last group goes, and touches no other', () => {
    const config = configOf(syntheticConfigYaml(3));
    const before = build(config);
    expect(before.nested.size).toBeGreaterThan(0);
    const [first] = Object.keys(config.groups);
    const alone = Object.keys(config.groups).filter((g) => stacks.alarmStackOf(g) === stacks.alarmStackOf(first ?? ''));
    const after = build(alone.reduce(without, config));
    const id = `HealthAlarmStack${String(stacks.alarmStackOf(first ?? '')).padStart(2, '0')}`;
    expect(after.resources[id]).toBeUndefined();
    expect(Object.keys(after.resources).sort()).toEqual(
      Object.keys(before.resources)
        .filter((k) => k !== id)
        .sort(),
    );
  });

  it('writes the same templates whatever the order of the groups in failover.yml', () => {
    const config = configOf(syntheticConfigYaml(50));
    const reversed = { ...config, groups: Object.fromEntries(Object.entries(config.groups).reverse()) };
    const [a, b] = [build(config), build(reversed)];
    expect([...b.nested.values()].map((s) => s.body)).toEqual([...a.nested.values()].map((s) => s.body));
    expect(b.resources).toEqual(a.resources);
  });

  it('refuses a config whose groups overflow one nested stack (500 resources), naming the limit', () => {
    const names: string[] = [];
    for (let i = 0; names.length < 251; i++) if (stacks.alarmStackOf(`g${i}`) === 0) names.push(`g${i}`);
    const member = (n: number) => ({
      region: 'us-east-1',
      healthCheckId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    });
    const config = {
      version: 1,
      groups: Object.fromEntries(
        names.map((g, i) => [
          g,
          { hostedZoneId: 'Z1', recordName: `${g}.example.com.`, primary: member(2 * i), secondary: member(2 * i + 1) },
        ]),
      ),
    } as unknown as FailoverConfig;
    expect(() => build(config)).toThrow(
      /251 groups hash into alarm stack HealthAlarmStack00 \(502 alarms\).*at most 500/,
    );
  });

  it('uploads each referenced template to its key, and refuses a missing or edited file', async () => {
    const config = configOf(syntheticConfigYaml(5));
    const { resources, nested } = build(config);
    const dir = mkdtempSync(join(tmpdir(), 'r53f-alarm-stacks-'));
    const template = { Resources: resources };
    const put: Record<string, unknown>[] = [];
    const upload = () =>
      stacks.uploadAlarmStacks({
        template,
        dir,
        bucket: 'deploy-bucket',
        put: async (p: object) => put.push({ ...p }),
        error,
      });
    await expect(upload()).rejects.toThrow(/is missing from .*; package again/);
    stacks.writeAlarmStacks(dir, [...nested.values()]);
    await upload();
    expect(put.map((p) => p.Key).sort()).toEqual([...nested.values()].map((s) => s.key).sort());
    for (const p of put) expect(p).toMatchObject({ Bucket: 'deploy-bucket', ContentType: 'application/json' });
    const [one] = nested.values();
    writeFileSync(join(dir, one?.file ?? ''), `${one?.body} `);
    await expect(upload()).rejects.toThrow(/was changed after packaging/);
  });
});

describe('AWS size limits (serverless/plugin/limits.cjs)', () => {
  const rds = (n: number) => `arn:aws:rds:eu-west-1:123456789012:db:inventory-replica-${String(n).padStart(4, '0')}`;
  const base = { source: ['aws.rds'], 'detail-type': ['RDS DB Instance Event'] };

  it('filters RDS events on the exact ARNs while they fit in 2,048 characters, else on account and region', () => {
    const few = limits.sourceArnFilter(base, [rds(1), rds(2)]);
    expect(few).toEqual({ pattern: { ...base, detail: { SourceArn: [rds(1), rds(2)] } }, widened: false });
    const many = limits.sourceArnFilter(base, [
      ...Array.from({ length: 40 }, (_, i) => rds(i)),
      'arn:aws:rds:us-west-2:123456789012:cluster:c',
    ]);
    expect(many.widened).toBe(true);
    expect(many.pattern.detail.SourceArn).toEqual([
      { prefix: 'arn:aws:rds:eu-west-1:123456789012:' },
      { prefix: 'arn:aws:rds:us-west-2:123456789012:' },
    ]);
  });

  it('names every limit a template exceeds: resources, event pattern, role policies', () => {
    const resources: Record<string, unknown> = {};
    for (let i = 0; i < 501; i++) resources[`Q${i}`] = { Type: 'AWS::SQS::Queue', Properties: {} };
    resources.Rule = {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { ...base, detail: { SourceArn: Array.from({ length: 40 }, (_, i) => rds(i)) } } },
    };
    resources.Role = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'rds:PromoteReadReplica',
                  Resource: Array.from({ length: 200 }, (_, i) => rds(i)),
                },
              ],
            },
          },
        ],
      },
    };
    const attempt = () => limits.checkLimits({ Resources: resources }, [], error);
    expect(attempt).toThrow(/the stack template has 503 resources \(CloudFormation allows 500 per template\)/);
    expect(attempt).toThrow(/Rule's event pattern is \d+ characters \(EventBridge allows 2048\)/);
    expect(attempt).toThrow(/Role's inline policies come to about \d+ characters \(IAM allows 10240 per role\)/);
    expect(() => limits.checkLimits({ Resources: { Q: resources.Q0 } }, [], error)).not.toThrow();
  });
});
