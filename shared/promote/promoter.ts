import { memberProbes, type FailoverConfig, type HookConfig, type PromotionConfig } from '../config/schema.js';
import { R53FailoverError } from '../support/errors.js';
import { isDown } from '../core/failover-transition.js';
import type { GroupEvent } from '../core/group-events.js';
import { appendToChain } from '../ledger/append.js';
import { nextEntry } from '../ledger/entry.js';
import type { LedgerEntry, LedgerStore, PromotionEntry, PromotionStatus } from '../ledger/store.js';
import type { Log } from '../support/logger.js';
import type { ProbeStore } from '../probe/probe-store.js';
import type { HookContext, HookExecutor, HookTopology } from './hooks/types.js';
import type { PromotionRecord, PromotionStore } from './promotion-store.js';
import type { parseRdsEvent } from './rds-events.js';

export interface PromoterDeps {
  config: FailoverConfig;
  ledger: LedgerStore;
  store: PromotionStore;
  /** Probe quorum (when probes are configured, it must say the primary is down). */
  probes?: ProbeStore;
  hookFor: (group: string, index: number, hook: HookConfig) => HookExecutor;
  log: Log;
  now: () => Date;
  /** Identifies this run in leases. */
  owner: string;
}

/** Ledger entries the promoter appended (the CLI notifies them in process; deployed, the stream does). */
export type PromoterOutput = PromotionEntry[];

/** `promote approve|reject` named a promotion that does not exist (or an id that cannot be one). */
export class PromotionNotFoundError extends R53FailoverError {
  override readonly name: string = 'PromotionNotFoundError';
}

/** `promote approve|reject` named a promotion that exists but no longer waits for a decision (decided, or expired). */
export class PromotionNotPendingError extends R53FailoverError {
  override readonly name: string = 'PromotionNotPendingError';
}

const SYSTEM = 'r53-failover';
/** How long an executing run holds the promotion before another may resume it (a crashed run is resumed, not doubled). */
const LEASE_MS = 90_000;
const PENDING: PromotionStatus[] = ['REQUESTED', 'AWAITING_APPROVAL', 'APPROVED'];

const promotionOf = (config: FailoverConfig, group: string): PromotionConfig | undefined =>
  config.groups[group]?.promotion;

const ctxFor = (rec: PromotionRecord, event: Record<string, unknown> = {}): HookContext => ({
  promotionId: rec.id,
  group: rec.group,
  episode: rec.episode,
  reason: 'outage',
  event,
});

const hooksOf = (deps: PromoterDeps, group: string) =>
  (promotionOf(deps.config, group)?.hooks ?? []).map((h, i) => ({ config: h, exec: deps.hookFor(group, i, h) }));

