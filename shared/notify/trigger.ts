import { inStreamOrder, type LedgerTrigger } from '../ledger/stream.js';
import { notifyGroupEvent, retryFailed, sweep, type NotifierDeps, type NotifyReport } from './notifier.js';
import { notifyOpsAlarm } from './ops-alarms.js';

export interface NotifyResult {
  reports: NotifyReport[];
  /** Partial batch response for the ledger stream: Lambda retries from the first failed record, keeping group order. */
  batchItemFailures?: { itemIdentifier: string }[];
}

/**
 * The notify function's work for one invocation. Ledger stream records (new entries) → their notifications. A
 * channel outage never fails the batch (that would hold up every later notification on the shard): the delivery is
 * left `failed` and the every-minute schedule retries it, then dead-letters it. Only infrastructure errors (ledger
 * unreachable) fail a record. The schedule sweeps (reminders, no data, flap summaries) and retries failed deliveries.
 * A state change of one of the stack's own alarms (its EventBridge rule) is notified on every channel.
 */
export const notifyOnTrigger = async (input: LedgerTrigger, deps: NotifierDeps): Promise<NotifyResult> => {
  if (input.kind === 'stream') {
    const { results, batchItemFailures } = await inStreamOrder(
      input.refs,
      (ref) => notifyGroupEvent(ref, deps),
      (err, ref) =>
        deps.log.error('notification failed; this record and the ones after it will be retried', {
          group: ref.group,
          seq: ref.seq,
          correlationId: ref.correlationId,
          error: err,
        }),
    );
    return { reports: results, batchItemFailures };
  }
  if (input.kind === 'sweep') {
    const now = deps.now();
    return { reports: [await sweep(now, deps), await retryFailed(now, deps)] };
  }
  if (input.kind === 'ops-alarm') return { reports: [await notifyOpsAlarm(input.alarm, deps)] };
  return { reports: [await notifyGroupEvent(input.ref, deps)] };
};
