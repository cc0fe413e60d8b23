import type { Log } from '../support/logger.js';
import { METRIC, type MetricSink } from '../support/metrics.js';
import type { DeliveryStatus, DeliveryStore } from './delivery-store.js';
import type { Channel, Notification, SendResult } from './notification.js';

export interface DispatchDeps {
  deliveries: DeliveryStore;
  log: Log;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Milliseconds this invocation may still spend (Lambda: remaining time minus a margin). */
  budgetMs: () => number;
  /** Identifies this invocation in delivery leases. */
  owner: string;
  /** Random in [0, 1): jitter; injectable so tests are deterministic. */
  random?: () => number;
  /** Deliveries sent and failed per channel, for the dashboard; absent → none (the CLI). */
  metrics?: MetricSink;
}

export interface ChannelOutcome {
  channel: string;
  /** `sent` now, or what an earlier attempt left (`sent`, `sending` elsewhere, `failed` permanently). */
  status: DeliveryStatus | 'skipped' | 'unknown';
  attempts: number;
  reason?: string;
  /** Gave up on a transient error within this budget: the caller should fail so the event is retried (or DLQ'd). */
  retryLater?: boolean;
  /** Did this call send it (false when an earlier invocation already had). */
  sentNow?: boolean;
}

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 20_000;
/** Attempts within one call, whatever the budget: a peer that keeps failing fast must not spin. */
export const MAX_ATTEMPTS_PER_CALL = 6;
/** Per-attempt timeout ceiling; channels apply their own shorter ones. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export const backoffMs = (attempt: number, random: () => number): number =>
  Math.floor(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1)));

const deliverOne = async (
  n: Notification,
  ch: Channel,
  deps: DispatchDeps,
  redrive: boolean,
): Promise<ChannelOutcome> => {
  const random = deps.random ?? Math.random;
  const claim = await deps.deliveries.claim(n, ch.name, {
    owner: deps.owner,
    now: deps.now(),
    leaseMs: Math.max(deps.budgetMs(), 1_000) + 30_000,
    redrive,
  });
  if (!claim.claimed) return { channel: ch.name, status: claim.status, attempts: 0 };
  let attempt = 0;
  let last: SendResult = { status: 'retry', reason: 'not attempted' };
  for (;;) {
    attempt++;
    const signal = AbortSignal.timeout(Math.max(100, Math.min(ATTEMPT_TIMEOUT_MS, deps.budgetMs())));
    try {
      last = await ch.send(n, signal);
    } catch (err) {
      // A channel bug must not lose the other channels or leave a lease behind; the error text may not be safe to
      // keep (it is the channel's job to classify), so only its class is recorded.
      last = { status: 'retry', reason: `channel error (${(err as Error)?.name ?? 'Error'})` };
    }
    if (last.status === 'sent') {
      await deps.deliveries.complete(
        n,
        ch.name,
        deps.owner,
        { status: 'sent', ...(last.info ? { info: last.info } : {}) },
        deps.now(),
      );
      deps.log.info('notification sent', { notificationId: n.id, channel: ch.name, attempts: attempt });
      return { channel: ch.name, status: 'sent', attempts: attempt, sentNow: true };
    }
    if (last.status === 'permanent') {
      await deps.deliveries.complete(
        n,
        ch.name,
        deps.owner,
        { status: 'failed', reason: last.reason, permanent: true },
        deps.now(),
      );
      deps.log.error(
        'notification failed permanently; not retried (fix the channel, then r53-failover notify --redrive)',
        { notificationId: n.id, channel: ch.name, reason: last.reason },
      );
      return { channel: ch.name, status: 'failed', attempts: attempt, reason: last.reason };
    }
    const wait = last.retryAfterMs ?? backoffMs(attempt, random);
    if (attempt >= MAX_ATTEMPTS_PER_CALL || wait + 500 > deps.budgetMs()) {
      await deps.deliveries.complete(
        n,
        ch.name,
        deps.owner,
        { status: 'failed', reason: `${last.reason} (will retry)`, permanent: false },
        deps.now(),
      );
      deps.log.warn('notification not delivered within this invocation; it will be retried', {
        notificationId: n.id,
        channel: ch.name,
        reason: last.reason,
        attempts: attempt,
      });
      return { channel: ch.name, status: 'failed', attempts: attempt, reason: last.reason, retryLater: true };
    }
    deps.log.debug('retrying notification', {
      notificationId: n.id,
      channel: ch.name,
      reason: last.reason,
      waitMs: wait,
    });
    await deps.sleep(wait);
  }
};

/**
 * Delivers one notification on every channel that accepts it, concurrently and independently: a channel that is
 * down never delays or loses another. Each (notification, channel) is claimed with a conditional write first, so
 * duplicate invocations and retries never send twice.
 */
export const dispatch = async (
  n: Notification,
  channels: Channel[],
  deps: DispatchDeps,
  opts: { redrive?: boolean } = {},
): Promise<ChannelOutcome[]> => {
  const outcomes = await Promise.all(
    channels.map((ch) =>
      ch.accepts(n)
        ? deliverOne(n, ch, deps, Boolean(opts.redrive))
        : Promise.resolve<ChannelOutcome>({ channel: ch.name, status: 'skipped', attempts: 0 }),
    ),
  );
  for (const o of outcomes) {
    // Only what this call attempted: a delivery another invocation already made is not counted twice.
    if (o.sentNow) deps.metrics?.put(METRIC.notificationsSent, 'Count', 1, { Channel: o.channel });
    else if (o.status === 'failed' && o.attempts > 0)
      deps.metrics?.put(METRIC.notificationsFailed, 'Count', 1, { Channel: o.channel });
  }
  return outcomes;
};
