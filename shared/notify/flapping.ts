// Flap suppression: the flap state per group, the decision for each new transition, the one summary once a group is
// stable again, and the promotion steps folded into it. The rule itself (which events count) is core/group-events.ts.
import type { FailoverConfig } from '../config/schema.js';
import { DEFAULT_FLAP, FLAP_COUNTING_EVENTS, FOLDED_WHILE_FLAPPING, type FlapRule } from '../core/group-events.js';
import type { LedgerEntry, LedgerStore } from '../ledger/store.js';
import { R53FailoverError } from '../support/errors.js';
import { composeNotification } from './compose.js';
import type { DeliveryStore, FlapState } from './delivery-store.js';
import type { Notification } from './notification.js';
import { flapEndedWords, foldedPromotionWords } from './wording.js';

/** What flap suppression reads and writes. */
export interface FlapDeps {
  ledger: LedgerStore;
  deliveries: DeliveryStore;
  config: FailoverConfig;
}

export const MIN = 60_000;

export const ms = (iso: string) => Date.parse(iso);

/** `failover.yml` `notify.flap`, or the default rule. */
export const flapRule = (config: FailoverConfig, _group: string): FlapRule => config.notify?.flap ?? DEFAULT_FLAP;

/** A group's non-stale entries whose state changed in [since, until], oldest first. */
const between = async (group: string, since: string, until: string, deps: FlapDeps): Promise<LedgerEntry[]> =>
  (await deps.ledger.list({ group, since, until, order: 'asc' })).filter((e) => !e.stale);

const countingBetween = async (group: string, since: string, until: string, deps: FlapDeps): Promise<LedgerEntry[]> =>
  (await between(group, since, until, deps)).filter((e) => FLAP_COUNTING_EVENTS.has(e.event));

/**
 * The one summary when a flapping group has been stable for the hold time; counts come from the ledger, and so do the
 * promotion steps folded into it (recorded while the group flapped, not sent one by one).
 */
export const flapSummary = async (
  group: string,
  flap: FlapState,
  deps: FlapDeps,
  now: Date,
): Promise<Notification | undefined> => {
  if (!flap.lastSeq || !flap.since || !flap.lastTransitionAt) return undefined;
  const last = await deps.ledger.get(group, flap.lastSeq);
  if (!last) return undefined;
  const { holdMinutes } = flapRule(deps.config, group);
  const [since, until, end] = [flap.since, flap.lastTransitionAt, now.toISOString()];
  const entries = await between(group, since, end, deps);
  const transitions = entries.filter((e) => FLAP_COUNTING_EVENTS.has(e.event) && e.stateChangedAt <= until).length;
  const held = (await deps.deliveries.list(group, ['suppressed'])).filter(
    (d) => d.notification.stateChangedAt >= since && d.notification.stateChangedAt <= end,
  ).length;
  const promotions = entries.filter((e) => e.kind === 'promotion');
  const region =
    last.serving === 'none' ? undefined : (deps.config.groups[group]?.[last.serving]?.region ?? last.serving);
  const counts = { transitions, since, until, suppressed: held };
  return composeNotification(last, deps.config, now, 'flap-summary', {
    seq: flap.lastSeq,
    ...flapEndedWords(last, region, holdMinutes, counts, foldedPromotionWords(promotions, deps.config)),
    flap: counts,
    ...(flap.episode ? { episode: flap.episode } : {}),
  });
};

/** After flapping: open incident if the group did not end healthy (PagerDuty resolves only on a healthy primary). */
const endedHealthy = (n: Notification | undefined) => n?.serving === 'primary' && n.state === 'OK';

export type FlapAction = 'normal' | 'flapping' | 'suppress';

/** The state after a flap ends: an incident stays open (mapped) unless the group ended healthy. */
export const stableAfter = (flap: FlapState, summary: Notification | undefined): FlapState =>
  endedHealthy(summary) || flap.episode === undefined
    ? { flapping: false, version: flap.version }
    : { flapping: false, episode: flap.episode, incidentOpen: true, version: flap.version };

