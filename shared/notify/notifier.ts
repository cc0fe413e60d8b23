import type { FailoverConfig } from '../config/schema.js';
import { R53FailoverError } from '../support/errors.js';
import { isDown, servingOf } from '../core/failover-transition.js';
import type { GroupEvent } from '../core/group-events.js';
import type { LedgerEntry, LedgerStore } from '../ledger/store.js';
import type { GroupEventRef } from '../ledger/stream.js';
import { channelsFor, composeNotification, routesEntry, routesEvent } from './compose.js';
import { giveUpDelivery, type DeadLetters } from './dead-letters.js';
import { dispatch, type ChannelOutcome, type DispatchDeps } from './dispatcher.js';
import type { Channel, Notification } from './notification.js';
import { OPS_GROUP } from '../core/ops-alarm.js';
import { UNASSIGNED_GROUP } from '../core/members.js';
import { flapDecision, flapRule, flapSummary, foldedWhileFlapping, MIN, ms, stableAfter } from './flapping.js';
import { flappingWords, noDataWords, reminderWords } from './wording.js';

export interface NotifierDeps extends DispatchDeps {
  ledger: LedgerStore;
  config: FailoverConfig;
  channels: Channel[];
  /** Where a delivery goes when retries are exhausted (the stack's DLQ); absent in the CLI (use --redrive). */
  deadLetters?: DeadLetters;
}

/** Configured groups plus `unassigned` and the stack's own alarms: their notifications are retried and redriven too. */
export const notifiedGroups = (config: FailoverConfig): string[] => [
  ...Object.keys(config.groups),
  UNASSIGNED_GROUP,
  OPS_GROUP,
];

/** Invocations (stream record, then sweeps) that try one delivery before it is given up and dead-lettered. */
export const MAX_DELIVERY_ATTEMPTS = 8;
/** Minutes a sweep waits before retrying a delivery that failed `attempts` times: 1, 2, 4, 8, 15, 15, … */
export const retryDelayMinutes = (attempts: number): number => Math.min(15, 2 ** Math.max(0, attempts - 1));

export interface NotificationReport {
  id: string;
  kind: Notification['kind'];
  title: string;
  result: 'delivered' | 'suppressed' | 'not-routed';
  channels: ChannelOutcome[];
}

export interface NotifyReport {
  notifications: NotificationReport[];
  /** Some channel gave up on a transient error in this call; the every-minute sweep retries it (then the DLQ). */
  retryLater: boolean;
}

/** The notifier was handed a pointer to a ledger entry that does not exist. */
export class LedgerEntryNotFoundError extends R53FailoverError {
  override readonly name: string = 'LedgerEntryNotFoundError';
}

const settings = (config: FailoverConfig, group: string) => {
  const n = config.notify;
  return {
    reminderMinutes: config.groups[group]?.notify?.reminderMinutes ?? n?.reminderMinutes ?? 30,
    noDataMinutes: n?.noDataMinutes ?? 10,
    flap: flapRule(config, group),
  };
};

const send = async (
  n: Notification,
  deps: NotifierDeps,
  opts: { redrive?: boolean } = {},
): Promise<NotificationReport> => {
  const names = channelsFor(
    deps.config,
    n.group,
    deps.channels.map((c) => c.name),
  );
  const outcomes = await dispatch(
    n,
    deps.channels.filter((c) => names.includes(c.name)),
    deps,
    opts,
  );
  return { id: n.id, kind: n.kind, title: n.title, result: 'delivered', channels: outcomes };
};

const suppressed = async (n: Notification, reason: string, deps: NotifierDeps): Promise<NotificationReport> => {
  await deps.deliveries.suppress(n, reason, deps.now());
  deps.log.info('notification suppressed', { notificationId: n.id, reason });
  return { id: n.id, kind: n.kind, title: n.title, result: 'suppressed', channels: [] };
};

