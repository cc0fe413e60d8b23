import type { LedgerEntry } from '../../shared/ledger/store.js';
import { UsageError } from '../../shared/support/errors.js';
import { COMMON_OPTIONS, FILTER_OPTIONS, parseFlags, parseTimeFlag } from '../args.js';
import { withContext, type Io } from '../context.js';

export const HISTORY_HELP = `r53-failover history [options]

Lists recorded transitions, newest first.

Options:
  --group NAME      one group (default: all groups)
  --since TIME      ISO 8601 time or a duration back from now (30m, 24h, 7d); on the state-change time
  --until TIME      same form; inclusive
  --limit N         at most N items
  --order asc|desc  oldest or newest first (default desc)
  --json            {"items": [...]}: each item carries group, role, healthCheckId (targetGroup, loadBalancer for a
                    target-group alarm), alarmArn, alarmName, region, state, previousState, stateChangedAt,
                    recordedAt, sources, event, stale, serving, seq, reason
  --config, --ledger, --table, --stage, --region, --profile   as for ingest`;

/** The JSON form of an entry: everything but the internal snapshot. */
export const publicEntry = <E extends LedgerEntry>({ snapshot: _snapshot, ...rest }: E): Omit<E, 'snapshot'> => rest;

export const history = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('history', args, {
    ...COMMON_OPTIONS,
    ...FILTER_OPTIONS,
    limit: { type: 'string' },
    order: { type: 'string', default: 'desc' },
  });
  if (values.help) {
    io.out(HISTORY_HELP);
    return 0;
  }
  const now = io.now();
  const since = parseTimeFlag('since', values.since, now);
  const until = parseTimeFlag('until', values.until, now);
  if (since && until && since > until) throw new UsageError(`history: --since (${since}) is after --until (${until})`);
  if (values.order !== 'asc' && values.order !== 'desc')
    throw new UsageError(`history: --order: expected asc or desc, got ${JSON.stringify(values.order)}`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new UsageError(`history: --limit: expected a positive integer, got ${JSON.stringify(values.limit)}`);
  return withContext(io, values, async ({ ledger }) => {
    const items = await ledger.store.list({
      group: values.group,
      since,
      until,
      limit,
      order: values.order as 'asc' | 'desc',
    });
    if (values.json) {
      io.out(JSON.stringify({ items: items.map(publicEntry) }, null, 2));
      return 0;
    }
    if (items.length === 0) {
      io.out(`no transitions recorded${values.group ? ` for ${values.group}` : ''} in ${ledger.location}`);
      return 0;
    }
    for (const e of items) {
      const change = `${e.previousState ?? '?'} → ${e.state}`;
      const flags = [e.stale ? 'stale (arrived after a newer one)' : '', e.reasonTruncated ? 'reason truncated' : '']
        .filter(Boolean)
        .join(', ');
      io.out(
        `${e.stateChangedAt}  ${e.group.padEnd(14)} ${e.role.padEnd(9)} ${change.padEnd(27)} ${e.event.padEnd(18)} serving=${e.serving.padEnd(9)} via ${e.sources.join('+')}${flags ? `  [${flags}]` : ''}`,
      );
    }
    return 0;
  });
};
