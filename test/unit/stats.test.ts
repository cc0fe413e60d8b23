import { describe, expect, it } from 'vitest';
import type { AlarmStateValue, AlarmTransition } from '../../shared/core/alarm-event.js';
import { DEFAULT_FLAP } from '../../shared/core/group-events.js';
import { groupStats, periodBuckets, statsReport, type AuditLedger } from '../../shared/audit/stats.js';
import { timeline } from '../../shared/audit/timeline.js';
import { EMPTY_CONFIG } from '../../shared/config/schema.js';
import { applyTransition, nextEpisode, servingOf, type GroupSnapshot } from '../../shared/core/failover-transition.js';
import type { LedgerEntry, PromotionEntry, TransitionEntry } from '../../shared/ledger/store.js';
import type { DeliveryRecord } from '../../shared/notify/delivery-store.js';

const GROUP = 'orders-api';
type Step = { at: string; role: 'primary' | 'secondary'; state: AlarmStateValue; detectSeconds?: number };
const at = (hhmm: string, day = '2025-06-12') => `${day}T${hhmm}:00.000Z`;
const p = (hhmm: string, state: AlarmStateValue, day?: string): Step => ({ at: at(hhmm, day), role: 'primary', state });
const s = (hhmm: string, state: AlarmStateValue, day?: string): Step => ({
  at: at(hhmm, day),
  role: 'secondary',
  state,
});

