import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binOnMoto, type MotoServer, motoClientConfig, motoSkipReason, startMoto } from '../helpers/moto.js';

// `check --hosted-zone-id` against a real Route 53 and CloudWatch API (moto_server): a hosted zone with a failover
// pair, its health checks and one HealthCheckStatus alarm, read by the real binary through AWS_ENDPOINT_URL.
// check-cli.test.ts covers the paging and error paths with a mocked client; this proves the wire calls.

const skip = motoSkipReason();

describe.skipIf(skip)('r53-failover check --hosted-zone-id on moto_server (Route 53, CloudWatch)', () => {
  let moto: MotoServer;
  let home: string;
  let zoneId: string;
  let primaryHc: string;
  let secondaryHc: string;

  beforeAll(async () => {
    moto = await startMoto();
    home = mkdtempSync(join(tmpdir(), 'r53f-check-moto-'));
    const route53 = new Route53Client(motoClientConfig(moto));
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'example.com.', CallerReference: 'zone-1' }));
    zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    const healthCheck = async (ref: string, config: Record<string, unknown>) =>
      (
        await route53.send(
          new CreateHealthCheckCommand({
            CallerReference: ref,
            HealthCheckConfig: { RequestInterval: 30, FailureThreshold: 3, ...config } as never,
          }),
        )
      ).HealthCheck?.Id ?? '';
    primaryHc = await healthCheck('hc-p', {
      Type: 'HTTPS_STR_MATCH',
      FullyQualifiedDomainName: 'api-use1.example.com',
      ResourcePath: '/healthz',
      SearchString: '"db":"up"',
      Port: 443,
    });
    secondaryHc = await healthCheck('hc-s', {
      Type: 'TCP',
      FullyQualifiedDomainName: 'api-usw2.example.com',
      Port: 443,
    });
    const member = (id: string, failover: 'PRIMARY' | 'SECONDARY', hc: string, ip: string) => ({
      Action: 'CREATE' as const,
      ResourceRecordSet: {
        Name: 'my-app.example.com.',
        Type: 'A' as const,
        SetIdentifier: id,
        Failover: failover,
        HealthCheckId: hc,
        TTL: 60,
        ResourceRecords: [{ Value: ip }],
      },
    });
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            member('use1', 'PRIMARY', primaryHc, '192.0.2.10'),
            member('usw2', 'SECONDARY', secondaryHc, '198.51.100.10'),
          ],
        },
      }),
    );
    route53.destroy();
    const cloudwatch = new CloudWatchClient(motoClientConfig(moto));
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'r53-failover-prod-my-app-primary-health',
        Namespace: 'AWS/Route53',
        MetricName: 'HealthCheckStatus',
        Dimensions: [{ Name: 'HealthCheckId', Value: primaryHc }],
        Statistic: 'Minimum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      }),
    );
    cloudwatch.destroy();
  });

  afterAll(async () => {
    await moto?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const bin = (args: string[]) => binOnMoto(moto, home, args);

  it('reads the zone, both health checks and the alarms: the TCP-only standby and its missing alarm are named', async () => {
    const res = await bin(['check', '--hosted-zone-id', zoneId, '--check-alarms', '--json']);
    expect(res.err).toBe('');
    const report = JSON.parse(res.out) as { findings: { rule: string; severity: string; record?: string }[] };
    const found = report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule} ${f.record}`);
    expect(found).toContain('shallow-health-check my-app.example.com. A SECONDARY (usw2)');
    expect(found).toContain('no-alarm my-app.example.com. A SECONDARY (usw2)');
    // The primary has its alarm and a deep (string-matching) check: nothing is said against it.
    expect(found.filter((f) => f.includes('PRIMARY'))).toEqual([]);
    expect(res.code).toBe(0);
  });

  it('rejects mixed routing policies, an apex CNAME and a CNAME beside another record, as listed by Route 53', async () => {
    // Arrange: moto_server accepts these record sets (Route 53 itself refuses them), which models a zone whose
    // records came from elsewhere; check reads them through the same ListResourceRecordSets call.
    const route53 = new Route53Client(motoClientConfig(moto));
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'example.org.', CallerReference: 'zone-2' }));
    const id = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    const simple = (Name: string, Type: 'A' | 'CNAME' | 'TXT', Value: string, extra: object = {}) => ({
      Action: 'CREATE' as const,
      ResourceRecordSet: { Name, Type, TTL: 60, ResourceRecords: [{ Value }], ...extra },
    });
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: id,
        ChangeBatch: {
          Changes: [
            simple('api.example.org.', 'A', '192.0.2.10', {
              SetIdentifier: 'use1',
              Failover: 'PRIMARY',
              HealthCheckId: primaryHc,
            }),
            simple('api.example.org.', 'A', '198.51.100.10', {
              SetIdentifier: 'usw2',
              Failover: 'SECONDARY',
              HealthCheckId: secondaryHc,
            }),
            simple('api.example.org.', 'A', '203.0.113.10', { SetIdentifier: 'canary', Weight: 10 }),
            simple('example.org.', 'CNAME', 'www.example.net.'),
            simple('www.example.org.', 'CNAME', 'api.example.org.'),
            simple('www.example.org.', 'TXT', '"v=spf1 -all"'),
          ],
        },
      }),
    );
    route53.destroy();
    // Act
    const res = await bin(['check', '--hosted-zone-id', id, '--json']);
    // Assert
    const report = JSON.parse(res.out) as { findings: { rule: string; severity: string; record?: string }[] };
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.record}`)).toEqual([
      'mixed-routing api.example.org. A (canary)',
      'apex-cname example.org. CNAME',
      'cname-coexists www.example.org. CNAME',
    ]);
    expect(res.code).toBe(1);
  });

  it('exits 2 naming a hosted zone that does not exist', async () => {
    const res = await bin(['check', '--hosted-zone-id', 'Z0000000000000000000']);
    expect(res.code).toBe(2);
    expect(res.err).toContain('--hosted-zone-id: no hosted zone Z0000000000000000000');
  });
});
