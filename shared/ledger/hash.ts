import { createHash } from 'node:crypto';
import type { LedgerEntry } from './store.js';

/** prevHash of a group's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Fields left out of the hash: the hash itself, and `sources`, the one field the ledger updates after the write (a
 * later delivery path of the same transition is added to it). Everything else is sealed when the entry is appended.
 */
const UNSEALED = new Set(['hash', 'sources']);

/** Deterministic JSON: keys sorted at every level, undefined dropped (as DynamoDB drops it). */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
};

/** SHA-256 over the canonical encoding of the sealed fields (prevHash included, so each hash covers the chain). */
export const entryHash = (entry: LedgerEntry): string => {
  const sealed = Object.fromEntries(Object.entries(entry).filter(([k]) => !UNSEALED.has(k)));
  return createHash('sha256').update(canonicalJson(sealed)).digest('hex');
};

/** Links an entry to its predecessor's hash and seals it. */
export const seal = <E extends LedgerEntry>(entry: E, prevHash: string | undefined): E => {
  const linked = { ...entry, prevHash: prevHash ?? GENESIS_HASH };
  return { ...linked, hash: entryHash(linked) };
};
