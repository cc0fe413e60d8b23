import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { configInput } from '../../shared/check/config-input.js';
import { parseConfigText } from '../../shared/config/file.js';
import {
  alarmNameFor,
  elbNamespaceOf,
  healthBasisOf,
  loadBalancerDimension,
  targetGroupAlarmNameFor,
  targetGroupDimension,
  targetGroupHealthQuery,
} from '../../shared/config/lookups.js';
import type { FailoverConfig } from '../../shared/config/schema.js';

// serverless/plugin/target-health.cjs (which target group alarms a stack holds, their names and logical ids), its
// place in the nested alarm stacks (alarm-stacks.cjs), the forwarding rule's name filter (limits.cjs), and check's
// warning for a target group whose load balancer failover.yml does not name. No `serverless package` run
// (test/integration/target-health-template.test.ts packages both stacks).
const require = createRequire(import.meta.url);
type Alarm = { group: string; role: string; region: string; alarmName: string; logicalId: string };
const th = require('../../serverless/plugin/target-health.cjs') as {
  targetGroupAlarms: (config: FailoverConfig, opts: Record<string, unknown>) => Alarm[];
  configureTargetHealthForwarding: (resources: Record<string, unknown>, opts: Record<string, unknown>) => void;
};
const stacks = require('../../serverless/plugin/alarm-stacks.cjs') as {
  addAlarmStacks: (resources: Record<string, unknown>, opts: Record<string, unknown>) => { id: string }[];
};
const limits = require('../../serverless/plugin/limits.cjs') as {
  alarmNameFilter: (pattern: object, names: string[], prefix: string) => { pattern: object; widened: boolean };
  checkLimits: (root: unknown, nested: unknown[], error: (m: string) => Error) => void;
};

const tools = {
  alarmNameFor,
  elbNamespaceOf,
  healthBasisOf,
  loadBalancerDimension,
  targetGroupAlarmNameFor,
  targetGroupDimension,
  targetGroupHealthQuery,
};
const error = (message: string) => new Error(message);
const tg = (region: string, name: string, id: string) =>
  `arn:aws:elasticloadbalancing:${region}:123456789012:targetgroup/${name}/${id}`;
const configOf = (groups: string) => parseConfigText(`version: 1\ngroups:\n${groups}`, 'failover.yml');
const group = (name: string, primary: string, secondary = '{ region: us-west-2, healthCheck: none }') => `  ${name}:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: ${name}.example.com.
    primary: ${primary}
    secondary: ${secondary}
`;
const targetHealth = (region: string, arns: string[]) =>
  `{ region: ${region}, targetHealth: { targetGroupArns: [${arns.join(', ')}] } }`;
const alarmsOf = (config: FailoverConfig, prefix = 'r53-failover-test-') =>
  th.targetGroupAlarms(config, { tools, prefix, error });

