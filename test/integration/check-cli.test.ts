import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  NoSuchHealthCheck,
  NoSuchHostedZone,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/check/findings.js';
import { EVENTS_DIR, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { cliIn } from '../helpers/cli.js';

const route53 = mockClient(Route53Client);
const cloudwatch = mockClient(CloudWatchClient);
const unexpected = (input: unknown) => {
  throw new Error(`Unexpected command: ${JSON.stringify(input)}`);
};
beforeEach(() => {
  route53.reset().callsFake(unexpected);
  cloudwatch.reset().callsFake(unexpected);
});

const cli = cliIn();
const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
const json = (out: string) => JSON.parse(out) as CheckReport;
const rulesBySeverity = (r: CheckReport, severity: string) =>
  r.findings.filter((f) => f.severity === severity).map((f) => f.rule);
const dir = () => mkdtempSync(join(tmpdir(), 'r53f-check-'));
const batch = (name: string) => join(EVENTS_DIR, 'change-batches', name);

describe('r53-failover check --change-batch', () => {
  it('exits 1 on the seed example and prints each finding with why and fix', async () => {
    const res = await cli(dir(), 'check', '--change-batch', batch('seed.json'));
    expect(res.code).toBe(1);
    expect(res.out).toContain('✘ error outside-zone  my-app.example.com.us-east-1.route53.amazonaws.com. A');
    expect(res.out).toContain('✘ error alias-zone-id  my-app.example.com. A PRIMARY (my-app-primary)');
    expect(res.out).toMatch(/why: .*\n\s+fix: /);
    expect(res.out).toContain('i info zone-inferred  (zone)');
    expect(res.out).toContain(
      'my-app.example.com. A PRIMARY (my-app-primary): never unhealthy (nothing judges it: never fails over)',
    );
    expect(res.out).toMatch(/7 error\(s\), 1 warning\(s\), 2 info$/);
  });

  it('--json: { ok, findings, detection } with severity, rule, record, message, why and fix', async () => {
    const res = await cli(dir(), 'check', '--change-batch', batch('seed.json'), '--json');
    const report = json(res.out);
    expect(res.code).toBe(1);
    expect(Object.keys(report)).toEqual(['ok', 'findings', 'detection']);
    expect(report.ok).toBe(false);
    expect(Object.keys(report.findings[0] ?? {}).sort()).toEqual([
      'fix',
      'message',
      'record',
      'rule',
      'severity',
      'why',
    ]);
    expect(new Set(rulesBySeverity(report, 'error'))).toEqual(
      new Set(['outside-zone', 'alias-not-service', 'alias-zone-id', 'primary-no-health']),
    );
  });

  it('exits 0 on a correct pair, with the detection time and no warning', async () => {
    const res = await cli(
      dir(),
      'check',
      '--change-batch',
      batch('correct.json'),
      '--zone-name',
      'example.com.',
      '--hosted-zone-id',
      'Z0123456789ABCDEFGHIJ',
      '--json',
    );
    const report = json(res.out);
    expect(res.code).toBe(0);
    expect(report.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual([
      'info detection-time',
      'info detection-time',
    ]);
    expect(report.detection).toEqual([
      expect.objectContaining({
        group: 'my-app.example.com. A',
        role: 'PRIMARY',
        healthCheckId: PRIMARY_HC,
        unhealthySeconds: [60, 120],
        recordedSeconds: [120, 300],
        assumed: true,
      }),
      expect.objectContaining({ role: 'SECONDARY', healthCheckId: SECONDARY_HC }),
    ]);
    expect(route53.calls()).toHaveLength(0);
  });

  it('rejects a change batch mixing failover and simple records, with an apex CNAME', async () => {
    const cwd = dir();
    const correct = JSON.parse(readFileSync(batch('correct.json'), 'utf8')) as { Changes: unknown[] };
    const simple = (Name: string, Type: string, Value: string) => ({
      Action: 'CREATE',
      ResourceRecordSet: { Name, Type, TTL: 60, ResourceRecords: [{ Value }] },
    });
    correct.Changes.push(
      simple('my-app.example.com.', 'A', '192.0.2.7'),
      simple('example.com.', 'CNAME', 'www.example.net.'),
    );
    writeFileSync(join(cwd, 'mixed.json'), JSON.stringify(correct));
    const res = await cli(cwd, 'check', '--change-batch', 'mixed.json', '--zone-name', 'example.com.', '--json');
    expect(res.code).toBe(1);
    expect(rulesBySeverity(json(res.out), 'error')).toEqual(['mixed-routing', 'apex-cname']);
  });

  it('exits 2 naming the field when the batch is not a valid change batch', async () => {
    const cwd = dir();
    writeFileSync(
      join(cwd, 'bad.json'),
      JSON.stringify({ Changes: [{ Action: 'UPDATE', ResourceRecordSet: { Name: 'a.example.com', Type: 'A' } }] }),
    );
    const res = await cli(cwd, 'check', '--change-batch', 'bad.json');
    expect(res.code).toBe(2);
    expect(res.err).toContain('bad.json: Changes[0].Action: expected CREATE, UPSERT or DELETE, got "UPDATE"');
  });
});

describe('r53-failover check --config', () => {
  const yml = `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.example.com.
    primary:
      region: us-east-1
      healthCheckId: ${PRIMARY_HC}
      endpoint: https://api-use1.example.com/healthz
      probes: [{ type: http, bodyContains: '"db":"up"' }]
    secondary:
      region: us-west-2
      healthCheckId: ${SECONDARY_HC}
  inventory:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: inventory.example.com.
    primary: { region: eu-west-1, healthCheckId: 0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b, endpoint: https://inv-euw1.example.com/healthz }
    secondary: { region: eu-central-1, healthCheckId: 9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d, endpoint: https://inv-euc1.example.com/healthz }
`;

  it('checks each group as a failover pair: members without probes, alarms from the deploy, detection per group', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'failover.yml'), yml);
    const res = await cli(cwd, 'check', '--config', 'failover.yml', '--json');
    const report = json(res.out);
    expect(res.code).toBe(0);
    expect(report.findings.filter((f) => f.severity === 'warning').map((f) => `${f.rule} ${f.record}`)).toEqual([
      'unverified-health-check api.example.com. A SECONDARY (orders-api-secondary)',
    ]);
    expect(rulesBySeverity(report, 'info')).toEqual(
      expect.arrayContaining(['zone-inferred', 'alarms-by-deploy', 'detection-time']),
    );
    expect(report.findings.find((f) => f.rule === 'zone-inferred')?.message).toContain('example.com.');
    expect(report.detection.map((d) => `${d.group} ${d.role}`)).toEqual([
      'orders-api PRIMARY',
      'orders-api SECONDARY',
      'inventory PRIMARY',
      'inventory SECONDARY',
    ]);
  });

  it('exits 1 when two groups claim the same record', async () => {
    const cwd = dir();
    writeFileSync(
      join(cwd, 'failover.yml'),
      yml.replace('recordName: inventory.example.com.', 'recordName: api.example.com.'),
    );
    const res = await cli(cwd, 'check', '--config', 'failover.yml', '--json');
    expect(res.code).toBe(1);
    expect(rulesBySeverity(json(res.out), 'error')).toEqual(['duplicate-role', 'duplicate-role']);
  });

  it('checks targetHealth members as aliases with Evaluate Target Health, and says a healthCheck: none standby is unjudged', async () => {
    const cwd = dir();
    const tg = (region: string, name: string) =>
      `arn:aws:elasticloadbalancing:${region}:123456789012:targetgroup/${name}/0123456789abcdef`;
    writeFileSync(
      join(cwd, 'failover.yml'),
      `version: 1
groups:
  web:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: www.example.com.
    primary: { region: us-west-2, targetHealth: { targetGroupArns: ["${tg('us-west-2', 'web-usw2')}"] } }
    secondary: { region: us-east-2, healthCheck: none }
`,
    );
    const res = await cli(cwd, 'check', '--config', 'failover.yml', '--json');
    const report = json(res.out);
    expect(res.code).toBe(0);
    expect(rulesBySeverity(report, 'error')).toEqual([]);
    expect(report.findings.filter((f) => f.severity === 'warning').map((f) => `${f.rule} ${f.record}`)).toEqual([
      'target-health-no-load-balancer groups.web.primary',
      'secondary-no-health www.example.com. A SECONDARY (web-secondary)',
    ]);
    expect(report.findings.some((f) => f.rule.startsWith('alias-'))).toBe(false);
    expect(report.detection).toMatchObject([
      { group: 'web', role: 'PRIMARY', basis: 'target-health' },
      { group: 'web', role: 'SECONDARY', basis: 'none' },
    ]);
  });
});

