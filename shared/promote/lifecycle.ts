// The promotion record's bookkeeping shared by the promoter's parts: its deps, ledger steps, optimistic updates, skips.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { FailoverConfig, HookConfig, PromotionConfig } from '../config/schema.js';
import type { GroupEvent } from '../core/group-events.js';
import { appendToChain } from '../ledger/append.js';
import { nextEntry } from '../ledger/entry.js';
import type { LedgerStore, PromotionEntry, PromotionStatus } from '../ledger/store.js';
import type { ProbeStore } from '../probe/probe-store.js';
import { R53FailoverError } from '../support/errors.js';
import type { Log } from '../support/logger.js';
import type { HookContext, HookExecutor } from './hooks/types.js';
import type { PromotionRecord, PromotionStore } from './promotion-store.js';

export interface PromoterDeps {
  config: FailoverConfig;
  ledger: LedgerStore;
  store: PromotionStore;
  /** Probe quorum (when probes are configured, it must say the primary is down). */
  probes?: ProbeStore;
  /**
   * CloudWatch in a region: us-east-1, where Route 53 publishes HealthCheckStatus, or a target-health primary's region
   * (HealthyHostCount): mode auto's independent signal that the primary is down when no probe quorum says so
   * (corroboration.ts). Built on first use: most passes read nothing.
   */
  cloudwatch: (region: string) => CloudWatchClient;
  /**
   * Milliseconds this run may still spend (Lambda: the remaining time less a margin; CLI: `--budget`). Every hook
   * call, and every read around one, is bounded by it.
   */
  budgetMs: () => number;
  hookFor: (group: string, index: number, hook: HookConfig) => HookExecutor;
  log: Log;
  now: () => Date;
  /** Identifies this run in leases. */
  owner: string;
}

/** Ledger entries the promoter appended (the CLI notifies them in process; deployed, the stream does). */
export type PromoterOutput = PromotionEntry[];

export const SYSTEM = 'r53-failover';
/** The skip's cause when the primary recovered before the promotion went ahead. */
export const RECOVERED_FIRST: Partial<PromotionEntry['promotion']> = { skipCause: 'recovered' };
export const PENDING: PromotionStatus[] = ['REQUESTED', 'AWAITING_APPROVAL', 'APPROVED'];

export const promotionOf = (config: FailoverConfig, group: string): PromotionConfig | undefined =>
  config.groups[group]?.promotion;

export const ctxFor = (rec: PromotionRecord, event: Record<string, unknown> = {}): HookContext => ({
  promotionId: rec.id,
  group: rec.group,
  episode: rec.episode,
  reason: 'outage',
  event,
});

export const hooksOf = (deps: PromoterDeps, group: string) =>
  (promotionOf(deps.config, group)?.hooks ?? []).map((h, i) => ({ config: h, exec: deps.hookFor(group, i, h) }));

/** Appends one lifecycle step to the group's chain; the stream (or the CLI) notifies it. */
export const step = async (
  deps: PromoterDeps,
  rec: PromotionRecord,
  event: GroupEvent,
  previous: PromotionStatus | null,
  actor: string,
  reason: string,
  extra: Partial<PromotionEntry['promotion']> = {},
): Promise<PromotionEntry> => {
  const g = deps.config.groups[rec.group];
  const now = deps.now().toISOString();
  const entry = await appendToChain(deps.ledger, rec.group, (head) =>
    nextEntry<PromotionEntry>(head, {
      kind: 'promotion',
      group: rec.group,
      transitionId: `promotion:${rec.id}:${event}:${rec.epoch}:${now}`,
      role: 'secondary',
      healthCheckId: g?.secondary.healthCheckId ?? '',
      healthCheckIds: g?.secondary.healthCheckId ? [g.secondary.healthCheckId] : [],
      region: g?.secondary.region ?? '',
      state: rec.status,
      previousState: previous,
      stateChangedAt: now,
      recordedAt: now,
      sources: [actor],
      event,
      reason,
      episode: rec.episode,
      promotion: {
        id: rec.id,
        episode: rec.episode,
        mode: rec.mode,
        actor,
        calls: hooksOf(deps, rec.group).map((h) => h.exec.describe(ctxFor(rec))),
        ...(rec.lagSeconds !== undefined ? { lagSeconds: rec.lagSeconds } : {}),
        ...(rec.expiresAt ? { expiresAt: rec.expiresAt } : {}),
        ...extra,
      },
    }),
  );
  if (!entry) throw new R53FailoverError(`could not record ${event} for ${rec.id}`);
  deps.log.info('promotion step', { promotionId: rec.id, event, status: rec.status, actor });
  return entry;
};

/** Read-modify-write of a promotion record with optimistic locking; `change` returns null to leave it alone. */
export const mutate = async (
  deps: PromoterDeps,
  group: string,
  episode: number,
  change: (rec: PromotionRecord) => PromotionRecord | null,
): Promise<{ before: PromotionRecord; after: PromotionRecord } | null> => {
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = await deps.store.get(group, episode);
    if (!before) return null;
    const next = change(structuredClone(before));
    if (!next) return null;
    const after = { ...next, updatedAt: deps.now().toISOString() };
    if (await deps.store.update(after, before.version))
      return { before, after: { ...after, version: before.version + 1 } };
  }
  throw new R53FailoverError(`promotion ${group}#${episode} kept changing under concurrent updates`);
};

/** Moves a pending promotion to SKIPPED with the guardrail's reason (once). */
export const skip = async (
  deps: PromoterDeps,
  rec: PromotionRecord,
  reason: string,
  actor = SYSTEM,
  extra: Partial<PromotionEntry['promotion']> = {},
): Promise<PromotionEntry[]> => {
  const done = await mutate(deps, rec.group, rec.episode, (r) =>
    PENDING.includes(r.status) ? { ...r, status: 'SKIPPED', reason, actor } : null,
  );
  return done ? [await step(deps, done.after, 'PROMOTION_SKIPPED', done.before.status, actor, reason, extra)] : [];
};

export const newRecord = (
  deps: PromoterDeps,
  group: string,
  episode: number,
  failedOverAt: string,
  p: PromotionConfig,
  status: PromotionStatus = 'REQUESTED',
): PromotionRecord => ({
  id: `${group}#${episode}`,
  group,
  episode,
  status,
  mode: p.mode,
  failedOverAt,
  dueAt: new Date(Date.parse(failedOverAt) + p.holdDownSeconds * 1000).toISOString(),
  epoch: 0,
  hooks: p.hooks.map(() => ({ status: 'pending' as const, detail: '' })),
  actor: SYSTEM,
  updatedAt: deps.now().toISOString(),
  version: 0,
});
