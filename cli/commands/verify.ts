import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DigestFileError, parseDigest, type LedgerDigest } from '../../shared/audit/digest.js';
import { verifyExportFile, verifyLedger, type VerifyResult } from '../../shared/audit/verify.js';
import { COMMON_OPTIONS, parseFlags } from '../args.js';
import type { Io } from '../context.js';
import { withLedger } from './export.js';

export const VERIFY_HELP = `r53-failover verify [--group G] [--file EXPORT] [--digest FILE] [--json]

Checks each group's hash chain: seq runs 1, 2, 3 … without gaps, each prevHash is the previous entry's hash, and
each hash recomputes from the entry; and that each entry's times are in range: stateChangedAt and recordedAt in the
stored form (2025-06-12T14:03:27.412Z, a real date), the state change after 2010-01-01 and at most 5 minutes after
recordedAt. Exit 0 printing each group's head hash; exit 1 naming the group and seq of the first problem in each
broken group (missing #4 in orders-api; orders-api #3: hash mismatch (edited?); orders-api #5: stateChangedAt
"2099-01-01T00:00:00.000Z" is more than 5 minutes after the moment of receipt ...), then each entry out of range.

Options:
  --group NAME      one group (default: every group in the ledger, found from its registry and from the chain
                    entries themselves, or every group in the file)
  --file EXPORT     a json or ndjson export (export without --since/--until), or an evidence bundle, instead of the ledger
  --digest FILE     heads recorded earlier by \`r53-failover digest\` (or the hourly digest in the stack's digest
                    bucket): exit 1 naming the group when a group in it is missing, when its chain ends before the
                    digest's seq, or when the entry at that seq has another hash
  --json            {"ok": true|false, "groups": [{"group", "entries", "headSeq", "headHash", "problem"?,
                    "problemSeq"?, "outOfRange"?: [{"seq", "field", "value", "message"}]}]}, plus
                    "digest": {"generatedAt", "groups": N} with --digest
  --ledger, --table, --stage, --region, --profile   as for ingest

Exit 1 also when the export or the digest file cannot be read, naming the file and the field.

Without --digest, a chain rewritten from some entry onwards, or cut short, is self-consistent again: only a head
recorded earlier (a digest) shows that it changed.`;

/** The --digest file, parsed; an unreadable file is a DigestFileError naming it. */
const readDigest = async (path: string): Promise<LedgerDigest> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DigestFileError(`--digest ${path}: cannot read`, { cause: err });
  }
  return parseDigest(text, `--digest ${path}`);
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const print = (io: Io, r: VerifyResult, where: string): void => {
  if (r.groups.length === 0) {
    io.out(`no entries in ${where}`);
    return;
  }
  for (const g of r.groups) {
    io.out(
      g.problem
        ? `${g.group.padEnd(14)} FAILED  ${g.problem}`
        : `${g.group.padEnd(14)} ok      ${g.entries} entries, head #${g.headSeq} ${g.headHash}`,
    );
    for (const o of g.outOfRange ?? []) if (o.message !== g.problem) io.out(`${''.padEnd(14)} time    ${o.message}`);
  }
  const broken = r.groups.filter((g) => g.problem).length;
  const groups = plural(r.groups.length, 'group');
  io.out(broken ? `${broken} of ${groups} failed verification in ${where}` : `${groups} verified in ${where}`);
};

export const verify = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('verify', args, {
    ...COMMON_OPTIONS,
    group: { type: 'string' },
    file: { type: 'string' },
    digest: { type: 'string' },
  });
  if (values.help) {
    io.out(VERIFY_HELP);
    return 0;
  }
  const file = values.file === undefined ? undefined : resolve(io.cwd, values.file);
  const digest = values.digest === undefined ? undefined : await readDigest(resolve(io.cwd, values.digest));
  const opts = { group: values.group, digest };
  const [result, where] = file
    ? [await verifyExportFile(file, opts), file]
    : await withLedger(
        io,
        values,
        async (ledger) => [await verifyLedger(ledger.store, opts), ledger.location] as const,
      );
  const against = digest && { generatedAt: digest.generatedAt, groups: Object.keys(digest.groups).length };
  if (values.json) io.out(JSON.stringify(against ? { ...result, digest: against } : result, null, 2));
  else {
    if (against) io.out(`against the digest of ${against.generatedAt} (${plural(against.groups, 'group')})`);
    print(io, result, where);
  }
  return result.ok ? 0 : 1;
};
