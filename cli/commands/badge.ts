import { groupBadge, noBadgeMessage } from '../../shared/audit/badge.js';
import { UsageError } from '../../shared/support/errors.js';
import { COMMON_OPTIONS, parseFlags } from '../args.js';
import { withContext, type Io } from '../context.js';

export const BADGE_HELP = `r53-failover badge --group NAME [options]

Prints the group's status as shields.io endpoint JSON, the same document the audit API serves at GET /badge/{group}:
  {"schemaVersion":1,"label":"orders-api","message":"failed over","color":"orange","cacheSeconds":300}
message (color): primary (brightgreen), primary, standby down (yellow), failed over (orange), both down (red),
no data (lightgrey: nothing recorded for the primary, or INSUFFICIENT_DATA). Exit 1 for a group neither configured
nor recorded. Publishing it as a badge: README.md, "Status badges".

Options:
  --group NAME      the failover group (required)
  --config, --ledger, --table, --stage, --region, --profile   as for ingest`;

/** `r53-failover badge --group G`: the group's shields.io endpoint JSON on stdout. */
export const badge = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('badge', args, { ...COMMON_OPTIONS, group: { type: 'string' } });
  if (values.help) {
    io.out(BADGE_HELP);
    return 0;
  }
  const group = values.group;
  if (!group) throw new UsageError('--group NAME is required');
  return withContext(io, values, async ({ loaded, ledger }) => {
    const b = await groupBadge(loaded.config, ledger.store, group);
    if (!b) {
      io.err(`r53-failover badge: ${noBadgeMessage(group)}`);
      return 1;
    }
    io.out(JSON.stringify(b));
    return 0;
  });
};