/** A group's chain as the recorder builds it (same snapshot, event and episode rules), without a store. */
const chain = (steps: Step[]): TransitionEntry[] => {
  let snapshot: GroupSnapshot = {};
  let open: number | null = null;
  return steps.map((step, i): TransitionEntry => {
    const seq = i + 1;
    const t: AlarmTransition = {
      source: 'eventbridge',
      deliveryId: `d-${seq}`,
      alarmName: `${GROUP}-${step.role}-health`,
      alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${GROUP}-${step.role}-health`,
      accountId: '123456789012',
      region: 'us-east-1',
      state: step.state,
      stateChangedAt: step.at,
      reason: 'r',
      reasonTruncated: false,
      healthCheckId: `hc-${step.role}`,
      healthCheckIds: [`hc-${step.role}`],
      metricMath: false,
    };
    const applied = applyTransition(GROUP, { group: GROUP, role: step.role }, t, `t-${seq}`, snapshot, seq);
    const stale = applied.kind !== 'newer';
    const event = applied.kind === 'newer' ? applied.event : 'STALE';
    if (applied.kind === 'newer') snapshot = applied.snapshot;
    const episode = nextEpisode(open, event, seq);
    open = episode.open;
    return {
      kind: 'transition',
      group: GROUP,
      seq,
      transitionId: `t-${seq}`,
      role: step.role,
      healthCheckId: t.healthCheckId,
      healthCheckIds: t.healthCheckIds,
      alarmName: t.alarmName,
      alarmArn: t.alarmArn,
      region: t.region,
      accountId: t.accountId,
      state: step.state,
      previousState: null,
      stateChangedAt: step.at,
      recordedAt: new Date(Date.parse(step.at) + (step.detectSeconds ?? 0) * 1000).toISOString(),
      sources: ['eventbridge'],
      event,
      stale,
      serving: servingOf(GROUP, snapshot),
      reason: 'r',
      reasonTruncated: false,
      metricMath: false,
      snapshot,
      episode: episode.episode,
      openEpisode: episode.open,
    };
  });
};

const window = (since: string, until: string) => ({ since, until, flap: DEFAULT_FLAP });
const MIN = 60;

describe('timeline', () => {
  it('is unknown before the first transition, then follows who serves', () => {
    // Arrange
    const entries = chain([p('10:00', 'ALARM'), s('10:20', 'ALARM'), s('10:25', 'OK'), p('11:00', 'OK')]);
    // Act
    const bands = timeline(entries, at('09:00'), at('12:00'));
    // Assert
    expect(bands.map((b) => [b.condition, b.start.slice(11, 16), b.end.slice(11, 16)])).toEqual([
      ['unknown', '09:00', '10:00'],
      ['failed-over', '10:00', '10:20'],
      ['down', '10:20', '10:25'],
      ['failed-over', '10:25', '11:00'],
      ['healthy', '11:00', '12:00'],
    ]);
  });

  it('carries the state from before the window and ignores stale entries', () => {
    const entries = chain([p('08:00', 'ALARM'), p('07:00', 'OK')]);
    expect(entries[1]?.stale).toBe(true);
    expect(timeline(entries, at('09:00'), at('10:00')).map((b) => b.condition)).toEqual(['failed-over']);
  });
});

describe('no data is not healthy', () => {
  it('keeps the group failed over while the primary has no data right after ALARM', () => {
    const entries = chain([p('10:00', 'ALARM'), p('10:10', 'INSUFFICIENT_DATA'), p('10:30', 'OK')]);
    const stats = groupStats(entries, [], window(at('09:00'), at('11:00')));
    expect(stats.timeOnSecondarySeconds).toBe(30 * MIN);
    expect(timeline(entries, at('09:00'), at('11:00')).map((i) => i.condition)).toEqual([
      'unknown',
      'failed-over',
      'healthy',
    ]);
  });
});

describe('groupStats', () => {
  it('counts one failover with time on secondary, downtime and MTTR for a failover that went through both-down', () => {
    // Arrange
    const entries = chain([p('10:00', 'ALARM'), s('10:20', 'ALARM'), s('10:25', 'OK'), p('11:00', 'OK')]);
    // Act
    const stats = groupStats(entries, [], window(at('09:00'), at('12:00')));
    // Assert
    expect(entries.map((e) => e.event)).toEqual(['FAILED_OVER', 'BOTH_UNHEALTHY', 'FAILED_OVER', 'RECOVERED']);
    expect(stats).toMatchObject({
      group: GROUP,
      failovers: 1,
      timeOnSecondarySeconds: 55 * MIN,
      downtimeSeconds: 5 * MIN,
      mttrSeconds: 60 * MIN,
      flaps: 0,
    });
    expect(stats.episodes).toEqual([
      {
        episode: 1,
        opener: 'FAILED_OVER',
        start: at('10:00'),
        end: at('11:00'),
        open: false,
        durationSeconds: 60 * MIN,
      },
    ]);
  });

  it('counts an episode still open at until up to until', () => {
    const entries = chain([p('10:00', 'ALARM')]);
    const stats = groupStats(entries, [], window(at('09:00'), at('10:45')));
    expect(stats).toMatchObject({ failovers: 1, mttrSeconds: 45 * MIN, timeOnSecondarySeconds: 45 * MIN });
    expect(stats.episodes[0]).toMatchObject({ open: true, end: null, durationSeconds: 45 * MIN });
  });

  it('does not count an episode opened before the window as a failover, but lists it and its time in the window', () => {
    const entries = chain([p('08:00', 'ALARM'), p('09:30', 'OK')]);
    const stats = groupStats(entries, [], window(at('09:00'), at('12:00')));
    expect(stats).toMatchObject({ failovers: 0, mttrSeconds: null, timeOnSecondarySeconds: 30 * MIN });
    expect(stats.episodes.map((e) => e.episode)).toEqual([1]);
  });

  it('counts a flapping sequence as one flap by the notify.flap rule (3 counting transitions within 10 min, held 10 min)', () => {
    // Arrange: five counting transitions 2 min apart, then quiet for longer than the hold time
    const entries = chain([
      p('10:00', 'ALARM'),
      p('10:02', 'OK'),
      p('10:04', 'ALARM'),
      p('10:06', 'OK'),
      p('10:08', 'ALARM'),
      p('10:30', 'OK'),
    ]);
    // Act
    const stats = groupStats(entries, [], window(at('09:00'), at('12:00')));
    // Assert
    expect(stats.flaps).toBe(1);
    expect(stats.flapPeriods).toEqual([
      {
        start: at('10:04'),
        firstTransitionAt: at('10:00'),
        lastTransitionAt: at('10:08'),
        end: at('10:18'),
        transitions: 5,
      },
    ]);
    expect(stats.failovers).toBe(3);
  });

  it('does not call transitions spread wider than the window flapping', () => {
    const entries = chain([p('10:00', 'ALARM'), p('10:06', 'OK'), p('10:12', 'ALARM'), p('10:18', 'OK')]);
    expect(groupStats(entries, [], window(at('09:00'), at('12:00'))).flaps).toBe(0);
  });

  it('measures time to detect from recordedAt and time to notify from the first sent delivery', () => {
    // Arrange
    const entries = chain([
      { ...p('10:00', 'ALARM'), detectSeconds: 30 },
      { ...p('11:00', 'OK'), detectSeconds: 90 },
      { ...s('11:10', 'ALARM'), detectSeconds: 60 },
    ]);
    const sent = (seq: number, channel: string, status: DeliveryRecord['status'], sentAt?: string): DeliveryRecord => ({
      group: GROUP,
      seq,
      notificationId: `${GROUP}#${seq}#transition`,
      channel,
      status,
      attempts: 1,
      updatedAt: sentAt ?? at('12:00'),
      ...(sentAt ? { sentAt } : {}),
      notification: { kind: 'transition' } as DeliveryRecord['notification'],
    });
    const deliveries = [
      sent(1, 'slack', 'sent', '2025-06-12T10:00:45.000Z'),
      sent(1, 'sns', 'sent', '2025-06-12T10:00:40.000Z'),
      sent(2, 'slack', 'sent', '2025-06-12T11:02:00.000Z'),
      sent(3, 'slack', 'failed'),
    ];
    // Act
    const stats = groupStats(entries, deliveries, window(at('09:00'), at('12:00')));
    // Assert
    expect(stats.timeToDetect).toEqual({ count: 3, p50Seconds: 60, maxSeconds: 90 });
    expect(stats.timeToNotify).toEqual({ count: 2, p50Seconds: 40, maxSeconds: 120 });
  });

  it('counts promotions that reached IN_PROGRESS and how long the finished ones took', () => {
    const base = chain([p('10:00', 'ALARM')])[0] as TransitionEntry;
    const step = (
      seq: number,
      id: string,
      state: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED',
      time: string,
    ): PromotionEntry => ({
      ...base,
      kind: 'promotion',
      seq,
      state,
      previousState: null,
      sources: ['r53-failover'],
      event: `PROMOTION_${state}`,
      stateChangedAt: at(time),
      episode: 1,
      promotion: { id, episode: 1, mode: 'auto', actor: 'r53-failover', calls: [] },
    });
    const entries: LedgerEntry[] = [
      base,
      step(2, 'a', 'IN_PROGRESS', '10:03'),
      step(3, 'a', 'SUCCEEDED', '10:08'),
      step(4, 'b', 'IN_PROGRESS', '10:20'),
      step(5, 'b', 'FAILED', '10:21'),
      step(6, 'c', 'IN_PROGRESS', '10:30'),
      step(7, 'd', 'SKIPPED', '10:31'),
    ];
    expect(groupStats(entries, [], window(at('09:00'), at('12:00'))).promotions).toEqual({
      count: 3,
      succeeded: 1,
      failed: 1,
      durationsSeconds: [300, 60],
    });
  });
});

