import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyAliasTarget, describeZoneId } from '../../shared/check/alias-zones.js';
import {
  changeBatchInput,
  inferZoneName,
  InvalidChangeBatchError,
  parseChangeBatch,
} from '../../shared/check/change-batch.js';
import { configInput } from '../../shared/check/config-input.js';
import type { AliasTarget, CheckInput, HealthCheckSummary, RecordSet } from '../../shared/check/findings.js';
import { checkSetup } from '../../shared/check/rules.js';
import { parseConfigText } from '../../shared/config/file.js';
import { EVENTS_DIR, FIXTURE_CONFIG_YAML, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { errorOf } from '../helpers/errors.js';

const batchFixture = (file: string, opts: { zoneName?: string; hostedZoneId?: string } = {}) =>
  changeBatchInput(parseChangeBatch(readFileSync(join(EVENTS_DIR, 'change-batches', file), 'utf8'), file), opts);

const ALB_USE1: AliasTarget = {
  hostedZoneId: 'Z35SXDOTRQ7X7K',
  dnsName: 'dualstack.my-app-alb-1234567890.us-east-1.elb.amazonaws.com.',
  evaluateTargetHealth: true,
};
const ALB_USW2: AliasTarget = {
  hostedZoneId: 'Z1H1FL5HABSF5',
  dnsName: 'dualstack.my-app-alb-0987654321.us-west-2.elb.amazonaws.com.',
  evaluateTargetHealth: true,
};

const rec = (over: Partial<RecordSet>): RecordSet => ({
  name: 'my-app.example.com.',
  type: 'A',
  source: 'test',
  targetsKnown: true,
  zoneName: 'example.com.',
  ...over,
});
const primary = (over: Partial<RecordSet> = {}) =>
  rec({ setIdentifier: 'use1', failover: 'PRIMARY', alias: ALB_USE1, healthCheckId: PRIMARY_HC, ...over });
const secondary = (over: Partial<RecordSet> = {}) =>
  rec({ setIdentifier: 'usw2', failover: 'SECONDARY', alias: ALB_USW2, healthCheckId: SECONDARY_HC, ...over });
const input = (records: RecordSet[], over: Partial<CheckInput> = {}): CheckInput => ({
  mode: 'change-batch',
  records,
  zoneComplete: false,
  notes: [],
  ...over,
});
const found = (rule: string, i: CheckInput) => checkSetup(i).findings.filter((f) => f.rule === rule);
const hc = (id: string, over: Partial<HealthCheckSummary>): HealthCheckSummary => ({
  id,
  exists: true,
  type: 'HTTPS_STR_MATCH',
  resourcePath: '/healthz',
  searchString: '"db":"up"',
  ...over,
});

describe('the seed change batch', () => {
  it('flags wrong alias zone ids, non-service alias names, out-of-zone records and the unevaluated primary', () => {
    // Arrange
    const seed = batchFixture('seed.json');
    // Act
    const report = checkSetup(seed);
    // Assert
    const errors = report.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.record}`);
    expect(errors.sort()).toEqual([
      'alias-not-service my-app.example.com. A PRIMARY (my-app-primary)',
      'alias-not-service my-app.example.com. A SECONDARY (my-app-secondary)',
      'alias-zone-id my-app.example.com. A PRIMARY (my-app-primary)',
      'alias-zone-id my-app.example.com. A SECONDARY (my-app-secondary)',
      'outside-zone my-app.example.com.us-east-1.route53.amazonaws.com. A',
      'outside-zone my-app.example.com.us-west-2.route53.amazonaws.com. A',
      'primary-no-health my-app.example.com. A PRIMARY (my-app-primary)',
    ]);
    expect(report.findings.filter((f) => f.severity === 'warning').map((f) => f.rule)).toEqual(['secondary-no-health']);
    expect(report.ok).toBe(false);
    expect(report.detection).toMatchObject([
      { group: 'my-app.example.com. A', role: 'PRIMARY', basis: 'none', unhealthySeconds: null, recordedSeconds: null },
      { group: 'my-app.example.com. A', role: 'SECONDARY', basis: 'none', unhealthySeconds: null },
    ]);
  });

  it('infers example.com. as the zone, ignoring the AWS-owned names, and says so', () => {
    const seed = batchFixture('seed.json');
    expect(seed.notes).toMatchObject([
      { severity: 'info', rule: 'zone-inferred', message: expect.stringContaining('example.com.') },
    ]);
    expect(seed.records.every((r) => r.zoneName === 'example.com.')).toBe(true);
  });
});

describe('the correct change batch', () => {
  it('raises no error and no warning, only the detection time', () => {
    const report = checkSetup(batchFixture('correct.json', { zoneName: 'example.com.' }));
    expect(report.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual([
      'info detection-time',
      'info detection-time',
    ]);
    expect(report.ok).toBe(true);
    // Route 53's defaults, 30 s × 3: 60–120 s until Route 53 moves; + the 60 s alarm period and up to 120 s of delay.
    expect(report.detection).toMatchObject([
      {
        role: 'PRIMARY',
        basis: 'health-check',
        assumed: true,
        unhealthySeconds: [60, 120],
        recordedSeconds: [120, 300],
      },
      { role: 'SECONDARY', basis: 'health-check', assumed: true, unhealthySeconds: [60, 120] },
    ]);
  });
});

describe('pairing and SetIdentifier rules', () => {
  it('missing-secondary: a PRIMARY alone (a warning in a change batch, an error for the whole zone)', () => {
    expect(found('missing-secondary', input([primary()]))).toMatchObject([{ severity: 'warning' }]);
    expect(found('missing-secondary', input([primary()], { mode: 'live', zoneComplete: true }))).toMatchObject([
      { severity: 'error' },
    ]);
    expect(found('missing-secondary', input([primary(), secondary()]))).toEqual([]);
  });

  it('missing-primary: a SECONDARY alone, answered whatever its health (all unhealthy counts as all healthy)', () => {
    expect(found('missing-primary', input([secondary()], { mode: 'live', zoneComplete: true }))).toMatchObject([
      { severity: 'error', why: expect.stringContaining('Route 53 treats them all as healthy') },
    ]);
    expect(found('missing-primary', input([primary(), secondary()]))).toEqual([]);
  });

  it('duplicate-set-identifier: the same SetIdentifier twice within a name and type', () => {
    expect(
      found('duplicate-set-identifier', input([primary({ setIdentifier: 'x' }), secondary({ setIdentifier: 'x' })])),
    ).toHaveLength(1);
    expect(
      found(
        'duplicate-set-identifier',
        input([primary(), secondary(), primary({ type: 'AAAA', setIdentifier: 'usw2' })]),
      ),
    ).toEqual([]);
  });

  it('missing-set-identifier: a failover record without one, not a simple record', () => {
    const { setIdentifier: _drop, ...noId } = primary();
    expect(found('missing-set-identifier', input([noId, secondary()]))).toMatchObject([
      { severity: 'error', record: 'my-app.example.com. A PRIMARY' },
    ]);
    expect(
      found(
        'missing-set-identifier',
        input([rec({ name: 'www.example.com.', resourceRecords: ['192.0.2.1'], ttl: 60 })]),
      ),
    ).toEqual([]);
  });

  it('duplicate-role: two PRIMARY records of one name and type', () => {
    expect(
      found('duplicate-role', input([primary(), primary({ setIdentifier: 'use1-b' }), secondary()])),
    ).toMatchObject([{ severity: 'error', message: expect.stringContaining('2 PRIMARY') }]);
    expect(found('duplicate-role', input([primary(), secondary()]))).toEqual([]);
  });
});

describe('zone rules', () => {
  it('outside-zone: a name outside the zone, or under an AWS-owned domain when the zone is unknown', () => {
    expect(
      found('outside-zone', input([rec({ name: 'my-app.example.org.', resourceRecords: ['192.0.2.1'] })])),
    ).toHaveLength(1);
    const { zoneName: _z, ...unknownZone } = rec({
      name: 'my-app.example.com.us-east-1.route53.amazonaws.com.',
      resourceRecords: ['192.0.2.1'],
    });
    expect(found('outside-zone', input([unknownZone]))).toMatchObject([{ why: expect.stringContaining('AWS-owned') }]);
    expect(
      found(
        'outside-zone',
        input([primary(), secondary(), rec({ name: 'example.com.', type: 'TXT', resourceRecords: ['"v=spf1 -all"'] })]),
      ),
    ).toEqual([]);
  });

  it('no-answer: a non-alias failover record without values, unless its targets are unknown (failover.yml)', () => {
    const { alias: _a, ...bare } = primary();
    expect(found('no-answer', input([bare, secondary()]))).toHaveLength(1);
    expect(found('no-answer', input([{ ...bare, resourceRecords: ['192.0.2.1'], ttl: 60 }, secondary()]))).toEqual([]);
    expect(found('no-answer', input([{ ...bare, targetsKnown: false }, secondary()]))).toEqual([]);
  });

  it('alias-target-missing: an alias to a name in the zone that has no record of that type', () => {
    const toBlue = primary({
      alias: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', dnsName: 'blue.example.com.', evaluateTargetHealth: true },
      zoneId: 'Z0123456789ABCDEFGHIJ',
    });
    expect(found('alias-target-missing', input([toBlue, secondary()]))).toMatchObject([{ severity: 'warning' }]);
    expect(
      found('alias-target-missing', input([toBlue, secondary()], { mode: 'live', zoneComplete: true })),
    ).toMatchObject([{ severity: 'error' }]);
    const blue = rec({ name: 'blue.example.com.', resourceRecords: ['192.0.2.1'], ttl: 60 });
    expect(found('alias-target-missing', input([toBlue, secondary(), blue]))).toEqual([]);
  });
});

describe('alias rules', () => {
  it.each([
    ['ALB/CLB', 'dualstack.my-app-alb-1234567890.us-west-2.elb.amazonaws.com.', 'Z1H1FL5HABSF5'],
    ['internal ALB', 'internal-my-app-alb-1234567890.eu-west-1.elb.amazonaws.com.', 'Z32O12XQLNTSW2'],
    ['NLB', 'my-app-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com.', 'Z26RNL4JYFTOTI'],
    ['CloudFront', 'd111111abcdef8.cloudfront.net.', 'Z2FDTNDATAQYW2'],
    ['S3 website (dash)', 's3-website-us-east-1.amazonaws.com.', 'Z3AQBSTGFYJSTF'],
    ['S3 website (dot)', 's3-website.eu-central-1.amazonaws.com.', 'Z21DNDUVLTQW6Q'],
    ['API Gateway', 'd-abcde12345.execute-api.us-west-2.amazonaws.com.', 'Z2OJLYMUO9EFXC'],
  ])("alias-zone-id: %s with its canonical zone passes, with another region's fails", (_label, dnsName, zoneId) => {
    const ok = secondary({ alias: { hostedZoneId: zoneId, dnsName, evaluateTargetHealth: false } });
    expect(found('alias-zone-id', input([primary(), ok]))).toEqual([]);
    const wrong = secondary({ alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName, evaluateTargetHealth: false } });
    const expectWrong = zoneId !== 'Z35SXDOTRQ7X7K';
    expect(found('alias-zone-id', input([primary(), wrong]))).toHaveLength(expectWrong ? 1 : 0);
  });

  it('alias-zone-id: names the region the copied id belongs to and the one expected', () => {
    const copied = secondary({ alias: { ...ALB_USW2, hostedZoneId: 'Z35SXDOTRQ7X7K' } });
    expect(found('alias-zone-id', input([primary(), copied]))).toMatchObject([
      {
        message: expect.stringMatching(
          /Z35SXDOTRQ7X7K \(the Application\/Classic Load Balancer zone of us-east-1\).*expected Z1H1FL5HABSF5/,
        ),
      },
    ]);
  });

  it("alias-zone-id: an alias to a record of the zone must carry the zone's own id", () => {
    const blue = rec({ name: 'blue.example.com.', resourceRecords: ['192.0.2.1'], ttl: 60 });
    const alias = (hostedZoneId: string) =>
      primary({
        zoneId: 'Z0123456789ABCDEFGHIJ',
        alias: { hostedZoneId, dnsName: 'blue.example.com.', evaluateTargetHealth: true },
      });
    expect(found('alias-zone-id', input([alias('Z35SXDOTRQ7X7K'), secondary(), blue]))).toHaveLength(1);
    expect(found('alias-zone-id', input([alias('Z0123456789ABCDEFGHIJ'), secondary(), blue]))).toEqual([]);
  });

  it('alias-not-service: an amazonaws.com name of no service, or an external name; real endpoint names pass', () => {
    const fake = secondary({
      alias: {
        hostedZoneId: 'Z1H1FL5HABSF5',
        dnsName: 'dualstack.my-app-elb.us-west-2.amazonaws.com.',
        evaluateTargetHealth: true,
      },
    });
    expect(found('alias-not-service', input([primary(), fake]))).toHaveLength(1);
    const external = secondary({
      alias: { hostedZoneId: 'Z1H1FL5HABSF5', dnsName: 'standby.example.net.', evaluateTargetHealth: true },
    });
    expect(found('alias-not-service', input([primary(), external]))).toMatchObject([
      { message: expect.stringContaining('neither an AWS resource') },
    ]);
    expect(found('alias-not-service', input([primary(), secondary()]))).toEqual([]);
  });

  it('alias-zone-unverified: a region or service without a tabled id is reported as info, not an error', () => {
    const newRegion = secondary({
      alias: {
        hostedZoneId: 'Z0999999ABCDEFGHIJKL',
        dnsName: 'my-app-alb-1.ap-southeast-7.elb.amazonaws.com.',
        evaluateTargetHealth: true,
      },
    });
    expect(found('alias-zone-unverified', input([primary(), newRegion]))).toMatchObject([{ severity: 'info' }]);
    expect(found('alias-zone-id', input([primary(), newRegion]))).toEqual([]);
    expect(found('alias-zone-unverified', input([primary(), secondary()]))).toEqual([]);
    // A region whose published ids disagree between well-known copies is not tabled: info, never a false error.
    const disputed = secondary({
      alias: {
        hostedZoneId: 'Z83WF9RJE8B12',
        dnsName: 'my-bucket.s3-website.af-south-1.amazonaws.com.',
        evaluateTargetHealth: false,
      },
    });
    expect(found('alias-zone-unverified', input([primary(), disputed]))).toMatchObject([{ severity: 'info' }]);
    expect(found('alias-zone-id', input([primary(), disputed]))).toEqual([]);
  });

  it('alias-ttl: a TTL on an alias record', () => {
    expect(found('alias-ttl', input([primary({ ttl: 60 }), secondary()]))).toMatchObject([{ severity: 'error' }]);
    expect(found('alias-ttl', input([primary(), secondary()]))).toEqual([]);
  });

  it('cloudfront-evaluate-target-health: EvaluateTargetHealth true on a CloudFront alias', () => {
    const cf = (evaluateTargetHealth: boolean) =>
      secondary({
        alias: { hostedZoneId: 'Z2FDTNDATAQYW2', dnsName: 'd111111abcdef8.cloudfront.net.', evaluateTargetHealth },
      });
    expect(found('cloudfront-evaluate-target-health', input([primary(), cf(true)]))).toHaveLength(1);
    expect(found('cloudfront-evaluate-target-health', input([primary(), cf(false)]))).toEqual([]);
  });

  it('cloudfront-both-members: both members of a pair on CloudFront', () => {
    const cf = {
      hostedZoneId: 'Z2FDTNDATAQYW2',
      dnsName: 'd111111abcdef8.cloudfront.net.',
      evaluateTargetHealth: false,
    };
    expect(
      found(
        'cloudfront-both-members',
        input([primary({ alias: cf }), secondary({ alias: { ...cf, dnsName: 'd222222abcdef8.cloudfront.net.' } })]),
      ),
    ).toMatchObject([{ why: expect.stringContaining("CloudFront's rule, not Route 53's") }]);
    expect(found('cloudfront-both-members', input([primary(), secondary({ alias: cf })]))).toEqual([]);
  });
});

describe('health rules', () => {
  it('primary-no-health: neither HealthCheckId nor EvaluateTargetHealth; either one is enough', () => {
    const { healthCheckId: _h, ...noHc } = primary({ alias: { ...ALB_USE1, evaluateTargetHealth: false } });
    expect(found('primary-no-health', input([noHc, secondary()]))).toMatchObject([{ severity: 'error' }]);
    expect(found('primary-no-health', input([{ ...noHc, alias: ALB_USE1 }, secondary()]))).toEqual([]);
    expect(found('primary-no-health', input([{ ...noHc, healthCheckId: PRIMARY_HC }, secondary()]))).toEqual([]);
  });

  it('secondary-no-health: a warning, not an error', () => {
    const { healthCheckId: _h, ...noHc } = secondary({ alias: { ...ALB_USW2, evaluateTargetHealth: false } });
    expect(found('secondary-no-health', input([primary(), noHc]))).toMatchObject([{ severity: 'warning' }]);
    expect(found('secondary-no-health', input([primary(), secondary()]))).toEqual([]);
  });

  it('shallow-health-check: HTTP(S) on / without SearchString, or TCP; a string match on /healthz passes', () => {
    const live = (p: HealthCheckSummary, s: HealthCheckSummary) =>
      input([primary(), secondary()], {
        mode: 'live',
        zoneComplete: true,
        healthChecks: new Map([
          [PRIMARY_HC, p],
          [SECONDARY_HC, s],
        ]),
      });
    const shallow = found(
      'shallow-health-check',
      live(
        hc(PRIMARY_HC, { type: 'HTTPS', resourcePath: '/', searchString: undefined }),
        hc(SECONDARY_HC, { type: 'TCP' }),
      ),
    );
    expect(shallow.map((f) => f.message)).toEqual([
      expect.stringContaining('HTTPS / with no SearchString'),
      expect.stringContaining('only opens a TCP connection'),
    ]);
    expect(shallow[0]?.fix).toContain('HTTPS_STR_MATCH');
    expect(
      found(
        'shallow-health-check',
        live(hc(PRIMARY_HC, {}), hc(SECONDARY_HC, { type: 'HTTPS', searchString: undefined })),
      ),
    ).toEqual([]);
  });

  it('health-check-missing: GetHealthCheck said NoSuchHealthCheck', () => {
    const live = (exists: boolean) =>
      input([primary(), secondary()], {
        mode: 'live',
        zoneComplete: true,
        healthChecks: new Map([
          [PRIMARY_HC, hc(PRIMARY_HC, { exists })],
          [SECONDARY_HC, hc(SECONDARY_HC, {})],
        ]),
      });
    expect(found('health-check-missing', live(false))).toMatchObject([
      { severity: 'error', record: 'my-app.example.com. A PRIMARY (use1)' },
    ]);
    expect(found('health-check-missing', live(true))).toEqual([]);
  });

  it('unverified-health-check: a failover.yml member without probes', () => {
    const cfg = (probes: number) =>
      input([primary(), secondary()], {
        mode: 'config',
        probeCounts: new Map([
          [PRIMARY_HC, probes],
          [SECONDARY_HC, 1],
        ]),
      });
    expect(found('unverified-health-check', cfg(0))).toMatchObject([
      { severity: 'warning', record: expect.stringContaining('PRIMARY') },
    ]);
    expect(found('unverified-health-check', cfg(2))).toEqual([]);
  });

  it('detection-time: a range from (threshold − 1) × interval to (threshold + 1) × interval, then the alarm', () => {
    const fast = input([primary(), secondary()], {
      mode: 'live',
      zoneComplete: true,
      healthChecks: new Map([[PRIMARY_HC, hc(PRIMARY_HC, { requestInterval: 10, failureThreshold: 2 })]]),
    });
    const report = checkSetup(fast);
    expect(report.detection[0]).toEqual(
      expect.objectContaining({
        role: 'PRIMARY',
        healthCheckType: 'HTTPS_STR_MATCH',
        intervalSeconds: 10,
        threshold: 2,
        assumed: false,
        unhealthySeconds: [10, 30],
        recordedSeconds: [70, 210],
      }),
    );
    expect(found('detection-time', fast)[0]).toMatchObject({
      severity: 'info',
      message: expect.stringContaining('Route 53 answers the SECONDARY 10–30 s after the PRIMARY fails'),
    });
    expect(found('detection-time', fast)[0]?.message).toContain('r53-failover records it 70–210 s after');
    expect(found('detection-time', input([rec({ name: 'www.example.com.', resourceRecords: ['192.0.2.1'] })]))).toEqual(
      [],
    );
  });

  it('detection-time: a lone PRIMARY is marked unhealthy but still answered; a SECONDARY changes nothing in DNS', () => {
    const [lone] = found('detection-time', input([primary()]));
    expect(lone?.message).toContain(
      'Route 53 marks the PRIMARY unhealthy 60–120 s after it fails, but with no SECONDARY it keeps answering it',
    );
    expect(lone?.message).not.toContain('answers the SECONDARY');
    const standby = found('detection-time', input([primary(), secondary()]))[1];
    expect(standby?.message).toContain('Route 53 marks the SECONDARY unhealthy 60–120 s after it fails');
  });

  it('detection-time: target health has its own row (the load balancer, its regional alarm, cross-region delivery)', () => {
    const alias = input([
      primary({ healthCheckId: undefined }),
      secondary({ healthCheckId: undefined, targetHealth: undefined }),
    ]);
    const report = checkSetup(alias);
    // ELB defaults 30 s × 2: 30–60 s, Route 53 reads it within another interval; alarm 60 s + ≤ 120 s + ≤ 30 s.
    expect(report.detection[0]).toMatchObject({
      basis: 'target-health',
      intervalSeconds: 30,
      threshold: 2,
      assumed: true,
      unhealthySeconds: [30, 90],
      recordedSeconds: [90, 270],
    });
    expect(report.detection[0]?.steps.map((s) => s.what)).toContain('up to 30 s cross-region EventBridge delivery');
    expect(found('detection-time', alias)[0]?.message).toContain('HealthyHostCount');
  });

  it('detection-time: CLOUDWATCH_METRIC follows the watched alarm, CALCULATED its children', () => {
    const metric = hc(PRIMARY_HC, { type: 'CLOUDWATCH_METRIC', alarmPeriod: 60, alarmEvaluationPeriods: 3 });
    const calculated = hc(SECONDARY_HC, { type: 'CALCULATED', childCount: 2 });
    const report = checkSetup(
      input([primary(), secondary()], {
        mode: 'live',
        zoneComplete: true,
        healthChecks: new Map([
          [PRIMARY_HC, metric],
          [SECONDARY_HC, calculated],
        ]),
      }),
    );
    expect(report.detection[0]).toMatchObject({
      healthCheckType: 'CLOUDWATCH_METRIC',
      assumed: false,
      unhealthySeconds: [180, 300],
      recordedSeconds: [240, 480],
      note: expect.stringContaining('Route 53 follows the alarm it watches'),
    });
    expect(report.detection[1]).toMatchObject({
      healthCheckType: 'CALCULATED',
      assumed: true,
      unhealthySeconds: [60, 120],
      note: expect.stringContaining('its 2 child health checks'),
    });
  });

  it('shared-health-check: one health check on both members of a pair', () => {
    expect(found('shared-health-check', input([primary(), secondary({ healthCheckId: PRIMARY_HC })]))).toMatchObject([
      { severity: 'error', record: expect.stringContaining('SECONDARY'), message: expect.stringContaining(PRIMARY_HC) },
    ]);
    expect(found('shared-health-check', input([primary(), secondary()]))).toEqual([]);
  });
});

describe('name rules', () => {
  it('mixed-routing: failover records beside a simple or weighted record of the same name and type', () => {
    const simple = rec({ routingPolicy: 'simple', ttl: 60, resourceRecords: ['192.0.2.1'] });
    const weighted = rec({ routingPolicy: 'weighted', setIdentifier: 'w', resourceRecords: ['192.0.2.2'] });
    const pair = [primary({ routingPolicy: 'failover' }), secondary({ routingPolicy: 'failover' })];
    expect(found('mixed-routing', input([...pair, simple, weighted])).map((f) => f.message)).toEqual([
      'my-app.example.com. A has failover records and a simple record (test)',
      'my-app.example.com. A has failover records and a weighted record (test)',
    ]);
    // Another type of the same name, or the same type without failover records, is not mixed.
    expect(found('mixed-routing', input([...pair, rec({ type: 'TXT', routingPolicy: 'simple' })]))).toEqual([]);
    expect(found('mixed-routing', input([simple]))).toEqual([]);
  });

  it('apex-cname: a CNAME at the zone apex; cname-coexists: a CNAME beside another type of the same name', () => {
    const apex = rec({ name: 'example.com.', type: 'CNAME', resourceRecords: ['other.example.net.'] });
    expect(found('apex-cname', input([apex]))).toMatchObject([{ severity: 'error', record: 'example.com. CNAME' }]);
    expect(found('cname-coexists', input([apex, rec({ name: 'example.com.', type: 'NS' })]))).toEqual([]);
    const cname = rec({ name: 'www.example.com.', type: 'CNAME', resourceRecords: ['my-app.example.com.'] });
    const txt = rec({ name: 'www.example.com.', type: 'TXT', resourceRecords: ['"v=spf1 -all"'] });
    expect(found('cname-coexists', input([cname, txt]))).toMatchObject([
      {
        severity: 'error',
        record: 'www.example.com. CNAME',
        message: expect.stringContaining('a CNAME and TXT record'),
      },
    ]);
    // A failover pair of CNAMEs is fine: only other types conflict.
    const cnamePair = [
      rec({ type: 'CNAME', setIdentifier: 'p', failover: 'PRIMARY', resourceRecords: ['a.example.net.'] }),
      rec({ type: 'CNAME', setIdentifier: 's', failover: 'SECONDARY', resourceRecords: ['b.example.net.'] }),
    ];
    expect(found('cname-coexists', input(cnamePair))).toEqual([]);
  });
});

describe('alarm rules', () => {
  const live = (alarms?: Map<string, string[]>) =>
    input([primary(), secondary()], { mode: 'live', zoneComplete: true, ...(alarms ? { alarms } : {}) });

  it('no-alarm: a failover health check without a HealthCheckStatus alarm (--check-alarms)', () => {
    expect(found('no-alarm', live(new Map([[PRIMARY_HC, ['r53-failover-prod-my-app-primary-health']]])))).toMatchObject(
      [{ severity: 'warning', message: expect.stringContaining(SECONDARY_HC) }],
    );
    expect(
      found(
        'no-alarm',
        live(
          new Map([
            [PRIMARY_HC, ['a']],
            [SECONDARY_HC, ['b']],
          ]),
        ),
      ),
    ).toEqual([]);
  });

  it('alarms-not-checked without --check-alarms; alarms-by-deploy for failover.yml', () => {
    expect(found('alarms-not-checked', live())).toHaveLength(1);
    expect(found('alarms-not-checked', live(new Map()))).toEqual([]);
    expect(found('alarms-by-deploy', input([primary(), secondary()], { mode: 'config' }))).toMatchObject([
      { severity: 'info' },
    ]);
    expect(found('alarms-by-deploy', live())).toEqual([]);
  });
});

describe('inputs', () => {
  it('infers the zone from the names, the parent of a single name, nothing from unrelated names', () => {
    expect(inferZoneName(['my-app.example.com.', 'my-app.example.com.'])).toBe('example.com.');
    expect(inferZoneName(['example.com.', 'www.example.com.'])).toBe('example.com.');
    expect(inferZoneName(['api.orders.example.com.', 'inventory.example.com.'])).toBe('example.com.');
    expect(inferZoneName(['www.example.com.', 'www.example.org.'])).toBeUndefined();
  });

  it('--zone-name wins over inference and adds no note', () => {
    const batch = batchFixture('seed.json', { zoneName: 'Example.com' });
    expect(batch.notes).toEqual([]);
    expect(batch.records[0]?.zoneName).toBe('example.com.');
  });

  it('rejects an unknown key with its path, reads the --cli-input-json form, and drops DELETEs', () => {
    const typo = {
      Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'a.example.com', Type: 'A', HealthCheckID: 'x' } }],
    };
    const err = errorOf(() => parseChangeBatch(JSON.stringify(typo), 'typo.json'));
    expect(err).toBeInstanceOf(InvalidChangeBatchError);
    expect(err.message).toMatch(/^typo\.json: Changes\[0\]\.ResourceRecordSet: unknown key "HealthCheckID"/);
    const wrapped = {
      HostedZoneId: '/hostedzone/Z0123456789ABCDEFGHIJ',
      ChangeBatch: {
        Changes: [
          {
            Action: 'DELETE',
            ResourceRecordSet: {
              Name: 'old.example.com',
              Type: 'A',
              TTL: 60,
              ResourceRecords: [{ Value: '192.0.2.9' }],
            },
          },
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'WWW.example.com',
              Type: 'a',
              TTL: 60,
              ResourceRecords: [{ Value: '192.0.2.1' }],
            },
          },
        ],
      },
    };
    const parsed = changeBatchInput(parseChangeBatch(JSON.stringify(wrapped), 'w.json'), {});
    expect(parsed.records).toMatchObject([
      { name: 'www.example.com.', type: 'A', zoneId: 'Z0123456789ABCDEFGHIJ', source: 'Changes[1]' },
    ]);
  });

  it('turns each failover.yml group into a PRIMARY/SECONDARY pair with unknown targets', () => {
    const cfg = configInput(parseConfigText(FIXTURE_CONFIG_YAML, 'failover.yml'));
    expect(cfg.records).toMatchObject([
      {
        name: 'api.orders.example.com.',
        failover: 'PRIMARY',
        healthCheckId: PRIMARY_HC,
        targetsKnown: false,
        group: 'orders-api',
        zoneName: 'orders.example.com.',
      },
      { name: 'api.orders.example.com.', failover: 'SECONDARY', healthCheckId: SECONDARY_HC, targetsKnown: false },
    ]);
    expect(checkSetup(cfg).findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('carries each failover.yml health basis: target health has its row, healthCheck: none is said as such', () => {
    const TG = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/orders-usw2/0123456789abcdef';
    const cfg = configInput(
      parseConfigText(
        `version: 1
groups:
  orders:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: orders.example.com.
    primary: { region: us-west-2, targetHealth: { targetGroupArns: [${TG}] } }
    secondary: { region: us-east-1, healthCheck: none }
`,
        'failover.yml',
      ),
    );
    expect(cfg.records[0]).toMatchObject({ failover: 'PRIMARY', targetHealth: { targetGroupArns: [TG] } });
    const report = checkSetup(cfg);
    expect(report.ok).toBe(true);
    expect(report.findings.filter((f) => f.severity === 'warning')).toMatchObject([
      { rule: 'target-health-no-load-balancer', record: 'groups.orders.primary' },
      { rule: 'secondary-no-health', message: 'SECONDARY has healthCheck: none (groups.orders.secondary)' },
    ]);
    expect(report.detection.map((d) => `${d.role} ${d.basis} ${d.recordedSeconds}`)).toEqual([
      'PRIMARY target-health 90,270',
      'SECONDARY none null',
    ]);
    expect(report.findings.find((f) => f.rule === 'alarms-by-deploy')?.message).toContain(
      'one HealthyHostCount alarm per target group (1)',
    );
  });

  it('classifies alias targets and names known zone ids', () => {
    expect(classifyAliasTarget('dualstack.my-app-elb.us-east-1.amazonaws.com.')).toEqual({
      kind: 'aws-unknown',
      region: 'us-east-1',
    });
    expect(classifyAliasTarget('vpce-0abc.execute-api.us-west-2.vpce.amazonaws.com.')).toEqual({
      kind: 'aws-unverified',
    });
    expect(describeZoneId('Z18D5FSROUN65G')).toBe('the Network Load Balancer zone of us-west-2');
    expect(describeZoneId('Z06391101F2ZOEP8P5EB3')).toBe('the Application/Classic Load Balancer zone of eu-central-2');
    expect(describeZoneId('Z0123456789MYAPPUSE1')).toBeUndefined();
  });
});
