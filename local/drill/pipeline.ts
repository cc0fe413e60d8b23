import type { FailoverConfig } from '../../shared/config/schema.js';
import type { OpenedLedger } from '../embedded-ledger.js';
import type { LedgerEntry } from '../../shared/ledger/store.js';
import type { Log } from '../../shared/support/logger.js';
import { localNotifier, localPromoter, reactionPublisher, withFreshBudget, withPromoteBudget } from '../pipeline.js';
import { notifyGroupEvent, sweep, type NotificationReport } from '../../shared/notify/notifier.js';
import { runDnsProbe } from '../../shared/probe/dns-probe.js';
import { probeEngines } from '../../shared/probe/engines.js';
import type { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { runProbeRound, type ProbeRunners, type RoundReport } from '../../shared/probe/runner.js';
import { decideApproval, tick, type PromoterDeps } from '../../shared/promote/promoter.js';
import { recordEvent, type RecorderDeps, type RecordOutcome } from '../../shared/record/recorder.js';
import { indexHealthChecks, indexTargetGroups } from '../../shared/config/lookups.js';

/**
 * The reaction pipeline in one process, as `ingest` runs it: recorder → notifier → promoter, plus the regional probe
 * rounds, the every-minute sweeps and ticks, and an operator's approvals. Every appended ledger entry and every
 * notification report is kept in `sink` so the drill can show what happened in each step.
 */

export const PROBE_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'] as const;

export interface PipelineSink {
  entries: LedgerEntry[];
  notifications: NotificationReport[];
}

export interface PipelineOptions {
  config: FailoverConfig;
  ledger: OpenedLedger;
  log: Log;
  /** The simulated clock. */
  now: () => Date;
  /** The failback command each group's (webhook) hook announces in FAILBACK_READY. */
  failbackCommand: (group: string) => string | undefined;
}

export interface Pipeline {
  sink: PipelineSink;
  /** One alarm payload as EventBridge or SNS delivers it. */
  deliver(raw: unknown, correlationId: string): Promise<RecordOutcome[]>;
  /** One probe round in each probe region, one after the other. */
  probeRound(group: string): Promise<RoundReport[]>;
  /** The every-minute work: reminders, no-data notices, flap summaries; promotion decisions and expiries. */
  everyMinute(group: string): Promise<void>;
  /** `r53-failover promote approve ID` by `actor`. */
  approve(id: string, actor: string): Promise<void>;
}

export const startPipeline = (o: PipelineOptions): Pipeline => {
  const { config, ledger, log, now } = o;
  const sink: PipelineSink = { entries: [], notifications: [] };
  const notifier = { ...localNotifier(config, ledger, log, now), owner: 'drill' };
  const promoter: PromoterDeps = {
    ...localPromoter(config, ledger, log, now, {
      // Promotion hooks in the drill call local services only: nothing may reach AWS.
      offline: true,
      // A webhook hook cannot know how to undo itself; the drill's database service can say exactly how.
      decorate: (group, exec) => {
        const command = o.failbackCommand(group);
        return command ? { ...exec, failbackCommand: () => command } : exec;
      },
    }),
    owner: 'drill',
  };
  const probes = promoter.probes as DynamoDbProbeStore;
  const runners: ProbeRunners = { ...probeEngines(), dns: (spec) => runDnsProbe(spec, { now: () => now().getTime() }) };

  const notifyEntry = async (entry: LedgerEntry, correlationId?: string) => {
    sink.entries.push(entry);
    const report = await notifyGroupEvent(
      { group: entry.group, seq: entry.seq, ...(correlationId ? { correlationId } : {}) },
      withFreshBudget(notifier),
    );
    sink.notifications.push(...report.notifications);
  };
  const recorder: RecorderDeps = {
    ledger: ledger.store,
    placements: indexHealthChecks(config),
    targetGroups: indexTargetGroups(config),
    log,
    now,
    acks: notifier.deliveries,
    publisher: reactionPublisher({ notify: notifyEntry, promoter }),
  };

  return {
    sink,
    deliver: (raw, correlationId) => recordEvent(raw, recorder, correlationId),
    probeRound: async (group) => {
      const reports: RoundReport[] = [];
      for (const region of PROBE_REGIONS) {
        const report = await runProbeRound({ config, region, store: probes, ledger: ledger.store, runners, log, now }, [
          group,
        ]);
        for (const entry of report.events) await notifyEntry(entry);
        reports.push(report);
      }
      return reports;
    },
    everyMinute: async (group) => {
      sink.notifications.push(...(await sweep(now(), withFreshBudget(notifier), [group])).notifications);
      for (const step of await tick(withPromoteBudget(promoter), [group])) await notifyEntry(step);
    },
    approve: async (id, actor) => {
      for (const step of await decideApproval(withPromoteBudget(promoter), id, true, actor)) await notifyEntry(step);
    },
  };
};
