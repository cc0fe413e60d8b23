import { resolve } from 'node:path';
import { buildDigest, digestJson } from '../../shared/audit/digest.js';
import { COMMON_OPTIONS, parseFlags } from '../args.js';
import type { Io } from '../context.js';
import { toFile, withLedger } from './export.js';

export const DIGEST_HELP = `r53-failover digest [--out FILE]

Writes the head of every group's chain, as JSON (always):
  {"generatedAt": "2025-06-12T15:00:00.000Z", "groups": {"orders-api": {"seq": 6, "hash": "<64 hex>"}}}
Groups come from the ledger's registry and from the chain entries themselves; a group with no entry has no head.

Keep it where the ledger's writers cannot change it (the deployed stack writes one every hour to its Object Lock
digest bucket), and check the ledger or an export against it later with \`r53-failover verify --digest FILE\`.

Options:
  --out FILE        write to FILE (complete or not at all) instead of stdout
  --ledger, --table as for ingest`;

export const digest = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('digest', args, { ...COMMON_OPTIONS, out: { type: 'string' } });
  if (values.help) {
    io.out(DIGEST_HELP);
    return 0;
  }
  const file = values.out === undefined ? undefined : resolve(io.cwd, values.out);
  return withLedger(io, values, async (ledger) => {
    const d = await buildDigest(ledger.store, io.now());
    if (!file) {
      io.out(digestJson(d));
      return 0;
    }
    await toFile(file, async (out) => void out.write(digestJson(d)));
    const n = Object.keys(d.groups).length;
    io.out(`digest of ${n} group${n === 1 ? '' : 's'} (${d.generatedAt}) written to ${file}`);
    return 0;
  });
};
