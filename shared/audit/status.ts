import type { AlarmStateValue } from '../core/alarm-event.js';
import type { FailoverConfig } from '../config/schema.js';
import { servingOf, type GroupEvent, type GroupSnapshot, type Serving } from '../core/failover-transition.js';
import type { LedgerStore } from '../ledger/store.js';
import type { ProbeStore } from '../probe/probe-store.js';
import type { PromotionStore } from '../promote/promotion-store.js';
import { UNASSIGNED_GROUP } from '../core/members.js';

export interface MemberStatus {
  healthCheckId: string;
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
  /** A database promotion in flight (requested, awaiting approval, approved or in progress), if any. */
  promotion?: { id: string; status: string; dueAt: string; expiresAt?: string };
}

export interface StatusSources {
  probes?: ProbeStore;
  promotions?: PromotionStore;
}

export type HeadSummary = Pick<GroupStatus, 'serving' | 'lastEvent' | 'lastChangeAt'>;

/** What a group snapshot says: the member Route 53 answers with, and the newest member event (status, report). */
export const headSummary = (group: string, snapshot: GroupSnapshot): HeadSummary => {
  const latest = Object.values(snapshot).sort((a, b) => b.stateChangedAt.localeCompare(a.stateChangedAt))[0];
  return {
    serving: servingOf(group, snapshot),
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
    const keys = cfg ? ['primary', 'secondary'] : Object.keys(head.snapshot).sort();
    for (const key of keys) {
      const snap = head.snapshot[key];
      const member = cfg?.[key as 'primary' | 'secondary'];
      members[key] = {
        healthCheckId: member?.healthCheckId ?? snap?.healthCheckId ?? key,
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
    out.push({
      group,
      recordName: cfg?.recordName ?? null,
      recordType: cfg?.recordType ?? null,
      ...headSummary(group, head.snapshot),
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
