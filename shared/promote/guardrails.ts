// The decision once the hold-down has passed: guardrails, the lag budget, the mode, and for mode auto an independent
// signal that the primary is down.
import { type PromotionConfig } from '../config/schema.js';
import { isDown } from '../core/failover-transition.js';
import type { Quorum } from '../core/probe-verdicts.js';
import { callBudgetMs, MIN_CALL_MS, within } from './budget.js';
import { corroborate } from './corroboration.js';
import { execute } from './execute.js';
import {
  ctxFor,
  hooksOf,
  mutate,
  type PromoterDeps,
  type PromoterOutput,
  promotionOf,
  RECOVERED_FIRST,
  SYSTEM,
  skip,
  step,
} from './lifecycle.js';
import type { PromotionRecord } from './promotion-store.js';
import { memberProbes } from '../config/lookups.js';

/** Highest replica lag any hook reports (seconds), each read bounded by the run's budget; undefined when none can say. */
const replicaLag = async (deps: PromoterDeps, rec: PromotionRecord): Promise<number | undefined> => {
  const lags: number[] = [];
  for (const h of hooksOf(deps, rec.group)) {
    if (!h.exec.replicaLagSeconds) continue;
    try {
      const lag = await within(
        callBudgetMs(deps.budgetMs),
        `reading the ${h.config.type} hook's replica lag`,
        async () => h.exec.replicaLagSeconds?.(deps.now()),
      );
      if (lag !== undefined) lags.push(lag);
    } catch (err) {
      deps.log.warn('could not read replica lag', { promotionId: rec.id, error: err });
    }
  }
  return lags.length ? Math.max(...lags) : undefined;
};

/** REQUESTED → AWAITING_APPROVAL, saying why an operator must decide (`why` ends with a space, or is empty). */
const askApproval = async (
  deps: PromoterDeps,
  rec: PromotionRecord,
  p: PromotionConfig,
  lagSeconds: number | undefined,
  why: string,
): Promise<PromoterOutput> => {
  const expiresAt = new Date(deps.now().getTime() + p.approvalTimeoutMinutes * 60_000).toISOString();
  const done = await mutate(deps, rec.group, rec.episode, (r) =>
    r.status === 'REQUESTED'
      ? { ...r, status: 'AWAITING_APPROVAL', expiresAt, ...(lagSeconds !== undefined ? { lagSeconds } : {}) }
      : null,
  );
  if (!done) return [];
  const calls = hooksOf(deps, rec.group).map((h) => h.exec.describe(ctxFor(rec)));
  return [
    await step(
      deps,
      done.after,
      'PROMOTION_AWAITING_APPROVAL',
      'REQUESTED',
      SYSTEM,
      `${why}Approve before ${expiresAt} with: r53-failover promote approve ${rec.id} (or reject; add --record-only to leave the calls to the deployed function and its role). It will call: ${calls.join('; ')}. Promoting a read replica is one-way.`,
    ),
  ];
};

/** Decides a promotion whose hold-down has passed: guardrails, lag budget, then mode (auto: corroborated first). */
export const decide = async (deps: PromoterDeps, rec: PromotionRecord): Promise<PromoterOutput> => {
  // With too little time left for its reads, the decision waits for the next pass.
  if (callBudgetMs(deps.budgetMs) < MIN_CALL_MS) return [];
  const p = promotionOf(deps.config, rec.group) as PromotionConfig;
  const head = await deps.ledger.head(rec.group, { fresh: true });
  if (head.entry?.openEpisode !== rec.episode)
    return skip(deps, rec, 'the failover episode ended before the hold-down passed.', SYSTEM, RECOVERED_FIRST);
  // Not a recovery: a primary alarm without data is not down either, and that needs a look (notified).
  if (!isDown(head.snapshot.primary)) return skip(deps, rec, 'the primary is no longer unhealthy: not promoting.');
  if (isDown(head.snapshot.secondary)) return skip(deps, rec, 'both regions are unhealthy: not promoting.');
  let quorum: Quorum | undefined;
  if (deps.probes && memberProbes(deps.config, rec.group, 'primary').length > 0)
    quorum = (await deps.probes.getQuorum(rec.group, 'primary')).quorum;
  if (p.requireProbeQuorum && quorum !== undefined && quorum !== 'DOWN')
    return skip(deps, rec, `the probe quorum does not confirm that the primary is down (probes: ${quorum}).`);
  const lagSeconds = await replicaLag(deps, rec);
  const withLag = { ...rec, ...(lagSeconds !== undefined ? { lagSeconds } : {}) };
  if (p.mode === 'dry-run') {
    const calls = hooksOf(deps, rec.group).map((h) => h.exec.describe(ctxFor(rec)));
    return skip(
      deps,
      withLag,
      `dry-run: would call ${calls.join('; ')}${lagSeconds !== undefined ? ` (replica lag ${lagSeconds} s)` : ''}.`,
    );
  }
  if (lagSeconds !== undefined && lagSeconds > p.maxReplicaLagSeconds)
    return askApproval(
      deps,
      rec,
      p,
      lagSeconds,
      `Replica lag ${lagSeconds} s is over the ${p.maxReplicaLagSeconds} s budget, so this ungraceful promotion needs approval even in auto mode. `,
    );
  if (p.mode === 'approve') return askApproval(deps, rec, p, lagSeconds, '');
  // Mode auto never acts on one unverified message: an approval is a human's corroboration, this is the machine's.
  const c = await corroborate(deps, rec.group, quorum);
  if (c.verdict === 'healthy') return skip(deps, withLag, c.reason);
  if (c.verdict === 'unknown')
    return askApproval(
      deps,
      rec,
      p,
      lagSeconds,
      `Mode auto acts only when an independent signal confirms that the primary is down, and none does: ${c.reason}. So this needs approval. `,
    );
  return execute(deps, withLag, SYSTEM, c.evidence);
};
