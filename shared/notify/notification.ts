import type { Serving } from '../core/failover-transition.js';
import type { GroupEvent, Severity } from '../core/group-events.js';
import type { LedgerEntry } from '../ledger/store.js';
import type { Role } from '../core/members.js';
import { describeRequestError } from '../net/http.js';

/**
 * What a notification is about: a group event, one of the notices the notifier derives over time, or a state change
 * of one of the stack's own alarms (`ops-alarm`).
 */
export type NotificationKind = 'transition' | 'reminder' | 'no-data' | 'flapping' | 'flap-summary' | 'ops-alarm';

/** An ops alarm went to ALARM, or back to OK. */
export type OpsEvent = 'OPS_ALARM' | 'OPS_OK';

/**
 * One message for people, channel-neutral. Channels render it (Slack Block Kit, a Teams Adaptive Card, PagerDuty, SNS,
 * webhook JSON);
 * `id` is its identity: every channel delivers a given id at most once.
 */
export interface Notification {
  /** `<group>#<seq>#<kind>[#<n>]`: stable across retries, redrives and duplicate invocations (and EventBridge copies). */
  id: string;
  kind: NotificationKind;
  group: string;
  /** The ledger entry it hangs off (for reminders: the entry that opened the episode; ops alarms: the change's epoch second). */
  seq: number;
  event: GroupEvent | OpsEvent;
  severity: Severity;
  /** One line of plain text, at most 100 characters (fits an SNS subject). */
  title: string;
  /** A few sentences of plain text: what happened and what it means. */
  summary: string;
  recordName: string | null;
  /** Which member DNS serves now, and that member's region. */
  serving: Serving;
  servingRegion: string | null;
  role: Role;
  /** The alarm state (OK/ALARM/INSUFFICIENT_DATA), or the probe quorum (UP/DOWN) for probe events. */
  state: LedgerEntry['state'];
  previousState: LedgerEntry['previousState'];
  healthCheckId: string;
  alarmName: string;
  alarmArn: string;
  /** The alarm's reason as CloudWatch wrote it: untrusted text, channels must escape it. */
  reason: string;
  /** The alarm's state-change time, ISO 8601 UTC. */
  stateChangedAt: string;
  /** When the notification was built. */
  notifiedAt: string;
  /** Seconds from the state change to this notification (detection + delivery latency people care about). */
  latencySeconds: number;
  links: { healthCheck?: string; alarm?: string; runbook?: string };
  /** The failover episode (seq of the entry that opened it), if any: PagerDuty's dedup key is built from it. */
  episode: number | null;
  flap?: { transitions: number; since: string; until: string; suppressed: number };
  reminder?: { n: number; minutes: number };
  correlationId?: string;
}

/** Outcome of one send attempt on one channel. */
export type SendResult =
  | { status: 'sent'; info?: string }
  /** Transient: 429, 5xx, network error, timeout. `retryAfterMs` when the peer said how long to wait. */
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  /** The peer will never accept it as configured (bad token, archived channel, 4xx): no retry. */
  | { status: 'permanent'; reason: string };

/** A notification channel. `send` must not throw for peer errors: it classifies them into a SendResult. */
export interface Channel {
  /** `sns`, `slack`, `teams`, `pagerduty` or `webhook:<name>`. */
  readonly name: string;
  /** Whether this channel carries this notification at all (e.g. PagerDuty ignores reminders). */
  accepts(n: Notification): boolean;
  send(n: Notification, signal: AbortSignal): Promise<SendResult>;
}

/**
 * Classifies a failed request: a target the SSRF guard refused is permanent (no retry changes the address), a
 * timeout or network error is transient. The reason never includes the URL: webhook URLs and keys are secrets.
 */
export const networkFailure = (err: unknown): SendResult => {
  const { refused, reason } = describeRequestError(err);
  return refused ? { status: 'permanent', reason } : { status: 'retry', reason };
};
