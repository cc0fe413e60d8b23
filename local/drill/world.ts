import { createHash } from 'node:crypto';
import type { LocalDnsServer } from '../dns-server.js';
import { SimulatedAlarm, SimulatedHealthCheck } from './health-checker.js';
import {
  DatabasePair,
  startDbControl,
  startRegionalApp,
  type DbControlCall,
  type RegionalApp,
  type RegionDatabase,
} from './regional-app.js';
import type { Receiver } from '../receiver.js';

/** One scenario's local world: two regional apps and databases, their Route 53 health checks and alarms, DNS routing. */

export type Role = 'primary' | 'secondary';
export const ROLES: readonly Role[] = ['primary', 'secondary'];

export const DRILL_ZONE = 'drill.test';
export const REGIONS: Record<Role, string> = { primary: 'us-east-1', secondary: 'us-west-2' };
/** What each member's record answers: documentation addresses, since both apps really listen on 127.0.0.1. */
export const MEMBER_IPS: Record<Role, string> = { primary: '192.0.2.10', secondary: '198.51.100.20' };
/** The stack names its alarms `r53-failover-<stage>-<group>-<role>-health`; the drill's groups start with `drill-`. */
export const ALARM_PREFIX = 'r53-failover-';

export interface Site {
  role: Role;
  region: string;
  ip: string;
  app: RegionalApp;
  db: RegionDatabase;
  check: SimulatedHealthCheck;
  alarm: SimulatedAlarm;
  healthCheckId: string;
}

export interface WorldOptions {
  scenario: string;
  group: string;
  /** The resource path the Route 53 health check requests. */
  checkPath: string;
  requestIntervalSeconds: number;
  failureThreshold: number;
  startMs: number;
  hookSecret: string;
}

export interface World {
  scenario: string;
  group: string;
  recordName: string;
  checkPath: string;
  dbs: DatabasePair;
  sites: Record<Role, Site>;
  dbControl: { receiver: Receiver; calls: DbControlCall[] };
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

/** A stable, well-formed health check id per group and member (Route 53 ids are UUIDs). */
const healthCheckIdOf = (seed: string): string => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export const startWorld = async (o: WorldOptions): Promise<World> => {
  const dbs = new DatabasePair(REGIONS.primary, REGIONS.secondary);
  const apps = {
    primary: await startRegionalApp(REGIONS.primary, dbs),
    secondary: await startRegionalApp(REGIONS.secondary, dbs),
  };
  const dbControl = await startDbControl(dbs, o.hookSecret);
  const site = (role: Role): Site => {
    const check = new SimulatedHealthCheck(
      {
        url: `${apps[role].url}${o.checkPath}`,
        requestIntervalSeconds: o.requestIntervalSeconds,
        failureThreshold: o.failureThreshold,
      },
      o.startMs,
    );
    return {
      role,
      region: REGIONS[role],
      ip: MEMBER_IPS[role],
      app: apps[role],
      db: dbs.of(REGIONS[role]),
      check,
      alarm: new SimulatedAlarm(`${ALARM_PREFIX}${o.group}-${role}-health`, check),
      healthCheckId: healthCheckIdOf(`${o.group}:${role}`),
    };
  };
  const sites = { primary: site('primary'), secondary: site('secondary') };
  const recordName = `${o.scenario}.${DRILL_ZONE}`;
  const switchoverUrl = `${dbControl.receiver.url}/switchover`;
  return {
    scenario: o.scenario,
    group: o.group,
    recordName,
    checkPath: o.checkPath,
    dbs,
    sites,
    dbControl,
    route53Answer: () => (sites.primary.check.healthy || !sites.secondary.check.healthy ? 'primary' : 'secondary'),
    publish: (dns, role) => dns.setRecords(recordName, 'A', [MEMBER_IPS[role]], 60),
    failbackCommand: () =>
      `curl -X POST ${switchoverUrl} -H 'content-type: application/json' -d '{"writer":"${REGIONS.primary}"}'`,
    groupConfig: () => ({
      hostedZoneId: 'Z0DRILL00000000000000',
      recordName: `${recordName}.`,
      recordType: 'A',
      ...Object.fromEntries(
        ROLES.map((role) => [
          role,
          {
            region: REGIONS[role],
            healthCheckId: sites[role].healthCheckId,
            endpoint: `${apps[role].url}/healthz`,
            // What a good probe checks: the page that reads the database, and what it says about it.
            probes: [
              {
                type: 'http',
                name: 'healthz',
                url: `${apps[role].url}/healthz`,
                expectStatus: [200],
                jsonPath: { path: '$.db', equals: 'up' },
                timeoutMs: 1000,
              },
            ],
            dnsAnswers: [MEMBER_IPS[role]],
          },
        ]),
      ),
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
    close: async () => {
      await Promise.all([apps.primary.close(), apps.secondary.close(), dbControl.receiver.close()]);
    },
  };
};
