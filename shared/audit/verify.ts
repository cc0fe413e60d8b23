import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { R53FailoverError } from '../support/errors.js';
import { ledgerGroups, readChain } from '../ledger/chain.js';
import { GENESIS_HASH, entryHash } from '../ledger/hash.js';
import type { LedgerEntry, LedgerStore } from '../ledger/store.js';
import { digestOf, type DigestHead, type LedgerDigest } from './digest.js';
import type { ChainLink, EvidenceBundle } from './export.js';
import { isRecord, show } from '../support/values.js';
import { parseTimestamp, stateTimeProblem } from '../core/timestamps.js';

/** An export file that cannot be read as ledger entries (not JSON, a CSV export, a time-window export). */
export class ExportFileError extends R53FailoverError {
  override readonly name: string = 'ExportFileError';
}

export interface GroupVerification {
  group: string;
  /** Entries read for the group (all of them, also after a problem). */
  entries: number;
  /** Seq and hash of the last entry that verified: the group's head when there is no problem (GENESIS when empty). */
  headSeq: number;
  headHash: string;
  /** The first problem found, naming the group and the seq (`missing #4 in orders-api`). */
  problem?: string;
  problemSeq?: number;
  /**
   * Entries whose times cannot be true (the first MAX_OUT_OF_RANGE): not in the stored form, before 2010, or a state
   * change more than 5 minutes after its `recordedAt`. The first is also `problem` when the chain itself is intact.
   */
  outOfRange?: OutOfRange[];
}

/** One entry's time field out of range: which, its value, and the rule it breaks (in `message`). */
export interface OutOfRange {
  seq: number;
  field: 'stateChangedAt' | 'recordedAt';
  value: unknown;
  message: string;
}

/** Out-of-range entries listed per group; more are only counted in the message of the last. */
export const MAX_OUT_OF_RANGE = 10;

export interface VerifyResult {
  ok: boolean;
  groups: GroupVerification[];
}

type Entries = AsyncIterable<LedgerEntry> | Iterable<LedgerEntry>;

interface GroupState extends GroupVerification {
  /** A seq skipped over: `missing #n` unless #n turns up later (then it was moved, not deleted). */
  gap?: { seq: number; after: number };
  /** The digest's head for this group, and the hash the chain had at that seq once it verified up to there. */
  anchor?: DigestHead;
  anchorHash?: string;
  /** Entries with times out of range, listed or not. */
  outOfRangeCount?: number;
}

/**
 * The time rules the recorder enforces, checked on what is stored (entries written before it enforced them, or edited
 * since): both times in the one stored form (`YYYY-MM-DDTHH:mm:ss.sssZ`, a real date), the state change after
 * 2010-01-01 and no more than 5 minutes after `recordedAt`, the moment of receipt.
 */
const timeProblem = (e: LedgerEntry): Omit<OutOfRange, 'seq'> | undefined => {
  const times: Record<OutOfRange['field'], unknown> = { stateChangedAt: e.stateChangedAt, recordedAt: e.recordedAt };
  for (const [field, value] of Object.entries(times) as [OutOfRange['field'], unknown][]) {
    const parsed = typeof value === 'string' ? parseTimestamp(value) : undefined;
    if (!parsed?.ok || parsed.iso !== value)
      return {
        field,
        value,
        message: `${field} ${show(value)} is not a stored timestamp (expected the form 2025-06-12T14:03:27.412Z, a real UTC date)`,
      };
  }
  const problem = stateTimeProblem(e.stateChangedAt, new Date(e.recordedAt));
  return problem
    ? { field: 'stateChangedAt', value: e.stateChangedAt, message: `stateChangedAt ${problem}` }
    : undefined;
};

const checkTimes = (s: GroupState, e: LedgerEntry): void => {
  const found = timeProblem(e);
  if (!found) return;
  const count = (s.outOfRangeCount ?? 0) + 1;
  s.outOfRangeCount = count;
  const list = (s.outOfRange ??= []);
  const seq = typeof e.seq === 'number' ? e.seq : s.headSeq + 1;
  const entry = { seq, ...found, message: `${s.group} #${seq}: ${found.message}` };
  if (list.length < MAX_OUT_OF_RANGE) list.push(entry);
  else list[MAX_OUT_OF_RANGE - 1] = { ...entry, message: `${entry.message} (and ${count - MAX_OUT_OF_RANGE} more)` };
};

const fail = (s: GroupState, seq: number, problem: string): undefined => {
  s.problem = problem;
  s.problemSeq = seq;
  return undefined;
};

