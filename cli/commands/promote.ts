import { UsageError } from '../../shared/support/errors.js';
import { isDown } from '../../shared/core/failover-transition.js';
import { publicEntry } from './history.js';
import { decideApproval, tick } from '../../shared/promote/promoter.js';
import { PromotionNotFoundError, PromotionNotPendingError, PromotionPassError } from '../../shared/promote/promoter.js';
import { COMMON_OPTIONS, parseFlags, parseTimeFlag } from '../args.js';
import { withContext, type Io } from '../context.js';
import { localNotifier, withFreshBudget } from '../../local/pipeline.js';
import { localPromoter, PROMOTE_BUDGET_SECONDS } from '../../local/pipeline.js';
import { notifyGroupEvent } from '../../shared/notify/notifier.js';
import type { PromotionEntry } from '../../shared/ledger/store.js';

export const PROMOTE_HELP = `r53-failover promote <list | show ID | approve ID | reject ID | dry-run --group G> [options]

  list              every promotion per group: id, status, mode, hold-down end, approval expiry, hooks
  show ID           one promotion (id like orders-api#12) and its lifecycle in the ledger
  approve ID        approve a promotion awaiting approval; it runs now (it calls the hooks with your credentials)
    --record-only   only record the approval: the deployed promote-replica function runs it on its next
                    every-minute pass with its own role (you need write access to the ledger table only)
  reject ID         reject it (recorded as SKIPPED, with you as the actor)
  dry-run --group G what would happen for G's current episode if the hold-down ended now (nothing is called)
  check [--at TIME] what the deployed schedule does every minute: decide promotions whose hold-down passed,
                    expire approvals, run approved ones, check in-flight ones

Options: --actor NAME (default $USER), --group, --json, --no-notify, and --config, --ledger, --table, --stage,
--region, --profile as for ingest.
  --budget SECONDS  (check, approve) time the hook calls may take, default 50: a call still running then is
                    abandoned and recorded as a failed attempt, retried by a later check after a backoff
Promoting a read replica (rds-replica hook) is one-way. Failback is never automatic: see FAILBACK_READY.`;

/** `--budget SECONDS`: a positive number of seconds (at most an hour), or the default. */
const parseBudget = (value: string | undefined): number => {
  if (value === undefined) return PROMOTE_BUDGET_SECONDS;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 3600)
    throw new UsageError(
      `promote: --budget: expected seconds between 0 and 3600 (like 50), got ${JSON.stringify(value)}`,
    );
  return n;
};

