import type { FailoverConfig } from '../config/schema.js';
import { alwaysHealthyRoles, probeSettingsFor } from '../config/lookups.js';
import { asRoute53Weighs, type Serving, servingOf } from '../core/failover-transition.js';
import type { ObservedServing } from '../core/probe-verdicts.js';
import { appendToChain } from '../ledger/append.js';
import { nextEntry } from '../ledger/entry.js';
import type { DnsEntry, LedgerHead, LedgerStore } from '../ledger/store.js';
import type { Log } from '../support/logger.js';
import { formatDuration } from '../support/text.js';
import type { DnsProbeResult } from './dns-probe.js';
import type { ObservedState, ProbeStore } from './probe-store.js';

/**
 * What Route 53 actually answers: each DNS probe result becomes an observation of the member the record serves, kept
 * per probe region and for the group. A change of the group's observation is a DNS_SERVING_CHANGED entry; the
 * observation disagreeing with the alarm-derived `serving` for `probes.servingMismatchSeconds` is a SERVING_MISMATCH.
 */

export interface DnsObservationDeps {
  config: FailoverConfig;
  /** The probe region (`cli` for `r53-failover probe`): whose view this is, and the entries' `probe:<region>` source. */
  region: string;
  store: ProbeStore;
  ledger: LedgerStore;
  log: Log;
  now: () => Date;
}

export type Observation = Pick<ObservedState, 'serving' | 'answer' | 'resolver' | 'negative'>;

/**
 * The member one DNS probe result says the record answers with, or undefined when it cannot say: resolvers that
 * disagree (a flip still converging), none that answered, or an alias target that could not be resolved. Resolvers
 * that agree on an answer no member carries, or on no record at all (NXDOMAIN/NODATA), observe `unknown`.
 */
export const observationOf = (result: DnsProbeResult): Observation | undefined => {
  const first = result.dns.find((d) => d.error === undefined);
  if (!first || result.pointsTo === 'split' || result.aliasErrors?.length) return undefined;
  const serving: ObservedServing =
    result.pointsTo === 'primary' || result.pointsTo === 'secondary' ? result.pointsTo : 'unknown';
  return {
    serving,
    answer: first.answers,
    resolver: first.resolver,
    ...(first.negative ? { negative: first.negative } : {}),
  };
};

const answerText = (o: Pick<ObservedState, 'answer' | 'negative'>) =>
  o.answer.length > 0 ? o.answer.join(', ') : (o.negative ?? 'no records');

const memberText = (config: FailoverConfig, group: string, m: ObservedServing | Serving) =>
  m === 'primary' || m === 'secondary' ? `the ${m} (${config.groups[group]?.[m].region ?? '?'})` : 'no member';

/** The member the alarms say Route 53 serves, as `status` says it (`healthCheck: none` members always healthy). */
const alarmServing = (config: FailoverConfig, group: string, head: LedgerHead): Serving => {
  const g = config.groups[group];
  return servingOf(group, asRoute53Weighs(head.snapshot, g ? alwaysHealthyRoles(g) : undefined));
};

/** The latest alarm state change of the group: when the alarm-derived `serving` last could have changed. */
const lastAlarmChange = (head: LedgerHead): string | null =>
  Object.values(head.snapshot).reduce<string | null>(
    (latest, m) => (latest === null || m.stateChangedAt > latest ? m.stateChangedAt : latest),
    null,
  );

const appendDnsEvent = (
  deps: DnsObservationDeps,
  group: string,
  event: 'DNS_SERVING_CHANGED' | 'SERVING_MISMATCH',
  o: Omit<ObservedState, 'version' | 'region'>,
  previous: ObservedServing | null,
  reason: string,
  alarms: Serving,
  mismatch?: NonNullable<DnsEntry['dns']['mismatch']>,
) => {
  const member = o.serving === 'unknown' ? undefined : deps.config.groups[group]?.[o.serving];
  const healthCheckId = member?.healthCheckId;
  const at = mismatch?.since ?? o.at;
  return appendToChain(deps.ledger, group, (head) =>
    nextEntry<DnsEntry>(head, {
      kind: 'dns',
      group,
      transitionId: `dns:${event}:${o.serving}:${at}`,
      role: o.serving,
      healthCheckId: healthCheckId ?? '',
      healthCheckIds: healthCheckId ? [healthCheckId] : [],
      region: member?.region ?? '',
      state: o.serving,
      previousState: previous,
      stateChangedAt: at,
      recordedAt: deps.now().toISOString(),
      sources: [`probe:${deps.region}`],
      event,
      serving: alarms,
      reason,
      dns: {
        answer: o.answer,
        resolver: o.resolver,
        ...(o.negative ? { negative: o.negative } : {}),
        ...(mismatch ? { mismatch } : {}),
      },
    }),
  );
};

/**
 * Records this region's observation, then moves the group's to it when it differs and is newer: the newest answer any
 * region settled on wins, keyed on when that region first saw it (not on when a round ran), so a region still caching
 * an older answer never moves it back. The version-conditional write admits one writer per change, across regions and
 * overlapping runs: it alone appends DNS_SERVING_CHANGED. The first observation of a group is its baseline: stored
 * (status shows it), not a change; if it disagrees with the alarms, SERVING_MISMATCH covers it.
 */
