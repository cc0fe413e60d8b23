import type { FailoverConfig } from '../config/schema.js';
import { DEFAULT_FLAP, FLAP_COUNTING_EVENTS, type FlapRule, type GroupEvent } from '../core/group-events.js';
import type { LedgerEntry, LedgerStore, PromotionEntry } from '../ledger/store.js';
import type { DeliveryRecord, DeliveryStore } from '../notify/delivery-store.js';
import { effectiveTransitions, iso, ms, secondsIn, timeline } from './timeline.js';
import { UNASSIGNED_GROUP } from '../core/members.js';

/** Failover statistics per group over a window; every figure is defined in docs/audit.md. */

export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

const MIN = 60_000;

export interface Latency {
  count: number;
  p50Seconds: number | null;
  maxSeconds: number | null;
}

export interface EpisodeSummary {
  /** The seq of the entry that opened it. */
  episode: number;
  opener: GroupEvent;
  start: string;
  /** The RECOVERED time, or null while still open at the horizon. */
  end: string | null;
  open: boolean;
  /** Opener to RECOVERED, or to the horizon when still open. */
  durationSeconds: number;
}

export interface FlapPeriod {
  /** When the rule fired (the Nth counting transition within the window). */
  start: string;
  /** First counting transition of the window that fired, and the last one before the group held still. */
  firstTransitionAt: string;
  lastTransitionAt: string;
  /** lastTransitionAt + holdMinutes, or null when that is after the horizon (still flapping). */
  end: string | null;
  transitions: number;
}

export interface PromotionStats {
  count: number;
  succeeded: number;
  failed: number;
  /** PROMOTION_IN_PROGRESS to SUCCEEDED/FAILED, one per finished promotion, in start order. */
  durationsSeconds: number[];
}

export interface GroupStats {
  group: string;
  failovers: number;
  timeOnSecondarySeconds: number;
  downtimeSeconds: number;
  flaps: number;
  mttrSeconds: number | null;
  /** Every episode overlapping the window (also ones opened before it). */
  episodes: EpisodeSummary[];
  timeToDetect: Latency;
  timeToNotify: Latency;
  promotions: PromotionStats;
  flapPeriods: FlapPeriod[];
}

export interface StatsOptions {
  /** Default: the group of the first entry. */
  group?: string;
  since: string;
  until: string;
  flap: FlapRule;
  /** Open episodes and flaps are counted up to here (default `until`); a period bucket passes the report's `until`. */
  horizon?: string;
  /** Events at exactly `until` belong to the next window (period buckets but the last); default: they count here. */
  untilExclusive?: boolean;
}

/** Nearest-rank median and maximum. */
export const latency = (values: number[]): Latency => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Seconds: sorted.length ? (sorted[Math.ceil(sorted.length / 2) - 1] as number) : null,
    maxSeconds: sorted.length ? (sorted[sorted.length - 1] as number) : null,
  };
};

const seconds = (fromIso: string, toIso: string) => (ms(toIso) - ms(fromIso)) / 1000;

/** Episodes as the recorder numbered them: opened by the entry whose seq is its number, closed by RECOVERED. */
export const episodesOf = (entries: readonly LedgerEntry[], horizon: string): EpisodeSummary[] => {
  const byNumber = new Map<number, { opener?: LedgerEntry; closer?: LedgerEntry }>();
  for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (e.episode === null || e.stateChangedAt > horizon) continue;
    const ep = byNumber.get(e.episode) ?? {};
    if (e.seq === e.episode) ep.opener = e;
    if (!ep.closer && e.kind === 'transition' && !e.stale && e.event === 'RECOVERED') ep.closer = e;
    byNumber.set(e.episode, ep);
  }
  const out: EpisodeSummary[] = [];
  for (const [episode, { opener, closer }] of byNumber) {
    if (!opener) continue;
    const end = closer?.stateChangedAt ?? null;
    out.push({
      episode,
      opener: opener.event,
      start: opener.stateChangedAt,
      end,
      open: !closer,
      durationSeconds: seconds(opener.stateChangedAt, end ?? horizon),
    });
  }
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.episode - b.episode);
};

/**
 * Flapping periods by the notifier's rule, judged on state-change times: when not flapping, a counting transition
 * that makes `transitions` of them within `windowMinutes` (inclusive) starts a period; it lasts while counting
 * transitions keep coming less than `holdMinutes` apart, and ends `holdMinutes` after the last one.
 */
