import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { SampleTransition } from '../../local/sample-events.js';

export const EVENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'events');

/** A real-shaped AWS event from test/events (e.g. `eventbridge/alarm-state-change-alarm.json`). */
export const loadEvent = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(EVENTS_DIR, path), 'utf8'));

/** The fixture config mapping the fixtures' health checks (see test/events README in ../shared). */
export const FIXTURE_CONFIG_YAML = `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    recordType: A
    primary:
      region: us-east-1
      healthCheckId: 4dd370d3-b015-4e3f-a866-db054eabfffb
    secondary:
      region: us-west-2
      healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4
`;
export const PRIMARY_HC = '4dd370d3-b015-4e3f-a866-db054eabfffb';
export const SECONDARY_HC = '7453f8fa-f3ba-4a8b-980b-d692a846ade4';

/** The orders-api primary going to ALARM at the fixtures' time: the transition unit tests build payloads from. */
export const SAMPLE_ALARM: SampleTransition = {
  alarmName: 'r53-failover-orders-api-primary-health',
  healthCheckId: PRIMARY_HC,
  state: 'ALARM',
  previousState: 'OK',
  at: '2025-06-12T14:03:27.412Z',
};

/**
 * FIXTURE_CONFIG_YAML with a DNS probe: each member's `dnsAnswers`, the top-level `probes` settings (dnsResolvers…)
 * and any other top-level keys (`notify`…).
 */
export const dnsFixtureConfigYaml = (
  answers: { primary: string[]; secondary: string[] },
  probes: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string => {
  const config = parse(FIXTURE_CONFIG_YAML) as { groups: Record<string, Record<string, Record<string, unknown>>> };
  const group = config.groups['orders-api'] ?? {};
  for (const role of ['primary', 'secondary'] as const) group[role] = { ...group[role], dnsAnswers: answers[role] };
  return stringify({ ...config, probes, ...extra });
};

const ELB_ARN = 'arn:aws:elasticloadbalancing';
export const TG_USW2 = 'targetgroup/orders-usw2/0123456789abcdef';
export const TG_USE2 = 'targetgroup/orders-use2/fedcba9876543210';
export const TG_API = 'targetgroup/shop-api/1111111111111111';
export const TG_STATIC = 'targetgroup/shop-static/2222222222222222';
const TG_SHOP2 = 'targetgroup/shop-euw1/3333333333333333';
/**
 * Groups on the other health bases: orders-web (two ALB/NLB target-health members, the primary's load balancer named),
 * billing-api (a health-checked primary, a `healthCheck: none` secondary), shop (a primary with two target groups).
 */
export const TARGET_HEALTH_CONFIG_YAML = `version: 1
accountId: "123456789012"
groups:
  orders-web:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: www.orders.example.com.
    primary:
      region: us-west-2
      targetHealth:
        targetGroupArns: [${ELB_ARN}:us-west-2:123456789012:${TG_USW2}]
        loadBalancerArn: ${ELB_ARN}:us-west-2:123456789012:loadbalancer/app/orders-usw2/0fedcba987654321
    secondary:
      region: us-east-2
      targetHealth:
        targetGroupArns: [${ELB_ARN}:us-east-2:123456789012:${TG_USE2}]
  billing-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: billing.example.com.
    primary:
      region: us-east-1
      healthCheckId: ${PRIMARY_HC}
    secondary:
      region: us-west-2
      healthCheck: none
  shop:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: shop.example.com.
    primary:
      region: eu-central-1
      targetHealth:
        targetGroupArns:
          - ${ELB_ARN}:eu-central-1:123456789012:${TG_API}
          - ${ELB_ARN}:eu-central-1:123456789012:${TG_STATIC}
    secondary:
      region: eu-west-1
      targetHealth:
        targetGroupArns: [${ELB_ARN}:eu-west-1:123456789012:${TG_SHOP2}]
`;
