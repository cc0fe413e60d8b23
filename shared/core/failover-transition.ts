import { type AlarmStateValue, type AlarmTransition, subjectOf } from './alarm-event.js';

import type { GroupEvent } from './group-events.js';
import { type HealthCheckPlacement, type MemberRole, type Role, UNASSIGNED_GROUP } from './members.js';

export { GROUP_EVENTS, type GroupEvent } from './group-events.js';

export type Serving = 'primary' | 'secondary' | 'none';

/** A member's latest applied state, kept in the group snapshot of every ledger entry. */
export interface MemberSnapshot {
  state: AlarmStateValue;
  stateChangedAt: string;
  transitionId: string;
  /** Ledger sequence number of the entry that set this state. */
  seq: number;
  healthCheckId: string;
  alarmArn: string;
  /** The group event this member's latest transition produced. */
  event: GroupEvent;
  /** The last OK/ALARM state, so OK after INSUFFICIENT_DATA after ALARM still reads as a recovery. */
  lastKnown?: 'OK' | 'ALARM';
  /**
   * A target-health member: each target group's own latest state, by `TargetGroup` dimension. The member's `state`
   * and `lastKnown` are derived from them (targetHealthOf).
   */
  targetGroups?: Record<string, TargetGroupSnapshot>;
}

/** A target group's latest applied state, inside its member's snapshot. */
export type TargetGroupSnapshot = Pick<
  MemberSnapshot,
  'state' | 'stateChangedAt' | 'transitionId' | 'seq' | 'alarmArn' | 'lastKnown'
>;

/** Members keyed by role (`primary`, `secondary`) or, in the `unassigned` group, by health check id. */
export type GroupSnapshot = Record<string, MemberSnapshot>;

export const memberKeyOf = (placement: HealthCheckPlacement, healthCheckId: string): string =>
  placement.role === 'unknown' ? healthCheckId : placement.role;

/**
 * Whether a member counts as unhealthy: in ALARM, or without data since it was last in ALARM (no data is not healthy:
 * the health check behind an alarm that stopped receiving datapoints did not recover by that). A member that has
 * only ever had no data is not counted down.
 */
export const isDown = (m: Pick<MemberSnapshot, 'state' | 'lastKnown'> | undefined): boolean =>
  m?.state === 'ALARM' || (m?.state === 'INSUFFICIENT_DATA' && m.lastKnown === 'ALARM');

/**
 * A target-health member's health from its target groups' alarms (`HealthyHostCount` Minimum < 1: no healthy
 * target). Route 53 considers an ALB/NLB alias with Evaluate Target Health healthy only when every target group that
 * the load balancer routes to is healthy: "For an Application or Network Load Balancer to be considered healthy,
 * every target group that contains targets must contain at least one healthy target. If any target group contains
 * only unhealthy targets, the load balancer is considered unhealthy", and "A target group that has no registered
 * targets is considered unhealthy" (its HealthyHostCount is 0: the alarm is in ALARM too). "Values specific for
 * failover alias records", Evaluate target health, Amazon Route 53 Developer Guide,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-failover-alias.html, and
 * AliasTarget, Amazon Route 53 API Reference, https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html
 * So the member is down when any of its target groups is down, and has no data when one has none (and none is down).
 */
export const targetHealthOf = (
  targetGroups: Pick<TargetGroupSnapshot, 'state' | 'lastKnown'>[],
): Pick<MemberSnapshot, 'state' | 'lastKnown'> => {
  const down = targetGroups.filter((g) => isDown(g));
  if (down.length > 0)
    return { state: down.some((g) => g.state === 'ALARM') ? 'ALARM' : 'INSUFFICIENT_DATA', lastKnown: 'ALARM' };
  if (targetGroups.some((g) => g.state === 'INSUFFICIENT_DATA'))
    return { state: 'INSUFFICIENT_DATA', ...(targetGroups.some((g) => g.lastKnown) ? { lastKnown: 'OK' } : {}) };
  return { state: 'OK', lastKnown: 'OK' };
};

/**
 * The snapshot as Route 53 weighs it: members with `healthCheck: none` are left out, so they always count healthy.
 * "Records without a health check are always healthy"; "If you omit the health check for the secondary record, and
 * if the health check endpoint for the primary record is unhealthy, Route 53 always responds to DNS queries by using
 * the secondary record". "How Amazon Route 53 chooses records when health checking is configured", Amazon Route 53
 * Developer Guide, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html
 */
export const asRoute53Weighs = (
  snapshot: GroupSnapshot,
  alwaysHealthy: readonly MemberRole[] | undefined,
): GroupSnapshot => {
  if (!alwaysHealthy?.some((role) => role in snapshot)) return snapshot;
  return Object.fromEntries(Object.entries(snapshot).filter(([key]) => !alwaysHealthy.includes(key as MemberRole)));
};

/**
 * The latest applied state of what `t`'s alarm watches: the member's for a health check, the target group's inside
 * its member for a target-group alarm of a configured member.
 */
export const lastStateOf = (
  snapshot: GroupSnapshot,
  placement: HealthCheckPlacement,
  t: Pick<AlarmTransition, 'healthCheckId' | 'targetGroup'>,
): TargetGroupSnapshot | undefined => {
  const member = snapshot[memberKeyOf(placement, subjectOf(t))];
  return t.targetGroup && placement.role !== 'unknown' ? member?.targetGroups?.[t.targetGroup] : member;
};

/** Which member Route 53 answers with: the primary unless it is unhealthy and the secondary is not. */
export const servingOf = (group: string, snapshot: GroupSnapshot): Serving => {
  if (group === UNASSIGNED_GROUP) return 'none';
  return isDown(snapshot.primary) && !isDown(snapshot.secondary) ? 'secondary' : 'primary';
};