describe('target group alarms (serverless/plugin/target-health.cjs)', () => {
  const a = tg('us-west-2', 'web', '0123456789abcdef');
  const b = tg('us-west-2', 'web-api', '1111111111111111');

  it('keeps each alarm its logical id and name when the target groups are listed in another order', () => {
    const one = alarmsOf(configOf(group('web', targetHealth('us-west-2', [a, b]))));
    const other = alarmsOf(configOf(group('web', targetHealth('us-west-2', [b, a]))));
    expect(other).toEqual(one);
    expect(one.map((t) => [t.logicalId, t.alarmName])).toEqual([
      ['WebPrimaryTargetGroup0123456789abcdefAlarm', 'r53-failover-test-web-primary-health-tg-web-0123456789abcdef'],
      [
        'WebPrimaryTargetGroup1111111111111111Alarm',
        'r53-failover-test-web-primary-health-tg-web-api-1111111111111111',
      ],
    ]);
  });

  it('refuses an alarm name over CloudWatch’s 255 characters, naming the member and the target group', () => {
    const config = configOf(
      group(`g${'-x'.repeat(31)}`, targetHealth('us-west-2', [tg('us-west-2', 'n'.repeat(32), '0123456789abcdef')])),
    );
    expect(alarmsOf(config, 'r53-failover-test-')[0]?.alarmName.length).toBeLessThanOrEqual(255);
    expect(() => alarmsOf(config, `${'p'.repeat(130)}-`)).toThrow(
      /groups\.g(-x)+\.primary\.targetHealth target group targetgroup\/n{32}\/0123456789abcdef would be 2\d\d characters; CloudWatch allows 255/,
    );
  });

  it('puts no nested stack where a stack has nothing to alarm on (healthCheck: none, or another region)', () => {
    const config = configOf(
      group('web', targetHealth('us-west-2', [a])) + group('quiet', '{ region: us-east-1, healthCheck: none }'),
    );
    const build = (region: string, notify: boolean) => {
      const resources: Record<string, unknown> = {};
      const targetGroups = alarmsOf(config).filter((t) => t.region === region);
      const nested = stacks.addAlarmStacks(resources, {
        config,
        tools,
        prefix: 'r53-failover-test-',
        stage: 'test',
        s3Prefix: 'serverless/x/test',
        bucket: 'b',
        notify,
        targetGroups,
        error,
      });
      return { ids: Object.keys(resources), nested };
    };
    expect(build('us-east-1', true).ids).toEqual([]);
    expect(build('eu-west-1', false).ids).toEqual([]);
    const usw2 = build('us-west-2', false);
    expect(usw2.nested).toHaveLength(1);
    expect(usw2.ids).toEqual([usw2.nested[0]?.id]);
  });

  it('filters the forwarding rule on the exact names while they fit in 2,048 characters, else on the prefix', () => {
    const base = { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] };
    const names = (n: number) =>
      Array.from({ length: n }, (_, i) => `r53-failover-test-g${i}-primary-health-tg-web-${i}`);
    expect(limits.alarmNameFilter(base, names(2), 'r53-failover-test-')).toEqual({
      pattern: { ...base, detail: { alarmName: names(2) } },
      widened: false,
    });
    expect(limits.alarmNameFilter(base, names(60), 'r53-failover-test-')).toEqual({
      pattern: { ...base, detail: { alarmName: [{ prefix: 'r53-failover-test-' }] } },
      widened: true,
    });
  });

  it('drops the forwarding rule and its role in a region without target-health alarms', () => {
    const resources: Record<string, unknown> = { TargetHealthForwardRule: {}, TargetHealthForwardRole: {}, Other: {} };
    th.configureTargetHealthForwarding(resources, {
      alarms: [],
      prefix: 'p-',
      region: 'eu-central-1',
      log: { verbose: () => {}, notice: () => {} },
    });
    expect(Object.keys(resources)).toEqual(['Other']);
  });
});

describe('a regional stack at scale (1,000 targetHealth groups in one region, two target groups each)', () => {
  it('spreads the 2,000 alarms over nested stacks within every limit, the forwarding rule on the prefix', () => {
    const hex = (n: number) => n.toString(16).padStart(16, '0');
    const yaml = Array.from({ length: 1000 }, (_, i) =>
      group(
        `g${i}`,
        targetHealth('us-west-2', [tg('us-west-2', `a${i}`, hex(2 * i)), tg('us-west-2', `b${i}`, hex(2 * i + 1))]),
      ),
    ).join('');
    const config = configOf(yaml);
    const alarms = alarmsOf(config);
    const resources: Record<string, unknown> = {
      TargetHealthForwardRule: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] } },
      },
    };
    const nested = stacks.addAlarmStacks(resources, {
      config,
      tools,
      prefix: 'r53-failover-test-',
      stage: 'test',
      s3Prefix: 'serverless/r53-failover-probe/test',
      bucket: 'b',
      notify: false,
      targetGroups: alarms,
      error,
    });
    const notices: string[] = [];
    th.configureTargetHealthForwarding(resources, {
      alarms,
      prefix: 'r53-failover-test-',
      region: 'us-west-2',
      log: { verbose: () => {}, notice: (m: string) => notices.push(m) },
    });
    expect(alarms).toHaveLength(2000);
    expect(nested).toHaveLength(16);
    expect(() => limits.checkLimits({ Resources: resources }, nested, error)).not.toThrow();
    expect(resources.TargetHealthForwardRule).toMatchObject({
      Properties: { EventPattern: { detail: { alarmName: [{ prefix: 'r53-failover-test-' }] } } },
    });
    expect(notices).toEqual([expect.stringContaining('2000 target-health alarm names do not fit')]);
  });
});

describe('check --config: target-health-no-load-balancer', () => {
  it('warns for a targetHealth member without loadBalancerArn, and not for one with it', () => {
    const lb = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/tcp/0fedcba987654321';
    const config = configOf(
      group('web', targetHealth('us-west-2', [tg('us-west-2', 'web', '0123456789abcdef')])) +
        group(
          'tcp',
          `{ region: us-west-2, targetHealth: { targetGroupArns: [${tg('us-west-2', 'tcp', '1111111111111111')}], loadBalancerArn: ${lb} } }`,
        ),
    );
    const warnings = configInput(config).notes.filter((n) => n.rule === 'target-health-no-load-balancer');
    expect(warnings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        record: 'groups.web.primary',
        message: expect.stringContaining('a Network Load Balancer target group needs loadBalancerArn'),
      }),
    ]);
  });
});
