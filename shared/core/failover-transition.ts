import type { AlarmStateValue, AlarmTransition } from './alarm-event.js';

import type { GroupEvent } from './group-events.js';
import { type HealthCheckPlacement, type Role, UNASSIGNED_GROUP } from './members.js';

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
}

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
  seq: number,
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
    seq,
    healthCheckId: t.healthCheckId,
    alarmArn: t.alarmArn,
    event,
    ...(t.state === 'INSUFFICIENT_DATA'
      ? current?.lastKnown
        ? { lastKnown: current.lastKnown }
        : {}
      : { lastKnown: t.state }),
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
