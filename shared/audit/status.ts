import type { AlarmStateValue } from '../core/alarm-event.js';
import type { FailoverConfig } from '../config/schema.js';
import {
  asRoute53Weighs,
  type GroupEvent,
  type GroupSnapshot,
  type MemberSnapshot,
  type Serving,
  servingOf,
} from '../core/failover-transition.js';
import { alwaysHealthyRoles, type HealthBasis, healthBasisOf, targetGroupDimension } from '../config/lookups.js';
import type { LedgerStore } from '../ledger/store.js';
import type { ProbeStore } from '../probe/probe-store.js';
import type { PromotionStore } from '../promote/promotion-store.js';
import { type MemberRole, UNASSIGNED_GROUP } from '../core/members.js';
import type { ObservedServing } from '../core/probe-verdicts.js';

const MEMBER_ROLES: MemberRole[] = ['primary', 'secondary'];

export interface MemberStatus {
  /** What Route 53 judges the member's record by (failover.yml); `unassigned` keys: what the alarm watched. */
  basis: HealthBasis['kind'];
  /** The Route 53 health check (empty for the other bases). */
  healthCheckId: string;
  /** A target-health member's target groups (`TargetGroup` dimension) with each one's latest alarm state. */
  targetGroups?: Record<string, { state: AlarmStateValue | null; stateChangedAt: string | null }>;
  region: string | null;
  /** Latest alarm state recorded for the member; null when nothing was recorded yet (Route 53 then assumes healthy). */
  state: AlarmStateValue | null;
  stateChangedAt: string | null;
  event: GroupEvent | null;
  /** The synthetic probes' quorum for this member, when probes run. */
  probes?: { quorum: string; since: string };
}

/** The stable `status --json` shape of one group. */
export interface GroupStatus {
  group: string;
  recordName: string | null;
  recordType: string | null;
  /** The member Route 53 answers with: primary unless it is unhealthy and the secondary is not; `none` for `unassigned`. */
  serving: Serving;
  lastEvent: GroupEvent | null;
  lastChangeAt: string | null;
  /** Entries in the group's ledger chain. */
  entries: number;
  members: Record<string, MemberStatus>;
  /**
   * What the DNS probes last saw the record answer (`probes.dnsResolvers` and both members' `dnsAnswers`): the member
   * (`unknown`: an answer no member carries), since when, the answer and the resolver; null when nothing was observed.
   */
  observed?: { serving: ObservedServing; at: string; answer: string[]; resolver: string } | null;
  /** A database promotion in flight (requested, awaiting approval, approved or in progress), if any. */
  promotion?: { id: string; status: string; dueAt: string; expiresAt?: string };
}

export interface StatusSources {
  probes?: ProbeStore;
  promotions?: PromotionStore;
}

const stateOf = (t: Pick<MemberSnapshot, 'state' | 'stateChangedAt'> | undefined) => ({
  state: t?.state ?? null,
  stateChangedAt: t?.stateChangedAt ?? null,
});

/** A target-health member's target groups, or the target group an `unassigned` key names, with their states. */
const targetGroupsOf = (
  basis: HealthBasis | undefined,
  snap: MemberSnapshot | undefined,
  key: string,
): MemberStatus['targetGroups'] => {
  if (basis?.kind === 'target-health')
    return Object.fromEntries(
      basis.targetGroupArns.map(targetGroupDimension).map((tg) => [tg, stateOf(snap?.targetGroups?.[tg])]),
    );
  if (!basis && snap && !snap.healthCheckId) return { [key]: stateOf(snap) };
  return undefined;
};

export type HeadSummary = Pick<GroupStatus, 'serving' | 'lastEvent' | 'lastChangeAt'>;

/**
 * What a group snapshot says: the member Route 53 answers with (its `healthCheck: none` members always healthy), and
 * the newest member event (status, report).
 */
export const headSummary = (
  group: string,
  snapshot: GroupSnapshot,
  alwaysHealthy?: readonly MemberRole[],
): HeadSummary => {
  const latest = Object.values(snapshot).sort((a, b) => b.stateChangedAt.localeCompare(a.stateChangedAt))[0];
  return {
    serving: servingOf(group, asRoute53Weighs(snapshot, alwaysHealthy)),
    lastEvent: latest?.event ?? null,
    lastChangeAt: latest?.stateChangedAt ?? null,
  };
};

/** Current state of every configured group (plus `unassigned` when it has entries), read from each ledger head. */
export const groupStatuses = async (
  config: FailoverConfig,
  ledger: LedgerStore,
  only?: string,
  sources: StatusSources = {},
): Promise<GroupStatus[]> => {
  const names = [...Object.keys(config.groups), UNASSIGNED_GROUP].filter((g) => !only || g === only);
  const out: GroupStatus[] = [];
  for (const group of names) {
    const head = await ledger.head(group, { fresh: true });
    const cfg = config.groups[group];
    if (!cfg && head.seq === 0) continue;
    const members: Record<string, MemberStatus> = {};
    const keys = cfg ? MEMBER_ROLES : Object.keys(head.snapshot).sort();
    // `healthCheck: none` members are always healthy to Route 53, whatever an older config recorded for them.
    const snapshot = asRoute53Weighs(head.snapshot, cfg ? alwaysHealthyRoles(cfg) : undefined);
    for (const key of keys) {
      const snap = snapshot[key];
      const member = cfg?.[key as MemberRole];
      const basis = member ? healthBasisOf(member) : undefined;
      const targetGroups = targetGroupsOf(basis, snap, key);
      members[key] = {
        basis: basis?.kind ?? (snap?.healthCheckId ? 'health-check' : 'target-health'),
        healthCheckId: member ? (member.healthCheckId ?? '') : (snap?.healthCheckId ?? key),
        ...(targetGroups ? { targetGroups } : {}),
        region: member?.region ?? null,
        state: snap?.state ?? null,
        stateChangedAt: snap?.stateChangedAt ?? null,
        event: snap?.event ?? null,
      };
      if (cfg && sources.probes) {
        const q = await sources.probes.getQuorum(group, key);
        const m = members[key];
        if (q.version > 0 && m) m.probes = { quorum: q.quorum, since: q.since };
      }
    }
    const inFlight =
      cfg?.promotion && sources.promotions
        ? (await sources.promotions.list(group))
            .filter((r) => ['REQUESTED', 'AWAITING_APPROVAL', 'APPROVED', 'IN_PROGRESS'].includes(r.status))
            .sort((a, b) => b.episode - a.episode)[0]
        : undefined;
    const seen = cfg && sources.probes ? await sources.probes.getObserved(group) : undefined;
    out.push({
      group,
      recordName: cfg?.recordName ?? null,
      recordType: cfg?.recordType ?? null,
      ...headSummary(group, head.snapshot, cfg ? alwaysHealthyRoles(cfg) : undefined),
      ...(cfg && sources.probes
        ? {
            observed: seen
              ? { serving: seen.serving, at: seen.at, answer: seen.answer, resolver: seen.resolver }
              : null,
          }
        : {}),
      entries: head.seq,
      members,
      ...(inFlight
        ? {
            promotion: {
              id: inFlight.id,
              status: inFlight.status,
              dueAt: inFlight.dueAt,
              ...(inFlight.expiresAt ? { expiresAt: inFlight.expiresAt } : {}),
            },
          }
        : {}),
    });
  }
  return out;
};