/**
 * Decides flap suppression for a new entry. Windows are judged on the alarms' state-change times (not arrival), so
 * a replay behaves like the outage did: the Nth counting transition within the window becomes one "flapping"
 * message, later ones are held back until the group is stable for the hold time, then one summary follows.
 */
export const flapDecision = async (
  entry: LedgerEntry,
  deps: FlapDeps,
): Promise<{
  action: FlapAction;
  summary?: Notification;
  transitions: number;
  since: string;
  episode: number;
  incident?: number;
}> => {
  const cfg = flapRule(deps.config, entry.group);
  const t = ms(entry.stateChangedAt);
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = await deps.deliveries.getFlap(entry.group);
    let state: FlapState = { ...before };
    let summary: Notification | undefined;
    if (state.flapping && state.lastTransitionAt && t - ms(state.lastTransitionAt) >= cfg.holdMinutes * MIN) {
      summary = await flapSummary(
        entry.group,
        state,
        deps,
        new Date(ms(state.lastTransitionAt) + cfg.holdMinutes * MIN),
      );
      state = stableAfter(state, summary);
    }
    let action: FlapAction = state.flapping ? 'suppress' : 'normal';
    let transitions = 0;
    if (FLAP_COUNTING_EVENTS.has(entry.event)) {
      if (state.flapping) {
        if (!state.lastTransitionAt || t > ms(state.lastTransitionAt))
          state = { ...state, lastTransitionAt: entry.stateChangedAt, lastSeq: entry.seq };
      } else {
        const recent = await countingBetween(
          entry.group,
          new Date(t - cfg.windowMinutes * MIN).toISOString(),
          entry.stateChangedAt,
          deps,
        );
        if (!recent.some((e) => e.seq === entry.seq)) recent.push(entry); // GSIs can lag the base table
        transitions = recent.length;
        if (recent.length >= cfg.transitions) {
          action = 'flapping';
          state = {
            flapping: true,
            since: recent[0]?.stateChangedAt ?? entry.stateChangedAt,
            lastTransitionAt: entry.stateChangedAt,
            lastSeq: entry.seq,
            episode: entry.episode ?? entry.seq,
            version: state.version,
          };
        }
      }
    }
    // A RECOVERED after an unhealthy end of flapping resolves the flapping incident: map it, then close it.
    const incident = !state.flapping && state.incidentOpen ? state.episode : undefined;
    if (incident !== undefined && entry.event === 'RECOVERED') state = { flapping: false, version: state.version };
    const changed = JSON.stringify({ ...state, version: 0 }) !== JSON.stringify({ ...before, version: 0 });
    if (!changed || (await deps.deliveries.putFlap(entry.group, state, before.version))) {
      return {
        action,
        ...(summary ? { summary } : {}),
        transitions,
        since: state.since ?? entry.stateChangedAt,
        episode: state.episode ?? entry.episode ?? entry.seq,
        ...(incident !== undefined ? { incident } : {}),
      };
    }
  }
  throw new R53FailoverError(`flap state of ${entry.group} kept changing under concurrent updates`);
};

/**
 * Whether a promotion step is folded into the flap summary: its event only decides whether to promote, and the group
 * is flapping at the step's time (flapping, and its last counting transition less than the hold time before).
 */
export const foldedWhileFlapping = async (entry: LedgerEntry, deps: FlapDeps): Promise<boolean> => {
  if (!FOLDED_WHILE_FLAPPING.has(entry.event)) return false;
  const flap = await deps.deliveries.getFlap(entry.group);
  const { holdMinutes } = flapRule(deps.config, entry.group);
  return Boolean(
    flap.flapping && flap.lastTransitionAt && ms(entry.stateChangedAt) - ms(flap.lastTransitionAt) < holdMinutes * MIN,
  );
};
