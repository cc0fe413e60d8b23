// The promoter's entry points: reactions to group events, the every-minute pass, approvals and RDS events. Its parts:
// lifecycle.ts (records, steps), guardrails.ts (the decision), corroboration.ts, execute.ts (hooks), budget.ts.
import type { LedgerEntry } from '../ledger/store.js';
import { R53FailoverError } from '../support/errors.js';
import { complete, execute } from './execute.js';
import { decide } from './guardrails.js';
import {
  hooksOf,
  mutate,
  newRecord,
  PENDING,
  type PromoterDeps,
  type PromoterOutput,
  promotionOf,
  RECOVERED_FIRST,
  SYSTEM,
  skip,
  step,
} from './lifecycle.js';
import type { parseRdsEvent } from './rds-events.js';

export type { PromoterDeps, PromoterOutput } from './lifecycle.js';

/** `promote approve|reject` named a promotion that does not exist (or an id that cannot be one). */
export class PromotionNotFoundError extends R53FailoverError {
  override readonly name: string = 'PromotionNotFoundError';
}

/** `promote approve|reject` named a promotion that exists but no longer waits for a decision (decided, or expired). */
export class PromotionNotPendingError extends R53FailoverError {
  override readonly name: string = 'PromotionNotPendingError';
}

/** The every-minute pass failed for some groups while the others went on; `steps` are what the others appended. */
export class PromotionPassError extends R53FailoverError {
  override readonly name: string = 'PromotionPassError';
  constructor(
    message: string,
    readonly steps: PromoterOutput,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

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
        `${entry.group} failed over. A promotion will be considered at ${rec.dueAt} (hold-down ${p.holdDownSeconds} s) if it is still failed over${p.requireProbeQuorum ? ' and the probes agree' : ''}; mode ${p.mode}${p.mode === 'auto' ? " (it acts only if the probe quorum or the primary's HealthCheckStatus in CloudWatch confirms that the primary is down, and otherwise asks for approval)" : ''}.`,
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
      return skip(
        deps,
        existing,
        'the primary recovered before the promotion: nothing to do.',
        SYSTEM,
        RECOVERED_FIRST,
      );
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

/** One group's share of the every-minute pass. */
const tickGroup = async (deps: PromoterDeps, group: string): Promise<PromoterOutput> => {
  const out: PromoterOutput = [];
  const now = deps.now().toISOString();
  for (const rec of await deps.store.list(group)) {
    if (rec.status === 'REQUESTED' && now >= rec.dueAt) out.push(...(await decide(deps, rec)));
    else if (rec.status === 'AWAITING_APPROVAL' && rec.expiresAt && now > rec.expiresAt) {
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
  return out;
};

/**
 * The every-minute pass: decide promotions whose hold-down passed, expire approvals, run approved ones, resume or
 * check in-flight ones. Groups run side by side, so one group's slow hook (bounded by the run's budget) never holds
 * up another group's promotion, and one group's failure does not stop the others.
 */
export const tick = async (
  deps: PromoterDeps,
  groups: string[] = Object.keys(deps.config.groups),
): Promise<PromoterOutput> => {
  const mine = groups.filter((g) => promotionOf(deps.config, g));
  const settled = await Promise.allSettled(mine.map((g) => tickGroup(deps, g)));
  const out: PromoterOutput = [];
  const failed: { group: string; error: unknown }[] = [];
  settled.forEach((s, i) => {
    const group = mine[i] as string;
    if (s.status === 'fulfilled') out.push(...s.value);
    else {
      failed.push({ group, error: s.reason });
      deps.log.error('the promotion pass failed for a group; the other groups went on', { group, error: s.reason });
    }
  });
  if (failed.length)
    throw new PromotionPassError(
      `the promotion pass failed for ${failed.map((f) => `${f.group} (${f.error instanceof Error ? f.error.message : String(f.error)})`).join(', ')}`,
      out,
      { cause: failed[0]?.error },
    );
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
