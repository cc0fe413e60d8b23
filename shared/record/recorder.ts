import {
  assertDeliverableSize,
  normaliseAlarmEvent,
  transitionIdOf,
  type AlarmTransition,
  type NormalisedEvent,
} from '../core/alarm-event.js';
import { foreignAlarm } from '../core/alarm-origin.js';
import { InvalidEventError } from '../support/errors.js';
import { applyTransition, lastStateOf, nextEpisode, type GroupEvent } from '../core/failover-transition.js';
import type { GroupEventPublisher } from '../ledger/publisher.js';
import { appendToChain, REREAD } from '../ledger/append.js';
import { nextEntry } from '../ledger/entry.js';
import type { LedgerEntry, LedgerStore, TransitionEntry } from '../ledger/store.js';
import type { Log } from '../support/logger.js';
import { UNASSIGNED_GROUP, type HealthCheckPlacement } from '../core/members.js';
import { METRIC, type MetricSink, SERVING_VALUE } from '../support/metrics.js';
import type { ForeignRule } from '../core/alarm-event.js';

export interface RecorderDeps {
  ledger: LedgerStore;
  /** Health check id → group and role (from `indexHealthChecks(config)`). */
  placements: ReadonlyMap<string, HealthCheckPlacement>;
  /** `TargetGroup` dimension → group and role of its target-health member (from `indexTargetGroups(config)`). */
  targetGroups: ReadonlyMap<string, HealthCheckPlacement>;
  log: Log;
  /** The moment of receipt: `recordedAt`, and the bound a state change may not lie more than 5 minutes after. */
  now: () => Date;
  /**
   * The deployment's AWS account (Lambda: its own, from the invocation context; CLI: `accountId` in failover.yml).
   * Alarms of any other account are ignored. Absent: the account is not checked (the region still is).
   */
  accountId?: string;
  /** Called whenever an alarm's account goes unchecked because `accountId` is absent (the CLI says so once). */
  accountUnchecked?: () => void;
  /** Emits group events after the ledger write; absent → nothing is emitted (`--no-notify`). */
  publisher?: GroupEventPublisher;
  /** Whether the notifier acknowledged an entry's event; unacknowledged events are re-emitted on redelivery. */
  acks?: { isAcked(group: string, seq: number): Promise<boolean> };
  /** The dashboard's figures (ServingMember per group, GroupEvents per event); absent → none (the CLI). */
  metrics?: MetricSink;
}