/** Handles one group event: flap logic, routing, then exactly-once delivery per channel. */
export const notifyGroupEvent = async (ref: GroupEventRef, deps: NotifierDeps): Promise<NotifyReport> => {
  const entry = await deps.ledger.get(ref.group, ref.seq);
  if (!entry) throw new LedgerEntryNotFoundError(`no ledger entry ${ref.group} #${ref.seq}`);
  const reports: NotificationReport[] = [];
  if (!entry.stale) {
    const now = deps.now();
    // Flapping is judged on health transitions. Probe entries are never held back by it; promotion steps that only
    // decide whether to promote are folded into the summary (FOLDED_WHILE_FLAPPING), a database change never is.
    const { action, summary, transitions, since, episode, incident } =
      entry.kind === 'transition'
        ? await flapDecision(entry, deps)
        : {
            action: (await foldedWhileFlapping(entry, deps)) ? ('suppress' as const) : ('normal' as const),
            transitions: 0,
            since: entry.stateChangedAt,
            episode: entry.episode ?? entry.seq,
          };
    if (summary) reports.push(await send(summary, deps));
    const extra = ref.correlationId ? { correlationId: ref.correlationId } : {};
    if (action === 'flapping') {
      const { flap: cfg } = settings(deps.config, entry.group);
      reports.push(
        await send(
          composeNotification(entry, deps.config, now, 'flapping', {
            ...extra,
            ...flappingWords(entry, transitions, since, cfg),
            flap: { transitions, since, until: entry.stateChangedAt, suppressed: 0 },
            episode,
          }),
          deps,
        ),
      );
    } else {
      const n = composeNotification(entry, deps.config, now, 'transition', {
        ...extra,
        ...(incident !== undefined ? { episode: incident } : {}),
      });
      // Only what would have been sent is held back (and counted as such in the summary).
      if (!routesEntry(deps.config, entry))
        reports.push({ id: n.id, kind: n.kind, title: n.title, result: 'not-routed', channels: [] });
      else if (action === 'suppress') reports.push(await suppressed(n, 'group is flapping', deps));
      else reports.push(await send(n, deps));
    }
  }
  // Acknowledged last. Deployed, the ledger stream redelivers an entry until this batch succeeds; in the CLI, a
  // retried delivery makes the recorder's in-process publisher re-emit the event until it is acknowledged.
  await deps.deliveries.ack(entry.group, entry.seq, deps.now());
  return { notifications: reports, retryLater: reports.some((r) => r.channels.some((c) => c.retryLater)) };
};

/**
 * Time-driven notices, run every minute in Lambda (and at each event's time when the CLI replays events):
 * flap summaries, reminders while a group stays failed over or down, and "no data is not healthy".
 */
