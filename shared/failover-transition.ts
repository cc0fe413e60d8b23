import type { AlarmStateValue, AlarmTransition } from './alarm-event.js';
import type { HealthCheckPlacement, Role } from './config.js';
import { UNASSIGNED_GROUP } from './config.js';

/** What a health transition means for its failover group. */
export const GROUP_EVENTS = [
  'FAILED_OVER', // primary down while secondary healthy (or secondary healthy again while primary is down)
  'BOTH_UNHEALTHY', // both members unhealthy: Route 53 answers with the primary anyway
  'RECOVERED', // primary healthy again after being unhealthy: DNS is back on the primary
  'STANDBY_UNHEALTHY', // secondary down while primary healthy: no failover possible right now
  'STANDBY_RECOVERED', // secondary healthy again while primary healthy
  'HEALTHY', // an OK that ends no known outage (e.g. first data after alarm creation)
  'UNKNOWN', // INSUFFICIENT_DATA: no data is not healthy, but never counts as a failover
  'STALE', // older than the member's current state (out-of-order delivery): recorded, triggers nothing
  'UNASSIGNED', // health check in no configured group
] as const;
export type GroupEvent = (typeof GROUP_EVENTS)[number];

export type Serving = 'primary' | 'secondary' | 'none';

/** A member's latest applied state, kept in the group snapshot of every ledger entry. */
export interface MemberSnapshot {
  state: AlarmStateValue;
  stateChangedAt: string;
  transitionId: string;
  healthCheckId: string;
  alarmArn: string;
  /** The group event this member's latest transition produced. */
  event: GroupEvent;
  /** The last OK/ALARM state, so OK after INSUFFICIENT_DATA after ALARM still reads as a recovery. */
  lastKnown?: 'OK' | 'ALARM';
}

/** Members keyed by role (`primary`, `secondary`) or, in the `unassigned` group, by health check id. */
export type GroupSnapshot = Record<string, MemberSnapshot>;

export const memberKeyOf = (placement: HealthCheckPlacement, healthCheckId: string): string =>
  placement.role === 'unknown' ? healthCheckId : placement.role;

const isDown = (m: MemberSnapshot | undefined) => m?.state === 'ALARM';

/** Which member Route 53 answers with: the primary unless it is unhealthy and the secondary is not. */
export const servingOf = (group: string, snapshot: GroupSnapshot): Serving => {
  if (group === UNASSIGNED_GROUP) return 'none';
  return isDown(snapshot.primary) && !isDown(snapshot.secondary) ? 'secondary' : 'primary';
};

/** Derives the group event for a transition that is newer than the member's current state. */
export const deriveGroupEvent = (role: Role, state: AlarmStateValue, before: GroupSnapshot, memberBefore?: MemberSnapshot): GroupEvent => {
  if (role === 'unknown') return 'UNASSIGNED';
  if (state === 'INSUFFICIENT_DATA') return 'UNKNOWN';
  const wasDown = memberBefore?.lastKnown === 'ALARM' || memberBefore?.state === 'ALARM';
  if (role === 'primary') {
    if (state === 'ALARM') return isDown(before.secondary) ? 'BOTH_UNHEALTHY' : 'FAILED_OVER';
    return wasDown ? 'RECOVERED' : 'HEALTHY';
  }
  if (state === 'ALARM') return isDown(before.primary) ? 'BOTH_UNHEALTHY' : 'STANDBY_UNHEALTHY';
  if (isDown(before.primary)) return 'FAILED_OVER';
  return wasDown ? 'STANDBY_RECOVERED' : 'HEALTHY';
};

export type Applied =
  | { kind: 'newer'; event: GroupEvent; snapshot: GroupSnapshot; serving: Serving }
  | { kind: 'duplicate' }
  | { kind: 'not-newer'; current: MemberSnapshot };

/**
 * Applies a transition to the group snapshot. Newer transitions move state forward; one that is not newer than
 * the member's current state is either the same transition again (duplicate) or older (the caller decides
 * between duplicate and stale with an exact lookup, since older transitions are not in the snapshot).
 */
export const applyTransition = (
  group: string,
  placement: HealthCheckPlacement,
  t: AlarmTransition,
  transitionId: string,
  before: GroupSnapshot,
): Applied => {
  const key = memberKeyOf(placement, t.healthCheckId);
  const current = before[key];
  if (current?.transitionId === transitionId) return { kind: 'duplicate' };
  // Keyed on the alarm's state timestamp, not on arrival: a late delivery never moves state backwards.
  if (current && current.stateChangedAt >= t.stateChangedAt) return { kind: 'not-newer', current };
  const event = deriveGroupEvent(placement.role, t.state, before, current);
  const member: MemberSnapshot = {
    state: t.state,
    stateChangedAt: t.stateChangedAt,
    transitionId,
    healthCheckId: t.healthCheckId,
    alarmArn: t.alarmArn,
    event,
    ...(t.state === 'INSUFFICIENT_DATA' ? (current?.lastKnown ? { lastKnown: current.lastKnown } : {}) : { lastKnown: t.state }),
  };
  const snapshot = { ...before, [key]: member };
  return { kind: 'newer', event, snapshot, serving: servingOf(group, snapshot) };
};