export type RecordOutcome =
  | {
      outcome: 'recorded';
      group: string;
      role: string;
      event: GroupEvent;
      stale: boolean;
      transitionId: string;
      seq: number;
      entry: LedgerEntry;
    }
  | { outcome: 'duplicate'; group: string; event: GroupEvent; transitionId: string; seq: number; reason: string }
  /** `rule`: not one of our alarms (another account or region). */
  | { outcome: 'ignored'; reason: string; rule?: ForeignRule }
  | { outcome: 'rejected'; reason: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const placementOf = (t: AlarmTransition, deps: RecorderDeps): HealthCheckPlacement => {
  const p = t.targetGroup ? deps.targetGroups.get(t.targetGroup) : deps.placements.get(t.healthCheckId);
  if (p) return p;
  deps.log.warn(
    `${t.targetGroup ? 'target group' : 'health check'} is in no configured group; recording it under "unassigned"`,
    {
      ...(t.targetGroup ? { targetGroup: t.targetGroup } : { healthCheckId: t.healthCheckId }),
      alarmName: t.alarmName,
    },
  );
  return { group: UNASSIGNED_GROUP, role: 'unknown' };
};

/**
 * Records one transition exactly once in its group's ledger chain. The same transition delivered again (other
 * path, retry, concurrent invocation) is a duplicate that only adds its delivery path to `sources`.
 */
export const recordTransition = async (
  t: AlarmTransition,
  deps: RecorderDeps,
  correlationId: string,
): Promise<RecordOutcome> => {
  const { ledger, log } = deps;
  const placement = placementOf(t, deps);
  const { group } = placement;
  const transitionId = transitionIdOf(t);
  let duplicate: RecordOutcome | undefined;

  const entry = await appendToChain(ledger, group, async (head, attempt) => {
    const applied = applyTransition(group, placement, t, transitionId, head.snapshot, head.seq + 1);
    if (applied.kind !== 'newer') {
      const existing =
        head.entry?.transitionId === transitionId
          ? head.entry
          : await ledger.findTransition(group, t.stateChangedAt, transitionId);
      if (existing) {
        duplicate = await sameAgain(existing, t, deps, correlationId);
        return null;
      }
      if (applied.kind === 'duplicate') {
        // The snapshot names this transition but its entry was not found (older than the exact window and the index
        // has not caught up): wait for it rather than record it twice.
        await sleep(20 * attempt);
        return REREAD;
      }
    }
    const stale = applied.kind === 'not-newer';
    const event = stale ? 'STALE' : applied.event;
    const episode = nextEpisode(head.entry?.openEpisode ?? null, event, head.seq + 1);
    return nextEntry<TransitionEntry>(head, {
      kind: 'transition',
      group,
      transitionId,
      role: placement.role,
      healthCheckId: t.healthCheckId,
      healthCheckIds: t.healthCheckIds,
      ...(t.targetGroup ? { targetGroup: t.targetGroup } : {}),
      ...(t.loadBalancer ? { loadBalancer: t.loadBalancer } : {}),
      alarmName: t.alarmName,
      alarmArn: t.alarmArn,
      region: t.region,
      accountId: t.accountId,
      state: t.state,
      previousState: t.previousState ?? lastStateOf(head.snapshot, placement, t)?.state ?? null,
      stateChangedAt: t.stateChangedAt,
      recordedAt: deps.now().toISOString(),
      sources: [t.source],
      event,
      stale,
      ...(stale ? {} : { snapshot: applied.snapshot, serving: applied.serving }),
      reason: t.reason,
      reasonTruncated: t.reasonTruncated,
      metricMath: t.metricMath,
      episode: episode.episode,
      openEpisode: episode.open,
    });
  });
  if (!entry) return duplicate as RecordOutcome;
  log.info('transition recorded', {
    correlationId,
    group,
    role: placement.role,
    event: entry.event,
    seq: entry.seq,
    state: t.state,
    stateChangedAt: t.stateChangedAt,
    transitionId,
  });
  if (!entry.stale) countTransition(entry, deps.metrics);
  // Only after the ledger write, never for a stale entry; a failure here fails the invocation, and the retry
  // (a duplicate) re-emits.
  if (deps.publisher && !entry.stale) await deps.publisher.publish(entry, correlationId);
  return {
    outcome: 'recorded',
    group,
    role: placement.role,
    event: entry.event,
    stale: entry.stale,
    transitionId,
    seq: entry.seq,
    entry,
  };
};

/**
 * A fresh transition, counted once (duplicates never reach here): which member DNS now serves (1 primary, 2 secondary,
 * 0 none) for the group, and the group event. Unassigned health checks have no failover group to draw.
 */
const countTransition = (entry: LedgerEntry, metrics: MetricSink | undefined) => {
  if (!metrics) return;
  if (entry.group !== UNASSIGNED_GROUP)
    metrics.put(METRIC.servingMember, 'None', SERVING_VALUE[entry.serving], { Group: entry.group });
  metrics.put(METRIC.groupEvents, 'Count', 1, { Event: entry.event });
};

/** A transition already in the chain: note the delivery path, re-emit until the notifier acknowledged it. */
const sameAgain = async (
  existing: LedgerEntry,
  t: AlarmTransition,
  deps: RecorderDeps,
  correlationId: string,
): Promise<RecordOutcome> => {
  const { ledger, log } = deps;
  const { group, seq, event } = existing;
  if (!existing.sources.includes(t.source)) await ledger.addSource(group, seq, t.source);
  // Outbox: a retried or second delivery re-emits the group event until the notifier has acknowledged it.
  if (deps.publisher && !existing.stale && !(await deps.acks?.isAcked(group, seq))) {
    await deps.publisher.publish(existing, correlationId);
    log.info('group event re-emitted (not acknowledged yet)', { correlationId, group, seq, event });
  }
  log.info('duplicate transition', {
    correlationId,
    group,
    transitionId: existing.transitionId,
    seq,
    source: t.source,
  });
  return {
    outcome: 'duplicate',
    group,
    event,
    transitionId: existing.transitionId,
    seq,
    reason: `already recorded as ${group} #${seq} (${event})`,
  };
};

/** Records already-normalised notifications of one payload (ignored ones are reported, not written). */
export const recordNormalised = async (
  normalised: NormalisedEvent[],
  deps: RecorderDeps,
  correlationId: string,
): Promise<RecordOutcome[]> => {
  const outcomes: RecordOutcome[] = [];
  for (const n of normalised) {
    if (n.kind === 'ignored' && n.rule) {
      deps.log.warn('alarm of another account or region ignored: nothing written', {
        correlationId,
        rule: n.rule,
        reason: n.reason,
      });
      deps.metrics?.put(METRIC.foreignAlarmIgnored, 'Count', 1, { Rule: n.rule });
      outcomes.push({ outcome: 'ignored', reason: n.reason, rule: n.rule });
    } else if (n.kind === 'ignored') {
      deps.log.info('event ignored', { correlationId, reason: n.reason });
      outcomes.push({ outcome: 'ignored', reason: n.reason });
    } else outcomes.push(await recordTransition(n.transition, deps, correlationId));
  }
  return outcomes;
};

/**
 * Parses, classifies and records one Lambda payload as delivered. Malformed payloads throw `InvalidEventError`
 * before anything is written; valid but foreign ones come back as `ignored`.
 */
export const recordEvent = async (
  raw: unknown,
  deps: RecorderDeps,
  correlationId: string,
  size?: number,
): Promise<RecordOutcome[]> => {
  if (size !== undefined) assertDeliverableSize(size);
  return recordNormalised(normaliseFor(raw, deps), deps, correlationId);
};

/**
 * The normaliser as this deployment runs it: configured health checks and target groups preferred (metric-math
 * alarms over several), alarms of another account or region ignored (a target-group alarm belongs in its target
 * group's region), state changes after `now()` + 5 minutes rejected (without `now`: the current time).
 */
export const normaliseFor = (
  raw: unknown,
  deps: Pick<RecorderDeps, 'placements' | 'targetGroups'> &
    Partial<Pick<RecorderDeps, 'now' | 'accountId' | 'accountUnchecked'>>,
): NormalisedEvent[] =>
  normaliseAlarmEvent(raw, (id) => deps.placements.has(id) || deps.targetGroups.has(id), {
    receivedAt: deps.now?.() ?? new Date(),
    foreign: (t) => {
      if (!deps.accountId) deps.accountUnchecked?.();
      return foreignAlarm(t, deps.accountId, (tg) => deps.targetGroups.get(tg)?.region);
    },
  });

/** The rejected outcome for an error, or rethrow if it is not about the input. */
export const rejectedOutcome = (err: unknown): RecordOutcome => {
  if (err instanceof InvalidEventError) return { outcome: 'rejected', reason: err.message };
  throw err;
};
