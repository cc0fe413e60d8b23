import { describe, it, expect } from 'vitest';
import { transitionIdOf, type AlarmStateValue, type AlarmTransition } from '../../shared/core/alarm-event.js';
import {
  applyTransition,
  deriveGroupEvent,
  isDown,
  nextEpisode,
  servingOf,
  targetHealthOf,
  type GroupEvent,
  type GroupSnapshot,
  type MemberSnapshot,
  type Serving,
} from '../../shared/core/failover-transition.js';
import { PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { UNASSIGNED_GROUP, type HealthCheckPlacement, type Role } from '../../shared/core/members.js';

const GROUP = 'orders-api';
const ARN = {
  primary: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:r53-failover-orders-api-primary-health',
  secondary: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:r53-failover-orders-api-secondary-health',
} as const;
const HC = { primary: PRIMARY_HC, secondary: SECONDARY_HC } as const;
const T1 = '2025-06-12T14:03:27.412Z';
const T2 = '2025-06-12T16:48:05.093Z';
const T3 = '2025-06-12T18:00:00.000Z';
const UNASSIGNED_HC = '0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b';

type MemberRole = 'primary' | 'secondary';

/** A member snapshot; `lastKnown` follows applyTransition's rule unless given (INSUFFICIENT_DATA keeps none by default). */
const member = (
  role: MemberRole,
  state: AlarmStateValue,
  opts: { at?: string; lastKnown?: 'OK' | 'ALARM'; event?: GroupEvent } = {},
): MemberSnapshot => {
  const at = opts.at ?? T1;
  const lastKnown = opts.lastKnown ?? (state === 'INSUFFICIENT_DATA' ? undefined : state);
  return {
    state,
    stateChangedAt: at,
    transitionId: transitionIdOf({ alarmArn: ARN[role], state, stateChangedAt: at }),
    seq: 1,
    healthCheckId: HC[role],
    alarmArn: ARN[role],
    event: opts.event ?? 'HEALTHY',
    ...(lastKnown ? { lastKnown } : {}),
  };
};

const transition = (
  role: MemberRole,
  state: AlarmStateValue,
  at: string,
  previousState?: AlarmStateValue,
): AlarmTransition => ({
  source: 'eventbridge',
  deliveryId: `d-${role}-${state}-${at}`,
  alarmName: `r53-failover-orders-api-${role}-health`,
  alarmArn: ARN[role],
  accountId: '123456789012',
  region: 'us-east-1',
  state,
  previousState,
  stateChangedAt: at,
  reason: 'test',
  reasonTruncated: false,
  healthCheckId: HC[role],
  healthCheckIds: [HC[role]],
  metricMath: false,
});

const idOf = (t: AlarmTransition) => transitionIdOf(t);

const placement = (role: MemberRole): HealthCheckPlacement => ({
  group: GROUP,
  role,
  region: role === 'primary' ? 'us-east-1' : 'us-west-2',
});

type OtherState = AlarmStateValue | 'absent';
type Previous = AlarmStateValue | 'ALARM→INSUFFICIENT_DATA' | 'OK→INSUFFICIENT_DATA' | 'none';

const previousMember = (role: MemberRole, previous: Previous): MemberSnapshot | undefined => {
  switch (previous) {
    case 'none':
      return undefined;
    case 'ALARM→INSUFFICIENT_DATA':
      return member(role, 'INSUFFICIENT_DATA', { lastKnown: 'ALARM' });
    case 'OK→INSUFFICIENT_DATA':
      return member(role, 'INSUFFICIENT_DATA', { lastKnown: 'OK' });
    default:
      return member(role, previous);
  }
};

describe('deriveGroupEvent', () => {
  interface Row {
    role: MemberRole;
    state: AlarmStateValue;
    other: OtherState;
    previous: Previous;
    expected: GroupEvent;
  }
  const rows: Row[] = [
    // primary goes down
    { role: 'primary', state: 'ALARM', other: 'OK', previous: 'OK', expected: 'FAILED_OVER' },
    { role: 'primary', state: 'ALARM', other: 'absent', previous: 'none', expected: 'FAILED_OVER' },
    { role: 'primary', state: 'ALARM', other: 'INSUFFICIENT_DATA', previous: 'OK', expected: 'FAILED_OVER' },
    { role: 'primary', state: 'ALARM', other: 'ALARM', previous: 'OK', expected: 'BOTH_UNHEALTHY' },
    // primary comes back
    { role: 'primary', state: 'OK', other: 'OK', previous: 'ALARM', expected: 'RECOVERED' },
    { role: 'primary', state: 'OK', other: 'ALARM', previous: 'ALARM', expected: 'RECOVERED' },
    { role: 'primary', state: 'OK', other: 'OK', previous: 'ALARM→INSUFFICIENT_DATA', expected: 'RECOVERED' },
    { role: 'primary', state: 'OK', other: 'OK', previous: 'OK→INSUFFICIENT_DATA', expected: 'HEALTHY' },
    { role: 'primary', state: 'OK', other: 'OK', previous: 'INSUFFICIENT_DATA', expected: 'HEALTHY' },
    { role: 'primary', state: 'OK', other: 'absent', previous: 'none', expected: 'HEALTHY' },
    { role: 'primary', state: 'OK', other: 'OK', previous: 'OK', expected: 'HEALTHY' },
    // primary has no data
    { role: 'primary', state: 'INSUFFICIENT_DATA', other: 'OK', previous: 'ALARM', expected: 'UNKNOWN' },
    { role: 'primary', state: 'INSUFFICIENT_DATA', other: 'ALARM', previous: 'OK', expected: 'UNKNOWN' },
    // secondary goes down
    { role: 'secondary', state: 'ALARM', other: 'OK', previous: 'OK', expected: 'STANDBY_UNHEALTHY' },
    { role: 'secondary', state: 'ALARM', other: 'absent', previous: 'none', expected: 'STANDBY_UNHEALTHY' },
    { role: 'secondary', state: 'ALARM', other: 'INSUFFICIENT_DATA', previous: 'OK', expected: 'STANDBY_UNHEALTHY' },
    { role: 'secondary', state: 'ALARM', other: 'ALARM', previous: 'OK', expected: 'BOTH_UNHEALTHY' },
    // secondary comes back
    { role: 'secondary', state: 'OK', other: 'ALARM', previous: 'ALARM', expected: 'FAILED_OVER' },
    // A secondary with no earlier state (or only missing data) changes nothing Route 53 does: no second failover.
    { role: 'secondary', state: 'OK', other: 'ALARM', previous: 'none', expected: 'HEALTHY' },
    { role: 'secondary', state: 'OK', other: 'ALARM', previous: 'INSUFFICIENT_DATA', expected: 'HEALTHY' },
    { role: 'secondary', state: 'OK', other: 'OK', previous: 'ALARM', expected: 'STANDBY_RECOVERED' },
    { role: 'secondary', state: 'OK', other: 'OK', previous: 'ALARM→INSUFFICIENT_DATA', expected: 'STANDBY_RECOVERED' },
    { role: 'secondary', state: 'OK', other: 'OK', previous: 'OK→INSUFFICIENT_DATA', expected: 'HEALTHY' },
    { role: 'secondary', state: 'OK', other: 'OK', previous: 'none', expected: 'HEALTHY' },
    { role: 'secondary', state: 'OK', other: 'absent', previous: 'OK', expected: 'HEALTHY' },
    // secondary has no data
    { role: 'secondary', state: 'INSUFFICIENT_DATA', other: 'ALARM', previous: 'OK', expected: 'UNKNOWN' },
    { role: 'secondary', state: 'INSUFFICIENT_DATA', other: 'OK', previous: 'ALARM', expected: 'UNKNOWN' },
  ];

  it.each(rows)(
    '$role $previous → $state while the other member is $other: $expected',
    ({ role, state, other, previous, expected }) => {
      // Arrange
      const otherRole: MemberRole = role === 'primary' ? 'secondary' : 'primary';
      const memberBefore = previousMember(role, previous);
      const before: GroupSnapshot = {
        ...(memberBefore ? { [role]: memberBefore } : {}),
        ...(other === 'absent' ? {} : { [otherRole]: member(otherRole, other) }),
      };
      // Act
      const event = deriveGroupEvent(role, state, before, memberBefore);
      // Assert
      expect(event).toBe(expected);
    },
  );

  it.each<AlarmStateValue>(['OK', 'ALARM', 'INSUFFICIENT_DATA'])(
    'is UNASSIGNED for %s when the role is unknown',
    (state) => {
      // Arrange
      const role: Role = 'unknown';
      // Act
      const event = deriveGroupEvent(role, state, {}, undefined);
      // Assert
      expect(event).toBe('UNASSIGNED');
    },
  );
});

describe('servingOf', () => {
  const rows: Array<{ primary: OtherState; secondary: OtherState; expected: Serving }> = [
    { primary: 'OK', secondary: 'OK', expected: 'primary' },
    { primary: 'ALARM', secondary: 'OK', expected: 'secondary' },
    { primary: 'ALARM', secondary: 'absent', expected: 'secondary' },
    { primary: 'ALARM', secondary: 'INSUFFICIENT_DATA', expected: 'secondary' },
    { primary: 'ALARM', secondary: 'ALARM', expected: 'primary' },
    { primary: 'OK', secondary: 'ALARM', expected: 'primary' },
    { primary: 'INSUFFICIENT_DATA', secondary: 'OK', expected: 'primary' },
    { primary: 'absent', secondary: 'absent', expected: 'primary' },
  ];

  it.each(rows)(
    'answers with $expected when primary is $primary and secondary is $secondary',
    ({ primary, secondary, expected }) => {
      // Arrange
      const snapshot: GroupSnapshot = {
        ...(primary === 'absent' ? {} : { primary: member('primary', primary) }),
        ...(secondary === 'absent' ? {} : { secondary: member('secondary', secondary) }),
      };
      // Act
      const serving = servingOf(GROUP, snapshot);
      // Assert
      expect(serving).toBe(expected);
    },
  );

  it('answers with none for the unassigned group', () => {
    // Arrange
    const snapshot: GroupSnapshot = {
      [UNASSIGNED_HC]: { ...member('primary', 'ALARM'), healthCheckId: UNASSIGNED_HC },
    };
    // Act
    const serving = servingOf(UNASSIGNED_GROUP, snapshot);
    // Assert
    expect(serving).toBe('none');
  });
});

describe('applyTransition', () => {
  const healthy: GroupSnapshot = {
    primary: member('primary', 'OK', { at: T1 }),
    secondary: member('secondary', 'OK', { at: T1 }),
  };

  it('moves the member to a newer state', () => {
    // Arrange
    const t = transition('primary', 'ALARM', T2, 'OK');
    // Act
    const applied = applyTransition(GROUP, placement('primary'), t, idOf(t), healthy, 2);
    // Assert
    expect(applied.kind).toBe('newer');
    if (applied.kind !== 'newer') return;
    expect(applied.snapshot.primary).toEqual({
      state: 'ALARM',
      stateChangedAt: T2,
      transitionId: idOf(t),
      seq: 2,
      healthCheckId: PRIMARY_HC,
      alarmArn: ARN.primary,
      event: 'FAILED_OVER',
      lastKnown: 'ALARM',
    });
  });

  it('reports the group event and who Route 53 now answers with', () => {
    // Arrange
    const t = transition('primary', 'ALARM', T2, 'OK');
    // Act
    const applied = applyTransition(GROUP, placement('primary'), t, idOf(t), healthy, 2);
    // Assert
    expect(applied).toMatchObject({ kind: 'newer', event: 'FAILED_OVER', serving: 'secondary' });
  });

  it('leaves the other member and the snapshot it was given untouched', () => {
    // Arrange
    const before = structuredClone(healthy);
    const t = transition('primary', 'ALARM', T2, 'OK');
    // Act
    const applied = applyTransition(GROUP, placement('primary'), t, idOf(t), healthy, 2);
    // Assert
    expect(healthy).toEqual(before);
    expect(applied.kind === 'newer' && applied.snapshot.secondary).toEqual(before.secondary);
  });

  it('treats the same transition id as a duplicate', () => {
    // Arrange
    const t = transition('primary', 'ALARM', T2, 'OK');
    const first = applyTransition(GROUP, placement('primary'), t, idOf(t), healthy, 2);
    if (first.kind !== 'newer') throw new Error(`first apply was ${first.kind}`);
    // Act
    const again = applyTransition(GROUP, placement('primary'), t, idOf(t), first.snapshot, 2);
    // Assert
    expect(again).toEqual({ kind: 'duplicate' });
  });

  it('answers not-newer with the current member for an older transition', () => {
    // Arrange
    const before: GroupSnapshot = { ...healthy, primary: member('primary', 'OK', { at: T2 }) };
    const late = transition('primary', 'ALARM', T1, 'OK');
    // Act
    const applied = applyTransition(GROUP, placement('primary'), late, idOf(late), before, 2);
    // Assert
    expect(applied).toEqual({ kind: 'not-newer', current: before.primary });
  });

  it('answers not-newer for a different transition with the same timestamp', () => {
    // Arrange
    const before: GroupSnapshot = { ...healthy, primary: member('primary', 'OK', { at: T2 }) };
    const sameInstant = transition('primary', 'ALARM', T2, 'OK');
    // Act
    const applied = applyTransition(GROUP, placement('primary'), sameInstant, idOf(sameInstant), before, 2);
    // Assert
    expect(applied).toEqual({ kind: 'not-newer', current: before.primary });
  });

  it('keeps lastKnown through INSUFFICIENT_DATA', () => {
    // Arrange
    const before: GroupSnapshot = { ...healthy, primary: member('primary', 'ALARM', { at: T1 }) };
    const noData = transition('primary', 'INSUFFICIENT_DATA', T2, 'ALARM');
    // Act
    const applied = applyTransition(GROUP, placement('primary'), noData, idOf(noData), before, 2);
    // Assert
    expect(applied.kind === 'newer' && applied.snapshot.primary).toMatchObject({
      state: 'INSUFFICIENT_DATA',
      lastKnown: 'ALARM',
      event: 'UNKNOWN',
    });
  });

  it('reads ALARM → INSUFFICIENT_DATA → OK of the primary as RECOVERED', () => {
    // Arrange
    const down = transition('primary', 'ALARM', T1, 'OK');
    const noData = transition('primary', 'INSUFFICIENT_DATA', T2, 'ALARM');
    const up = transition('primary', 'OK', T3, 'INSUFFICIENT_DATA');
    let snapshot: GroupSnapshot = { secondary: member('secondary', 'OK', { at: T1 }) };
    for (const t of [down, noData]) {
      const step = applyTransition(GROUP, placement('primary'), t, idOf(t), snapshot, 2);
      if (step.kind !== 'newer') throw new Error(`setup step was ${step.kind}`);
      snapshot = step.snapshot;
    }
    // Act
    const applied = applyTransition(GROUP, placement('primary'), up, idOf(up), snapshot, 2);
    // Assert
    expect(applied).toMatchObject({ kind: 'newer', event: 'RECOVERED', serving: 'primary' });
  });

  it('keys an unassigned member by its health check id', () => {
    // Arrange
    const where: HealthCheckPlacement = { group: UNASSIGNED_GROUP, role: 'unknown' };
    const t = {
      ...transition('primary', 'ALARM', T2, 'OK'),
      healthCheckId: UNASSIGNED_HC,
      healthCheckIds: [UNASSIGNED_HC],
    };
    // Act
    const applied = applyTransition(UNASSIGNED_GROUP, where, t, idOf(t), {}, 2);
    // Assert
    expect(applied.kind === 'newer' && Object.keys(applied.snapshot)).toEqual([UNASSIGNED_HC]);
  });

  it('reports UNASSIGNED and serving none for an unassigned member', () => {
    // Arrange
    const where: HealthCheckPlacement = { group: UNASSIGNED_GROUP, role: 'unknown' };
    const t = {
      ...transition('primary', 'ALARM', T2, 'OK'),
      healthCheckId: UNASSIGNED_HC,
      healthCheckIds: [UNASSIGNED_HC],
    };
    // Act
    const applied = applyTransition(UNASSIGNED_GROUP, where, t, idOf(t), {}, 2);
    // Assert
    expect(applied).toMatchObject({ kind: 'newer', event: 'UNASSIGNED', serving: 'none' });
  });

  it('tracks two unassigned health checks side by side', () => {
    // Arrange
    const where: HealthCheckPlacement = { group: UNASSIGNED_GROUP, role: 'unknown' };
    const first = {
      ...transition('primary', 'ALARM', T2, 'OK'),
      healthCheckId: UNASSIGNED_HC,
      healthCheckIds: [UNASSIGNED_HC],
    };
    const otherHc = '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    const second = { ...transition('secondary', 'OK', T1, 'ALARM'), healthCheckId: otherHc, healthCheckIds: [otherHc] };
    const step = applyTransition(UNASSIGNED_GROUP, where, first, idOf(first), {}, 2);
    if (step.kind !== 'newer') throw new Error(`setup step was ${step.kind}`);
    // Act
    const applied = applyTransition(UNASSIGNED_GROUP, where, second, idOf(second), step.snapshot, 2);
    // Assert
    expect(applied.kind === 'newer' && Object.keys(applied.snapshot).sort()).toEqual([UNASSIGNED_HC, otherHc].sort());
  });
});

describe('nextEpisode', () => {
  it.each([
    // [open before, event, seq, episode of the entry, open after]
    [null, 'FAILED_OVER', 5, 5, 5],
    [5, 'BOTH_UNHEALTHY', 6, 5, 5],
    [5, 'FAILED_OVER', 7, 5, 5],
    [5, 'UNKNOWN', 8, 5, 5],
    [5, 'RECOVERED', 9, 5, null],
    [null, 'RECOVERED', 10, null, null],
    [null, 'STANDBY_UNHEALTHY', 11, null, null],
    [5, 'STALE', 12, null, 5],
    [null, 'BOTH_UNHEALTHY', 13, 13, 13],
  ] as const)('open %s + %s at #%s → episode %s, open %s', (open, event, seq, episode, after) => {
    expect(nextEpisode(open, event, seq)).toEqual({ episode, open: after });
  });
});

describe('isDown: no data is not healthy', () => {
  it.each([
    [{ state: 'ALARM' as const }, true],
    [{ state: 'INSUFFICIENT_DATA' as const, lastKnown: 'ALARM' as const }, true],
    [{ state: 'INSUFFICIENT_DATA' as const, lastKnown: 'OK' as const }, false],
    [{ state: 'INSUFFICIENT_DATA' as const }, false],
    [{ state: 'OK' as const, lastKnown: 'OK' as const }, false],
    [undefined, false],
  ])('%j → %s', (m, down) => {
    expect(isDown(m)).toBe(down);
  });
});

describe('targetHealthOf: a target-health member from its target groups (Route 53 weighs every one)', () => {
  it.each([
    [
      [
        { state: 'OK', lastKnown: 'OK' },
        { state: 'ALARM', lastKnown: 'ALARM' },
      ],
      { state: 'ALARM', lastKnown: 'ALARM' },
    ],
    [
      [
        { state: 'OK', lastKnown: 'OK' },
        { state: 'OK', lastKnown: 'OK' },
      ],
      { state: 'OK', lastKnown: 'OK' },
    ],
    // No data right after ALARM is still down; no data on one, the other healthy, is no data (not healthy).
    [
      [
        { state: 'INSUFFICIENT_DATA', lastKnown: 'ALARM' },
        { state: 'OK', lastKnown: 'OK' },
      ],
      { state: 'INSUFFICIENT_DATA', lastKnown: 'ALARM' },
    ],
    [
      [
        { state: 'INSUFFICIENT_DATA', lastKnown: 'OK' },
        { state: 'OK', lastKnown: 'OK' },
      ],
      { state: 'INSUFFICIENT_DATA', lastKnown: 'OK' },
    ],
    [[{ state: 'INSUFFICIENT_DATA' }], { state: 'INSUFFICIENT_DATA' }],
  ] as const)('%j → %j', (groups, expected) => {
    expect(targetHealthOf([...groups])).toEqual(expected);
  });
});
