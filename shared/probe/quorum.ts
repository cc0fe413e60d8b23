import type { AlarmStateValue } from '../core/alarm-event.js';
import type { DisagreementKind, Quorum, RegionVerdict } from '../core/probe-verdicts.js';

/** Folds one round's outcome into a region's verdict. */
export const nextVerdict = (
  prev: RegionVerdict | undefined,
  region: string,
  ok: boolean,
  at: string,
  error?: string,
): RegionVerdict => ({
  region,
  ok,
  consecutiveFailures: ok ? 0 : (prev?.consecutiveFailures ?? 0) + 1,
  consecutiveSuccesses: ok ? (prev?.consecutiveSuccesses ?? 0) + 1 : 0,
  at,
  ...(error ? { error } : {}),
});

export interface QuorumSettings {
  /** Regions whose verdicts count (others are ignored). */
  regions: string[];
  required: number;
  consecutive: number;
  /** Verdicts older than this no longer count (a probe region that stopped reporting has no vote). */
  staleAfterMs: number;
}

export interface QuorumEvaluation {
  quorum: Quorum;
  /** Regions with `consecutive` failures / successes in a row, among the fresh ones. */
  down: string[];
  up: string[];
  fresh: number;
}

/**
 * A member is DOWN when at least `required` regions see `consecutive` failures in a row, UP when as many see as many
 * successes; otherwise it keeps its current quorum (hysteresis: one flaky region cannot flip it).
 */
export const evaluateQuorum = (
  verdicts: RegionVerdict[],
  s: QuorumSettings,
  now: number,
  current: Quorum,
): QuorumEvaluation => {
  const fresh = verdicts.filter((v) => s.regions.includes(v.region) && now - Date.parse(v.at) <= s.staleAfterMs);
  const down = fresh
    .filter((v) => v.consecutiveFailures >= s.consecutive)
    .map((v) => v.region)
    .sort();
  const up = fresh
    .filter((v) => v.consecutiveSuccesses >= s.consecutive)
    .map((v) => v.region)
    .sort();
  const quorum: Quorum = down.length >= s.required ? 'DOWN' : up.length >= s.required ? 'UP' : current;
  return { quorum, down, up, fresh: fresh.length };
};

/** Which quorum changes are group events: establishing UP at start is not news; losing it, or regaining it, is. */
export const quorumEvent = (from: Quorum, to: Quorum): 'PROBE_DOWN' | 'PROBE_UP' | null =>
  from === to ? null : to === 'DOWN' ? 'PROBE_DOWN' : to === 'UP' && from === 'DOWN' ? 'PROBE_UP' : null;

/**
 * Route 53 and the probes disagree: the health check passes while a quorum of probes fails (the "200 OK but broken"
 * case), or the reverse. `since` is when both sides last changed into the disagreeing states.
 */
export const disagreement = (
  alarm: { state: AlarmStateValue | null; since: string | null },
  probes: { quorum: Quorum; since: string },
): { kind: DisagreementKind; since: string } | null => {
  const later = (a: string, b: string | null) => (b && b > a ? b : a);
  if (probes.quorum === 'DOWN' && (alarm.state === 'OK' || alarm.state === null))
    return { kind: 'probes-down-health-ok', since: later(probes.since, alarm.since) };
  if (probes.quorum === 'UP' && alarm.state === 'ALARM')
    return { kind: 'probes-up-health-down', since: later(probes.since, alarm.since) };
  return null;
};
