import { R53FailoverError, UsageError } from '../support/errors.js';
import type { GroupSnapshot } from '../core/failover-transition.js';
import type { LedgerEntry, LedgerStore } from '../ledger/store.js';
import type { DeliveryStore } from '../notify/delivery-store.js';
import type { ProbeStore, StoredProbeResult } from '../probe/probe-store.js';
import { csvHeader, entryToCsv } from './csv.js';
import { episodeOf } from './queries.js';
import type { MemberRole } from '../core/members.js';
import { ledgerGroups, readChain } from '../ledger/chain.js';

export const EXPORT_FORMATS = ['json', 'ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  group?: string;
  /** Inclusive bounds on `stateChangedAt` (ISO 8601); either one switches the export to time order. */
  since?: string;
  until?: string;
  /** Entries read per ledger query (default 500). */
  pageSize?: number;
  now?: () => Date;
}

export interface ExportSummary {
  entries: number;
  /** `chain`: group by group (sorted by name), each in seq order, what `verify --file` checks. `time`: by state-change time. */
  order: 'chain' | 'time';
}

/** Writes one chunk and, when the stream's buffer is full, waits for 'drain' (or fails on 'error' / 'close'). */
const write = async (out: NodeJS.WritableStream, chunk: string): Promise<void> => {
  // A stream that failed (disk full, closed pipe) would never emit 'drain': stop instead of waiting forever.
  if (!out.writable) throw new R53FailoverError('export: the output is no longer writable');
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (err: Error) => settle(err);
    const onClose = () => settle(new R53FailoverError('export: the output closed before the export was written'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
};

const isoOf = (flag: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new UsageError(`export: --${flag}: expected an ISO 8601 time, got ${JSON.stringify(value)}`);
  return new Date(t).toISOString();
};

async function* chainOrder(
  ledger: LedgerStore,
  group: string | undefined,
  pageSize: number,
): AsyncGenerator<LedgerEntry> {
  for (const g of group ? [group] : await ledgerGroups(ledger)) yield* readChain(ledger, g, pageSize);
}

async function* timeOrder(
  ledger: LedgerStore,
  q: { group?: string; since?: string; until?: string },
  pageSize: number,
): AsyncGenerator<LedgerEntry> {
  let cursor: string | undefined;
  do {
    const page = await ledger.page({ ...q, order: 'asc', limit: pageSize, ...(cursor ? { cursor } : {}) });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor);
}

/**
 * Streams the ledger to `out` a page at a time, waiting for the stream to drain. json and ndjson keep every field
 * (`snapshot` included: the hash covers it, so `verify --file` can recompute hashes); CSV keeps the `CSV_COLUMNS`.
 * Without `since`/`until` the order is chain order (verifiable); with either, it is a time window in time order.
 * `json` is one document, `{"version":1,"exportedAt",…,"entries":[…]}`, written one entry per line.
 */
export const exportLedger = async (
  ledger: LedgerStore,
  out: NodeJS.WritableStream,
  opts: ExportOptions,
): Promise<ExportSummary> => {
  const since = isoOf('since', opts.since);
  const until = isoOf('until', opts.until);
  const pageSize = opts.pageSize ?? 500;
  const order = since || until ? 'time' : 'chain';
  const entries =
    order === 'time'
      ? timeOrder(ledger, { group: opts.group, since, until }, pageSize)
      : chainOrder(ledger, opts.group, pageSize);
  if (opts.format === 'csv') await write(out, csvHeader());
  if (opts.format === 'json') {
    const exportedAt = (opts.now?.() ?? new Date()).toISOString();
    // The header is the document with an empty `entries` (last key) minus its closing `]}`: entries stream after it.
    await write(
      out,
      JSON.stringify({ version: 1, exportedAt, order, group: opts.group, since, until, entries: [] }).slice(0, -2),
    );
  }
  let n = 0;
  for await (const e of entries) {
    const text =
      opts.format === 'csv'
        ? entryToCsv(e)
        : opts.format === 'ndjson'
          ? `${JSON.stringify(e)}\n`
          : `${n ? ',' : ''}\n${JSON.stringify(e)}`;
    await write(out, text);
    n++;
  }
  if (opts.format === 'json') await write(out, `${n ? '\n' : ''}]}\n`);
  return { entries: n, order };
};

/** `export --evidence` named an episode the group does not have. */
export class EpisodeNotFoundError extends R53FailoverError {
  override readonly name: string = 'EpisodeNotFoundError';
}

export interface ChainLink {
  seq: number;
  prevHash: string | null;
  hash: string | null;
}

/** Everything about one failover episode, for a post-incident review or an auditor, in one JSON document. */
export interface EvidenceBundle {
  version: 1;
  kind: 'evidence';
  exportedAt: string;
  group: string;
  episode: number;
  /** From the opening entry's state change to the RECOVERED one's (null: still open when exported). */
  window: { start: string; end: string | null };
  /** Every entry of the episode in seq order, whole (snapshot, prevHash, hash): each one re-hashes with `entryHash`. */
  timeline: LedgerEntry[];
  /** The health alarm transitions among them. */
  alarms: {
    seq: number;
    role: string;
    alarmName: string;
    alarmArn: string;
    healthCheckId: string;
    region: string;
    state: string;
    previousState: string | null;
    stateChangedAt: string;
    recordedAt: string;
    event: string;
    stale: boolean;
    serving: string;
    reason: string;
  }[];
  /** Member states after the episode's last entry. */
  membersAfter: GroupSnapshot;
  probes: {
    /** Probe quorum changes and disagreements in the chain, with each region's verdict when the quorum was judged. */
    quorumChanges: {
      seq: number;
      role: string;
      state: string;
      previousState: string | null;
      event: string;
      stateChangedAt: string;
      down: string[];
      up: string[];
      verdicts: unknown[];
      disagreement?: unknown;
    }[];
    /** Stored probe results that started inside the window (results expire by TTL: old episodes may have none). */
    results: StoredProbeResult[];
    /** True when the newest-first read hit its limit before reaching the window's start. */
    resultsTruncated: boolean;
  };
  /** Notifications about the episode's entries and their delivery state per channel. */
  notifications: {
    id: string;
    kind: string;
    seq: number;
    event: string;
    title: string;
    channels: {
      channel: string;
      status: string;
      attempts: number;
      sentAt?: string;
      lastError?: string;
      permanent?: boolean;
      updatedAt: string;
    }[];
  }[];
  /** Promotion steps: who requested, approved, rejected or ran what. */
  promotions: {
    seq: number;
    id: string;
    state: string;
    previousState: string | null;
    actor: string;
    mode: string;
    at: string;
    calls: string[];
  }[];
  /**
   * Chain hashes to verify the timeline: a link for every seq from the first timeline entry to the last (skipped
   * entries of other episodes too), so the run is unbroken; `head` is the group's head when exported. The first
   * link's prevHash is the hash of the entry before the episode, which `verify` on the ledger vouches for.
   */
  chain: { links: ChainLink[]; head: { seq: number; hash: string | null } };
}

const MEMBERS: MemberRole[] = ['primary', 'secondary'];

const probeResultsIn = async (probes: ProbeStore, group: string, start: string, end: string, limit: number) => {
  let truncated = false;
  const results: StoredProbeResult[] = [];
  for (const member of MEMBERS) {
    const newestFirst = await probes.listResults(group, member, limit);
    const oldest = newestFirst.at(-1);
    if (newestFirst.length >= limit && oldest && oldest.startedAt > start) truncated = true;
    results.push(...newestFirst.filter((r) => r.startedAt >= start && r.startedAt <= end));
  }
  return { results: results.sort((a, b) => a.startedAt.localeCompare(b.startedAt)), truncated };
};

/** Builds the evidence bundle of one episode (`<group>#<episode>`, the episode being its opening entry's seq). */
export const exportEvidence = async (
  ledger: LedgerStore,
  deliveries: DeliveryStore | undefined,
  probes: ProbeStore | undefined,
  group: string,
  episode: number,
  opts: { now?: () => Date; probeResultLimit?: number } = {},
): Promise<EvidenceBundle> => {
  const ep = await episodeOf(ledger, deliveries, group, episode);
  if (!ep)
    throw new EpisodeNotFoundError(
      `no episode #${episode} in ${group} (an episode is numbered by the seq of the entry that opened it; see history)`,
    );
  const now = (opts.now?.() ?? new Date()).toISOString();
  const entries = ep.entries;
  const last = entries.at(-1) ?? ep.opener;
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  const links: ChainLink[] = [];
  for (let seq = ep.opener.seq; seq <= last.seq; seq++) {
    const e = bySeq.get(seq) ?? (await ledger.get(group, seq));
    links.push({ seq, prevHash: e?.prevHash ?? null, hash: e?.hash ?? null });
  }
  const head = await ledger.head(group, { fresh: true });
  const probed = probes
    ? await probeResultsIn(probes, group, ep.start, ep.end ?? now, opts.probeResultLimit ?? 1000)
    : { results: [], truncated: false };
  const notifications = new Map<string, EvidenceBundle['notifications'][number]>();
  for (const d of ep.deliveries) {
    let n = notifications.get(d.notificationId);
    if (!n)
      notifications.set(
        d.notificationId,
        (n = {
          id: d.notificationId,
          kind: d.notification.kind,
          seq: d.seq,
          event: d.notification.event,
          title: d.notification.title,
          channels: [],
        }),
      );
    n.channels.push({
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      sentAt: d.sentAt,
      lastError: d.lastError,
      permanent: d.permanent,
      updatedAt: d.updatedAt,
    });
  }
  return {
    version: 1,
    kind: 'evidence',
    exportedAt: now,
    group,
    episode,
    window: { start: ep.start, end: ep.end ?? null },
    timeline: entries,
    alarms: entries.flatMap((e) =>
      e.kind === 'transition'
        ? [
            {
              seq: e.seq,
              role: e.role,
              alarmName: e.alarmName,
              alarmArn: e.alarmArn,
              healthCheckId: e.healthCheckId,
              region: e.region,
              state: e.state,
              previousState: e.previousState,
              stateChangedAt: e.stateChangedAt,
              recordedAt: e.recordedAt,
              event: e.event,
              stale: e.stale,
              serving: e.serving,
              reason: e.reason,
            },
          ]
        : [],
    ),
    membersAfter: last.snapshot,
    probes: {
      quorumChanges: entries.flatMap((e) =>
        e.kind === 'probe'
          ? [
              {
                seq: e.seq,
                role: e.role,
                state: e.state,
                previousState: e.previousState,
                event: e.event,
                stateChangedAt: e.stateChangedAt,
                down: e.probe.down,
                up: e.probe.up,
                verdicts: e.probe.verdicts,
                ...(e.probe.disagreement ? { disagreement: e.probe.disagreement } : {}),
              },
            ]
          : [],
      ),
      results: probed.results,
      resultsTruncated: probed.truncated,
    },
    notifications: [...notifications.values()].sort((a, b) => a.seq - b.seq || a.id.localeCompare(b.id)),
    promotions: entries.flatMap((e) =>
      e.kind === 'promotion'
        ? [
            {
              seq: e.seq,
              id: e.promotion.id,
              state: e.state,
              previousState: e.previousState,
              actor: e.promotion.actor,
              mode: e.promotion.mode,
              at: e.stateChangedAt,
              calls: e.promotion.calls,
            },
          ]
        : [],
    ),
    chain: { links, head: { seq: head.seq, hash: head.entry?.hash ?? null } },
  };
};
