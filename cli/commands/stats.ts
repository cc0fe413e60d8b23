import { PERIODS, statsReport, type Period } from '../../shared/audit/stats.js';
import { UsageError } from '../../shared/support/errors.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { COMMON_OPTIONS, FILTER_OPTIONS, parseFlags, parseTimeFlag } from '../args.js';
import { withContext, type Io } from '../context.js';
import { formatDuration } from '../../shared/support/text.js';
import { textTable } from '../../shared/audit/report-render.js';

export const STATS_HELP = `r53-failover stats [options]

Failover statistics per group over a window (definitions: docs/audit.md).

Options:
  --group NAME               one group (default: every configured group and every group in the ledger)
  --since TIME               ISO 8601 time or a duration back from now (30m, 24h, 7d); default 30d
  --until TIME               same form; default now
  --period day|week|month    also per UTC calendar bucket
  --json                     {"since", "until", "period"?, "groups": [{group, failovers, timeOnSecondarySeconds,
                             downtimeSeconds, flaps, mttrSeconds, episodes, timeToDetect, timeToNotify, promotions,
                             flapPeriods, periods?: [{label, since, until, ...the same figures}]}]}
  --config, --ledger, --table, --stage, --region, --profile   as for ingest`;

/** The window flags of stats and report: since defaults to 30 days back, until to now. */
export const windowFlags = (command: string, values: { since?: string; until?: string }, now: Date) => {
  const since = parseTimeFlag('since', values.since ?? '30d', now) as string;
  const until = parseTimeFlag('until', values.until, now) ?? now.toISOString();
  if (since >= until) throw new UsageError(`${command}: --since (${since}) must be before --until (${until})`);
  return { since, until };
};

const latency = (l: { p50Seconds: number | null; maxSeconds: number | null }) =>
  `${formatDuration(l.p50Seconds, 'min')} / ${formatDuration(l.maxSeconds, 'min')}`;

export const stats = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('stats', args, { ...COMMON_OPTIONS, ...FILTER_OPTIONS, period: { type: 'string' } });
  if (values.help) {
    io.out(STATS_HELP);
    return 0;
  }
  const { since, until } = windowFlags('stats', values, io.now());
  if (values.period !== undefined && !PERIODS.includes(values.period as Period)) {
    throw new UsageError(`stats: --period: expected day, week or month, got ${JSON.stringify(values.period)}`);
  }
  const period = values.period as Period | undefined;
  return withContext(io, values, async ({ loaded, ledger }) => {
    const deliveries = new DynamoDbDeliveryStore(ledger.doc, ledger.store.tableName);
    const report = await statsReport(ledger.store, deliveries, loaded.config, {
      group: values.group,
      since,
      until,
      ...(period ? { period } : {}),
    });
    if (values.json) {
      io.out(JSON.stringify(report, null, 2));
      return 0;
    }
    io.out(`${since} – ${until}${period ? ` by ${period} (UTC)` : ''}`);
    if (report.groups.length === 0) {
      io.out(`no groups configured or recorded in ${ledger.location}`);
      return 0;
    }
    const row = (name: string, s: (typeof report.groups)[number]) => [
      name,
      String(s.failovers),
      formatDuration(s.timeOnSecondarySeconds, 'min'),
      formatDuration(s.downtimeSeconds, 'min'),
      String(s.flaps),
      formatDuration(s.mttrSeconds, 'min'),
      latency(s.timeToDetect),
      latency(s.timeToNotify),
      `${s.promotions.count} (${s.promotions.succeeded} ok, ${s.promotions.failed} failed)`,
    ];
    const rows = [
      [
        'GROUP',
        'FAILOVERS',
        'ON SECONDARY',
        'DOWNTIME',
        'FLAPS',
        'MTTR',
        'DETECT p50/max',
        'NOTIFY p50/max',
        'PROMOTIONS',
      ],
    ];
    for (const g of report.groups) {
      rows.push(row(g.group, g));
      for (const p of g.periods ?? []) rows.push(row(`  ${p.label}`, { ...p, group: g.group }));
    }
    for (const line of textTable(rows)) io.out(line);
    return 0;
  });
};
