import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/check/findings.js';
import { parseConfigText } from '../../shared/config/file.js';
import { binOnMoto, type MotoServer, motoClientConfig, motoSkipReason, startMoto } from '../helpers/moto.js';

// `init --hosted-zone-id` against real Route 53, ELBv2 and EC2 APIs (moto_server), through the real binary: a zone
// with a health-checked pair, a pair of aliases to ALBs in two regions with Evaluate Target Health and no health
// check, and a CNAME pair whose SECONDARY has no health check. What init writes must load and pass check --config.

const skip = motoSkipReason();

/** An ALB with one target group behind a listener (DescribeTargetGroups by LoadBalancerArn finds it through it). */
const alb = async (moto: MotoServer, region: string, name: string) => {
  const ec2 = new EC2Client(motoClientConfig(moto, region));
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId ?? '';
  const subnets: string[] = [];
  for (const [i, az] of ['a', 'b'].entries())
    subnets.push(
      (
        await ec2.send(
          new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: `${region}${az}` }),
        )
      ).Subnet?.SubnetId ?? '',
    );
  ec2.destroy();
  const elb = new ElasticLoadBalancingV2Client(motoClientConfig(moto, region));
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnets }))).LoadBalancers?.[0];
  const tg = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpc,
        HealthCheckIntervalSeconds: 10,
        UnhealthyThresholdCount: 2,
      }),
    )
  ).TargetGroups?.[0];
  await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb?.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg?.TargetGroupArn }],
    }),
  );
  elb.destroy();
  return { arn: lb?.LoadBalancerArn ?? '', dnsName: lb?.DNSName ?? '', targetGroupArn: tg?.TargetGroupArn ?? '' };
};

/**
 * A hosted zone whose id starts with Z, as every Route 53 zone id does (failover.yml requires it): moto draws its 22
 * characters at random, so zones are created until one does, and the others deleted.
 */
