import { describe, expect, it } from 'vitest';
import type { HealthCheckSummary, RecordSet } from '../../shared/check/findings.js';
import type { ZoneRead } from '../../shared/check/live.js';
import { parseConfigText } from '../../shared/config/file.js';
import { draftFromZone } from '../../shared/init/draft.js';
import { elbDnsKey, type FindLoadBalancer } from '../../shared/init/load-balancers.js';
import { fillIns, renderFailoverYml } from '../../shared/init/render.js';

// init's draft from a zone as live.ts reads it (the wire calls are in init-moto.test.ts): pairing, group names, the
// region and health basis of each member, what is skipped and what is left to fill in.

const ZONE = 'Z0123456789ABCDEFGHIJ';
const HC = (n: number) => `0000000${n}-0000-4000-8000-000000000000`;
const rec = (over: Partial<RecordSet>): RecordSet => ({
  name: 'api.example.com.',
  type: 'A',
  source: 'zone',
  targetsKnown: true,
  zoneName: 'example.com.',
  ...over,
});
const pair = (name: string, type: string, p: Partial<RecordSet>, s: Partial<RecordSet>) => [
  rec({ name, type, setIdentifier: 'p', failover: 'PRIMARY', routingPolicy: 'failover', ...p }),
  rec({ name, type, setIdentifier: 's', failover: 'SECONDARY', routingPolicy: 'failover', ...s }),
];
const zone = (records: RecordSet[], checks: HealthCheckSummary[] = []): ZoneRead => ({
  id: ZONE,
  name: 'example.com.',
  records,
  healthChecks: new Map(checks.map((c) => [c.id, c])),
});
const noLoadBalancers: FindLoadBalancer = async (dns, region) => ({ missing: `no load balancer ${dns} in ${region}` });