export const promote = async (args: string[], io: Io): Promise<number> => {
  const { values, positionals } = parseFlags(
    'promote',
    args,
    {
      ...COMMON_OPTIONS,
      group: { type: 'string' },
      actor: { type: 'string' },
      'no-notify': { type: 'boolean', default: false },
      at: { type: 'string' },
      'record-only': { type: 'boolean', default: false },
      budget: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    io.out(PROMOTE_HELP);
    return 0;
  }
  const [sub, id] = positionals;
  if (!sub || !['list', 'show', 'approve', 'reject', 'dry-run', 'check'].includes(sub))
    throw new UsageError(
      'promote: expected list, show ID, approve ID, reject ID, dry-run --group G or check (see r53-failover promote --help)',
    );
  if ((sub === 'show' || sub === 'approve' || sub === 'reject') && !id)
    throw new UsageError(`promote ${sub}: expected a promotion id like orders-api#12`);
  if (sub === 'dry-run' && !values.group) throw new UsageError('promote dry-run: --group is required');
  if (values['record-only'] && sub !== 'approve')
    throw new UsageError(`promote ${sub}: --record-only applies to approve only`);
  if (values.budget !== undefined && sub !== 'check' && sub !== 'approve')
    throw new UsageError(`promote ${sub}: --budget applies to check and approve only`);
  const budgetSeconds = parseBudget(values.budget);
  const actor = values.actor ?? io.env.USER ?? 'operator';
  return withContext(io, values, async ({ loaded, ledger, deps }) => {
    const at = values.at ? new Date(parseTimeFlag('at', values.at, io.now()) as string) : undefined;
    const promoter = localPromoter(loaded.config, ledger, deps.log, at ? () => at : io.now, { budgetSeconds });
    const notifier = values['no-notify'] ? undefined : localNotifier(loaded.config, ledger, deps.log, io.now);
    const announce = async (steps: PromotionEntry[]) => {
      for (const s of steps) {
        if (notifier) await notifyGroupEvent({ group: s.group, seq: s.seq }, withFreshBudget(notifier));
        if (!values.json) io.out(`${s.promotion.id}  ${s.event}  ${s.reason}`);
      }
    };
    const groups = values.group
      ? [values.group]
      : Object.keys(loaded.config.groups).filter((g) => loaded.config.groups[g]?.promotion);
    if (sub === 'list') {
      const recs = (await Promise.all(groups.map((g) => promoter.store.list(g)))).flat();
      if (values.json) io.out(JSON.stringify({ promotions: recs }, null, 2));
      else if (recs.length === 0) io.out('no promotions recorded');
      else
        for (const r of recs)
          io.out(
            `${r.id.padEnd(22)} ${r.status.padEnd(18)} ${r.mode.padEnd(8)} due ${r.dueAt}${r.expiresAt ? ` expires ${r.expiresAt}` : ''}  hooks: ${r.hooks.map((h) => `${h.status}${h.attempts ? ` (${h.attempts} attempt${h.attempts > 1 ? 's' : ''})` : ''}`).join(', ')}${r.retryAt ? `  next attempt after ${r.retryAt}` : ''}${r.reason ? `  (${r.reason})` : ''}`,
          );
      return 0;
    }
    if (sub === 'show') {
      const m = /^(.+)#(\d+)$/.exec(id as string);
      const rec = m ? await promoter.store.get(m[1] as string, Number(m[2])) : undefined;
      if (!m || !rec) throw new UsageError(`promote show: no promotion ${JSON.stringify(id)}`);
      const steps = (await ledger.store.list({ group: rec.group, order: 'asc' })).filter(
        (e): e is PromotionEntry => e.kind === 'promotion' && e.promotion.id === rec.id,
      );
      if (values.json) io.out(JSON.stringify({ promotion: rec, steps: steps.map(publicEntry) }, null, 2));
      else {
        io.out(
          `${rec.id}: ${rec.status} (mode ${rec.mode}); failed over at ${rec.failedOverAt}, hold-down until ${rec.dueAt}`,
        );
        for (const s of steps)
          io.out(`  ${s.stateChangedAt}  ${s.event.padEnd(28)} by ${s.sources.join(',')}  ${s.reason}`);
      }
      return 0;
    }
    if (sub === 'check') {
      let steps: PromotionEntry[];
      try {
        steps = await tick(promoter, groups);
      } catch (err) {
        // The other groups went on: tell what they did before reporting the failure.
        if (err instanceof PromotionPassError) await announce(err.steps);
        throw err;
      }
      await announce(steps);
      if (values.json) io.out(JSON.stringify({ steps: steps.map(publicEntry) }, null, 2));
      else if (steps.length === 0) io.out('nothing to do');
      return 0;
    }
    if (sub === 'dry-run') {
      const g = loaded.config.groups[values.group as string];
      if (!g?.promotion)
        throw new UsageError(`promote dry-run: group ${JSON.stringify(values.group)} has no promotion configured`);
      const head = await ledger.store.head(values.group as string, { fresh: true });
      const hooks = g.promotion.hooks.map((h, i) => promoter.hookFor(values.group as string, i, h));
      const ctx = {
        promotionId: `${values.group}#${head.entry?.openEpisode ?? 'none'}`,
        group: values.group as string,
        episode: head.entry?.openEpisode ?? 0,
        reason: 'outage' as const,
        event: {},
      };
      const blockers = [
        ...(head.entry?.openEpisode == null ? ['no failover episode is open'] : []),
        ...(!isDown(head.snapshot.primary) ? ['the primary is not unhealthy'] : []),
        ...(isDown(head.snapshot.secondary) ? ['both regions are unhealthy'] : []),
      ];
      const plan = {
        group: values.group,
        mode: g.promotion.mode,
        wouldPromote: blockers.length === 0,
        blockers,
        calls: hooks.map((h) => h.describe(ctx)),
      };
      if (values.json) io.out(JSON.stringify(plan, null, 2));
      else {
        io.out(
          plan.wouldPromote
            ? `${values.group}: would promote (mode ${plan.mode}) by calling:`
            : `${values.group}: would not promote: ${blockers.join('; ')}. The calls would be:`,
        );
        for (const c of plan.calls) io.out(`  ${c}`);
      }
      return 0;
    }
    try {
      if (values['record-only']) {
        await decideApproval(promoter, id as string, true, actor, { run: false });
        const note =
          'approved; the promote-replica function runs it on its next every-minute pass (watch with: r53-failover promote show ' +
          String(id) +
          ')';
        if (values.json) io.out(JSON.stringify({ approved: id, actor, runBy: 'promote-replica', steps: [] }, null, 2));
        else io.out(`${String(id)}  APPROVED by ${actor}: ${note}`);
        return 0;
      }
      const steps = await decideApproval(promoter, id as string, sub === 'approve', actor);
      await announce(steps);
      // Approved hooks that finish asynchronously are completed by later checks (the deployed schedule, or `promote list`).
      await announce(await tick(promoter, [steps[0]?.group ?? ''].filter(Boolean)));
      if (values.json) io.out(JSON.stringify({ steps: steps.map(publicEntry) }, null, 2));
      return 0;
    } catch (err) {
      if (err instanceof PromotionNotFoundError || err instanceof PromotionNotPendingError)
        throw new UsageError(`promote ${sub}: ${err.message}`);
      throw err;
    }
  });
};