/** Checks one entry against its group's chain so far: seq next in line, prevHash linking, hash recomputing. */
const check = (s: GroupState, e: LedgerEntry): undefined => {
  const { group } = s;
  if (s.problem) {
    if (s.gap && e.seq === s.gap.seq) {
      fail(s, e.seq, `${group} #${e.seq}: out of order (found after #${s.gap.after})`);
      delete s.gap;
    }
    return;
  }
  const expected = s.headSeq + 1;
  if (typeof e.seq !== 'number' || !Number.isInteger(e.seq))
    return fail(s, expected, `${group}: entry without a valid seq where #${expected} should be`);
  if (e.seq > expected) {
    s.gap = { seq: expected, after: e.seq };
    return fail(s, expected, `missing #${expected} in ${group}`);
  }
  if (e.seq < expected)
    return fail(s, e.seq, `${group} #${e.seq}: seq repeated after #${s.headSeq} (inserted or duplicated entry)`);
  if (typeof e.hash !== 'string' || typeof e.prevHash !== 'string')
    return fail(s, e.seq, `${group} #${e.seq}: not sealed (no prevHash/hash)`);
  if (e.prevHash !== s.headHash) {
    return fail(
      s,
      e.seq,
      e.seq === 1
        ? `${group} #1: prevHash is not the genesis hash`
        : `${group} #${e.seq}: prevHash does not match the hash of #${s.headSeq} (#${s.headSeq} edited and re-hashed, or an entry inserted or removed)`,
    );
  }
  if (entryHash(e) !== e.hash) return fail(s, e.seq, `${group} #${e.seq}: hash mismatch (edited?)`);
  s.headSeq = e.seq;
  s.headHash = e.hash;
  if (s.anchor?.seq === e.seq) s.anchorHash = e.hash;
};

/**
 * After the walk: a chain that verified must still reach the digest's head, with the same hash there. A chain
 * rewritten from some entry to its head, or cut short, is self-consistent; only a head recorded earlier shows it.
 */
const checkAnchor = (s: GroupState, generatedAt: string): void => {
  const { group, anchor } = s;
  if (!anchor || s.problem) return;
  if (s.headSeq < anchor.seq) {
    fail(
      s,
      s.headSeq + 1,
      `${group}: chain ends at #${s.headSeq}, but the digest of ${generatedAt} has head #${anchor.seq} (entries removed from the end?)`,
    );
  } else if (s.anchorHash !== anchor.hash) {
    fail(
      s,
      anchor.seq,
      `${group} #${anchor.seq}: hash differs from the digest of ${generatedAt} (chain rewritten since?)`,
    );
  }
};

/** A group the digest names and the ledger or the file holds no entry of. */
const goneGroup = (group: string, head: DigestHead, generatedAt: string): GroupVerification => ({
  group,
  entries: 0,
  headSeq: 0,
  headHash: GENESIS_HASH,
  problem: `missing ${group}: no entries, but the digest of ${generatedAt} has head #${head.seq} (group deleted?)`,
  problemSeq: 1,
});

/**
 * Verifies chains entry by entry (constant memory per group): within each group, in the order given, seq must run
 * 1, 2, 3 …, each prevHash must be the previous entry's hash, and each hash must recompute. This is self-consistency:
 * a chain rewritten from some entry to its head verifies too, so compare the head hash with one recorded earlier.
 */
export const verifyEntries = async (entries: Entries, digest?: LedgerDigest): Promise<VerifyResult> => {
  const groups = new Map<string, GroupState>();
  for await (const e of entries) {
    const group = typeof e.group === 'string' ? e.group : '(no group)';
    let s = groups.get(group);
    if (!s) {
      s = { group, entries: 0, headSeq: 0, headHash: GENESIS_HASH };
      const anchor = digest?.groups[group];
      if (anchor) s.anchor = anchor;
      groups.set(group, s);
    }
    s.entries++;
    check(s, e);
    checkTimes(s, e);
  }
  const out: GroupVerification[] = [];
  for (const s of groups.values()) {
    if (digest) checkAnchor(s, digest.generatedAt);
    const { gap: _gap, anchor: _anchor, anchorHash: _hash, outOfRangeCount: _count, ...g } = s;
    const first = g.outOfRange?.[0];
    out.push(g.problem || !first ? g : { ...g, problem: first.message, problemSeq: first.seq });
  }
  if (digest) {
    for (const [group, head] of Object.entries(digest.groups))
      if (!groups.has(group)) out.push(goneGroup(group, head, digest.generatedAt));
  }
  out.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  return { ok: out.every((g) => !g.problem), groups: out };
};

