/** What a health transition means for its failover group (see README, "Group events"). */
export const GROUP_EVENTS = [
  'FAILED_OVER', // primary down while secondary healthy (or secondary healthy again while primary is down)
  'BOTH_UNHEALTHY', // both members unhealthy: Route 53 answers with the primary anyway
  'RECOVERED', // primary healthy again after being unhealthy: DNS is back on the primary
  'STANDBY_UNHEALTHY', // secondary down while primary healthy: no failover possible right now
  'STANDBY_RECOVERED', // secondary healthy again while primary healthy
  'HEALTHY', // an OK that ends no known outage (e.g. first data after alarm creation)
  'UNKNOWN', // INSUFFICIENT_DATA: no data is not healthy, but never counts as a failover
  'TARGET_GROUP_CHANGED', // one target group of a target-health member changed; the member's health did not
  'STALE', // older than the member's current state (out-of-order delivery): recorded, triggers nothing
  'UNASSIGNED', // health check in no configured group
  'PROBE_DOWN', // synthetic probes: a quorum of probe regions sees a member failing
  'PROBE_UP', // synthetic probes: a quorum of probe regions sees the member working again
  'HEALTH_DISAGREEMENT', // Route 53 and the probes disagree about a member for longer than the threshold
  'DNS_SERVING_CHANGED', // the record's answer, resolved by the probes, moved to another member (or to none of them)
  'SERVING_MISMATCH', // the member DNS answers with and the alarm-derived `serving` disagree for longer than the threshold
  'PROMOTION_REQUESTED', // failed over: a database promotion is considered once the hold-down has passed
  'PROMOTION_AWAITING_APPROVAL', // waiting for `r53-failover promote approve <id>`
  'PROMOTION_IN_PROGRESS', // hooks are being called (RDS promotions complete asynchronously)
  'PROMOTION_SUCCEEDED',
  'PROMOTION_FAILED',
  'PROMOTION_EXPIRED', // nobody approved in time
  'PROMOTION_SKIPPED', // a guardrail said no (with the reason), or dry-run
  'TOPOLOGY_CHANGED', // a promotion moved the writer: new writer, old writer, failback checklist
  'FAILBACK_READY', // the primary recovered after a promotion: the exact switchover command, never run automatically
  'RDS_EVENT', // an RDS event about a promotion in flight (global failover/switchover, replica promotion)
] as const;
export type GroupEvent = (typeof GROUP_EVENTS)[number];

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Default severity per group event; `failover.yml` `notify.severity` (and per group) overrides it. */
export const DEFAULT_SEVERITY: Record<GroupEvent, Severity> = {
  FAILED_OVER: 'critical',
  BOTH_UNHEALTHY: 'critical',
  RECOVERED: 'info',
  STANDBY_UNHEALTHY: 'warning',
  STANDBY_RECOVERED: 'info',
  HEALTHY: 'info',
  UNKNOWN: 'warning',
  TARGET_GROUP_CHANGED: 'info',
  STALE: 'info',
  UNASSIGNED: 'warning',
  PROBE_DOWN: 'error',
  PROBE_UP: 'info',
  HEALTH_DISAGREEMENT: 'critical',
  DNS_SERVING_CHANGED: 'warning',
  SERVING_MISMATCH: 'critical',
  PROMOTION_REQUESTED: 'warning',
  PROMOTION_AWAITING_APPROVAL: 'critical',
  PROMOTION_IN_PROGRESS: 'warning',
  PROMOTION_SUCCEEDED: 'warning',
  PROMOTION_FAILED: 'critical',
  PROMOTION_EXPIRED: 'error',
  PROMOTION_SKIPPED: 'warning',
  TOPOLOGY_CHANGED: 'warning',
  FAILBACK_READY: 'info',
  RDS_EVENT: 'info',
};

/**
 * Events notified when `failover.yml` does not say otherwise. HEALTHY/UNKNOWN/STALE/TARGET_GROUP_CHANGED are quiet by
 * default, and so is PROMOTION_REQUESTED: a request only says a decision will follow after the hold-down, and most
 * failovers end before it (a recovery within the hold-down skips the promotion just as quietly: `routesEntry` in
 * notify/compose.ts). What needs a human or changes the database is notified.
 */
export const DEFAULT_NOTIFY_EVENTS: GroupEvent[] = [
  'FAILED_OVER',
  'BOTH_UNHEALTHY',
  'RECOVERED',
  'STANDBY_UNHEALTHY',
  'STANDBY_RECOVERED',
  'UNASSIGNED',
  'PROBE_DOWN',
  'PROBE_UP',
  'HEALTH_DISAGREEMENT',
  'DNS_SERVING_CHANGED',
  'SERVING_MISMATCH',
  'PROMOTION_AWAITING_APPROVAL',
  'PROMOTION_IN_PROGRESS',
  'PROMOTION_SUCCEEDED',
  'PROMOTION_FAILED',
  'PROMOTION_EXPIRED',
  'PROMOTION_SKIPPED',
  'TOPOLOGY_CHANGED',
  'FAILBACK_READY',
];

/**
 * Events that count towards flapping: changes of who serves or of what can serve. The notifier holds alerts back on
 * them and `stats` reports flapping periods from them, so both judge a group the same way.
 */
export const FLAP_COUNTING_EVENTS: ReadonlySet<GroupEvent> = new Set([
  'FAILED_OVER',
  'BOTH_UNHEALTHY',
  'RECOVERED',
  'STANDBY_UNHEALTHY',
  'STANDBY_RECOVERED',
]);

/**
 * Promotion steps that only say whether a promotion will go ahead. While a group is flapping they are folded into the
 * flap summary instead of being sent one by one (a crash-looping primary would otherwise post a request, an approval
 * and a skip per cycle). The others report a database that changed, or failed to: they are never held back.
 */
export const FOLDED_WHILE_FLAPPING: ReadonlySet<GroupEvent> = new Set([
  'PROMOTION_REQUESTED',
  'PROMOTION_AWAITING_APPROVAL',
  'PROMOTION_EXPIRED',
  'PROMOTION_SKIPPED',
]);

/** The flap rule (`failover.yml` `notify.flap`): the Nth counting transition within the window starts flapping. */
export interface FlapRule {
  transitions: number;
  windowMinutes: number;
  holdMinutes: number;
}
export const DEFAULT_FLAP: FlapRule = { transitions: 3, windowMinutes: 10, holdMinutes: 10 };
