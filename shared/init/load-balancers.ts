import {
  DescribeLoadBalancersCommand,
  type DescribeLoadBalancersCommandInput,
  DescribeTargetGroupsCommand,
  type DescribeTargetGroupsCommandInput,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseElbArn } from '../config/fields.js';

/** One ELBv2 client per region: load balancers and their target groups are regional. */
export type ElbClientFor = (region: string) => ElasticLoadBalancingV2Client;

export interface TargetGroupFound {
  arn: string;
  name: string;
  /** The target group's own health check: what Route 53's Evaluate Target Health follows. */
  intervalSeconds?: number;
  unhealthyThreshold?: number;
}

export interface LoadBalancerFound {
  arn: string;
  dnsName: string;
  /** From the load balancer's ARN. */
  region: string;
  /** `application` or `network` (gateway load balancers are no alias targets). */
  type: string;
  targetGroups: TargetGroupFound[];
}

/** What a lookup found, or why it found nothing (said in failover.yml as what to fill in). */
export type LoadBalancerLookup = { found: LoadBalancerFound } | { missing: string };

/**
 * `dualstack.My-ALB-1.us-west-2.elb.amazonaws.com.` and `my-alb-1.us-west-2.elb.amazonaws.com` are one load balancer:
 * an alias may carry the `dualstack.` prefix ("Values specific for failover alias records", Route 53 Developer Guide,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-failover-alias.html) and a
 * trailing dot; DescribeLoadBalancers answers neither.
 */
export const elbDnsKey = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^dualstack\./, '');

const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/**
 * Finds ALBs and NLBs by the DNS name an alias targets: DescribeLoadBalancers has no DNS-name filter, so each region's
 * load balancers are listed once (every page) and matched; the target groups come from DescribeTargetGroups by
 * LoadBalancerArn, in the load balancer's region. A failed read is a `missing` answer naming the call, not an error:
 * `init` writes a draft, and says what it could not read.
 */
export const loadBalancerFinder = (clientFor: ElbClientFor) => {
  const listings = new Map<string, Promise<LoadBalancer[]>>();
  const list = (region: string) => {
    let listing = listings.get(region);
    if (!listing) {
      listing = (async () => {
        const out: LoadBalancer[] = [];
        let page: DescribeLoadBalancersCommandInput = { PageSize: 400 };
        for (;;) {
          const res = await clientFor(region).send(new DescribeLoadBalancersCommand(page));
          out.push(...(res.LoadBalancers ?? []));
          if (!res.NextMarker) return out;
          page = { PageSize: 400, Marker: res.NextMarker };
        }
      })();
      listings.set(region, listing);
    }
    return listing;
  };

  const targetGroups = async (region: string, loadBalancerArn: string): Promise<TargetGroupFound[]> => {
    const out: TargetGroupFound[] = [];
    let page: DescribeTargetGroupsCommandInput = { LoadBalancerArn: loadBalancerArn };
    for (;;) {
      const res = await clientFor(region).send(new DescribeTargetGroupsCommand(page));
      for (const tg of res.TargetGroups ?? [])
        if (tg.TargetGroupArn)
          out.push({
            arn: tg.TargetGroupArn,
            name: tg.TargetGroupName ?? '',
            ...(tg.HealthCheckIntervalSeconds !== undefined ? { intervalSeconds: tg.HealthCheckIntervalSeconds } : {}),
            ...(tg.UnhealthyThresholdCount !== undefined ? { unhealthyThreshold: tg.UnhealthyThresholdCount } : {}),
          });
      if (!res.NextMarker) return out;
      page = { LoadBalancerArn: loadBalancerArn, Marker: res.NextMarker };
    }
  };

  return async (dnsName: string, region: string): Promise<LoadBalancerLookup> => {
    const key = elbDnsKey(dnsName);
    let lb: LoadBalancer | undefined;
    try {
      lb = (await list(region)).find((l) => l.DNSName && elbDnsKey(l.DNSName) === key);
    } catch (err) {
      return { missing: `DescribeLoadBalancers in ${region} failed (${describe(err)})` };
    }
    if (!lb?.LoadBalancerArn)
      return {
        missing: `no Application or Network Load Balancer named ${key} in ${region} (DescribeLoadBalancers; a Classic Load Balancer has no target groups)`,
      };
    const lbRegion = parseElbArn(lb.LoadBalancerArn)?.region ?? region;
    try {
      return {
        found: {
          arn: lb.LoadBalancerArn,
          dnsName: key,
          region: lbRegion,
          type: lb.Type ?? 'application',
          targetGroups: await targetGroups(lbRegion, lb.LoadBalancerArn),
        },
      };
    } catch (err) {
      return { missing: `DescribeTargetGroups of ${lb.LoadBalancerArn} failed (${describe(err)})` };
    }
  };
};

export type FindLoadBalancer = ReturnType<typeof loadBalancerFinder>;