const recordObservation = async (
  deps: DnsObservationDeps,
  group: string,
  seen: Observation,
  at: string,
): Promise<{ observed: ObservedState | undefined; entry: DnsEntry | null }> => {
  let mine = await deps.store.getObserved(group, deps.region);
  if (mine?.serving !== seen.serving) {
    const next = { ...seen, at, region: deps.region };
    // Lost to an overlapping run of this region: it recorded the same answer, or the next round decides.
    if (!(await deps.store.putObserved(group, deps.region, next, mine?.version ?? 0)))
      return { observed: await deps.store.getObserved(group), entry: null };
    mine = { ...next, version: (mine?.version ?? 0) + 1 };
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await deps.store.getObserved(group);
    if (current && (current.serving === mine.serving || current.at >= mine.at))
      return { observed: current, entry: null };
    const { version: _v, ...state } = mine;
    if (!(await deps.store.putObserved(group, undefined, state, current?.version ?? 0))) continue;
    const observed = { ...state, version: (current?.version ?? 0) + 1 };
    if (!current) return { observed, entry: null };
    const g = deps.config.groups[group];
    const alarms = alarmServing(deps.config, group, await deps.ledger.head(group));
    const reason =
      `${(g?.recordName ?? group).replace(/\.$/, '')} ${g?.recordType ?? ''} now answers ${answerText(mine)}: ${memberText(deps.config, group, mine.serving)}; it answered ${memberText(deps.config, group, current.serving)} before. ` +
      `Resolver ${mine.resolver}, seen from ${deps.region} at ${mine.at}. The health check alarms say ${memberText(deps.config, group, alarms)} serves.` +
      (mine.serving === 'unknown'
        ? " No member's dnsAnswers carry this answer: the record or its alias target changed, or dnsAnswers is out of date."
        : '');
    const entry = await appendDnsEvent(deps, group, 'DNS_SERVING_CHANGED', mine, current.serving, reason, alarms);
    deps.log.info('DNS answers another member', {
      group,
      from: current.serving,
      to: mine.serving,
      seenFrom: deps.region,
    });
    return { observed, entry };
  }
  return { observed: await deps.store.getObserved(group), entry: null };
};

/**
 * Why DNS and the alarms disagree, by which way round, and what to look at. Route 53 judges a failover record by the
 * health check the record references, or for an alias with EvaluateTargetHealth by its target; a record with neither
 * is always healthy (Route 53 Developer Guide, "How Amazon Route 53 chooses records when health checking is
 * configured"; API Reference, "AliasTarget": EvaluateTargetHealth).
 */
const mismatchCause = (observed: ObservedServing): string => {
  if (observed === 'unknown')
    return 'DNS answers no member: check the record values and alias targets against dnsAnswers.';
  if (observed === 'primary')
    return "Route 53 keeps answering the primary although its alarm says it is down: the PRIMARY record does not reference that health check (HealthCheckId), an alias record has Evaluate Target Health off, or Route 53 sees the secondary unhealthy too. Route 53 will not fail over on failover.yml's health check.";
  return 'Route 53 answers the secondary while no alarm says the primary is down: the PRIMARY record uses another health check (or target health) than failover.yml watches, or an alias target is wrong. Failovers of this group go unrecorded.';
};

/**
 * SERVING_MISMATCH, once per mismatch: the group's observed member and the alarm-derived `serving` have disagreed for
 * `servingMismatchSeconds`. The mismatch began at the later of the observation and the group's latest alarm state
 * change (as HEALTH_DISAGREEMENT does), and is claimed under that time: any region reports it once. It ends when
 * DNS and the alarms agree again; a new DNS answer or a new alarm state change starts a new one, reported in turn
 * if it lasts.
 */
const checkMismatch = async (
  deps: DnsObservationDeps,
  group: string,
  observed: ObservedState,
): Promise<DnsEntry | null> => {
  const head = await deps.ledger.head(group, { fresh: true });
  const alarms = alarmServing(deps.config, group, head);
  if (alarms === 'none' || alarms === observed.serving) return null;
  const changed = lastAlarmChange(head);
  const since = changed && changed > observed.at ? changed : observed.at;
  const threshold = probeSettingsFor(deps.config, group).servingMismatchSeconds;
  const elapsed = (deps.now().getTime() - Date.parse(since)) / 1000;
  if (elapsed < threshold || !(await deps.store.claimMismatch(group, since))) return null;
  const reason =
    `DNS has answered ${memberText(deps.config, group, observed.serving)} (${answerText(observed)}, resolver ${observed.resolver}) while the health check alarms say ${memberText(deps.config, group, alarms)} serves, for ${formatDuration(Math.round(elapsed), 'min')} (since ${since}). ` +
    mismatchCause(observed.serving);
  const { version: _v, region: _r, ...o } = observed;
  deps.log.warn('DNS and the alarms disagree on the serving member', { group, dns: observed.serving, alarms, since });
  return appendDnsEvent(deps, group, 'SERVING_MISMATCH', o, null, reason, alarms, {
    alarmServing: alarms,
    since,
    thresholdSeconds: threshold,
  });
};

/**
 * Follows what one DNS probe result says the record answers (see `observationOf`): records a change of the serving
 * member (DNS_SERVING_CHANGED) and a lasting disagreement with the alarms (SERVING_MISMATCH). Returns the entries
 * appended (none on most rounds).
 */
export const observeDns = async (
  deps: DnsObservationDeps,
  group: string,
  result: DnsProbeResult,
): Promise<DnsEntry[]> => {
  const seen = observationOf(result);
  const { observed, entry } = seen
    ? await recordObservation(deps, group, seen, deps.now().toISOString())
    : { observed: await deps.store.getObserved(group), entry: null };
  const mismatch = observed ? await checkMismatch(deps, group, observed) : null;
  return [entry, mismatch].filter((e): e is DnsEntry => e !== null);
};
