import { uncommentBlock } from '../helpers/example.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/file.js';
import {
  healthBasisOf,
  indexHealthChecks,
  indexTargetGroups,
  loadBalancerDimension,
  targetGroupDimension,
} from '../../shared/config/lookups.js';
import { ConfigError } from '../../shared/support/errors.js';
import { errorOf } from '../helpers/errors.js';

/** failover.yml members on every health basis: `healthCheckId`, `targetHealth`, `healthCheck: none`. */
const HC = '11111111-2222-3333-4444-555555555555';
const TG = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/orders-usw2/0123456789abcdef';
const TG2 = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/orders-static/fedcba9876543210';
const LB = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/orders-usw2/0fedcba987654321';

const configWith = (primary: string, secondary = 'region: us-east-2\n      healthCheck: none') => `version: 1
groups:
  orders:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: www.example.com.
    primary:
      ${primary}
    secondary:
      ${secondary}
`;

const errorFor = (text: string): string => {
  const err = errorOf(() => parseConfigText(text, 'failover.yml'));
  expect(err).toBeInstanceOf(ConfigError);
  return err.message;
};

describe('failover.yml health bases: accepted', () => {
  it('accepts a targetHealth member with its load balancer and a healthCheck: none member', () => {
    // Arrange
    const text = configWith(
      `region: us-west-2\n      targetHealth:\n        targetGroupArns: [${TG}, ${TG2}]\n        loadBalancerArn: ${LB}`,
    );
    // Act
    const g = parseConfigText(text, 'failover.yml').groups.orders;
    // Assert
    expect(g && healthBasisOf(g.primary)).toEqual({
      kind: 'target-health',
      targetGroupArns: [TG, TG2],
      loadBalancerArn: LB,
    });
    expect(g && healthBasisOf(g.secondary)).toEqual({ kind: 'none' });
  });

  it('accepts a targetHealth member without a load balancer, and a health check id as before', () => {
    // Arrange
    const text = configWith(
      `region: us-east-1\n      healthCheckId: ${HC.toUpperCase()}`,
      `region: us-west-2\n      targetHealth: { targetGroupArns: [${TG}] }`,
    );
    // Act
    const g = parseConfigText(text, 'failover.yml').groups.orders;
    // Assert
    expect(g && healthBasisOf(g.primary)).toEqual({ kind: 'health-check', healthCheckId: HC });
    expect(g && healthBasisOf(g.secondary)).toEqual({ kind: 'target-health', targetGroupArns: [TG] });
  });

  it('indexes each target group by its CloudWatch dimension, and only real health checks by id', () => {
    // Arrange
    const config = parseConfigText(
      configWith(
        `region: us-east-1\n      healthCheckId: ${HC}`,
        `region: us-west-2\n      targetHealth: { targetGroupArns: [${TG}, ${TG2}] }`,
      ),
      'failover.yml',
    );
    // Act
    const tgs = indexTargetGroups(config);
    const hcs = indexHealthChecks(config);
    // Assert
    const secondary = {
      group: 'orders',
      role: 'secondary',
      region: 'us-west-2',
      targetGroups: ['targetgroup/orders-usw2/0123456789abcdef', 'targetgroup/orders-static/fedcba9876543210'],
    };
    expect(Object.fromEntries(tgs)).toEqual({
      'targetgroup/orders-usw2/0123456789abcdef': secondary,
      'targetgroup/orders-static/fedcba9876543210': secondary,
    });
    expect([...hcs.keys()]).toEqual([HC]);
  });

  it('tells every placement of a group which of its members have no health check', () => {
    // Arrange
    const config = parseConfigText(configWith(`region: us-east-1\n      healthCheckId: ${HC}`), 'failover.yml');
    // Act
    const placement = indexHealthChecks(config).get(HC);
    // Assert
    expect(placement).toEqual({ group: 'orders', role: 'primary', region: 'us-east-1', alwaysHealthy: ['secondary'] });
  });

  it('gives the CloudWatch dimensions of target group and load balancer ARNs', () => {
    expect(targetGroupDimension(TG)).toBe('targetgroup/orders-usw2/0123456789abcdef');
    expect(loadBalancerDimension(LB)).toBe('app/orders-usw2/0fedcba987654321');
    expect(
      loadBalancerDimension(
        'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/edge/00112233aabbccdd',
      ),
    ).toBe('net/edge/00112233aabbccdd');
    expect(() => targetGroupDimension(LB)).toThrow(/expected a target group ARN, got "arn:aws:elasticloadbalancing/);
  });
});

describe('failover.yml health bases: rejected, naming the field', () => {
  it('rejects a member with two health bases', () => {
    const message = errorFor(
      configWith(`region: us-west-2\n      healthCheckId: ${HC}\n      targetHealth: { targetGroupArns: [${TG}] }`),
    );
    expect(message).toBe(
      'failover.yml: groups.orders.primary: has healthCheckId and targetHealth; a member has exactly one health basis: healthCheckId, targetHealth or healthCheck: none',
    );
  });

  it('rejects a member with no health basis, saying how to declare none', () => {
    const message = errorFor(configWith('region: us-west-2'));
    expect(message).toBe(
      'failover.yml: groups.orders.primary: has no health basis; a member has exactly one health basis: healthCheckId, targetHealth or healthCheck: none (Route 53 treats a record with no health check as always healthy: say so with healthCheck: none)',
    );
  });

  it('rejects an unparsable target group ARN, naming the item and the expected form', () => {
    const bad = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/orders-usw2/0fedcba987654321';
    const message = errorFor(configWith(`region: us-west-2\n      targetHealth: { targetGroupArns: [${TG}, ${bad}] }`));
    expect(message).toBe(
      `failover.yml: groups.orders.primary.targetHealth.targetGroupArns[1]: expected a target group ARN like arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id> (16 hex digits), got "${bad}"`,
    );
  });

  it('rejects a target group in another region than its member', () => {
    const message = errorFor(configWith(`region: us-east-1\n      targetHealth: { targetGroupArns: [${TG}] }`));
    expect(message).toBe(
      `failover.yml: groups.orders.primary.targetHealth.targetGroupArns[0]: target group ${TG} is in us-west-2, not in the member's region us-east-1; a member's target groups and load balancer are in its region`,
    );
  });

  it('rejects a load balancer in another region than its member', () => {
    const lb = LB.replace('us-west-2', 'eu-west-1');
    const message = errorFor(
      configWith(`region: us-west-2\n      targetHealth: { targetGroupArns: [${TG}], loadBalancerArn: ${lb} }`),
    );
    expect(message).toBe(
      `failover.yml: groups.orders.primary.targetHealth.loadBalancerArn: load balancer ${lb} is in eu-west-1, not in the member's region us-west-2; a member's target groups and load balancer are in its region`,
    );
  });

  it('rejects an empty target group list and a healthCheck other than none', () => {
    const message = errorFor(
      configWith(
        'region: us-west-2\n      targetHealth: { targetGroupArns: [] }',
        'region: us-east-2\n      healthCheck: off',
      ),
    );
    expect(message).toBe(
      'failover.yml: groups.orders.primary.targetHealth.targetGroupArns: expected at least one target group ARN; groups.orders.secondary.healthCheck: expected none (a record with no health check and no target health), got "off"',
    );
  });

  it('rejects one target group on both members', () => {
    const message = errorFor(
      configWith(
        `region: us-west-2\n      targetHealth: { targetGroupArns: [${TG}] }`,
        `region: us-west-2\n      targetHealth: { targetGroupArns: [${TG}] }`,
      ),
    );
    expect(message).toBe(
      `failover.yml: groups.orders.secondary.targetHealth.targetGroupArns[0]: target group ${TG} is already used by groups.orders.primary; each target group belongs to one group member`,
    );
  });
});

describe('failover.example.yml: the commented health-basis example', () => {
  it('loads as it ships, and with its orders-web group uncommented: target health, then no health check', () => {
    // Arrange
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const text = readFileSync(join(root, 'failover.example.yml'), 'utf8');
    const uncommented = uncommentBlock(text, 'orders-web');
    // Act
    const shipped = parseConfigText(text, 'failover.example.yml');
    const config = parseConfigText(uncommented, 'failover.example.yml');
    // Assert
    expect(Object.keys(shipped.groups)).toEqual(['orders-api', 'inventory']);
    const web = config.groups['orders-web'];
    expect(web && healthBasisOf(web.primary)).toMatchObject({
      kind: 'target-health',
      loadBalancerArn: expect.any(String),
    });
    expect(web && healthBasisOf(web.secondary)).toEqual({ kind: 'none' });
  });
});
