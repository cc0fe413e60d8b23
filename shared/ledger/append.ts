import { LedgerWriteError } from '../support/errors.js';
import { seal } from './hash.js';
import type { LedgerEntry, LedgerHead, LedgerStore } from './store.js';

/** Lost races before giving up; each lost race means another writer appended, so progress is guaranteed. */
const MAX_ATTEMPTS = 25;

/** Returned by a `build` that must see a fresh head before it can decide (e.g. a concurrent copy is still landing). */
export const REREAD = Symbol('reread the head');

/**
 * The one append path of the ledger: appends the entry `build` makes from the group's head, sealed onto the chain,
 * rebuilding it from a fresh head when another writer took the sequence number first (the conditional put is the
 * lock). `build` returns null to append nothing, or REREAD to decide again on a fresh head.
 */
export const appendToChain = async <E extends LedgerEntry>(
  ledger: LedgerStore,
  group: string,
  build: (head: LedgerHead, attempt: number) => E | null | typeof REREAD | Promise<E | null | typeof REREAD>,
): Promise<E | null> => {
  let head = await ledger.head(group);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const built = await build(head, attempt);
    if (!built) return null;
    if (built !== REREAD) {
      const entry = seal(built, head.entry?.hash);
      if ((await ledger.append(entry)) === 'appended') return entry;
    }
    head = await ledger.head(group, { fresh: true });
  }
  throw new LedgerWriteError(`could not append to ${group} after ${MAX_ATTEMPTS} attempts (heavy contention)`);
};