const emptyGroup = (group: string): GroupVerification => ({
  group,
  entries: 0,
  headSeq: 0,
  headHash: GENESIS_HASH,
  problem: `missing #1 in ${group} (no entries)`,
  problemSeq: 1,
});

export interface VerifyOptions {
  /** Only this group (and only its part of the digest). */
  group?: string | undefined;
  /** Heads recorded earlier (`r53-failover digest`): each must still be in its chain, with the same hash. */
  digest?: LedgerDigest | undefined;
}

/**
 * Verifies the ledger's chains as stored: one group, or every group, found from the registry and from the chain
 * entries themselves (a deleted registry item hides nothing), plus every group the digest names.
 */
export const verifyLedger = async (
  ledger: LedgerStore,
  { group, digest }: VerifyOptions = {},
  pageSize?: number,
): Promise<VerifyResult> => {
  const anchors = digest && group ? digestOf(digest, group) : digest;
  const names = group ? [group] : await ledgerGroups(ledger);
  const out: GroupVerification[] = [];
  for (const g of [...new Set([...names, ...Object.keys(anchors?.groups ?? {})])].sort()) {
    const r = await verifyEntries(readChain(ledger, g, pageSize), anchors && digestOf(anchors, g));
    // An item naming another group inside this group's partition shows up as a group of its own: a problem too.
    out.push(...(r.groups.length ? r.groups : [emptyGroup(g)]));
  }
  return { ok: out.every((g) => !g.problem), groups: out };
};

/**
 * Checks an evidence bundle by itself: its chain links run unbroken (each prevHash the previous link's hash), and
 * every timeline entry re-hashes to its own link. Anchor it by comparing the links with `verify` on the ledger.
 */
export const verifyEvidence = (bundle: Pick<EvidenceBundle, 'group' | 'timeline' | 'chain'>): GroupVerification => {
  const { group, timeline, chain } = bundle;
  const s: GroupState = { group, entries: timeline.length, headSeq: 0, headHash: GENESIS_HASH };
  const links = new Map<number, ChainLink>();
  let prev: ChainLink | undefined;
  for (const link of chain.links) {
    if (prev && link.seq !== prev.seq + 1)
      return { ...s, problem: `missing #${prev.seq + 1} in ${group} (chain links)`, problemSeq: prev.seq + 1 };
    if (prev && link.prevHash !== prev.hash)
      return {
        ...s,
        problem: `${group} #${link.seq}: prevHash does not match the hash of #${prev.seq} (chain links)`,
        problemSeq: link.seq,
      };
    links.set(link.seq, link);
    prev = link;
  }
  for (const e of timeline) {
    const link = links.get(e.seq);
    if (!link || link.hash !== e.hash || link.prevHash !== e.prevHash)
      return { ...s, problem: `${group} #${e.seq}: not the entry the chain links name`, problemSeq: e.seq };
    if (entryHash(e) !== e.hash)
      return { ...s, problem: `${group} #${e.seq}: hash mismatch (edited?)`, problemSeq: e.seq };
  }
  return { ...s, headSeq: prev?.seq ?? 0, headHash: prev?.hash ?? GENESIS_HASH };
};

const parseJson = (text: string, where: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ExportFileError(`${where}: not JSON`, { cause: err });
  }
};

const asEntry = (v: unknown, where: string): LedgerEntry => {
  if (!isRecord(v) || typeof v.group !== 'string') throw new ExportFileError(`${where}: not a ledger entry (no group)`);
  return v as unknown as LedgerEntry;
};

const checkHeader = (header: Record<string, unknown>, path: string): void => {
  if (header.version !== 1)
    throw new ExportFileError(`${path}: export version ${JSON.stringify(header.version)}; this build reads version 1`);
  if (header.since !== undefined || header.until !== undefined) {
    throw new ExportFileError(
      `${path}: a --since/--until export is a time window in time order, not whole chains; export without them to verify`,
    );
  }
};

