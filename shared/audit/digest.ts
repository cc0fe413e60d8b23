import * as z from 'zod/mini';
import { ledgerGroups } from '../ledger/chain.js';
import type { LedgerStore } from '../ledger/store.js';
import { R53FailoverError } from '../support/errors.js';
import { once } from '../support/once.js';
import { show } from '../support/values.js';
import { parseOrThrow } from '../support/zod-errors.js';

/** A digest file that is not one: not JSON, or a field that breaks its rule (the message names both). */
export class DigestFileError extends R53FailoverError {
  override readonly name: string = 'DigestFileError';
}

/** One group's chain head when the digest was taken. */
export interface DigestHead {
  seq: number;
  hash: string;
}

/**
 * Where every group's chain ended at `generatedAt`: `{"generatedAt", "groups": {"<group>": {"seq", "hash"}}}`, exactly
 * (the contract of `r53-failover digest` and of the objects write-digest archives). A digest kept where the ledger's
 * writers cannot reach anchors the chains: `verify --digest` fails when a group is gone, when its chain ends before
 * `seq`, or when the entry at `seq` no longer has `hash`.
 */
export interface LedgerDigest {
  generatedAt: string;
  groups: Record<string, DigestHead>;
}

const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const HASH_RE = /^[0-9a-f]{64}$/;

const digestSchema = /* @__PURE__ */ once(() => {
  const timeError = (i: { input?: unknown }) =>
    `expected an ISO 8601 UTC time like 2025-06-12T15:00:00.000Z, got ${show(i.input)}`;
  const seqError = (i: { input?: unknown }) =>
    `expected a chain position (an integer of at least 1), got ${show(i.input)}`;
  const hashError = (i: { input?: unknown }) =>
    `expected an entry hash (64 lowercase hex characters), got ${show(i.input)}`;
  return z.strictObject({
    generatedAt: z
      .string({ error: timeError })
      .check(z.refine((s) => ISO_UTC_RE.test(s) && !Number.isNaN(Date.parse(s)), { error: timeError })),
    groups: z.record(
      z.string().check(z.minLength(1, { error: 'expected a group name, got ""' })),
      z.strictObject({
        seq: z.number({ error: seqError }).check(z.int({ error: seqError }), z.gte(1, { error: seqError })),
        hash: z.string({ error: hashError }).check(z.regex(HASH_RE, { error: hashError })),
      }),
      { error: (i) => `expected an object of groups ({"<group>": {"seq", "hash"}}), got ${show(i.input)}` },
    ),
  });
});

/** Reads a digest file's text; a DigestFileError names the file, the field, what it holds and the rule. */
export const parseDigest = (text: string, source: string): LedgerDigest => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DigestFileError(`${source}: not a digest (not JSON)`, { cause: err });
  }
  try {
    return parseOrThrow(digestSchema(), doc, DigestFileError);
  } catch (err) {
    throw new DigestFileError(`${source}: ${(err as Error).message}`, { cause: (err as Error).cause });
  }
};

/** The digest as `digest` prints it and write-digest stores it. */
export const digestJson = (digest: LedgerDigest): string => `${JSON.stringify(digest, null, 2)}\n`;

/**
 * Every group's head as it is now: the registry's groups and those found from the chain entries (a deleted registry
 * item hides none), each head read strongly consistent. Groups with no entry yet have no head and are left out.
 */
export const buildDigest = async (ledger: LedgerStore, now: Date): Promise<LedgerDigest> => {
  const groups: Record<string, DigestHead> = {};
  for (const group of await ledgerGroups(ledger)) {
    const head = await ledger.head(group, { fresh: true });
    // Every appended entry is sealed (shared/ledger/entry.ts); an unsealed head fails `verify` on its own.
    if (head.seq > 0 && typeof head.entry?.hash === 'string') groups[group] = { seq: head.seq, hash: head.entry.hash };
  }
  return { generatedAt: now.toISOString(), groups };
};

/** Only `group`'s part of a digest (verify --group). */
export const digestOf = (digest: LedgerDigest, group: string): LedgerDigest => {
  const head = digest.groups[group];
  return { generatedAt: digest.generatedAt, groups: head ? { [group]: head } : {} };
};
