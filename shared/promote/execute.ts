// Running a promotion's hooks: once per episode under a lease, each call bounded by the run's time budget, failed
// attempts retried on later passes with backoff until the attempt limit, then the completion checks.
import { DEFAULT_MAX_ATTEMPTS } from '../config/promotion-schema.js';
import type { PromotionEntry } from '../ledger/store.js';
import { callBudgetMs, MIN_CALL_MS, within } from './budget.js';
import { HookError, type HookTopology } from './hooks/types.js';
import {
  ctxFor,
  hooksOf,
  mutate,
  type PromoterDeps,
  type PromoterOutput,
  promotionOf,
  SYSTEM,
  step,
} from './lifecycle.js';
import type { HookStatus, PromotionRecord } from './promotion-store.js';

/** How long an executing run holds the promotion before another may resume it (a crashed run is resumed, not doubled). */
const LEASE_MS = 90_000;
/** The wait before the next attempt after `failed` attempts: 30 s, 1, 2, 4 min…, at most 5 min (the schedule ticks each minute). */
export const backoffMs = (failed: number): number => Math.min(300_000, 30_000 * 2 ** Math.max(0, failed - 1));

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs `fn`, handing back its error instead of throwing: only the hook's own calls are attempts, never our writes. */
const settle = async <T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; err: unknown }> => {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, err };
  }
};

export const finish = async (
  deps: PromoterDeps,
  rec: PromotionRecord,
  status: 'SUCCEEDED' | 'FAILED',
  reason: string,
  actor: string,
  extra: Partial<PromotionEntry['promotion']> = {},
): Promise<PromoterOutput> => {
  const done = await mutate(deps, rec.group, rec.episode, (r) =>
    r.status === 'IN_PROGRESS' ? { ...r, status, reason } : null,
  );
  return done
    ? [
        await step(
          deps,
          done.after,
          status === 'SUCCEEDED' ? 'PROMOTION_SUCCEEDED' : 'PROMOTION_FAILED',
          'IN_PROGRESS',
          actor,
          reason,
          extra,
        ),
      ]
    : [];
};

/**
 * Runs the hooks exactly once per episode: a lease (conditional write, epoch) admits one run; each hook is fenced on
 * its real-world state before it is called and marked with the epoch that called it, so a crashed run is resumed by
 * the next one (after the lease) without calling anything twice. Every fence and call gets what is left of the run's
 * budget: one that cannot finish in time, or fails with a retryable error, is a failed attempt, retried on a later
 * pass after a backoff; after `maxAttempts` the promotion is FAILED. `because` says what authorised the run.
 */
