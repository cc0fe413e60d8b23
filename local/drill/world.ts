import { createHash } from 'node:crypto';
import { targetGroupAlarmNameFor } from '../../shared/config/lookups.js';
import type { LocalDnsServer } from '../dns-server.js';
import type { Receiver } from '../receiver.js';
import { SimulatedAlarm, SimulatedHealthCheck } from './health-checker.js';
import { ALB_HEALTH_CHECK, SimulatedTargetGroup, startLoadBalancer } from './load-balancer.js';
import {
  DatabasePair,
  startDbControl,
  startRegionalApp,
  type DbControlCall,
  type RegionalApp,
  type RegionDatabase,
} from './regional-app.js';

/**
 * One scenario's local world: two regional apps (or two load balancers with their targets) and databases, what Route 53
 * judges each failover record by (a health check, or target health), the alarms on it, and the DNS routing.
 */

export type Role = 'primary' | 'secondary';
export const ROLES: readonly Role[] = ['primary', 'secondary'];

export const DRILL_ZONE = 'drill.test';
/** Where the load balancers' DNS names live: the drill answers them from a second local DNS server. */
export const ELB_ZONE = 'elb.amazonaws.com';
export const REGIONS: Record<Role, string> = { primary: 'us-east-1', secondary: 'us-west-2' };
/** Target health: both load balancers outside us-east-1, so both alarms reach the recorder forwarded by EventBridge. */
export const TARGET_HEALTH_REGIONS: Record<Role, string> = { primary: 'us-west-2', secondary: 'eu-west-1' };
/** What each member's record answers: documentation addresses, since both apps really listen on 127.0.0.1. */
export const MEMBER_IPS: Record<Role, string> = { primary: '192.0.2.10', secondary: '198.51.100.20' };
/** A load balancer's addresses (one per Availability Zone): Route 53 answers an alias to it with these. */
export const LOAD_BALANCER_IPS: Record<Role, string[]> = {
  primary: ['192.0.2.30', '192.0.2.31'],
  secondary: ['198.51.100.40', '198.51.100.41'],
};
/** The stack names its alarms `r53-failover-<stage>-<group>-<role>-health`; the drill's groups start with `drill-`. */
export const ALARM_PREFIX = 'r53-failover-';
const ACCOUNT = '123456789012';

/**
 * How the failover records of the scenario's hosted zone are set up:
 * - `health-checks`: each record references its member's Route 53 health check (the one failover.yml names);
 * - `target-health`: each record is an alias to its region's load balancer with Evaluate Target Health, no health check;
 * - `detached-check`: as `health-checks`, but the PRIMARY record references no health check (failover.yml still names
 *   one, and its alarm still fires): Route 53 treats that record as always healthy.
 */
export type RecordSetup = 'health-checks' | 'target-health' | 'detached-check';

export interface LoadBalancer {
  name: string;
  arn: string;
  targetGroupArn: string;
  /** The alarm's CloudWatch dimensions: `targetgroup/<name>/<id>` and `app/<name>/<id>`. */
  targetGroup: string;
  loadBalancer: string;
  /** The alias target: `dualstack.<name>-<n>.<region>.elb.amazonaws.com`. */
  dnsName: string;
  targets: SimulatedTargetGroup;
}

export interface Site {
  role: Role;
  region: string;
  /** What the member's record answers: its address, or its load balancer's. */
  ips: string[];
  /** Where clients, the probes and the operator reach the member: its app, or its load balancer. */
  url: string;
  /** The first (or only) app instance. */
  app: RegionalApp;
  /** Every app instance: one, or the load balancer's targets. */
  apps: RegionalApp[];
  db: RegionDatabase;
  /** The Route 53 health check failover.yml names (none for target health). */
  check?: SimulatedHealthCheck;
  healthCheckId: string;
  lb?: LoadBalancer;
  alarm: SimulatedAlarm;
  /** Whether the record references what failover.yml watches; a record that references nothing is always healthy. */
  evaluated: boolean;
}