/** Derives the group event for a transition that is newer than the member's current state. */
export const deriveGroupEvent = (
  role: Role,
  state: AlarmStateValue,
  before: GroupSnapshot,
  memberBefore?: MemberSnapshot,
): GroupEvent => {
  if (role === 'unknown') return 'UNASSIGNED';
  if (state === 'INSUFFICIENT_DATA') return 'UNKNOWN';
  const wasDown = memberBefore?.lastKnown === 'ALARM' || memberBefore?.state === 'ALARM';
  if (role === 'primary') {
    if (state === 'ALARM') return isDown(before.secondary) ? 'BOTH_UNHEALTHY' : 'FAILED_OVER';
    return wasDown ? 'RECOVERED' : 'HEALTHY';
  }
  if (state === 'ALARM') return isDown(before.primary) ? 'BOTH_UNHEALTHY' : 'STANDBY_UNHEALTHY';
  // A secondary that was down coming back while the primary is down moves traffic to it; one that only had no data
  // changes nothing Route 53 does.
  if (isDown(before.primary)) return wasDown ? 'FAILED_OVER' : 'HEALTHY';
  return wasDown ? 'STANDBY_RECOVERED' : 'HEALTHY';
};

export type Applied =
  | { kind: 'newer'; event: GroupEvent; snapshot: GroupSnapshot; serving: Serving }
  | { kind: 'duplicate' }
  | { kind: 'not-newer'; current: TargetGroupSnapshot };

const lastKnownAfter = (state: AlarmStateValue, before: Pick<MemberSnapshot, 'lastKnown'> | undefined) =>
  state === 'INSUFFICIENT_DATA' ? (before?.lastKnown ? { lastKnown: before.lastKnown } : {}) : { lastKnown: state };

/**
 * Applies a transition to the group snapshot. Newer transitions move state forward; one that is not newer than
 * the current state of what its alarm watches (the member, or one target group of a target-health member) is either
 * the same transition again (duplicate) or older (the caller decides between duplicate and stale with an exact
 * lookup, since older transitions are not in the snapshot). A target group's change that leaves its member's health
 * as it was (another of its target groups is still down, or still up) is `TARGET_GROUP_CHANGED`.
 */
export const applyTransition = (
  group: string,
  placement: HealthCheckPlacement,
  t: AlarmTransition,
  transitionId: string,
  stored: GroupSnapshot,
  seq: number,
): Applied => {
  const before = asRoute53Weighs(stored, placement.alwaysHealthy);
  const key = memberKeyOf(placement, subjectOf(t));
  const current = before[key];
  const last = lastStateOf(before, placement, t);
  if (last?.transitionId === transitionId) return { kind: 'duplicate' };
  // Keyed on the alarm's state timestamp, not on arrival: a late delivery never moves state backwards.
  if (last && last.stateChangedAt >= t.stateChangedAt) return { kind: 'not-newer', current: last };
  const own: TargetGroupSnapshot = {
    state: t.state,
    stateChangedAt: t.stateChangedAt,
    transitionId,
    seq,
    alarmArn: t.alarmArn,
    ...lastKnownAfter(t.state, last),
  };
  let health: Pick<MemberSnapshot, 'state' | 'lastKnown'> = own;
  let targetGroups: Record<string, TargetGroupSnapshot> | undefined;
  if (t.targetGroup && placement.role !== 'unknown') {
    const all = { ...current?.targetGroups, [t.targetGroup]: own };
    // Only the member's configured target groups count (one removed from failover.yml no longer keeps it down).
    const counted = placement.targetGroups ?? Object.keys(all);
    targetGroups = Object.fromEntries(Object.entries(all).filter(([tg]) => counted.includes(tg)));
    health = targetHealthOf(Object.values(targetGroups));
  }
  const unchanged = targetGroups && current && current.state === health.state && current.lastKnown === health.lastKnown;
  const event = unchanged ? 'TARGET_GROUP_CHANGED' : deriveGroupEvent(placement.role, health.state, before, current);
  // A target-health member's state dates from its own last change, never moving back (target groups arrive in any order).
  const since =
    targetGroups && current
      ? unchanged || current.stateChangedAt > t.stateChangedAt
        ? current.stateChangedAt
        : t.stateChangedAt
      : t.stateChangedAt;
  const member: MemberSnapshot = {
    state: health.state,
    stateChangedAt: since,
    transitionId,
    seq,
    healthCheckId: t.healthCheckId,
    alarmArn: t.alarmArn,
    event,
    ...(health.lastKnown ? { lastKnown: health.lastKnown } : {}),
    ...(targetGroups ? { targetGroups } : {}),
  };
  const snapshot = { ...before, [key]: member };
  return { kind: 'newer', event, snapshot, serving: servingOf(group, snapshot) };
};

/** Events that open a failover episode (DNS off the healthy primary) and the one that closes it. */
const OPENS_EPISODE: ReadonlySet<GroupEvent> = new Set(['FAILED_OVER', 'BOTH_UNHEALTHY']);

/**
 * Episode bookkeeping: an episode is identified by the seq of the entry that opened it (first FAILED_OVER or
 * BOTH_UNHEALTHY while none was open) and closed by RECOVERED. `open` is carried from entry to entry.
 */
export const nextEpisode = (
  open: number | null,
  event: GroupEvent,
  seq: number,
): { episode: number | null; open: number | null } => {
  if (event === 'STALE') return { episode: null, open };
  if (OPENS_EPISODE.has(event)) return { episode: open ?? seq, open: open ?? seq };
  if (event === 'RECOVERED') return { episode: open, open: null };
  return { episode: open, open };
};
