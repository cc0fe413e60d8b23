import type { AlarmStateValue, DeliverySource } from '../core/alarm-event.js';
import type { GroupEvent, GroupSnapshot, Serving } from '../core/failover-transition.js';
import type { Role } from '../core/members.js';
import type { DisagreementKind, ObservedServing, Quorum, RegionVerdict } from '../core/probe-verdicts.js';

/** One recorded health transition: the stable `--json` shape of `history` (see README, "JSON output"). */
export interface TransitionEntry {
  kind: 'transition';
  group: string;
  /** Position in the group's ledger chain (1, 2, …): assigned with a conditional write, never reused. */
  seq: number;
  transitionId: string;
  role: Role;
  healthCheckId: string;
  healthCheckIds: string[];
  /** A target-group alarm's `TargetGroup` (and `LoadBalancer`) dimension: a target-health member's transition. */
  targetGroup?: string;
  loadBalancer?: string;
  alarmName: string;
  alarmArn: string;
  region: string;
  accountId: string;
  state: AlarmStateValue;
  previousState: AlarmStateValue | null;
  stateChangedAt: string;
  recordedAt: string;
  sources: DeliverySource[];
  event: GroupEvent;
  /** True when the transition arrived after a newer one for the same member: recorded, state unchanged. */
  stale: boolean;
  /** Which member DNS serves after this entry (Route 53 rules). */
  serving: Serving;
  reason: string;
  reasonTruncated: boolean;
  metricMath: boolean;
  /** Every member's state after this entry; the head entry's snapshot is the group's current state. */
  snapshot: GroupSnapshot;
  /** The failover episode this entry belongs to (seq of the entry that opened it), or null. */
  episode: number | null;
  /** The episode still open after this entry, or null: carried to the next entry. */
  openEpisode: number | null;
  /** Tamper evidence: the previous entry's hash (GENESIS for #1) and this entry's SHA-256 (shared/ledger/hash.ts). */
  prevHash?: string;
  hash?: string;
}

/**
 * A probe quorum change (PROBE_DOWN / PROBE_UP) or a HEALTH_DISAGREEMENT, in the same chain as the transitions. It
 * carries the same scalar fields (so every history consumer reads it the same way); `state` is the probe quorum.
 */
export interface ProbeEntry extends Omit<TransitionEntry, 'kind' | 'state' | 'previousState' | 'sources'> {
  kind: 'probe';
  /** `probe:<region>`: the probe region whose round established the change. */
  sources: string[];
  state: Exclude<Quorum, 'UNKNOWN'>;
  previousState: Quorum | null;
  probe: {
    required: number;
    consecutive: number;
    /** Regions that had `consecutive` failures / successes when the quorum was judged. */
    down: string[];
    up: string[];
    verdicts: RegionVerdict[];
    disagreement?: { kind: DisagreementKind; since: string; healthCheckState: string | null };
  };
}

/**
 * What the probes saw DNS answer: the record's answer moved to another member (DNS_SERVING_CHANGED), or it has
 * disagreed with the alarm-derived `serving` for longer than `probes.servingMismatchSeconds` (SERVING_MISMATCH).
 * `state` is the member DNS answers with; `serving` stays the alarm-derived member, as on every entry.
 */
export interface DnsEntry extends Omit<TransitionEntry, 'kind' | 'state' | 'previousState' | 'sources'> {
  kind: 'dns';
  state: ObservedServing;
  previousState: ObservedServing | null;
  /** `probe:<region>`: the probe region (or `probe:cli`) that saw it. */
  sources: string[];
  dns: {
    /** The values the resolver answered (IPs or CNAME targets, normalised); empty for NXDOMAIN/NODATA. */
    answer: string[];
    /** The resolver whose answer this is (the first, in config order, of those that agreed). */
    resolver: string;
    negative?: 'NXDOMAIN' | 'NODATA';
    /** SERVING_MISMATCH only: the alarm-derived member it disagrees with, since when, and the threshold passed. */
    mismatch?: { alarmServing: Serving; since: string; thresholdSeconds: number };
  };
}

