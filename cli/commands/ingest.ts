import { readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { assertDeliverableSize } from '../../shared/core/alarm-event.js';
import { InvalidEventError, UsageError } from '../../shared/support/errors.js';
import type { GroupEventPublisher } from '../../shared/ledger/publisher.js';
import type { NotificationReport } from '../../shared/notify/notifier.js';
import { normaliseFor, recordNormalised, type RecorderDeps, type RecordOutcome } from '../../shared/record/recorder.js';
import type { LedgerEntry } from '../../shared/ledger/store.js';
import { COMMON_OPTIONS, parseFlags } from '../args.js';
import { withContext, type Io } from '../context.js';
import { progress, PROGRESS_EVERY } from '../progress.js';

export const INGEST_HELP = `r53-failover ingest [options] PATH...

Replays event files (each a Lambda payload as delivered: EventBridge event, SNS event or Lambda alarm-action
payload) through the recorder, in the order given; a directory means every *.json file in it, sorted; "-" reads
one event from standard input. One outcome per file: recorded | duplicate | ignored (reason) | rejected (reason).
Each recorded group event is notified on the channels of failover.yml (notify:), exactly once per channel; before
each event, reminders, "no data" notices and flap summaries due at that event's time are sent, so a replay
behaves like the outage did.

Options:
  --json            one JSON document: {"results": [{file, outcome, group, role, event, seq, reason, ...}], "summary": {...}}
  --no-notify       record only: send no notifications (they stay pending for r53-failover notify --redrive)
  --no-promote      do not run the promotion pipeline (hold-down, guardrails, hooks) for groups with promotion:
  --config FILE     failover.yml (default ./failover.yml or $R53F_CONFIG; none: every health check is "unassigned")
  --ledger DIR      embedded ledger directory (default .r53-failover/ or $R53F_LEDGER_DIR)
  --table NAME      a real DynamoDB table instead (AWS credentials, or AWS_ENDPOINT_URL_DYNAMODB)
  --stage NAME      the table a stage deployed: r53-failover-NAME-ledger (not with --table)
  --region REGION   the table's region (default us-east-1, where the stack lives; AWS_REGION is not used)
  --profile NAME    a profile of ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE, else the SDK's chain)

Progress: from ${PROGRESS_EVERY} files on, a line on stderr every ${PROGRESS_EVERY} files (a bar when stderr is a terminal); none with --json.

Exit status: 0 when nothing was rejected, 1 when any file was rejected, 2 on a usage or config error.`;

export interface IngestRow {
  file: string;
  outcome: RecordOutcome['outcome'];
  reason?: string;
  group?: string;
  role?: string;
  event?: string;
  seq?: number;
  transitionId?: string;
  stale?: boolean;
  /** Several alarm notifications in one SNS event: each one's outcome. */
  records?: Omit<IngestRow, 'file' | 'records'>[];
  /** Notifications this file caused (or that fell due at its time), with each channel's delivery state. */
  notifications?: { id: string; kind: string; title: string; result: string; channels: Record<string, string> }[];
}

const summariseNotifications = (reports: NotificationReport[]): NonNullable<IngestRow['notifications']> =>
  reports.map((r) => ({
    id: r.id,
    kind: r.kind,
    title: r.title,
    result: r.result,
    channels: Object.fromEntries(
      r.channels.map((c) => [c.channel, c.status === 'failed' && c.reason ? `failed: ${c.reason}` : c.status]),
    ),
  }));

const expandPaths = (paths: string[], cwd: string): string[] =>
  paths.flatMap((p) => {
    if (p === '-') return [p];
    const abs = resolve(cwd, p);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch {
      throw new UsageError(`ingest: ${p}: no such file or directory`);
    }
    if (!st.isDirectory()) return [abs];
    return readdirSync(abs, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(abs, f));
  });

const rowOf = (o: RecordOutcome): Omit<IngestRow, 'file'> => {
  switch (o.outcome) {
    case 'recorded':
      return {
        outcome: o.outcome,
        group: o.group,
        role: o.role,
        event: o.event,
        seq: o.seq,
        transitionId: o.transitionId,
        stale: o.stale,
      };
    case 'duplicate':
      return {
        outcome: o.outcome,
        reason: o.reason,
        group: o.group,
        event: o.event,
        seq: o.seq,
        transitionId: o.transitionId,
      };
    default:
      return { outcome: o.outcome, reason: o.reason };
  }
};

/** Most telling outcome of a multi-record SNS event: rejected > recorded > duplicate > ignored. */
const RANK: Record<RecordOutcome['outcome'], number> = { rejected: 3, recorded: 2, duplicate: 1, ignored: 0 };

const readStdin = (): string => readFileSync(0, 'utf8');

/**
 * `r53-failover ingest`. `offline` (the demo): promotion hooks never reach AWS (offlineHookClients in
 * local/pipeline.ts), as in the drill.
 */
export const ingest = async (args: string[], io: Io, opts: { offline?: boolean } = {}): Promise<number> => {
  const { values, positionals } = parseFlags(
    'ingest',
    args,
    {
      ...COMMON_OPTIONS,
      'no-notify': { type: 'boolean', default: false },
      'no-promote': { type: 'boolean', default: false },
    },
    true,
  );
  if (values.help) {
    io.out(INGEST_HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw new UsageError('ingest: expected at least one event file, directory or "-" (see r53-failover ingest --help)');
  const files = expandPaths(positionals, io.cwd);
  let requests: (() => number) | undefined;
  const meter = progress(io, {
    total: files.length,
    quiet: values.json,
    what: 'ingest',
    unit: 'files',
    detail: (done) => (requests ? `${requests()} ledger requests (${(requests() / done).toFixed(2)}/file)` : ''),
  });
  return withContext(meter.around(io), values, async ({ deps, loaded, ledger }) => {
    // Ledger requests of the ingest itself (opening the ledger excluded): in the progress lines and, with
    // R53F_DEBUG, by operation at the end.
    const before = { ...ledger.requests() };
    const since = (): Record<string, number> =>
      Object.fromEntries(
        Object.entries(ledger.requests())
          .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
          .filter(([, n]) => n > 0),
      );
    const sent = () => Object.values(since()).reduce((a, b) => a + b, 0);
    requests = sent;
    const promoting = !values['no-promote'] && Object.values(loaded.config.groups).some((g) => g.promotion);
    // The reaction pipeline (channels, hooks and their SDK clients) is loaded only when this run notifies or promotes.
    const reacting = !values['no-notify'] || promoting;
    const pipeline = reacting
      ? { ...(await import('../../local/pipeline.js')), ...(await import('../../shared/notify/notifier.js')) }
      : undefined;
    const notifier =
      pipeline && !values['no-notify'] ? pipeline.localNotifier(loaded.config, ledger, deps.log, io.now) : undefined;
    let clock = new Date();
    // On the embedded ledger, groups with nothing pending are not re-listed before every event (see replayTicker).
    const ticker =
      pipeline && promoting
        ? pipeline.replayTicker(
            {
              ...pipeline.localPromoter(loaded.config, ledger, deps.log, undefined, { offline: opts.offline === true }),
              now: () => clock,
            },
            ledger.exclusive,
          )
        : undefined;
    const promoter = ticker?.deps;
    let reports: NotificationReport[] = [];
    const notifyEntry = async (entry: LedgerEntry, correlationId?: string) => {
      if (pipeline && notifier)
        reports.push(
          ...(
            await pipeline.notifyGroupEvent(
              { group: entry.group, seq: entry.seq, ...(correlationId ? { correlationId } : {}) },
              pipeline.withFreshBudget(notifier),
            )
          ).notifications,
        );
    };
    // In process, the whole reaction pipeline follows each recorded entry: notify, then promotion.
    const publisher: GroupEventPublisher | undefined =
      pipeline && (notifier || promoter)
        ? pipeline.reactionPublisher({ notify: notifyEntry, ...(promoter ? { promoter } : {}) })
        : undefined;
    const recorder: RecorderDeps = publisher
      ? { ...deps, publisher, ...(notifier ? { acks: notifier.deliveries } : {}) }
      : deps;
    const rows: IngestRow[] = [];
    try {
      for (const file of files) {
        const shown = file === '-' ? '(stdin)' : relative(io.cwd, file);
        const row: IngestRow = {
          file: shown.startsWith('..') || isAbsolute(shown) ? file : shown,
          outcome: 'rejected',
        };
        reports = [];
        try {
          const text = file === '-' ? readStdin() : readFileSync(file, 'utf8');
          assertDeliverableSize(Buffer.byteLength(text));
          let raw: unknown;
          try {
            raw = JSON.parse(text);
          } catch (err) {
            throw new InvalidEventError(`(root): file is not JSON: ${(err as Error).message}`);
          }
          const normalised = normaliseFor(raw, deps);
          // Time-driven work due by this event's state change comes first, as it would have in the outage: reminders,
          // no-data notices and flap summaries; promotions whose hold-down passed, approvals that expired.
          const first = normalised.find((n) => n.kind === 'transition');
          if (first?.kind === 'transition') {
            const at = Date.parse(first.transition.stateChangedAt);
            clock = new Date(at);
            if (pipeline && notifier)
              reports.push(...(await pipeline.sweep(clock, pipeline.withFreshBudget(notifier))).notifications);
            // Promotions due before this event, not at it: from its instant on the state is the event's, so a
            // recovery at the very end of a hold-down ends the episode before any decision.
            clock = new Date(at - 1);
            if (ticker) for (const s of await ticker.tick()) await notifyEntry(s);
            clock = new Date(at);
          }
          const outcomes = await recordNormalised(normalised, recorder, `file:${file}`);
          const parts = outcomes.map(rowOf);
          if (parts.length === 1) Object.assign(row, parts[0]);
          else {
            const top = [...parts].sort((a, b) => RANK[b.outcome] - RANK[a.outcome])[0];
            Object.assign(row, {
              outcome: top?.outcome ?? 'ignored',
              reason: `${parts.length} records: ${parts.map((p) => p.outcome).join(', ')}`,
              records: parts,
            });
          }
        } catch (err) {
          if (!(err instanceof InvalidEventError)) throw err;
          row.outcome = 'rejected';
          row.reason = err.message;
        }
        if (reports.length) row.notifications = summariseNotifications(reports);
        rows.push(row);
        meter.update(rows.length);
      }
    } finally {
      meter.end(rows.length);
    }
    deps.log.debug('ledger requests', { files: rows.length, requests: sent(), byOperation: since() });
    const summary = { recorded: 0, duplicate: 0, ignored: 0, rejected: 0 };
    for (const r of rows) summary[r.outcome]++;
    if (values.json) io.out(JSON.stringify({ results: rows, summary }, null, 2));
    else {
      const width = Math.max(...rows.map((r) => r.file.length));
      for (const r of rows) {
        const what =
          r.outcome === 'recorded'
            ? `${r.group} ${r.role} → ${r.event} (#${r.seq})`
            : r.outcome === 'duplicate'
              ? `${r.group}: ${r.reason}`
              : (r.reason ?? '');
        io.out(`${r.outcome.padEnd(9)}  ${r.file.padEnd(width)}  ${what}`);
        for (const n of r.notifications ?? []) {
          const where = Object.entries(n.channels)
            .map(([c, st]) => `${c}: ${st}`)
            .join(', ');
          io.out(
            `${''.padEnd(11)}↳ ${n.result === 'delivered' ? '' : `[${n.result}] `}${n.title}${where ? `  (${where})` : ''}`,
          );
        }
      }
      io.out(
        `${rows.length} file(s): ${summary.recorded} recorded, ${summary.duplicate} duplicate, ${summary.ignored} ignored, ${summary.rejected} rejected`,
      );
    }
    return summary.rejected > 0 ? 1 : 0;
  });
};