describe('periods', () => {
  it('splits the window at UTC calendar boundaries, clipping the first and last bucket', () => {
    expect(periodBuckets('2025-06-11T12:00:00.000Z', '2025-06-13T06:00:00.000Z', 'day')).toEqual([
      { label: '2025-06-11', since: '2025-06-11T12:00:00.000Z', until: '2025-06-12T00:00:00.000Z' },
      { label: '2025-06-12', since: '2025-06-12T00:00:00.000Z', until: '2025-06-13T00:00:00.000Z' },
      { label: '2025-06-13', since: '2025-06-13T00:00:00.000Z', until: '2025-06-13T06:00:00.000Z' },
    ]);
    expect(periodBuckets('2025-06-11T12:00:00.000Z', '2025-07-02T00:00:00.000Z', 'week').map((b) => b.label)).toEqual([
      '2025-06-09',
      '2025-06-16',
      '2025-06-23',
      '2025-06-30',
    ]);
    expect(
      periodBuckets('2025-06-11T12:00:00.000Z', '2025-07-02T00:00:00.000Z', 'month').map((b) => [b.label, b.until]),
    ).toEqual([
      ['2025-06', '2025-07-01T00:00:00.000Z'],
      ['2025-07', '2025-07-02T00:00:00.000Z'],
    ]);
  });

  it('splits an episode across midnight: the failover in the day it started, time on secondary in each day', async () => {
    // Arrange: 23:00 → 01:00 across midnight, and a second episode opened exactly at the next midnight
    const entries = chain([
      p('23:00', 'ALARM', '2025-06-12'),
      p('01:00', 'OK', '2025-06-13'),
      p('00:00', 'ALARM', '2025-06-14'),
      p('00:30', 'OK', '2025-06-14'),
    ]);
    const ledger: AuditLedger = {
      list: async (q) => entries.filter((e) => !q.until || e.stateChangedAt <= q.until),
      groups: async () => [GROUP],
    };
    // Act
    const report = await statsReport(ledger, undefined, EMPTY_CONFIG, {
      since: '2025-06-12T00:00:00.000Z',
      until: '2025-06-14T12:00:00.000Z',
      period: 'day',
    });
    // Assert
    const [g] = report.groups;
    expect(g).toMatchObject({ group: GROUP, failovers: 2, timeOnSecondarySeconds: 150 * MIN, mttrSeconds: 75 * MIN });
    expect(
      g?.periods?.map((d) => [
        d.label,
        d.failovers,
        d.timeOnSecondarySeconds / MIN,
        d.mttrSeconds === null ? null : d.mttrSeconds / MIN,
        d.episodes.length,
      ]),
    ).toEqual([
      ['2025-06-12', 1, 60, 120, 1],
      ['2025-06-13', 0, 60, null, 1],
      ['2025-06-14', 1, 30, 30, 1],
    ]);
  });
});
