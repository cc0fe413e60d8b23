import { describe, expect, it } from 'vitest';
import { disagreement, evaluateQuorum, nextVerdict, quorumEvent } from '../../shared/probe/quorum.js';
import type { RegionVerdict } from '../../shared/core/probe-verdicts.js';

const NOW = Date.parse('2025-07-01T10:00:00.000Z');
const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();
const v = (region: string, failures: number, successes: number, secondsAgo = 5): RegionVerdict => ({
  region,
  ok: failures === 0,
  consecutiveFailures: failures,
  consecutiveSuccesses: successes,
  at: at(secondsAgo),
});
const settings = {
  regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
  required: 2,
  consecutive: 3,
  staleAfterMs: 90_000,
};

describe('nextVerdict', () => {
  it('counts consecutive failures and resets them on success', () => {
    let x = nextVerdict(undefined, 'r', false, at(30), 'boom');
    x = nextVerdict(x, 'r', false, at(20));
    expect(x).toMatchObject({ consecutiveFailures: 2, consecutiveSuccesses: 0 });
    x = nextVerdict(x, 'r', true, at(10));
    expect(x).toMatchObject({ consecutiveFailures: 0, consecutiveSuccesses: 1, ok: true });
  });
});

describe('evaluateQuorum (2 of 3 regions, 3 in a row)', () => {
  it.each([
    [
      'two regions with 3 failures → DOWN',
      [v('us-east-1', 3, 0), v('us-west-2', 4, 0), v('eu-west-1', 0, 9)],
      'UP',
      'DOWN',
    ],
    [
      'one region down is not a quorum: keeps UP',
      [v('us-east-1', 5, 0), v('us-west-2', 0, 5), v('eu-west-1', 1, 0)],
      'UP',
      'UP',
    ],
    [
      'two regions with only 2 failures: keeps UP',
      [v('us-east-1', 2, 0), v('us-west-2', 2, 0), v('eu-west-1', 0, 9)],
      'UP',
      'UP',
    ],
    [
      'two regions with 3 successes after DOWN → UP',
      [v('us-east-1', 0, 3), v('us-west-2', 0, 3), v('eu-west-1', 6, 0)],
      'DOWN',
      'UP',
    ],
    [
      'mixed, no quorum either way: keeps DOWN (hysteresis)',
      [v('us-east-1', 0, 3), v('us-west-2', 1, 0), v('eu-west-1', 3, 0)],
      'DOWN',
      'DOWN',
    ],
    [
      'stale regions have no vote',
      [v('us-east-1', 9, 0, 600), v('us-west-2', 9, 0, 600), v('eu-west-1', 3, 0)],
      'UP',
      'UP',
    ],
    [
      'regions outside the configured set have no vote',
      [v('ap-south-1', 9, 0), v('sa-east-1', 9, 0), v('eu-west-1', 3, 0)],
      'UP',
      'UP',
    ],
    ['first evaluation establishes UP', [v('us-east-1', 0, 3), v('us-west-2', 0, 4)], 'UNKNOWN', 'UP'],
  ] as const)('%s', (_name, verdicts, current, expected) => {
    expect(evaluateQuorum([...verdicts], settings, NOW, current).quorum).toBe(expected);
  });

  it('names the regions on each side', () => {
    const e = evaluateQuorum([v('us-east-1', 3, 0), v('us-west-2', 4, 0), v('eu-west-1', 0, 9)], settings, NOW, 'UP');
    expect(e).toMatchObject({ down: ['us-east-1', 'us-west-2'], up: ['eu-west-1'], fresh: 3 });
  });
});

describe('quorumEvent', () => {
  it.each([
    ['UP', 'DOWN', 'PROBE_DOWN'],
    ['UNKNOWN', 'DOWN', 'PROBE_DOWN'],
    ['DOWN', 'UP', 'PROBE_UP'],
    ['UNKNOWN', 'UP', null],
    ['UP', 'UP', null],
  ] as const)('%s → %s: %s', (from, to, expected) => {
    expect(quorumEvent(from, to)).toBe(expected);
  });
});

describe('disagreement', () => {
  it('flags "200 OK but broken": health check OK, probes DOWN, from the later of the two changes', () => {
    expect(disagreement({ state: 'OK', since: at(600) }, { quorum: 'DOWN', since: at(120) })).toEqual({
      kind: 'probes-down-health-ok',
      since: at(120),
    });
  });
  it('flags the reverse: health check ALARM while probes pass', () => {
    expect(disagreement({ state: 'ALARM', since: at(60) }, { quorum: 'UP', since: at(900) })).toEqual({
      kind: 'probes-up-health-down',
      since: at(60),
    });
  });
  it.each([
    [
      { state: 'ALARM' as const, since: at(60) },
      { quorum: 'DOWN' as const, since: at(60) },
    ],
    [
      { state: 'OK' as const, since: at(60) },
      { quorum: 'UP' as const, since: at(60) },
    ],
    [
      { state: 'OK' as const, since: at(60) },
      { quorum: 'UNKNOWN' as const, since: at(60) },
    ],
    [
      { state: 'INSUFFICIENT_DATA' as const, since: at(60) },
      { quorum: 'DOWN' as const, since: at(60) },
    ],
  ])('no disagreement when both agree or one side has no opinion (%j, %j)', (alarm, probes) => {
    expect(disagreement(alarm, probes)).toBeNull();
  });
});