export interface WorldOptions {
  scenario: string;
  group: string;
  setup: RecordSetup;
  /** The resource path the Route 53 health check (or the load balancer's) requests. */
  checkPath: string;
  requestIntervalSeconds: number;
  failureThreshold: number;
  startMs: number;
  hookSecret: string;
  /** The name server of the load balancers' names (`ELB_ZONE`). */
  elbDns: LocalDnsServer;
  /** Group-level probe settings failover.yml gets for this group. */
  probeSettings?: Record<string, unknown>;
  /** Whether the group has the promotion hook (default true). */
  promotion?: boolean;
}

export interface World {
  scenario: string;
  group: string;
  setup: RecordSetup;
  recordName: string;
  checkPath: string;
  dbs: DatabasePair;
  sites: Record<Role, Site>;
  dbControl: { receiver: Receiver; calls: DbControlCall[] };
  /** Whether Route 53 counts the member's record healthy now. */
  recordHealthy(role: Role): boolean;
  /** What Route 53 answers now: the primary while it is healthy, else the secondary if healthy, else the primary. */
  route53Answer(): Role;
  /** Points the failover record at `role` on the local DNS server. */
  publish(dns: LocalDnsServer, role: Role): void;
  /** The planned switchover back to the primary region: the command FAILBACK_READY names. */
  failbackCommand(): string;
  /** The group's entry in the drill's failover.yml. */
  groupConfig(): Record<string, unknown>;
  close(): Promise<void>;
}

const hexOf = (seed: string) => createHash('sha256').update(seed).digest('hex');