export const execute = async (
  deps: PromoterDeps,
  rec: PromotionRecord,
  actor: string,
  because?: string,
): Promise<PromoterOutput> => {
  const now = deps.now().getTime();
  const maxAttempts = promotionOf(deps.config, rec.group)?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  // Never shorter than the run may take: a lease that ran out mid-call would let a second run call again.
  const leaseMs = Math.max(LEASE_MS, deps.budgetMs() + 30_000);
  const taken = await mutate(deps, rec.group, rec.episode, (r) => {
    const backingOff = r.retryAt !== undefined && now < Date.parse(r.retryAt);
    const resumable =
      r.status === 'IN_PROGRESS' && !backingOff && (!r.leaseUntil || r.leaseUntil < now || r.leaseOwner === deps.owner);
    const startable = r.status === 'APPROVED' || (r.status === 'REQUESTED' && r.mode === 'auto');
    if (!resumable && !startable) return null;
    const { retryAt: _waited, ...rest } = r;
    return {
      ...rest,
      status: 'IN_PROGRESS',
      epoch: r.epoch + 1,
      leaseOwner: deps.owner,
      leaseUntil: now + leaseMs,
      ...(rec.lagSeconds !== undefined ? { lagSeconds: rec.lagSeconds } : {}),
      ...(startable ? { actor } : {}),
    };
  });
  if (!taken) return [];
  const out: PromoterOutput = [];
  let cur = taken.after;
  if (taken.before.status !== 'IN_PROGRESS')
    out.push(
      await step(
        deps,
        cur,
        'PROMOTION_IN_PROGRESS',
        taken.before.status,
        actor,
        `Promoting ${cur.group} (episode ${cur.episode})${cur.lagSeconds !== undefined ? `, replica lag ${cur.lagSeconds} s at decision time` : ''}${because ? `: ${because}` : ''}.`,
      ),
    );
  const epoch = cur.epoch;
  /** Changes the record while this run still holds it; false when another run took over. */
  const save = async (change: (x: PromotionRecord) => PromotionRecord) => {
    const r = await mutate(deps, cur.group, cur.episode, (x) =>
      x.epoch === epoch && x.status === 'IN_PROGRESS' ? change(x) : null,
    );
    if (r) cur = r.after;
    return Boolean(r);
  };
  const setHook = (i: number, status: HookStatus, detail: string, attempts?: number) =>
    save((x) => ({
      ...x,
      hooks: x.hooks.map((h, j) =>
        j === i ? { ...h, status, detail, epoch, ...(attempts !== undefined ? { attempts } : {}) } : h,
      ),
    }));
  /** Attempt `n` of hook `i` failed: FAILED when it cannot be retried or was the last; else retried after a backoff. */
  const failedAttempt = async (i: number, label: string, n: number, err: unknown): Promise<PromoterOutput> => {
    const msg = errorText(err);
    const retryable = err instanceof HookError && err.retryable;
    if (!retryable || n >= maxAttempts) {
      await setHook(i, 'failed', msg, n);
      const what = retryable
        ? `failed ${n} times (the limit is ${maxAttempts}); the last attempt: ${msg}`
        : `failed: ${msg}`;
      return finish(
        deps,
        cur,
        'FAILED',
        `${label} ${what}. Later hooks were not called; check the database and act by hand.`,
        actor,
      );
    }
    const retryAt = new Date(deps.now().getTime() + backoffMs(n)).toISOString();
    const detail = `attempt ${n} of ${maxAttempts} failed: ${msg}; the next one after ${retryAt}`;
    // The lease is released: the pass after the backoff continues, whichever run it is.
    await save((x) => ({
      ...x,
      retryAt,
      leaseUntil: deps.now().getTime(),
      hooks: x.hooks.map((h, j) => (j === i ? { ...h, status: 'pending', detail, epoch, attempts: n } : h)),
    }));
    deps.log.warn('promotion hook attempt failed; a later pass retries it', {
      promotionId: cur.id,
      hook: label,
      attempt: n,
      maxAttempts,
      retryAt,
      error: err,
    });
    return [];
  };

  let startedNow = false;
  for (const [i, h] of hooksOf(deps, cur.group).entries()) {
    const state = cur.hooks[i];
    if (!state || state.status === 'done' || state.status === 'started') continue;
    if (state.status === 'failed') break;
    const label = `hook ${i + 1} (${h.config.type})`;
    const made = state.attempts ?? 0;
    if (callBudgetMs(deps.budgetMs) < MIN_CALL_MS) {
      // Not an attempt: nothing was called. The lease is released so the next pass continues at once.
      deps.log.warn('the run has no time left for a hook call; the next pass continues', { promotionId: cur.id });
      await save((x) => ({ ...x, leaseUntil: deps.now().getTime() }));
      return out;
    }
    const fenced = await settle(() => within(callBudgetMs(deps.budgetMs), `${label} fence`, () => h.exec.fence()));
    if (!fenced.ok) return [...out, ...(await failedAttempt(i, label, made + 1, fenced.err))];
    const fence = fenced.value;
    if (fence.state !== 'not-started') {
      if (!(await setHook(i, fence.state === 'done' ? 'done' : 'started', fence.detail))) return out;
      continue;
    }
    if (made >= maxAttempts) {
      const why = `${label} was attempted ${made} times (the limit is ${maxAttempts}) and the last attempt never reported back (${state.detail})`;
      await setHook(i, 'failed', why);
      const reason = `${why}. Later hooks were not called; check the database and act by hand.`;
      return [...out, ...(await finish(deps, cur, 'FAILED', reason, actor))];
    }
    // Counted before the call: a run that dies mid-call still used an attempt.
    if (!(await setHook(i, 'calling', h.exec.describe(ctxFor(cur)), made + 1))) return out; // another run took over
    const called = await settle(() =>
      within(callBudgetMs(deps.budgetMs), label, (signal) =>
        h.exec.execute(ctxFor(cur, { group: cur.group, episode: cur.episode }), signal),
      ),
    );
    if (!called.ok) return [...out, ...(await failedAttempt(i, label, made + 1, called.err))];
    await setHook(i, called.value.status === 'done' ? 'done' : 'started', called.value.detail);
    startedNow ||= called.value.status === 'started';
  }
  // An asynchronous promotion just started is confirmed by the next check (schedule or RDS event), not by a read
  // racing the call that started it.
  return startedNow ? out : [...out, ...(await complete(deps, cur))];
};

