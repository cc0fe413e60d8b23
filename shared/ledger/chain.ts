import type { LedgerEntry, LedgerStore } from './store.js';

/** A group's chain in seq order, a page at a time (never the whole chain in memory). */
export async function* readChain(ledger: LedgerStore, group: string, pageSize = 500): AsyncGenerator<LedgerEntry> {
  let cursor: string | undefined;
  do {
    const page = await ledger.chain(group, cursor, pageSize);
    yield* page.items;
    cursor = page.cursor;
  } while (cursor);
}

/**
 * Every group of the ledger: the registry's and those found from the chain entries themselves, so deleting a
 * registry item hides no group from verify, export or the digest.
 */
export const ledgerGroups = async (ledger: LedgerStore): Promise<string[]> =>
  [...new Set([...(await ledger.groups()), ...(await ledger.chainGroups())])].sort();
