/** What synthetic probes conclude about a member: the vocabulary that probe ledger entries record. */

/** What the probes, taken together, say about a member. UNKNOWN until enough regions have an opinion. */
export type Quorum = 'UP' | 'DOWN' | 'UNKNOWN';

/** One probe region's running opinion of one member. */
export interface RegionVerdict {
  region: string;
  /** The last round's outcome (every probe of the member passed). */
  ok: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** When that round ran (ISO 8601). */
  at: string;
  error?: string;
}

/** Route 53 and the probes disagree: which way round. */
export type DisagreementKind = 'probes-down-health-ok' | 'probes-up-health-down';

/**
 * Which member the group's record answers with, as the DNS probe resolved it: `unknown` when the resolvers that
 * responded agree on an answer no member carries (or on no record at all).
 */
export type ObservedServing = 'primary' | 'secondary' | 'unknown';
