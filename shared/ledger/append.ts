import { LedgerWriteError } from '../support/errors.js';
import { seal } from './hash.js';
import type { LedgerEntry, LedgerHead, LedgerStore } from './store.js';

const MAX_ATTEMPTS = 25;

/**
 * Appends one entry at the head of a group's chain, rebuilding it from a fresh head when another writer took the
 * sequence number first (the conditional put is the lock). `build` returns null to append nothing.
 */
export const appendToChain = async <E extends LedgerEntry>(ledger: LedgerStore, group: string, build: (head: LedgerHead) => E | null): Promise<E | null> => {
  let head = await ledger.head(group);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const built = build(head);
    if (!built) return null;
    const entry = seal(built, head.entry?.hash);
    if ((await ledger.append(entry)) === 'appended') return entry;
    head = await ledger.head(group, { fresh: true });
  }
  throw new LedgerWriteError(`could not append to ${group} after ${MAX_ATTEMPTS} attempts (heavy contention)`);
};
