import type { LedgerEntry, LedgerStore } from '../ledger/store.js';
import type { DeliveryRecord, DeliveryStore } from '../notify/delivery-store.js';

/** One page of history, newest first, with an opaque cursor for the next page (the CLI and the audit API). */
export const historyPage = (
  ledger: LedgerStore,
  q: { group?: string; since?: string; until?: string; limit?: number; cursor?: string },
) => ledger.page({ ...q, order: 'desc', limit: q.limit ?? 100 });

export interface Episode {
  group: string;
  episode: number;
  /** The entry that opened it (first FAILED_OVER or BOTH_UNHEALTHY) and the one that closed it (RECOVERED), if any. */
  opener: LedgerEntry;
  closer?: LedgerEntry;
  start: string;
  end?: string;
  /** Every entry of the episode in sequence order: transitions (stale ones in its window too), probe events, promotion steps. */
  entries: LedgerEntry[];
  /** Delivery state of every notification about those entries (per channel), suppressed ones included. */
  deliveries: DeliveryRecord[];
}

/** An episode with everything related to it, read from the chain (an episode is one contiguous range of it). */
export const episodeOf = async (
  ledger: LedgerStore,
  deliveries: DeliveryStore | undefined,
  group: string,
  episode: number,
): Promise<Episode | undefined> => {
  const opener = await ledger.get(group, episode);
  if (!opener || opener.episode !== episode) return undefined;
  const entries: LedgerEntry[] = [];
  let cursor: string | undefined;
  let done = false;
  do {
    const page = await ledger.chain(group, cursor, 500);
    for (const e of page.items) {
      if (e.seq < episode) continue;
      // Entries after the episode closed that no longer belong to it end the walk (promotion/probe steps of the
      // episode carry its number even after RECOVERED).
      if (e.episode !== episode && !(e.stale && e.seq > episode)) {
        if (entries.some((x) => x.event === 'RECOVERED') && e.kind === 'transition') {
          done = true;
          break;
        }
        continue;
      }
      entries.push(e);
    }
    cursor = page.cursor;
  } while (cursor && !done);
  const closer = entries.find((e) => e.event === 'RECOVERED');
  const seqs = new Set(entries.map((e) => e.seq));
  const delivered = deliveries ? (await deliveries.list(group)).filter((d) => seqs.has(d.seq)) : [];
  return {
    group,
    episode,
    opener,
    ...(closer ? { closer, end: closer.stateChangedAt } : {}),
    start: opener.stateChangedAt,
    entries,
    deliveries: delivered,
  };
};