/** The `json` export as `exportLedger` lays it out: header line, one entry per line (comma-separated), `]}`. */
async function* ownJsonLayout(lines: AsyncIterable<string>, header: string, path: string): AsyncGenerator<LedgerEntry> {
  const meta = parseJson(`${header}]}`, `${path}:1`);
  if (isRecord(meta)) checkHeader(meta, path);
  let n = 1;
  let closed = false;
  for await (const raw of lines) {
    n++;
    const line = raw.trim();
    if (!line) continue;
    if (closed) throw new ExportFileError(`${path}:${n}: text after the end of the document`);
    if (line === ']}') {
      closed = true;
      continue;
    }
    yield asEntry(parseJson(line.endsWith(',') ? line.slice(0, -1) : line, `${path}:${n}`), `${path}:${n}`);
  }
  if (!closed) throw new ExportFileError(`${path}: truncated (no closing "]}")`);
}

const isEvidence = (doc: unknown): doc is EvidenceBundle =>
  isRecord(doc) &&
  doc.kind === 'evidence' &&
  typeof doc.group === 'string' &&
  Array.isArray(doc.timeline) &&
  isRecord(doc.chain) &&
  Array.isArray(doc.chain.links);

const documentEntries = (doc: unknown, path: string): LedgerEntry[] => {
  if (!isRecord(doc) || !Array.isArray(doc.entries))
    throw new ExportFileError(`${path}: neither an export (no "entries" array) nor an evidence bundle`);
  checkHeader(doc, path);
  return doc.entries.map((e: unknown, i) => asEntry(e, `${path} entries[${i}]`));
};

async function* ndjson(lines: AsyncIterable<string>, first: unknown, path: string): AsyncGenerator<LedgerEntry> {
  yield asEntry(first, `${path}:1`);
  let n = 1;
  for await (const line of lines) {
    n++;
    if (line.trim()) yield asEntry(parseJson(line, `${path}:${n}`), `${path}:${n}`);
  }
}

const evidenceResult = (g: GroupVerification): VerifyResult => ({ ok: !g.problem, groups: [g] });

async function* onlyGroup(entries: Entries, group: string): AsyncGenerator<LedgerEntry> {
  for await (const e of entries) if (e.group === group) yield e;
}

const evidenceOnly = (path: string, digest: LedgerDigest | undefined, g: GroupVerification): VerifyResult => {
  if (digest)
    throw new ExportFileError(
      `${path}: an evidence bundle holds one episode, not whole chains, so it cannot be checked against a digest; verify an export made without --since/--until`,
    );
  return evidenceResult(g);
};

/**
 * Verifies an export file, json or ndjson (or an evidence bundle), told apart by its first line. ndjson and our own json layout are read a
 * line at a time; a JSON document laid out otherwise (e.g. reformatted by jq) is parsed whole. `group`: only that one.
 * `digest`: every group it names must be in the file and reach its head with the same hash.
 */
export const verifyExportFile = async (path: string, { group, digest }: VerifyOptions = {}): Promise<VerifyResult> => {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  const rest: AsyncIterable<string> = { [Symbol.asyncIterator]: () => lines };
  const anchors = digest && group ? digestOf(digest, group) : digest;
  try {
    let first = await lines.next().catch((err: unknown) => {
      throw new ExportFileError(`${path}: cannot read`, { cause: err });
    });
    while (!first.done && !first.value.trim()) first = await lines.next();
    if (first.done) throw new ExportFileError(`${path}: empty`);
    const head = first.value.trim();
    if (head.startsWith('group,seq,kind'))
      throw new ExportFileError(
        `${path}: a CSV export has no snapshot, so its hashes cannot be recomputed; verify a json or ndjson export`,
      );
    let entries: Entries;
    if (head.startsWith('{') && head.endsWith('"entries":[')) entries = ownJsonLayout(rest, head, path);
    else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(head);
      } catch {
        parsed = undefined; // not one value on one line: a multi-line JSON document, read whole below
      }
      if (parsed === undefined) {
        const parts = [first.value];
        for await (const line of rest) parts.push(line);
        parsed = parseJson(parts.join('\n'), path);
        if (isEvidence(parsed)) return evidenceOnly(path, anchors, verifyEvidence(parsed));
        entries = documentEntries(parsed, path);
      } else if (isEvidence(parsed)) return evidenceOnly(path, anchors, verifyEvidence(parsed));
      else if (isRecord(parsed) && Array.isArray(parsed.entries)) entries = documentEntries(parsed, path);
      else entries = ndjson(rest, parsed, path);
    }
    const r = await verifyEntries(group ? onlyGroup(entries, group) : entries, anchors);
    return group && r.groups.length === 0 ? { ok: false, groups: [emptyGroup(group)] } : r;
  } finally {
    input.destroy();
  }
};