describe('init: a live zone → failover.yml groups', () => {
  it('names groups after the record (apex, wildcard, a second type), and skips what is no single failover pair', async () => {
    const draft = await draftFromZone(
      zone([
        ...pair('api.example.com.', 'A', { healthCheckId: HC(1) }, { healthCheckId: HC(2) }),
        ...pair('api.example.com.', 'AAAA', { healthCheckId: HC(3) }, { healthCheckId: HC(4) }),
        ...pair('example.com.', 'A', { healthCheckId: HC(5) }, {}),
        ...pair('*.shop.example.com.', 'A', { healthCheckId: HC(6) }, {}),
        rec({ name: 'lone.example.com.', setIdentifier: 'p', failover: 'PRIMARY', healthCheckId: HC(7) }),
      ]),
      noLoadBalancers,
    );
    expect(draft.groups.map((g) => `${g.name} ${g.recordName} ${g.recordType}`)).toEqual([
      'api api.example.com. A',
      'api-aaaa api.example.com. AAAA',
      'apex example.com. A',
      'wildcard-shop *.shop.example.com. A',
    ]);
    expect(draft.skipped).toEqual([expect.stringContaining('lone.example.com. A: 1 PRIMARY and 0 SECONDARY records')]);
  });

  it('writes an AAAA pair on the same health checks as its A pair once (a health check belongs to one member)', async () => {
    const draft = await draftFromZone(
      zone([
        ...pair('api.example.com.', 'A', { healthCheckId: HC(1) }, { healthCheckId: HC(2) }),
        ...pair('api.example.com.', 'AAAA', { healthCheckId: HC(1) }, { healthCheckId: HC(2) }),
      ]),
      noLoadBalancers,
    );
    expect(draft.groups.map((g) => g.name)).toEqual(['api']);
    expect(draft.skipped).toEqual([
      expect.stringContaining(`api.example.com. AAAA: uses ${HC(1)} like group api; a health check or target group`),
    ]);
  });

  it("finds each member's region: the alias target, the watched alarm's region, the health check's endpoint, the SetIdentifier", async () => {
    const draft = await draftFromZone(
      zone(
        [
          ...pair(
            'a.example.com.',
            'A',
            {
              alias: {
                hostedZoneId: 'Z3AQBSTGFYJSTF',
                dnsName: 's3-website-us-east-1.amazonaws.com.',
                evaluateTargetHealth: false,
              },
              healthCheckId: HC(1),
            },
            { healthCheckId: HC(2) },
          ),
          ...pair('b.example.com.', 'A', { healthCheckId: HC(3), setIdentifier: 'orders-ap-southeast-2' }, {}),
        ],
        [
          { id: HC(1), exists: true, type: 'HTTPS', fqdn: 'www.example.com' },
          { id: HC(2), exists: true, type: 'CLOUDWATCH_METRIC', alarmRegion: 'eu-central-1' },
          { id: HC(3), exists: true, type: 'HTTP', fqdn: 'ec2-192-0-2-1.sa-east-1.compute.amazonaws.com' },
        ],
      ),
      noLoadBalancers,
    );
    const [a, b] = draft.groups;
    expect([a?.primary.region, a?.secondary.region, b?.primary.region, b?.secondary.region]).toEqual([
      'us-east-1',
      'eu-central-1',
      'sa-east-1',
      undefined,
    ]);
    expect(b?.primary.regionNote).toBe(
      "from the health check's endpoint ec2-192-0-2-1.sa-east-1.compute.amazonaws.com",
    );
    expect(fillIns(draft)).toEqual([
      expect.stringMatching(/^groups\.b\.secondary\.region: the AWS region this SECONDARY/),
    ]);
  });

  it('asks for what r53-failover cannot watch: target health of a non-ELB alias, a load balancer not found', async () => {
    const draft = await draftFromZone(
      zone(
        pair(
          'site.example.com.',
          'A',
          {
            alias: {
              hostedZoneId: 'Z35SXDOTRQ7X7K',
              dnsName: 'dualstack.site-123.us-east-1.elb.amazonaws.com.',
              evaluateTargetHealth: true,
            },
          },
          {
            alias: {
              hostedZoneId: 'Z3AQBSTGFYJSTF',
              dnsName: 's3-website-us-east-1.amazonaws.com.',
              evaluateTargetHealth: true,
            },
          },
        ),
      ),
      noLoadBalancers,
    );
    expect(fillIns(draft)).toEqual([
      'groups.site.primary: targetHealth.targetGroupArns: no load balancer dualstack.site-123.us-east-1.elb.amazonaws.com. in us-east-1',
      expect.stringMatching(
        /^groups\.site\.secondary: Route 53 evaluates the health of the alias target s3-website-us-east-1\.amazonaws\.com\., which r53-failover cannot watch/,
      ),
    ]);
    // The file still parses as YAML; loading it names both members until they are filled in.
    expect(() =>
      parseConfigText(renderFailoverYml(draft, { command: 'init', at: '2026-01-01T00:00:00.000Z' }), 'failover.yml'),
    ).toThrow(/groups\.site\.primary: has no health basis.*groups\.site\.secondary: has no health basis/);
  });

  it('quotes what YAML would read otherwise, so the record name survives the round trip', async () => {
    const draft = await draftFromZone(
      zone(
        pair(
          '*.example.com.',
          'A',
          { healthCheckId: HC(1), setIdentifier: 'us-east-1' },
          { healthCheckId: HC(2), setIdentifier: 'us-west-2' },
        ),
      ),
      noLoadBalancers,
    );
    const config = parseConfigText(renderFailoverYml(draft, { command: 'init', at: 'now' }), 'failover.yml');
    expect(config.groups.wildcard).toMatchObject({
      recordName: '*.example.com.',
      primary: { region: 'us-east-1', healthCheckId: HC(1) },
      secondary: { region: 'us-west-2', healthCheckId: HC(2) },
    });
  });

  it('matches a load balancer whatever the dualstack prefix, case and trailing dot', () => {
    expect(elbDnsKey('dualstack.My-ALB-1.us-west-2.elb.amazonaws.com.')).toBe('my-alb-1.us-west-2.elb.amazonaws.com');
    expect(elbDnsKey('my-alb-1.us-west-2.elb.amazonaws.com')).toBe('my-alb-1.us-west-2.elb.amazonaws.com');
  });
});
