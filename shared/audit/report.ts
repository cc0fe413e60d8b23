import type { FailoverConfig } from '../config/schema.js';
import type { LedgerEntry } from '../ledger/store.js';
import type { DeliveryRecord } from '../notify/delivery-store.js';
import {
  flapRuleOf,
  groupStats,
  loadGroup,
  reportGroups,
  type AuditDeliveries,
  type AuditLedger,
  type GroupStats,
} from './stats.js';
import { headSummary, type HeadSummary } from './status.js';
import { alwaysHealthyRoles } from '../config/lookups.js';
import { timeline, type Condition, type Interval } from './timeline.js';

/** The audit report (text, Markdown or one self-contained HTML file): timeline, statistics and episodes per group. */

export const REPORT_FORMATS = ['text', 'html', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface Marker {
  at: string;
  kind: 'notification' | 'promotion';
  /** Notifications: sent | failed | suppressed | sending (the best outcome over channels); promotions: the status. */
  status: string;
  label: string;
  detail: string;
}

export interface EpisodeStep {
  seq: number;
  at: string;
  event: string;
  role: string;
  state: string;
  /** Untrusted (alarm reasons come from CloudWatch configuration): every renderer escapes it. */
  reason: string;
}

export interface EpisodeDetail {
  episode: number;
  start: string;
  end: string | null;
  durationSeconds: number;
  events: EpisodeStep[];
  promotions: (EpisodeStep & { promotionId: string; actor: string })[];
}

export interface GroupReport {
  group: string;
  recordName: string | null;
  runbookUrl: string | null;
  intervals: Interval[];
  markers: Marker[];
  stats: GroupStats;
  episodes: EpisodeDetail[];
  /** What `status` would say at the window's end: from the snapshot of the newest entry up to `until`. */
  current: HeadSummary;
}

export interface Report {
  since: string;
  until: string;
  generatedAt: string;
  groups: GroupReport[];
}

/** One line of the fleet overview at the top of the report. */
export interface FleetRow extends HeadSummary {
  group: string;
  /** The id of the group's section in the HTML report (unique in the report). */
  anchor: string;
  /** The timeline's condition at the window's end (`unknown` for an empty window). */
  condition: Condition;
  failovers: number;
  timeOnSecondarySeconds: number;
  downtimeSeconds: number;
}

/** An id for each group's section: `group-<name>`, other characters as `_`, a suffix when two collide. */
const anchorsOf = (groups: readonly string[]): string[] => {
  const seen = new Set<string>();
  return groups.map((g) => {
    const base = `group-${g.replace(/[^A-Za-z0-9-]/g, '_')}`;
    let id = base;
    for (let n = 2; seen.has(id); n++) id = `${base}-${n}`;
    seen.add(id);
    return id;
  });
};

/** Every group of the report in one row each, in report order: the figures its stats and timeline already hold. */
export const fleetOverview = (r: Report): FleetRow[] => {
  const anchors = anchorsOf(r.groups.map((g) => g.group));
  return r.groups.map((g, i) => ({
    group: g.group,
    anchor: anchors[i] ?? '',
    ...g.current,
    condition: g.intervals.at(-1)?.condition ?? 'unknown',
    failovers: g.stats.failovers,
    timeOnSecondarySeconds: g.stats.timeOnSecondarySeconds,
    downtimeSeconds: g.stats.downtimeSeconds,
  }));
};

const STATUS_RANK = ['sent', 'sending', 'failed', 'suppressed'];

/** One marker per notification: at its first successful send (else its last update), with every channel's outcome. */
const notificationMarkers = (deliveries: readonly DeliveryRecord[], inWindow: (at: string) => boolean): Marker[] => {
  const byId = new Map<string, DeliveryRecord[]>();
  for (const d of deliveries) byId.set(d.notificationId, [...(byId.get(d.notificationId) ?? []), d]);
  const out: Marker[] = [];
  for (const records of byId.values()) {
    const status = STATUS_RANK.find((s) => records.some((r) => r.status === s)) ?? 'sending';
    const times = records
      .map((r) => (status === 'sent' ? r.sentAt : r.updatedAt))
      .filter((t): t is string => Boolean(t))
      .sort();
    const at = times[0];
    const first = records[0];
    if (!at || !first || !inWindow(at)) continue;
    const channels = records
      .map((r) => `${r.channel}: ${r.status}${r.lastError ? ` (${r.lastError})` : ''}`)
      .join(', ');
    out.push({ at, kind: 'notification', status, label: first.notification.title, detail: channels });
  }
  return out;
};

const stepOf = (e: LedgerEntry): EpisodeStep => ({
  seq: e.seq,
  at: e.stateChangedAt,
  event: e.event,
  role: e.role,
  state: e.state,
  reason: e.reason,
});

/** Reads the ledger (and deliveries) and assembles the report; rendering is separate and pure. */
export const buildReport = async (
  ledger: AuditLedger,
  deliveries: AuditDeliveries | undefined,
  config: FailoverConfig,
  q: { group?: string; since: string; until: string; generatedAt: string },
): Promise<Report> => {
  const groups: GroupReport[] = [];
  const inWindow = (at: string) => at >= q.since && at <= q.until;
  for (const group of await reportGroups(ledger, config, q.group)) {
    const data = await loadGroup(ledger, deliveries, group, q.until);
    const stats = groupStats(data.entries, data.deliveries, {
      group,
      since: q.since,
      until: q.until,
      flap: flapRuleOf(config),
    });
    const promotionMarkers: Marker[] = data.entries.flatMap((e) =>
      e.kind === 'promotion' && inWindow(e.stateChangedAt)
        ? [
            {
              at: e.stateChangedAt,
              kind: 'promotion' as const,
              status: e.state,
              label: `${e.event} ${e.promotion.id}`,
              detail: e.reason,
            },
          ]
        : [],
    );
    const episodes = stats.episodes.map((s): EpisodeDetail => {
      const own = data.entries
        .filter((e) => e.episode === s.episode)
        .sort((a, b) => a.stateChangedAt.localeCompare(b.stateChangedAt) || a.seq - b.seq);
      return {
        episode: s.episode,
        start: s.start,
        end: s.end,
        durationSeconds: s.durationSeconds,
        events: own.filter((e) => e.kind !== 'promotion').map(stepOf),
        promotions: own.flatMap((e) =>
          e.kind === 'promotion' ? [{ ...stepOf(e), promotionId: e.promotion.id, actor: e.promotion.actor }] : [],
        ),
      };
    });
    const g = config.groups[group];
    const newest = data.entries.reduce<LedgerEntry | undefined>((a, e) => (a && a.seq > e.seq ? a : e), undefined);
    groups.push({
      group,
      recordName: g?.recordName ?? null,
      runbookUrl: g?.runbookUrl ?? null,
      intervals: timeline(data.entries, q.since, q.until),
      markers: [...notificationMarkers(data.deliveries, inWindow), ...promotionMarkers].sort((a, b) =>
        a.at.localeCompare(b.at),
      ),
      stats,
      episodes,
      current: headSummary(group, newest?.snapshot ?? {}, g ? alwaysHealthyRoles(g) : undefined),
    });
  }
  return { since: q.since, until: q.until, generatedAt: q.generatedAt, groups };
};

// ---- shared content -------------------------------------------------------------------------------------------
