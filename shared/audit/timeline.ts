import { isDown } from '../core/failover-transition.js';
import type { AlarmStateValue } from '../core/alarm-event.js';
import type { LedgerEntry, TransitionEntry } from '../ledger/store.js';

/** What a failover group looked like from outside during an interval (see docs/audit.md, "Timeline"). */
export type Condition = 'healthy' | 'failed-over' | 'down' | 'unknown';
export const CONDITIONS: readonly Condition[] = ['healthy', 'failed-over', 'down', 'unknown'];

export interface Interval {
  condition: Condition;
  /** ISO 8601 UTC; `end` is exclusive. */
  start: string;
  end: string;
  seconds: number;
}

export const ms = (iso: string): number => Date.parse(iso);
export const iso = (t: number): string => new Date(t).toISOString();

/** Transitions that moved the group's state: health transitions, not stale, in state-change order (then seq). */
export const effectiveTransitions = (entries: readonly LedgerEntry[]): TransitionEntry[] =>
  entries
    .filter((e): e is TransitionEntry => e.kind === 'transition' && !e.stale)
    .sort((a, b) => a.stateChangedAt.localeCompare(b.stateChangedAt) || a.seq - b.seq);

type MemberState = { state: AlarmStateValue; lastKnown?: 'OK' | 'ALARM' };

/**
 * The condition after a set of member states, by the rules `servingOf` uses: the secondary serves when the primary is
 * down and the secondary is not; both down is down (Route 53 answers with the primary anyway). Down is ALARM, or no
 * data right after ALARM (`isDown`).
 */
const conditionOf = (primary: MemberState | undefined, secondary: MemberState | undefined): Condition => {
  if (!isDown(primary)) return 'healthy';
  return isDown(secondary) ? 'down' : 'failed-over';
};

/**
 * The group's condition over [since, until], as contiguous intervals (adjacent equal conditions merged, empty ones
 * dropped). Member states are rebuilt from the transitions in state-change order, so a late delivery lands where it
 * happened rather than where it was recorded. `unknown` covers the time before the group's first transition.
 * Pass every entry up to `until` (older ones too): the state at `since` depends on them.
 */
export const timeline = (entries: readonly LedgerEntry[], since: string, until: string): Interval[] => {
  const from = ms(since);
  const to = ms(until);
  if (!(to > from)) return [];
  const states = new Map<string, MemberState>();
  const changes: { at: number; condition: Condition }[] = [{ at: -Infinity, condition: 'unknown' }];
  for (const t of effectiveTransitions(entries)) {
    const at = ms(t.stateChangedAt);
    if (at > to) break;
    if (t.role === 'primary' || t.role === 'secondary') {
      const before = states.get(t.role);
      states.set(t.role, {
        state: t.state,
        ...(t.state === 'INSUFFICIENT_DATA'
          ? before?.lastKnown
            ? { lastKnown: before.lastKnown }
            : {}
          : { lastKnown: t.state }),
      });
    }
    const condition = conditionOf(states.get('primary'), states.get('secondary'));
    const last = changes[changes.length - 1];
    // Several transitions at one instant: only the state after the last of them holds for any time.
    if (last && last.at === at) last.condition = condition;
    else changes.push({ at, condition });
  }
  const out: Interval[] = [];
  changes.forEach((c, i) => {
    const start = Math.max(c.at, from);
    const end = Math.min(changes[i + 1]?.at ?? Infinity, to);
    if (end <= start) return;
    const prev = out[out.length - 1];
    if (prev && prev.condition === c.condition) {
      prev.end = iso(end);
      prev.seconds = (end - ms(prev.start)) / 1000;
    } else out.push({ condition: c.condition, start: iso(start), end: iso(end), seconds: (end - start) / 1000 });
  });
  return out;
};

/** Seconds spent in each condition. */
export const secondsIn = (intervals: readonly Interval[], condition: Condition): number =>
  intervals.filter((i) => i.condition === condition).reduce((sum, i) => sum + (ms(i.end) - ms(i.start)), 0) / 1000;
