import { inStreamOrder, parseLedgerTrigger, type BatchResponse } from '../ledger/stream.js';
import { InvalidEventError } from '../support/errors.js';
import { METRIC, type MetricSink } from '../support/metrics.js';
import { onGroupEntry, onRdsEvent, tick, type PromoterDeps, type PromoterOutput } from './promoter.js';
import { parseRdsEvent } from './rds-events.js';

export interface PromoteResult extends Partial<BatchResponse> {
  steps: string[];
}

/** The promoter's deps, plus where the steps it records are counted (PromotionSteps per event, for the dashboard). */
export type PromoteTriggerDeps = PromoterDeps & { metrics?: MetricSink };

/**
 * The promote-replica function's work for one invocation: ledger stream records (FAILED_OVER / BOTH_UNHEALTHY /
 * RECOVERED entries), the every-minute schedule (hold-down expiry, approvals, completion checks: no Lambda waits in
 * a loop), and RDS events (global failover/switchover, replica promotion) that confirm completion. Never calls the
 * Route 53 control plane. Stream records are handled in order; the first failure ends the batch there.
 */
export const promoteOnTrigger = async (event: unknown, deps: PromoteTriggerDeps): Promise<PromoteResult> => {
  const steps: PromoterOutput = [];
  const done = (extra: Partial<BatchResponse> = {}): PromoteResult => {
    for (const s of steps) deps.metrics?.put(METRIC.promotionSteps, 'Count', 1, { Event: s.event });
    const names = steps.map((s) => `${s.promotion.id} ${s.event}`);
    if (names.length) deps.log.info('promotion steps', { steps: names });
    return { steps: names, ...extra };
  };
  const rds = parseRdsEvent(event);
  if (rds) {
    steps.push(...(await onRdsEvent(rds, deps)));
    return done();
  }
  const input = parseLedgerTrigger(event);
  if (input.kind === 'sweep') {
    steps.push(...(await tick(deps)));
    return done();
  }
  if (input.kind !== 'stream')
    throw new InvalidEventError('promote-replica takes ledger stream records, the schedule or RDS events');
  const { batchItemFailures } = await inStreamOrder(
    input.refs,
    async (ref) => {
      const entry = await deps.ledger.get(ref.group, ref.seq);
      if (!entry) throw new InvalidEventError(`no ledger entry ${ref.group} #${ref.seq}`);
      steps.push(...(await onGroupEntry(entry, deps)));
    },
    (err, ref) =>
      deps.log.error('promotion reaction failed; this record and the ones after it will be retried', {
        group: ref.group,
        seq: ref.seq,
        error: err,
      }),
  );
  return done({ batchItemFailures });
};
