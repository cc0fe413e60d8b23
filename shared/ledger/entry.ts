import { boundReason } from '../core/alarm-event.js';
import { servingOf } from '../core/failover-transition.js';
import type { LedgerEntry, LedgerHead } from './store.js';

/** Building the next entry of a group's chain: the fields every kind shares, derived once, from the head. */

/** What the head decides (seq, snapshot, serving, episode) or what most writers leave empty (alarm fields, flags). */
type Derived =
  | 'seq'
  | 'snapshot'
  | 'serving'
  | 'episode'
  | 'openEpisode'
  | 'alarmName'
  | 'alarmArn'
  | 'accountId'
  | 'stale'
  | 'metricMath'
  | 'reasonTruncated'
  | 'prevHash'
  | 'hash';

/** An entry as its writer knows it; anything of `Derived` it sets wins over the head's value. */
export type EntryDraft<E extends LedgerEntry> = E extends LedgerEntry
  ? Omit<E, Derived> & Partial<Pick<E, Derived>>
  : never;

/**
 * The entry at `head.seq + 1`: the head's snapshot and open episode carried on (an entry that neither opens nor closes
 * an episode belongs to the one in progress), `serving` by Route 53's rule, the reason bounded and flagged when cut.
 * Sealing (prevHash, hash) is the append's job.
 */
export const nextEntry = <E extends LedgerEntry>(head: LedgerHead, draft: EntryDraft<E>): E => {
  const snapshot = draft.snapshot ?? head.snapshot;
  const open = head.entry?.openEpisode ?? null;
  const bounded = boundReason(draft.reason);
  return {
    alarmName: '',
    alarmArn: '',
    accountId: '',
    stale: false,
    metricMath: false,
    episode: open,
    openEpisode: open,
    ...draft,
    seq: head.seq + 1,
    snapshot,
    serving: draft.serving ?? servingOf(draft.group, snapshot),
    reason: bounded.reason,
    reasonTruncated: (draft.reasonTruncated ?? false) || bounded.reasonTruncated,
  } as unknown as E;
};