export const sweep = async (
  now: Date,
  deps: NotifierDeps,
  groups: string[] = Object.keys(deps.config.groups),
): Promise<NotifyReport> => {
  const reports: NotificationReport[] = [];
  for (const group of groups) {
    const s = settings(deps.config, group);
    let flap = await deps.deliveries.getFlap(group);
    if (
      flap.flapping &&
      flap.lastTransitionAt &&
      now.getTime() - ms(flap.lastTransitionAt) >= s.flap.holdMinutes * MIN
    ) {
      const summary = await flapSummary(group, flap, deps, now);
      const stable = stableAfter(flap, summary);
      // Only the sweep that ends the flap sends the summary; the claim makes a concurrent one harmless anyway.
      if (await deps.deliveries.putFlap(group, stable, flap.version)) {
        if (summary) reports.push(await send(summary, deps));
        flap = { ...stable, version: flap.version + 1 };
      }
    }
    const head = await deps.ledger.head(group, { fresh: true });
    if (!head.entry) continue;
    const primaryDown = isDown(head.snapshot.primary);
    if (s.reminderMinutes > 0 && primaryDown && head.entry.openEpisode !== null && !flap.flapping) {
      const opener = await deps.ledger.get(group, head.entry.openEpisode);
      const event: GroupEvent = isDown(head.snapshot.secondary) ? 'BOTH_UNHEALTHY' : 'FAILED_OVER';
      const elapsedMin = opener ? (now.getTime() - ms(opener.stateChangedAt)) / MIN : 0;
      const k = Math.floor(elapsedMin / s.reminderMinutes);
      if (opener && k >= 1 && routesEvent(deps.config, group, event)) {
        const basis: LedgerEntry = {
          ...head.entry,
          event,
          serving: servingOf(group, head.snapshot),
          episode: opener.seq,
        };
        reports.push(
          await send(
            composeNotification(basis, deps.config, now, 'reminder', {
              seq: opener.seq,
              suffix: String(k),
              ...reminderWords(group, event, deps.config.groups[group]?.secondary.region, {
                k,
                reminderMinutes: s.reminderMinutes,
                openedAt: opener.stateChangedAt,
                elapsedMinutes: elapsedMin,
              }),
              reminder: { n: k, minutes: Math.round(elapsedMin) },
            }),
            deps,
          ),
        );
      }
    }
    if (s.noDataMinutes > 0) {
      for (const [key, member] of Object.entries(head.snapshot)) {
        if (member.state !== 'INSUFFICIENT_DATA' || now.getTime() - ms(member.stateChangedAt) < s.noDataMinutes * MIN)
          continue;
        const entry = await deps.ledger.get(group, member.seq);
        if (!entry) continue;
        reports.push(
          await send(
            composeNotification(entry, deps.config, now, 'no-data', {
              ...noDataWords(
                group,
                key,
                member.stateChangedAt,
                (now.getTime() - ms(member.stateChangedAt)) / 1000,
                entry.targetGroup,
              ),
            }),
            deps,
          ),
        );
      }
    }
  }
  return { notifications: reports, retryLater: reports.some((r) => r.channels.some((c) => c.retryLater)) };
};

/**
 * Retries deliveries that failed on a transient error, with backoff across sweeps, so a channel outage never holds
 * up the ledger stream (and with it every other group's and channel's notifications). After MAX_DELIVERY_ATTEMPTS
 * the delivery is sent to the dead-letter queue, then marked failed for good (`giveUpDelivery`: a dead letter SQS did
 * not take leaves it retryable); `notify --redrive` can still resend it.
 */
export const retryFailed = async (
  now: Date,
  deps: NotifierDeps,
  groups: string[] = notifiedGroups(deps.config),
): Promise<NotifyReport> => {
  const reports: NotificationReport[] = [];
  for (const group of groups) {
    for (const rec of await deps.deliveries.list(group, ['failed'])) {
      if (rec.permanent) continue;
      const channel = deps.channels.find((c) => c.name === rec.channel);
      if (!channel) continue;
      if (now.getTime() - ms(rec.updatedAt) < retryDelayMinutes(rec.attempts) * MIN) continue;
      const [outcome] = await dispatch(rec.notification, [channel], deps);
      reports.push({
        id: rec.notificationId,
        kind: rec.notification.kind,
        title: rec.notification.title,
        result: 'delivered',
        channels: outcome ? [outcome] : [],
      });
      if (outcome?.retryLater && rec.attempts + 1 >= MAX_DELIVERY_ATTEMPTS) {
        const reason = `gave up after ${rec.attempts + 1} attempts: ${outcome.reason ?? 'transient errors'}`;
        const attempts = rec.attempts + 1;
        await giveUpDelivery({ notification: rec.notification, channel: rec.channel, reason, attempts }, deps);
      }
    }
  }
  return { notifications: reports, retryLater: reports.some((r) => r.channels.some((c) => c.retryLater)) };
};

/** Re-sends what is pending or failed (after fixing a channel): `r53-failover notify --redrive`. */
export const redrive = async (
  deps: NotifierDeps,
  groups: string[] = notifiedGroups(deps.config),
): Promise<NotifyReport> => {
  const reports: NotificationReport[] = [];
  for (const group of groups) {
    const open = await deps.deliveries.list(group, ['failed', 'sending']);
    const byId = new Map<string, Notification>();
    for (const rec of open) byId.set(rec.notificationId, rec.notification);
    for (const n of byId.values()) reports.push(await send(n, deps, { redrive: true }));
  }
  return { notifications: reports, retryLater: reports.some((r) => r.channels.some((c) => c.retryLater)) };
};