const zoneWithZId = async (route53: Route53Client, name: string): Promise<string> => {
  for (let i = 0; i < 1000; i++) {
    const id = (
      await route53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}${i}` }))
    ).HostedZone?.Id?.replace('/hostedzone/', '');
    if (id?.startsWith('Z')) return id;
    await route53.send(new DeleteHostedZoneCommand({ Id: id }));
  }
  throw new Error('moto_server gave no hosted zone id starting with Z in 1000 tries');
};

/** Canonical ALB hosted zone ids (shared/check/alias-zones.ts); moto answers a placeholder of its own. */
const ALB_ZONE = { 'us-east-1': 'Z35SXDOTRQ7X7K', 'us-west-2': 'Z1H1FL5HABSF5' } as const;

describe.skipIf(skip)('r53-failover init --hosted-zone-id on moto_server (Route 53, ELBv2)', () => {
  let moto: MotoServer;
  let home: string;
  let zoneId: string;
  const hc: Record<string, string> = {};
  const lbs: Record<string, Awaited<ReturnType<typeof alb>>> = {};

  beforeAll(async () => {
    moto = await startMoto();
    home = mkdtempSync(join(tmpdir(), 'r53f-init-moto-'));
    lbs.use1 = await alb(moto, 'us-east-1', 'orders-use1');
    lbs.usw2 = await alb(moto, 'us-west-2', 'orders-usw2');
    const route53 = new Route53Client(motoClientConfig(moto));
    zoneId = await zoneWithZId(route53, 'example.com.');
    for (const [key, fqdn, type] of [
      ['api-p', 'api-use1.example.com', 'HTTPS_STR_MATCH'],
      ['api-s', 'api-usw2.example.com', 'HTTPS_STR_MATCH'],
      ['www-p', 'www-use1.example.net', 'HTTPS'],
    ] as const)
      hc[key] =
        (
          await route53.send(
            new CreateHealthCheckCommand({
              CallerReference: key,
              HealthCheckConfig: {
                Type: type,
                FullyQualifiedDomainName: fqdn,
                Port: 443,
                ResourcePath: '/healthz',
                ...(type === 'HTTPS_STR_MATCH' ? { SearchString: '"db":"up"' } : {}),
                RequestInterval: 10,
                FailureThreshold: 2,
              },
            }),
          )
        ).HealthCheck?.Id ?? '';
    const set = (s: ResourceRecordSet) => ({ Action: 'CREATE' as const, ResourceRecordSet: s });
    const alias = (lb: { dnsName: string }, region: keyof typeof ALB_ZONE) => ({
      HostedZoneId: ALB_ZONE[region],
      DNSName: `dualstack.${lb.dnsName}.`,
      EvaluateTargetHealth: true,
    });
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            set({
              Name: 'api.example.com.',
              Type: 'A',
              SetIdentifier: 'api-us-east-1',
              Failover: 'PRIMARY',
              HealthCheckId: hc['api-p'],
              TTL: 60,
              ResourceRecords: [{ Value: '192.0.2.10' }],
            }),
            set({
              Name: 'api.example.com.',
              Type: 'A',
              SetIdentifier: 'api-us-west-2',
              Failover: 'SECONDARY',
              HealthCheckId: hc['api-s'],
              TTL: 60,
              ResourceRecords: [{ Value: '198.51.100.10' }],
            }),
            set({
              Name: 'orders.example.com.',
              Type: 'A',
              SetIdentifier: 'use1',
              Failover: 'PRIMARY',
              AliasTarget: alias(lbs.use1, 'us-east-1'),
            }),
            set({
              Name: 'orders.example.com.',
              Type: 'A',
              SetIdentifier: 'usw2',
              Failover: 'SECONDARY',
              AliasTarget: alias(lbs.usw2, 'us-west-2'),
            }),
            set({
              Name: 'www.example.com.',
              Type: 'CNAME',
              SetIdentifier: 'www-eu-west-1',
              Failover: 'PRIMARY',
              HealthCheckId: hc['www-p'],
              TTL: 60,
              ResourceRecords: [{ Value: 'www-use1.example.net.' }],
            }),
            set({
              Name: 'www.example.com.',
              Type: 'CNAME',
              SetIdentifier: 'sorry-page-eu-west-1',
              Failover: 'SECONDARY',
              TTL: 60,
              ResourceRecords: [{ Value: 'sorry.example.net.' }],
            }),
          ],
        },
      }),
    );
    route53.destroy();
  });

  afterAll(async () => {
    await moto?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const bin = (args: string[], cwd = home) => binOnMoto(moto, cwd, args);

  it('writes one group per pair with the health check ids, target group ARNs and none members right', async () => {
    const res = await bin(['init', '--hosted-zone-id', zoneId]);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out).toContain(`wrote failover.yml: 3 groups from hosted zone example.com. (${zoneId})`);
    const config = parseConfigText(readFileSync(join(home, 'failover.yml'), 'utf8'), 'failover.yml');
    expect(config.groups.api).toMatchObject({
      hostedZoneId: zoneId,
      recordName: 'api.example.com.',
      recordType: 'A',
      primary: { region: 'us-east-1', healthCheckId: hc['api-p'], dnsAnswers: ['192.0.2.10'] },
      secondary: { region: 'us-west-2', healthCheckId: hc['api-s'], dnsAnswers: ['198.51.100.10'] },
    });
    expect(config.groups.orders?.primary).toEqual({
      region: 'us-east-1',
      targetHealth: { targetGroupArns: [lbs.use1?.targetGroupArn], loadBalancerArn: lbs.use1?.arn },
      dnsAnswers: [`dualstack.${lbs.use1?.dnsName}`],
    });
    expect(config.groups.orders?.secondary).toMatchObject({
      region: 'us-west-2',
      targetHealth: { targetGroupArns: [lbs.usw2?.targetGroupArn] },
    });
    expect(config.groups.www).toMatchObject({
      recordType: 'CNAME',
      primary: { region: 'eu-west-1', healthCheckId: hc['www-p'], dnsAnswers: ['www-use1.example.net'] },
      secondary: { region: 'eu-west-1', healthCheck: 'none', dnsAnswers: ['sorry.example.net'] },
    });
    expect(config.groups.www?.secondary).not.toHaveProperty('healthCheckId');
    // Where each value came from is said beside it.
    const text = readFileSync(join(home, 'failover.yml'), 'utf8');
    expect(text).toContain("region: us-east-1  # from the load balancer's ARN");
    expect(text).toContain('from the SetIdentifier "sorry-page-eu-west-1": make sure it is right');
    expect(text).toContain('target health checks every 10 s, unhealthy after 2');
    expect(text).toContain(
      '# endpoint: https://api-use1.example.com/healthz  # what the health check requests: uncomment to probe it',
    );
    expect(res.out).toMatch(/check --config failover\.yml: 0 error\(s\), 4 warning\(s\)/);
  });

  it('what it wrote passes check --config (warnings only: the SECONDARY with healthCheck: none, no probes yet)', async () => {
    const res = await bin(['check', '--config', 'failover.yml', '--json']);
    const report = JSON.parse(res.out) as CheckReport;
    expect(res.code).toBe(0);
    // Warnings only: the SECONDARY without a health check, and members only their health check judges (no probes yet).
    expect(report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule} ${f.record}`)).toEqual([
      'secondary-no-health www.example.com. CNAME SECONDARY (www-secondary)',
      'unverified-health-check api.example.com. A PRIMARY (api-primary)',
      'unverified-health-check api.example.com. A SECONDARY (api-secondary)',
      'unverified-health-check www.example.com. CNAME PRIMARY (www-primary)',
    ]);
    expect(report.detection.map((d) => `${d.group} ${d.role} ${d.basis}`)).toEqual([
      'api PRIMARY health-check',
      'api SECONDARY health-check',
      'orders PRIMARY target-health',
      'orders SECONDARY target-health',
      'www PRIMARY health-check',
      'www SECONDARY none',
    ]);
  });

  it('check --hosted-zone-id on the same zone raises no error: target health and the CNAME pair are valid', async () => {
    const res = await bin(['check', '--hosted-zone-id', zoneId, '--json']);
    const report = JSON.parse(res.out) as CheckReport;
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(res.code).toBe(0);
    expect(report.detection.find((d) => d.record.startsWith('orders.example.com. A PRIMARY'))).toMatchObject({
      basis: 'target-health',
      unhealthySeconds: [30, 90],
    });
  });

  it('writes what it cannot find as FILL IN, and check --config names those fields until they are filled in', async () => {
    // Arrange: an alias to a load balancer that does not exist, and a SECONDARY nothing names the region of.
    const route53 = new Route53Client(motoClientConfig(moto));
    const other = await zoneWithZId(route53, 'example.org.');
    const set = (s: ResourceRecordSet) => ({ Action: 'CREATE' as const, ResourceRecordSet: s });
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: other,
        ChangeBatch: {
          Changes: [
            set({
              Name: 'shop.example.org.',
              Type: 'A',
              SetIdentifier: 'main',
              Failover: 'PRIMARY',
              AliasTarget: {
                HostedZoneId: 'Z32O12XQLNTSW2',
                DNSName: 'dualstack.gone-1234567890.eu-west-1.elb.amazonaws.com.',
                EvaluateTargetHealth: true,
              },
            }),
            set({
              Name: 'shop.example.org.',
              Type: 'A',
              SetIdentifier: 'backup',
              Failover: 'SECONDARY',
              TTL: 60,
              ResourceRecords: [{ Value: '203.0.113.5' }],
            }),
          ],
        },
      }),
    );
    route53.destroy();
    const cwd = mkdtempSync(join(home, 'fill-'));
    // Act
    const res = await bin(['init', '--hosted-zone-id', other], cwd);
    const checked = await bin(['check', '--config', 'failover.yml'], cwd);
    // Assert
    expect(res.code).toBe(0);
    expect(res.out).toContain('To fill in (marked FILL IN in the file):');
    expect(res.out).toContain(
      'groups.shop.primary: targetHealth.targetGroupArns: no Application or Network Load Balancer named gone-1234567890.eu-west-1.elb.amazonaws.com in eu-west-1',
    );
    expect(res.out).toContain('groups.shop.secondary.region: the AWS region this SECONDARY record');
    expect(res.out).toContain('check --config failover.yml: does not load until it is filled in');
    const text = readFileSync(join(cwd, 'failover.yml'), 'utf8');
    expect(text).toContain('region: eu-west-1  # from the alias target dualstack.gone-1234567890.eu-west-1.elb');
    expect(text).toContain('# FILL IN targetHealth.targetGroupArns: no Application or Network Load Balancer');
    expect(text).toContain('# region: <aws-region>');
    expect(checked.code).toBe(2);
    expect(checked.err).toContain('groups.shop.primary: has no health basis');
    expect(checked.err).toContain('groups.shop.secondary.region');
  });

  it('never replaces an existing file without --force (exit 2, the file untouched), and does with it', async () => {
    const cwd = mkdtempSync(join(home, 'again-'));
    writeFileSync(join(cwd, 'mine.yml'), 'version: 1\n');
    const refused = await bin(['init', '--hosted-zone-id', zoneId, '--out', 'mine.yml'], cwd);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('r53-failover init: mine.yml exists; pass --force to replace it (nothing written)');
    expect(readFileSync(join(cwd, 'mine.yml'), 'utf8')).toBe('version: 1\n');
    const forced = await bin(['init', '--hosted-zone-id', zoneId, '--out', 'mine.yml', '--force'], cwd);
    expect(forced.code).toBe(0);
    expect(Object.keys(parseConfigText(readFileSync(join(cwd, 'mine.yml'), 'utf8'), 'mine.yml').groups)).toEqual([
      'api',
      'orders',
      'www',
    ]);
  });

  it('exits 2 naming a hosted zone that does not exist, and writes nothing', async () => {
    const cwd = mkdtempSync(join(home, 'none-'));
    const res = await bin(['init', '--hosted-zone-id', 'Z0000000000000000000'], cwd);
    expect(res.code).toBe(2);
    expect(res.err).toContain('--hosted-zone-id: no hosted zone Z0000000000000000000');
    expect(existsSync(join(cwd, 'failover.yml'))).toBe(false);
  });
});