/** A stable, well-formed health check id per group and member (Route 53 ids are UUIDs). */
const healthCheckIdOf = (seed: string): string => {
  const h = hexOf(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** One region's load balancer, its target group of `apps`, and the alias target name it answers under. */
const loadBalancerFor = async (o: WorldOptions, role: Role, region: string, apps: RegionalApp[]) => {
  const name = `drill-${region}`;
  const [tgId, lbId] = [hexOf(`${o.group}:${role}:tg`).slice(0, 16), hexOf(`${o.group}:${role}:lb`).slice(0, 16)];
  const targets = new SimulatedTargetGroup(
    { path: o.checkPath, intervalSeconds: o.requestIntervalSeconds, ...ALB_HEALTH_CHECK },
    apps,
    o.startMs,
  );
  const front = await startLoadBalancer(targets);
  const lb: LoadBalancer = {
    name,
    arn: `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:loadbalancer/app/${name}/${lbId}`,
    targetGroupArn: `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:targetgroup/${name}/${tgId}`,
    targetGroup: `targetgroup/${name}/${tgId}`,
    loadBalancer: `app/${name}/${lbId}`,
    dnsName: `dualstack.${name}-${Number.parseInt(lbId.slice(0, 8), 16)}.${region}.${ELB_ZONE}`,
    targets,
  };
  o.elbDns.setRecords(lb.dnsName, 'A', LOAD_BALANCER_IPS[role], 60);
  return { lb, front };
};

export const startWorld = async (o: WorldOptions): Promise<World> => {
  const regions = o.setup === 'target-health' ? TARGET_HEALTH_REGIONS : REGIONS;
  const dbs = new DatabasePair(regions.primary, regions.secondary);
  const dbControl = await startDbControl(dbs, o.hookSecret);
  const closers: (() => Promise<void>)[] = [() => dbControl.receiver.close()];
  const site = async (role: Role): Promise<Site> => {
    const region = regions[role];
    const base = { role, region, db: dbs.of(region), evaluated: !(o.setup === 'detached-check' && role === 'primary') };
    if (o.setup === 'target-health') {
      const app = await startRegionalApp(region, dbs);
      const apps = [app, await startRegionalApp(region, dbs)];
      const { lb, front } = await loadBalancerFor(o, role, region, apps);
      closers.push(...apps.map((a) => () => a.close()), () => front.close());
      const alarmName = targetGroupAlarmNameFor(ALARM_PREFIX, o.group, role, lb.targetGroupArn);
      return {
        ...base,
        ips: LOAD_BALANCER_IPS[role],
        url: front.url,
        app,
        apps,
        healthCheckId: '',
        lb,
        alarm: new SimulatedAlarm(alarmName, 'HealthyHostCount', lb.targets),
      };
    }
    const app = await startRegionalApp(region, dbs);
    closers.push(() => app.close());
    const check = new SimulatedHealthCheck(
      {
        url: `${app.url}${o.checkPath}`,
        requestIntervalSeconds: o.requestIntervalSeconds,
        failureThreshold: o.failureThreshold,
      },
      o.startMs,
    );
    return {
      ...base,
      ips: [MEMBER_IPS[role]],
      url: app.url,
      app,
      apps: [app],
      check,
      healthCheckId: healthCheckIdOf(`${o.group}:${role}`),
      alarm: new SimulatedAlarm(`${ALARM_PREFIX}${o.group}-${role}-health`, 'HealthCheckStatus', check),
    };
  };
  const sites = { primary: await site('primary'), secondary: await site('secondary') };
  const recordName = `${o.scenario}.${DRILL_ZONE}`;
  const switchoverUrl = `${dbControl.receiver.url}/switchover`;
  // Route 53 judges a failover record by the health check it references, or an alias with Evaluate Target Health by
  // its target's health (an ALB's: every target group with targets has a healthy one; SimulatedTargetGroup.healthy);
  // a record with neither is always healthy. "How Amazon Route 53 chooses records when health checking is
  // configured", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html;
  // "Values specific for failover alias records" → Evaluate target health,
  // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-failover-alias.html
  // (Route 53 Developer Guide).
  const recordHealthy = (role: Role) => {
    const s = sites[role];
    return !s.evaluated || (s.lb?.targets.healthy ?? s.check?.healthy ?? true);
  };
  const member = (role: Role) => {
    const s = sites[role];
    return {
      region: s.region,
      ...(s.lb
        ? { targetHealth: { targetGroupArns: [s.lb.targetGroupArn], loadBalancerArn: s.lb.arn } }
        : { healthCheckId: s.healthCheckId }),
      endpoint: `${s.url}/healthz`,
      // What a good probe checks: the page that reads the database, and what it says about it.
      probes: [
        {
          type: 'http',
          name: 'healthz',
          url: `${s.url}/healthz`,
          expectStatus: [200],
          jsonPath: { path: '$.db', equals: 'up' },
          timeoutMs: 1000,
        },
      ],
      // An alias answers its target's addresses: the DNS probe resolves the target's name to tell them apart.
      dnsAnswers: s.lb ? [s.lb.dnsName] : s.ips,
    };
  };
  const probeSettings = {
    ...(o.setup === 'target-health' ? { aliasTargetResolvers: [o.elbDns.address] } : {}),
    ...o.probeSettings,
  };
  return {
    scenario: o.scenario,
    group: o.group,
    setup: o.setup,
    recordName,
    checkPath: o.checkPath,
    dbs,
    sites,
    dbControl,
    recordHealthy,
    route53Answer: () => (recordHealthy('primary') || !recordHealthy('secondary') ? 'primary' : 'secondary'),
    publish: (dns, role) => dns.setRecords(recordName, 'A', sites[role].ips, 60),
    failbackCommand: () =>
      `curl -X POST ${switchoverUrl} -H 'content-type: application/json' -d '{"writer":"${regions.primary}"}'`,
    groupConfig: () => ({
      hostedZoneId: 'Z0DRILL00000000000000',
      recordName: `${recordName}.`,
      recordType: 'A',
      primary: member('primary'),
      secondary: member('secondary'),
      ...(Object.keys(probeSettings).length ? { probeSettings } : {}),
      ...(o.promotion === false
        ? {}
        : {
            promotion: {
              mode: 'approve',
              hooks: [
                {
                  type: 'webhook',
                  url: `${dbControl.receiver.url}/promote`,
                  secret: o.hookSecret,
                  allowPrivateTargets: true,
                },
              ],
            },
          }),
    }),
    close: async () => {
      await Promise.all(closers.map((c) => c()));
    },
  };
};