export const flapPeriodsOf = (entries: readonly LedgerEntry[], rule: FlapRule, horizon: string): FlapPeriod[] => {
  const counting = effectiveTransitions(entries).filter(
    (e) => FLAP_COUNTING_EVENTS.has(e.event) && e.stateChangedAt <= horizon,
  );
  const times = counting.map((e) => ms(e.stateChangedAt));
  const out: FlapPeriod[] = [];
  let open: { start: number; first: number; last: number } | undefined;
  const close = (p: { start: number; first: number; last: number }) => {
    const end = p.last + rule.holdMinutes * MIN;
    const n = times.filter((t) => t >= p.first && t <= p.last).length;
    out.push({
      start: iso(p.start),
      firstTransitionAt: iso(p.first),
      lastTransitionAt: iso(p.last),
      end: end <= ms(horizon) ? iso(end) : null,
      transitions: n,
    });
  };
  times.forEach((t, i) => {
    if (open && t - open.last >= rule.holdMinutes * MIN) {
      close(open);
      open = undefined;
    }
    if (open) {
      open.last = t;
      return;
    }
    const recent = times.slice(0, i + 1).filter((x) => x >= t - rule.windowMinutes * MIN);
    if (recent.length >= rule.transitions) open = { start: t, first: recent[0] as number, last: t };
  });
  if (open) close(open);
  return out;
};

/** Statistics of one group over [since, until] from its entries (pass all of them up to the horizon) and deliveries. */
export const groupStats = (
  entries: readonly LedgerEntry[],
  deliveries: readonly DeliveryRecord[],
  opts: StatsOptions,
): GroupStats => {
  const { since, until, flap } = opts;
  const group = opts.group ?? entries[0]?.group ?? '';
  const horizon = opts.horizon ?? until;
  const known = entries.filter((e) => e.group === group && e.stateChangedAt <= horizon);
  const beforeEnd = (at: string) => (opts.untilExclusive ? at < until : at <= until);
  const inWindow = (at: string) => at >= since && beforeEnd(at);
  const intervals = timeline(known, since, until);

  const allEpisodes = episodesOf(known, horizon);
  const episodes = allEpisodes.filter((e) => beforeEnd(e.start) && (e.end === null || e.end > since));
  const started = allEpisodes.filter((e) => inWindow(e.start));
  const mttrSeconds = started.length ? started.reduce((sum, e) => sum + e.durationSeconds, 0) / started.length : null;

  const flapPeriods = flapPeriodsOf(known, flap, horizon).filter((p) => inWindow(p.start));

  const transitions = known.filter((e) => e.kind === 'transition' && inWindow(e.stateChangedAt));
  const timeToDetect = latency(transitions.map((e) => seconds(e.stateChangedAt, e.recordedAt)));
  const firstSent = new Map<number, string>();
  for (const d of deliveries) {
    if (d.group !== group || d.status !== 'sent' || !d.sentAt || d.notification.kind !== 'transition') continue;
    const prev = firstSent.get(d.seq);
    if (!prev || d.sentAt < prev) firstSent.set(d.seq, d.sentAt);
  }
  const notified = transitions.filter((e) => !e.stale && firstSent.has(e.seq));
  const timeToNotify = latency(notified.map((e) => seconds(e.stateChangedAt, firstSent.get(e.seq) as string)));

  return {
    group,
    failovers: started.length,
    timeOnSecondarySeconds: secondsIn(intervals, 'failed-over'),
    downtimeSeconds: secondsIn(intervals, 'down'),
    flaps: flapPeriods.length,
    mttrSeconds,
    episodes,
    timeToDetect,
    timeToNotify,
    promotions: promotionStats(known, inWindow),
    flapPeriods,
  };
};

/** Promotions that reached IN_PROGRESS in the window, and how (and how fast) the finished ones ended. */
const promotionStats = (entries: readonly LedgerEntry[], inWindow: (at: string) => boolean): PromotionStats => {
  const byId = new Map<string, { started?: PromotionEntry; ended?: PromotionEntry }>();
  for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (e.kind !== 'promotion') continue;
    const p = byId.get(e.promotion.id) ?? {};
    if (!p.started && e.state === 'IN_PROGRESS') p.started = e;
    else if (p.started && !p.ended && (e.state === 'SUCCEEDED' || e.state === 'FAILED')) p.ended = e;
    byId.set(e.promotion.id, p);
  }
  const runs = [...byId.values()].filter((p) => p.started && inWindow(p.started.stateChangedAt));
  runs.sort((a, b) => (a.started?.stateChangedAt ?? '').localeCompare(b.started?.stateChangedAt ?? ''));
  return {
    count: runs.length,
    succeeded: runs.filter((p) => p.ended?.state === 'SUCCEEDED').length,
    failed: runs.filter((p) => p.ended?.state === 'FAILED').length,
    durationsSeconds: runs.flatMap((p) =>
      p.started && p.ended ? [seconds(p.started.stateChangedAt, p.ended.stateChangedAt)] : [],
    ),
  };
};