export const PROMOTION_STATUSES = [
  'REQUESTED',
  'AWAITING_APPROVAL',
  'APPROVED',
  'IN_PROGRESS',
  'SUCCEEDED',
  'FAILED',
  'EXPIRED',
  'SKIPPED',
] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];

/** One step of a promotion's lifecycle (or the topology/failback notices after it), in the group's chain. */
export interface PromotionEntry extends Omit<TransitionEntry, 'kind' | 'state' | 'previousState' | 'sources'> {
  kind: 'promotion';
  state: PromotionStatus;
  previousState: PromotionStatus | null;
  /** Who moved it: `r53-failover` (guardrails, schedule), `rds-event`, or the approving/rejecting operator. */
  sources: string[];
  promotion: {
    id: string;
    episode: number;
    mode: 'auto' | 'approve' | 'dry-run';
    actor: string;
    /** The exact calls (or what would be called). */
    calls: string[];
    lagSeconds?: number;
    expiresAt?: string;
    topology?: { newWriter: string; oldWriter: string; replicationSource?: string }[];
    failbackCommands?: string[];
    rdsEvent?: { eventId?: string; kind: string; source: string; at: string };
    /** PROMOTION_SKIPPED because the primary recovered first (the notifier keeps such a skip as quiet as its request). */
    skipCause?: 'recovered';
  };
}

export type LedgerEntry = TransitionEntry | ProbeEntry | DnsEntry | PromotionEntry;
/** Every `kind` of ledger entry: what the notify stream filter (serverless.yml) and the stream reader let through. */
export const LEDGER_ENTRY_KINDS: readonly LedgerEntry['kind'][] = ['transition', 'probe', 'dns', 'promotion'];
export type EntryState = LedgerEntry['state'];

export interface LedgerHead {
  /** 0 for a group with no entries yet. */
  seq: number;
  snapshot: GroupSnapshot;
  entry?: LedgerEntry;
}

export interface ListQuery {
  group?: string;
  /** Inclusive ISO 8601 bounds on `stateChangedAt`. */
  since?: string;
  until?: string;
  limit?: number;
  order?: 'asc' | 'desc';
}

/** The ledger: append-only, one linear chain per group. Implementations: DynamoDB (deployed and embedded). */
export interface LedgerStore {
  /** The group's newest entry and snapshot; `fresh` bypasses any cache (after a lost conditional write). */
  head(group: string, opts?: { fresh?: boolean }): Promise<LedgerHead>;
  /** Appends at `entry.seq`; 'conflict' when another writer took that seq first (nothing written). */
  append(entry: LedgerEntry): Promise<'appended' | 'conflict'>;
  /** Exact lookup of an already-recorded transition (used for deliveries older than the head). */
  findTransition(group: string, stateChangedAt: string, transitionId: string): Promise<LedgerEntry | undefined>;
  /** One entry by its sequence number. */
  get(group: string, seq: number): Promise<LedgerEntry | undefined>;
  /** Notes another delivery path of an entry (idempotent). */
  addSource(group: string, seq: number, source: DeliverySource): Promise<void>;
  /** Entries by `stateChangedAt` (then seq), across all groups unless `group` is given. */
  list(query: ListQuery): Promise<LedgerEntry[]>;
  /** One page of `list`, with an opaque cursor for the next (absent on the last page). */
  page(query: ListQuery & { cursor?: string }): Promise<{ items: LedgerEntry[]; cursor?: string }>;
  /** A group's chain in sequence order (for verify and export), a page at a time. */
  chain(group: string, cursor?: string, limit?: number): Promise<{ items: LedgerEntry[]; cursor?: string }>;
  /** Groups that have entries (the ledger's own registry, config or not). */
  groups(): Promise<string[]>;
  /** Groups found from the chain entries themselves (the `byTime` index), whether or not the registry names them. */
  chainGroups(): Promise<string[]>;
}
