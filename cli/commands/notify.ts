import { UsageError } from '../../shared/support/errors.js';
import { redrive, retryFailed, sweep, type NotifyReport } from '../../shared/notify/notifier.js';
import { COMMON_OPTIONS, parseFlags, parseTimeFlag } from '../args.js';
import { deliveredTo, withContext, type Io } from '../context.js';
import { localNotifier } from '../../local/pipeline.js';
import { notifiedGroups } from '../../shared/notify/notifier.js';

export const NOTIFY_HELP = `r53-failover notify (--status | --redrive | --sweep [--at TIME]) [options]

  --status     each notification's delivery state per channel (sent, failed: reason, sending, suppressed)
  --redrive    resend what is pending or failed, permanent failures included (after fixing a channel)
  --sweep      send what is due now: reminders, "no data" notices, flap summaries, retries of failed deliveries
  --at TIME    with --sweep: judge "now" as TIME (ISO 8601), e.g. to rehearse a replayed outage
  --group NAME only this group
  --json       machine-readable output
  --config, --ledger, --table, --stage, --region, --profile   as for ingest

Every (notification, channel) is sent at most once: a redrive or sweep never repeats a delivered message.`;

const printReport = (io: Io, report: NotifyReport) => {
  if (report.notifications.length === 0) io.out('nothing to send');
  for (const n of report.notifications) {
    const where = deliveredTo(n);
    io.out(`${n.id}  ${n.title}${where ? `  [${where}]` : ''}`);
  }
};

export const notify = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('notify', args, {
    ...COMMON_OPTIONS,
    group: { type: 'string' },
    status: { type: 'boolean', default: false },
    redrive: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
    at: { type: 'string' },
  });
  if (values.help) {
    io.out(NOTIFY_HELP);
    return 0;
  }
  const modes = [values.status, values.redrive, values.sweep].filter(Boolean).length;
  if (modes !== 1)
    throw new UsageError('notify: give exactly one of --status, --redrive, --sweep (see r53-failover notify --help)');
  if (values.at && !values.sweep) throw new UsageError('notify: --at only goes with --sweep');
  const at = values.at ? new Date(parseTimeFlag('at', values.at, io.now()) as string) : io.now();
  return withContext(io, values, async ({ loaded, ledger, deps }) => {
    const notifier = localNotifier(loaded.config, ledger, deps.log, values.at ? () => at : io.now);
    // Configured groups, `unassigned` and `(stack)` (the stack's own alarms).
    const known = notifiedGroups(loaded.config);
    const groups = values.group ? [values.group] : known;
    if (values.group && !known.includes(values.group))
      throw new UsageError(`notify: --group: no group ${JSON.stringify(values.group)} in the config`);
    if (values.status) {
      const records = (await Promise.all(groups.map((g) => notifier.deliveries.list(g)))).flat();
      if (values.json)
        io.out(
          JSON.stringify(
            {
              deliveries: records.map(({ notification, ...r }) => ({
                ...r,
                title: notification.title,
                kind: notification.kind,
              })),
            },
            null,
            2,
          ),
        );
      else if (records.length === 0) io.out('no notifications recorded');
      else
        for (const r of records)
          io.out(
            `${r.notificationId.padEnd(36)} ${r.channel.padEnd(14)} ${r.status}${r.lastError ? `: ${r.lastError}` : ''}  ${r.notification.title}`,
          );
      return records.some((r) => r.status === 'failed') ? 1 : 0;
    }
    const report = values.redrive
      ? await redrive(notifier, groups)
      : {
          notifications: [
            ...(await sweep(at, notifier, groups)).notifications,
            ...(await retryFailed(at, notifier, groups)).notifications,
          ],
          retryLater: false,
        };
    if (values.json) io.out(JSON.stringify(report, null, 2));
    else printReport(io, report);
    return report.notifications.some((n) => n.channels.some((c) => c.status === 'failed')) ? 1 : 0;
  });
};