export interface Bucket {
  /** `2025-06-12` (day), `2025-06-09` (the Monday of a week), `2025-06` (month). */
  label: string;
  since: string;
  until: string;
}

const startOfPeriod = (t: number, period: Period): number => {
  const d = new Date(t);
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return period === 'day' ? day : day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
};

const nextPeriod = (start: number, period: Period): number => {
  const d = new Date(start);
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return start + (period === 'day' ? 1 : 7) * 86_400_000;
};

/** UTC calendar buckets covering [since, until], the first and last clipped to the window. */
export const periodBuckets = (since: string, until: string, period: Period): Bucket[] => {
  const out: Bucket[] = [];
  const to = ms(until);
  for (
    let start = startOfPeriod(ms(since), period);
    start < to || out.length === 0;
    start = nextPeriod(start, period)
  ) {
    const label = iso(start).slice(0, period === 'month' ? 7 : 10);
    out.push({ label, since: iso(Math.max(start, ms(since))), until: iso(Math.min(nextPeriod(start, period), to)) });
  }
  return out;
};

export type PeriodStats = Omit<GroupStats, 'group'> & Bucket;
export type GroupReportStats = GroupStats & { periods?: PeriodStats[] };

export interface StatsQuery {
  group?: string;
  since: string;
  until: string;
  period?: Period;
}

export interface StatsReport {
  since: string;
  until: string;
  period?: Period;
  groups: GroupReportStats[];
}

/** What stats and reports read: only listing, so a fake in unit tests needs no more. */
export type AuditLedger = Pick<LedgerStore, 'list' | 'groups'>;
export type AuditDeliveries = Pick<DeliveryStore, 'list'>;

/** The groups a report covers: the one asked for, else every configured group and every group in the ledger. */
export const reportGroups = async (
  ledger: Pick<LedgerStore, 'groups'>,
  config: FailoverConfig,
  group?: string,
): Promise<string[]> => {
  if (group) return [group];
  const all = new Set([...Object.keys(config.groups), ...(await ledger.groups())]);
  all.delete(UNASSIGNED_GROUP); // health checks in no group have no failover to measure
  return [...all].sort();
};

/** A group's entries up to `until` (from the start: the state at `since` depends on them) and its deliveries. */
export const loadGroup = async (
  ledger: AuditLedger,
  deliveries: AuditDeliveries | undefined,
  group: string,
  until: string,
) => ({
  entries: await ledger.list({ group, until, order: 'asc' }),
  deliveries: deliveries ? await deliveries.list(group) : [],
});

export const flapRuleOf = (config: FailoverConfig): FlapRule => config.notify?.flap ?? DEFAULT_FLAP;

/** Statistics per group over the window, and per UTC day/week/month bucket with `period`. */
export const statsReport = async (
  ledger: AuditLedger,
  deliveries: AuditDeliveries | undefined,
  config: FailoverConfig,
  q: StatsQuery,
): Promise<StatsReport> => {
  const flap = flapRuleOf(config);
  const groups: GroupReportStats[] = [];
  for (const group of await reportGroups(ledger, config, q.group)) {
    const data = await loadGroup(ledger, deliveries, group, q.until);
    const total: GroupReportStats = groupStats(data.entries, data.deliveries, {
      group,
      since: q.since,
      until: q.until,
      flap,
    });
    if (q.period) {
      const buckets = periodBuckets(q.since, q.until, q.period);
      total.periods = buckets.map((b, i) => {
        const { group: _group, ...s } = groupStats(data.entries, data.deliveries, {
          group,
          since: b.since,
          until: b.until,
          flap,
          horizon: q.until,
          untilExclusive: i < buckets.length - 1,
        });
        return { ...b, ...s };
      });
    }
    groups.push(total);
  }
  return { since: q.since, until: q.until, ...(q.period ? { period: q.period } : {}), groups };
};