/** Appends one lifecycle step to the group's chain; the stream (or the CLI) notifies it. */
const step = async (
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
      healthCheckIds: g ? [g.secondary.healthCheckId] : [],
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
const mutate = async (
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
const skip = async (
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

const newRecord = (
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

/**
 * Reacts to a recorded group event: FAILED_OVER requests a promotion for the episode (once, however often the event
 * arrives), BOTH_UNHEALTHY never promotes (critical notice), RECOVERED cancels a pending promotion or, after one,
 * announces the failback command (never run automatically).
 */
export const onGroupEntry = async (entry: LedgerEntry, deps: PromoterDeps): Promise<PromoterOutput> => {
  if (entry.kind !== 'transition' || entry.stale) return [];
  const p = promotionOf(deps.config, entry.group);
  const episode = entry.episode;
  if (!p || episode === null) return [];
  const existing = await deps.store.get(entry.group, episode);
  if (entry.event === 'FAILED_OVER' && !existing) {
    const opener = episode === entry.seq ? entry : await deps.ledger.get(entry.group, episode);
    const rec = newRecord(deps, entry.group, episode, opener?.stateChangedAt ?? entry.stateChangedAt, p);
    if (!(await deps.store.create(rec))) return [];
    return [
      await step(
        deps,
        rec,
        'PROMOTION_REQUESTED',
        null,
        SYSTEM,
        `${entry.group} failed over. A promotion will be considered at ${rec.dueAt} (hold-down ${p.holdDownSeconds} s) if it is still failed over${p.requireProbeQuorum ? ' and the probes agree' : ''}; mode ${p.mode}.`,
      ),
    ];
  }
  if (entry.event === 'BOTH_UNHEALTHY') {
    const reason =
      'both regions are unhealthy: promoting the secondary would move the writer into a failing region. Not promoting; this is an outage.';
    if (!existing) {
      const rec = newRecord(deps, entry.group, episode, entry.stateChangedAt, p, 'SKIPPED');
      rec.reason = reason;
      return (await deps.store.create(rec)) ? [await step(deps, rec, 'PROMOTION_SKIPPED', null, SYSTEM, reason)] : [];
    }
    return skip(deps, existing, reason);
  }
  if (entry.event === 'RECOVERED' && existing) {
    if (PENDING.includes(existing.status))
      return skip(deps, existing, 'the primary recovered before the promotion: nothing to do.');
    if (existing.status === 'IN_PROGRESS' || existing.status === 'SUCCEEDED') {
      const commands = hooksOf(deps, entry.group)
        .map((h) => h.exec.failbackCommand?.())
        .filter((c): c is string => Boolean(c));
      const done = await mutate(deps, entry.group, episode, (r) =>
        r.reason?.startsWith('failback announced')
          ? null
          : { ...r, reason: `failback announced at ${entry.stateChangedAt}` },
      );
      if (!done) return [];
      return [
        await step(
          deps,
          done.after,
          'FAILBACK_READY',
          done.before.status,
          SYSTEM,
          `The primary region is healthy again. The database writer stays where the promotion put it: failing back is never automatic. When you are ready (replication caught up, traffic drained), run: ${commands.join(' ; ') || 'see the failback checklist'}.`,
          { failbackCommands: commands },
        ),
      ];
    }
  }
  return [];
};

/** Decides a promotion whose hold-down has passed: guardrails, lag budget, then mode. */
const decide = async (deps: PromoterDeps, rec: PromotionRecord): Promise<PromoterOutput> => {
  const p = promotionOf(deps.config, rec.group) as PromotionConfig;
  const head = await deps.ledger.head(rec.group, { fresh: true });
  if (head.entry?.openEpisode !== rec.episode)
    return skip(deps, rec, 'the failover episode ended before the hold-down passed.');
  if (!isDown(head.snapshot.primary)) return skip(deps, rec, 'the primary is no longer unhealthy: not promoting.');
  if (isDown(head.snapshot.secondary)) return skip(deps, rec, 'both regions are unhealthy: not promoting.');
  if (p.requireProbeQuorum && deps.probes && memberProbes(deps.config, rec.group, 'primary').length > 0) {
    const q = await deps.probes.getQuorum(rec.group, 'primary');
    if (q.quorum !== 'DOWN')
      return skip(deps, rec, `the probe quorum does not confirm that the primary is down (probes: ${q.quorum}).`);
  }
  const hooks = hooksOf(deps, rec.group);
  const lags: number[] = [];
  for (const h of hooks) {
    try {
      const lag = await h.exec.replicaLagSeconds?.(deps.now());
      if (lag !== undefined) lags.push(lag);
    } catch (err) {
      deps.log.warn('could not read replica lag', { promotionId: rec.id, error: err });
    }
  }
  const lagSeconds = lags.length ? Math.max(...lags) : undefined;
  const overBudget = lagSeconds !== undefined && lagSeconds > p.maxReplicaLagSeconds;
  const calls = hooks.map((h) => h.exec.describe(ctxFor(rec)));
  if (p.mode === 'dry-run') {
    return skip(
      deps,
      { ...rec, ...(lagSeconds !== undefined ? { lagSeconds } : {}) },
      `dry-run: would call ${calls.join('; ')}${lagSeconds !== undefined ? ` (replica lag ${lagSeconds} s)` : ''}.`,
    );
  }
  if (p.mode === 'approve' || overBudget) {
    const expiresAt = new Date(deps.now().getTime() + p.approvalTimeoutMinutes * 60_000).toISOString();
    const done = await mutate(deps, rec.group, rec.episode, (r) =>
      r.status === 'REQUESTED'
        ? { ...r, status: 'AWAITING_APPROVAL', expiresAt, ...(lagSeconds !== undefined ? { lagSeconds } : {}) }
        : null,
    );
    if (!done) return [];
    const why = overBudget
      ? `Replica lag ${lagSeconds} s is over the ${p.maxReplicaLagSeconds} s budget, so this ungraceful promotion needs approval even in auto mode. `
      : '';
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
  }
  return execute(deps, { ...rec, ...(lagSeconds !== undefined ? { lagSeconds } : {}) }, SYSTEM);
};

/**
 * Runs the hooks exactly once per episode: a lease (conditional write, epoch) admits one run; each hook is fenced on
 * its real-world state before it is called and marked with the epoch that called it, so a crashed run is resumed by
 * the next one (after the lease) without calling anything twice.
 */
export const execute = async (deps: PromoterDeps, rec: PromotionRecord, actor: string): Promise<PromoterOutput> => {
  const now = deps.now().getTime();
  const taken = await mutate(deps, rec.group, rec.episode, (r) => {
    const resumable =
      r.status === 'IN_PROGRESS' && (!r.leaseUntil || r.leaseUntil < now || r.leaseOwner === deps.owner);
    const startable = r.status === 'APPROVED' || (r.status === 'REQUESTED' && r.mode === 'auto');
    if (!resumable && !startable) return null;
    return {
      ...r,
      status: 'IN_PROGRESS',
      epoch: r.epoch + 1,
      leaseOwner: deps.owner,
      leaseUntil: now + LEASE_MS,
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
        `Promoting ${cur.group} (episode ${cur.episode})${cur.lagSeconds !== undefined ? `, replica lag ${cur.lagSeconds} s at decision time` : ''}.`,
      ),
    );
  const epoch = cur.epoch;
  const setHook = async (i: number, status: PromotionRecord['hooks'][number]['status'], detail: string) => {
    const r = await mutate(deps, cur.group, cur.episode, (x) =>
      x.epoch === epoch && x.status === 'IN_PROGRESS'
        ? { ...x, hooks: x.hooks.map((h, j) => (j === i ? { status, detail, epoch } : h)) }
        : null,
    );
    if (r) cur = r.after;
    return Boolean(r);
  };
  const hooks = hooksOf(deps, cur.group);
  let startedNow = false;
  for (const [i, h] of hooks.entries()) {
    const state = cur.hooks[i];
    if (!state || state.status === 'done' || state.status === 'started') continue;
    if (state.status === 'failed') break;
    const fence = await h.exec.fence();
    if (fence.state === 'done') {
      if (!(await setHook(i, 'done', fence.detail))) return out;
      continue;
    }
    if (fence.state === 'in-progress') {
      if (!(await setHook(i, 'started', fence.detail))) return out;
      continue;
    }
    if (!(await setHook(i, 'calling', h.exec.describe(ctxFor(cur))))) return out; // another run took over
    try {
      const r = await h.exec.execute(ctxFor(cur, { group: cur.group, episode: cur.episode }));
      await setHook(i, r.status === 'done' ? 'done' : 'started', r.detail);
      startedNow ||= r.status === 'started';
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      await setHook(i, 'failed', msg);
      return [
        ...out,
        ...(await finish(
          deps,
          cur,
          'FAILED',
          `hook ${i + 1} (${h.config.type}) failed: ${msg}. Later hooks were not called; check the database and act by hand.`,
          actor,
        )),
      ];
    }
  }
  // An asynchronous promotion just started is confirmed by the next check (schedule or RDS event), not by a read
  // racing the call that started it.
  return startedNow ? out : [...out, ...(await complete(deps, cur))];
};

const finish = async (
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

/** Follow-up status check of started hooks (RDS promotions finish asynchronously); no waiting loops. */
export const complete = async (deps: PromoterDeps, rec: PromotionRecord, actor = SYSTEM): Promise<PromoterOutput> => {
  const hooks = hooksOf(deps, rec.group);
  const topology: HookTopology[] = [];
  let cur = rec;
  for (const [i, h] of hooks.entries()) {
    const state = cur.hooks[i];
    if (state?.status !== 'started') continue;
    const c = await h.exec.checkCompletion();
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
      const c = await h.exec.checkCompletion();
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

/** The every-minute pass: decide promotions whose hold-down passed, expire approvals, run approved ones, resume or check in-flight ones. */
export const tick = async (
  deps: PromoterDeps,
  groups: string[] = Object.keys(deps.config.groups),
): Promise<PromoterOutput> => {
  const out: PromoterOutput = [];
  const now = deps.now();
  for (const group of groups) {
    if (!promotionOf(deps.config, group)) continue;
    for (const rec of await deps.store.list(group)) {
      if (rec.status === 'REQUESTED' && now.toISOString() >= rec.dueAt) out.push(...(await decide(deps, rec)));
      else if (rec.status === 'AWAITING_APPROVAL' && rec.expiresAt && now.toISOString() > rec.expiresAt) {
        const done = await mutate(deps, group, rec.episode, (r) =>
          r.status === 'AWAITING_APPROVAL' ? { ...r, status: 'EXPIRED' } : null,
        );
        if (done)
          out.push(
            await step(
              deps,
              done.after,
              'PROMOTION_EXPIRED',
              'AWAITING_APPROVAL',
              SYSTEM,
              `Nobody approved ${rec.id} before ${rec.expiresAt}; nothing was promoted. Promote by hand if it is still needed.`,
            ),
          );
      } else if (rec.status === 'APPROVED' || rec.status === 'IN_PROGRESS')
        out.push(...(await execute(deps, rec, rec.actor)));
    }
  }
  return out;
};

/**
 * `promote approve|reject <id>`: only a promotion awaiting approval, before it expires. With `run: false` an
 * approval is only recorded (status APPROVED, the approver as actor): the deployed promote-replica function runs it
 * on its next every-minute pass with its own role, so whoever approves needs no RDS or Lambda permissions.
 */
export const decideApproval = async (
  deps: PromoterDeps,
  id: string,
  approve: boolean,
  actor: string,
  opts: { run?: boolean } = {},
): Promise<PromoterOutput> => {
  const m = /^(.+)#(\d+)$/.exec(id);
  if (!m) throw new PromotionNotFoundError(`expected a promotion id like orders-api#12, got ${JSON.stringify(id)}`);
  const [group, episode] = [m[1] as string, Number(m[2])];
  const rec = await deps.store.get(group, episode);
  if (!rec) throw new PromotionNotFoundError(`no promotion ${id}`);
  const now = deps.now().toISOString();
  if (rec.status !== 'AWAITING_APPROVAL')
    throw new PromotionNotPendingError(`promotion ${id} is ${rec.status}, not awaiting approval`);
  if (rec.expiresAt && now > rec.expiresAt)
    throw new PromotionNotPendingError(`promotion ${id} expired at ${rec.expiresAt}`);
  if (!approve) return skip(deps, rec, `rejected by ${actor}.`, actor);
  const done = await mutate(deps, group, episode, (r) =>
    r.status === 'AWAITING_APPROVAL' ? { ...r, status: 'APPROVED', actor } : null,
  );
  if (!done || opts.run === false) return [];
  return execute(deps, done.after, actor);
};

/** An RDS event about a promotion in flight: recorded in the ledger, then the completion check runs. */
export const onRdsEvent = async (
  evt: NonNullable<ReturnType<typeof parseRdsEvent>>,
  deps: PromoterDeps,
): Promise<PromoterOutput> => {
  if (evt.kind === 'other') return [];
  const out: PromoterOutput = [];
  for (const group of Object.keys(deps.config.groups)) {
    const hooks = promotionOf(deps.config, group)?.hooks ?? [];
    const matches = hooks.some((h) => {
      const arns =
        h.type === 'aurora-global'
          ? [h.targetClusterArn, h.primaryClusterArn]
          : h.type === 'rds-replica'
            ? [h.replicaInstanceArn]
            : [];
      // RDS reports identifiers in lower case; a config may spell them otherwise.
      const [arn, id] = [evt.sourceArn.toLowerCase(), evt.sourceId.replace(/^rds:/, '').toLowerCase()];
      return arns.some((a) => a.toLowerCase() === arn || a.toLowerCase().endsWith(`:${id}`));
    });
    if (!matches) continue;
    for (const rec of await deps.store.list(group)) {
      if (rec.status !== 'IN_PROGRESS') continue;
      out.push(
        await step(
          deps,
          rec,
          'RDS_EVENT',
          rec.status,
          'rds-event',
          `RDS ${evt.eventId ?? ''} ${evt.kind} on ${evt.sourceId} (${evt.region}).`.replace('  ', ' '),
          {
            rdsEvent: {
              ...(evt.eventId ? { eventId: evt.eventId } : {}),
              kind: evt.kind,
              source: evt.sourceArn,
              at: evt.at,
            },
          },
        ),
      );
      out.push(...(await complete(deps, rec, 'rds-event')));
    }
  }
  return out;
};