describe('r53-failover check --hosted-zone-id (live, read-only)', () => {
  const ZONE = 'Z0123456789ABCDEFGHIJ';
  const primarySet = {
    Name: 'my-app.example.com.',
    Type: 'A' as const,
    SetIdentifier: 'use1',
    Failover: 'PRIMARY' as const,
    HealthCheckId: PRIMARY_HC,
    AliasTarget: {
      HostedZoneId: 'Z35SXDOTRQ7X7K',
      DNSName: 'dualstack.my-app-alb-1234567890.us-east-1.elb.amazonaws.com.',
      EvaluateTargetHealth: true,
    },
  };
  const secondarySet = {
    Name: 'my-app.example.com.',
    Type: 'A' as const,
    SetIdentifier: 'usw2',
    Failover: 'SECONDARY' as const,
    HealthCheckId: SECONDARY_HC,
    AliasTarget: {
      HostedZoneId: 'Z1H1FL5HABSF5',
      DNSName: 'dualstack.my-app-alb-0987654321.us-west-2.elb.amazonaws.com.',
      EvaluateTargetHealth: true,
    },
  };
  const arrangeZone = () => {
    route53.on(GetHostedZoneCommand, { Id: ZONE }).resolves({
      HostedZone: { Id: `/hostedzone/${ZONE}`, Name: 'example.com.', CallerReference: 'x' },
      DelegationSet: { NameServers: [] },
    });
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: ZONE }).resolves({
      ResourceRecordSets: [
        { Name: 'example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.awsdns-1.org.' }] },
        primarySet,
      ],
      IsTruncated: true,
      NextRecordName: 'my-app.example.com.',
      NextRecordType: 'A',
      NextRecordIdentifier: 'usw2',
      MaxItems: 2,
    });
    route53
      .on(ListResourceRecordSetsCommand, {
        HostedZoneId: ZONE,
        StartRecordName: 'my-app.example.com.',
        StartRecordType: 'A',
        StartRecordIdentifier: 'usw2',
      })
      .resolves({ ResourceRecordSets: [secondarySet], IsTruncated: false, MaxItems: 2 });
    route53.on(GetHealthCheckCommand, { HealthCheckId: PRIMARY_HC }).resolves({
      HealthCheck: {
        Id: PRIMARY_HC,
        CallerReference: 'p',
        HealthCheckVersion: 1,
        HealthCheckConfig: {
          Type: 'HTTPS_STR_MATCH',
          FullyQualifiedDomainName: 'api-use1.example.com',
          ResourcePath: '/healthz',
          SearchString: '"db":"up"',
          RequestInterval: 10,
          FailureThreshold: 2,
        },
      },
    });
    route53.on(GetHealthCheckCommand, { HealthCheckId: SECONDARY_HC }).resolves({
      HealthCheck: {
        Id: SECONDARY_HC,
        CallerReference: 's',
        HealthCheckVersion: 1,
        HealthCheckConfig: {
          Type: 'TCP',
          FullyQualifiedDomainName: 'api-usw2.example.com',
          Port: 443,
          RequestInterval: 30,
          FailureThreshold: 3,
        },
      },
    });
  };

  it('reads every page and each health check, warns on the TCP-only standby and the missing alarm', async () => {
    // Arrange
    arrangeZone();
    cloudwatch.on(DescribeAlarmsCommand, { AlarmTypes: ['MetricAlarm'] }).resolves({
      MetricAlarms: [{ AlarmName: 'other', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' }],
      NextToken: 't2',
    });
    cloudwatch.on(DescribeAlarmsCommand, { AlarmTypes: ['MetricAlarm'], NextToken: 't2' }).resolves({
      MetricAlarms: [
        {
          AlarmName: 'r53-failover-prod-my-app-primary-health',
          Namespace: 'AWS/Route53',
          MetricName: 'HealthCheckStatus',
          Dimensions: [{ Name: 'HealthCheckId', Value: PRIMARY_HC }],
        },
      ],
    });
    // Act
    const res = await cli(dir(), 'check', '--hosted-zone-id', `/hostedzone/${ZONE}`, '--check-alarms', '--json');
    // Assert
    const report = json(res.out);
    expect(res.code).toBe(0);
    expect(report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule} ${f.record}`)).toEqual([
      'shallow-health-check my-app.example.com. A SECONDARY (usw2)',
      'no-alarm my-app.example.com. A SECONDARY (usw2)',
    ]);
    expect(report.detection).toEqual([
      expect.objectContaining({
        healthCheckId: PRIMARY_HC,
        healthCheckType: 'HTTPS_STR_MATCH',
        assumed: false,
        unhealthySeconds: [10, 30],
        recordedSeconds: [70, 210],
      }),
      expect.objectContaining({ healthCheckId: SECONDARY_HC, healthCheckType: 'TCP', unhealthySeconds: [60, 120] }),
    ]);
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(2);
    expect(route53.commandCalls(GetHealthCheckCommand).map((c) => c.args[0].input.HealthCheckId)).toEqual([
      PRIMARY_HC,
      SECONDARY_HC,
    ]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(2);
    expect(await cloudwatch.call(0).thisValue.config.region()).toBe('us-east-1');
  });

  it('without --check-alarms reads no alarm and says so', async () => {
    arrangeZone();
    const res = await cli(dir(), 'check', '--hosted-zone-id', ZONE, '--json');
    expect(res.code).toBe(0);
    expect(rulesBySeverity(json(res.out), 'info')).toContain('alarms-not-checked');
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('reports a deleted health check as an error', async () => {
    arrangeZone();
    route53
      .on(GetHealthCheckCommand, { HealthCheckId: SECONDARY_HC })
      .rejects(new NoSuchHealthCheck({ message: 'No health check exists', $metadata: {} }));
    const res = await cli(dir(), 'check', '--hosted-zone-id', ZONE, '--json');
    expect(res.code).toBe(1);
    expect(rulesBySeverity(json(res.out), 'error')).toEqual(['health-check-missing']);
  });

  it('rejects a page holding a weighted record beside the pair, an apex CNAME and a CNAME beside a TXT record', async () => {
    arrangeZone();
    route53.on(ListResourceRecordSetsCommand, { HostedZoneId: ZONE }).resolves({
      ResourceRecordSets: [
        { Name: 'example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.awsdns-1.org.' }] },
        { Name: 'example.com.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'www.example.net.' }] },
        primarySet,
        {
          Name: 'my-app.example.com.',
          Type: 'A',
          SetIdentifier: 'w',
          Weight: 10,
          TTL: 60,
          ResourceRecords: [{ Value: '192.0.2.9' }],
        },
        secondarySet,
        { Name: 'www.example.com.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'my-app.example.com.' }] },
        { Name: 'www.example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"v=spf1 -all"' }] },
      ],
      IsTruncated: false,
    });
    const res = await cli(dir(), 'check', '--hosted-zone-id', ZONE, '--json');
    expect(res.code).toBe(1);
    expect(
      json(res.out)
        .findings.filter((f) => f.severity === 'error')
        .map((f) => `${f.rule} ${f.record}`),
    ).toEqual([
      'mixed-routing my-app.example.com. A (w)',
      'apex-cname example.com. CNAME',
      'cname-coexists www.example.com. CNAME',
    ]);
  });

  it('exits 2 for a hosted zone that does not exist', async () => {
    route53.on(GetHostedZoneCommand).rejects(new NoSuchHostedZone({ message: 'No hosted zone found', $metadata: {} }));
    const res = await cli(dir(), 'check', '--hosted-zone-id', 'Z999');
    expect(res.code).toBe(2);
    expect(res.err).toContain('--hosted-zone-id: no hosted zone Z999');
  });
});

describe('r53-failover check usage', () => {
  it.each([
    [[], 'give --change-batch FILE, --config FILE or --hosted-zone-id ID'],
    [['--change-batch', 'a.json', '--config', 'f.yml'], 'not both'],
    [['--change-batch', 'a.json', '--check-alarms'], '--check-alarms needs the live zone'],
    [['--hosted-zone-id', 'Z1', '--zone-name', 'example.com.'], '--zone-name goes with'],
  ])('exits 2 for check %j', async (args, message) => {
    const res = await cli(dir(), 'check', ...args);
    expect(res.code).toBe(2);
    expect(res.err).toContain(message);
    expect(route53.calls()).toHaveLength(0);
  });

  it('is listed in the help', async () => {
    const res = await cli(dir(), '--help');
    expect(res.out).toMatch(/^ {2}check {12}lint a failover setup/m);
  });
});

describe('r53-failover init usage (nothing read, nothing written)', () => {
  it.each([
    [[], 'give --hosted-zone-id Z… (the hosted zone to read)'],
    [['--hosted-zone-id', ZONE_ID, '--out', ''], '--out: expected a file name'],
    [['--hosted-zone-id', ZONE_ID, '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 for init %j', async (args, message) => {
    const res = await cli(dir(), 'init', ...args);
    expect(res.code).toBe(2);
    expect(res.err).toContain(message);
    expect(route53.calls()).toHaveLength(0);
  });

  it('exits 2 before reading the zone when failover.yml exists and --force is not given', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'failover.yml'), 'version: 1\n');
    const res = await cli(cwd, 'init', '--hosted-zone-id', ZONE_ID);
    expect(res).toMatchObject({
      code: 2,
      err: 'r53-failover init: failover.yml exists; pass --force to replace it (nothing written)',
    });
    expect(readFileSync(join(cwd, 'failover.yml'), 'utf8')).toBe('version: 1\n');
    expect(route53.calls()).toHaveLength(0);
  });

  it('is listed in the help, with its own help text', async () => {
    expect((await cli(dir(), '--help')).out).toMatch(/^ {2}init {13}write a commented failover\.yml/m);
    const help = await cli(dir(), 'init', '--help');
    expect(help.out).toMatch(/^r53-failover init --hosted-zone-id Z… \[--out failover\.yml\] \[--force\]/);
  });
});