/** Follow-up status check of started hooks (RDS promotions finish asynchronously); no waiting loops. */
export const complete = async (deps: PromoterDeps, rec: PromotionRecord, actor = SYSTEM): Promise<PromoterOutput> => {
  const hooks = hooksOf(deps, rec.group);
  const topology: HookTopology[] = [];
  let cur = rec;
  for (const [i, h] of hooks.entries()) {
    const state = cur.hooks[i];
    if (state?.status !== 'started') continue;
    // Left to the next pass when this run has no time for the read.
    if (callBudgetMs(deps.budgetMs) < MIN_CALL_MS) return [];
    const c = await within(callBudgetMs(deps.budgetMs), `hook ${i + 1} (${h.config.type}) completion check`, () =>
      h.exec.checkCompletion(),
    );
    if (c.status === 'in-progress') continue;
    const r = await mutate(deps, cur.group, cur.episode, (x) =>
      x.status === 'IN_PROGRESS'
        ? {
            ...x,
            hooks: x.hooks.map((y, j) =>
              j === i ? { ...y, status: c.status === 'succeeded' ? 'done' : 'failed', detail: c.detail } : y,
            ),
          }
        : null,
    );
    if (r) cur = r.after;
    if (c.topology) topology.push(c.topology);
    if (c.status === 'failed')
      return finish(deps, cur, 'FAILED', `hook ${i + 1} (${h.config.type}) failed: ${c.detail}`, actor);
  }
  if (!cur.hooks.every((h) => h.status === 'done')) return [];
  // Hooks completed by a fence or an earlier run did not report their topology here: read it for the record.
  for (const h of hooks) {
    if (h.config.type !== 'aurora-global' && h.config.type !== 'rds-replica') continue;
    try {
      const c = await within(callBudgetMs(deps.budgetMs), `${h.config.type} topology read`, () =>
        h.exec.checkCompletion(),
      );
      if (c.topology && !topology.some((t) => t.newWriter === c.topology?.newWriter)) topology.push(c.topology);
    } catch (err) {
      deps.log.warn('could not read the new topology; TOPOLOGY_CHANGED names only what is known', {
        promotionId: cur.id,
        error: err,
      });
    }
  }
  const out = await finish(deps, cur, 'SUCCEEDED', `Every hook completed for ${cur.id}.`, actor);
  if (out.length && topology.length) {
    const lines = topology.map(
      (t) =>
        `writer ${t.oldWriter} → ${t.newWriter}${t.replicationSource ? ` (replication from ${t.replicationSource})` : ''}`,
    );
    out.push(
      await step(
        deps,
        { ...cur, status: 'SUCCEEDED' },
        'TOPOLOGY_CHANGED',
        'SUCCEEDED',
        actor,
        `Topology changed: ${lines.join('; ')}. Failback checklist: 1) confirm the application writes to the new writer; 2) update IaC that names the old writer (this drift is expected); 3) rebuild replication towards the recovered region; 4) fail back only with the planned switchover, when replication has caught up.`,
        { topology },
      ),
    );
  }
  return out;
};
