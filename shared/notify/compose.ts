import type { FailoverConfig } from '../config/schema.js';
import { DEFAULT_NOTIFY_EVENTS, DEFAULT_SEVERITY, type GroupEvent, type Severity } from '../core/group-events.js';
import { transitionIdOf } from '../core/alarm-event.js';
import { OPS_GROUP, type OpsAlarmChange } from '../core/ops-alarm.js';
import type { LedgerEntry } from '../ledger/store.js';
import type { Notification, NotificationKind } from './notification.js';
import { explanation, headline, opsAlarmWords } from './wording.js';
import { clip } from '../support/text.js';

/** The CloudWatch console page of an alarm, in the alarm's region. */
const alarmLink = (region: string, alarmName: string): string =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;

/** Route 53 and CloudWatch console links; Route 53 is global, its health-check alarms live in the alarm's region. */
export const consoleLinks = (
  entry: Pick<LedgerEntry, 'healthCheckId' | 'alarmName' | 'region'>,
  runbookUrl?: string,
): Notification['links'] => ({
  // A target-group alarm watches no health check (its alarm, in the load balancer's region, is linked below).
  ...(entry.healthCheckId
    ? {
        healthCheck: `https://console.aws.amazon.com/route53/healthchecks/home#/details/${encodeURIComponent(entry.healthCheckId)}`,
      }
    : {}),
  alarm: alarmLink(entry.region || 'us-east-1', entry.alarmName),
  ...(runbookUrl ? { runbook: runbookUrl } : {}),
});

export const severityOf = (config: FailoverConfig, group: string, event: GroupEvent): Severity =>
  config.groups[group]?.notify?.severity?.[event] ?? config.notify?.severity?.[event] ?? DEFAULT_SEVERITY[event];

/** Whether this group's transitions with this event are notified at all. */
export const routesEvent = (config: FailoverConfig, group: string, event: GroupEvent): boolean =>
  (config.groups[group]?.notify?.events ?? config.notify?.events ?? DEFAULT_NOTIFY_EVENTS).includes(event);

/**
 * A promotion skipped because the primary recovered while its hold-down was still running: the close of a request
 * that, by default, nobody was told about either.
 */
export const isRecoverySkip = (entry: LedgerEntry): boolean =>
  entry.kind === 'promotion' &&
  entry.event === 'PROMOTION_SKIPPED' &&
  entry.previousState === 'REQUESTED' &&
  entry.promotion.skipCause === 'recovered';

/**
 * Whether this group notifies this ledger entry: its event is routed (`routesEvent`), except a recovery skip, which
 * follows PROMOTION_REQUESTED: whoever opted in to requests hears how each one ended, nobody else does.
 */
export const routesEntry = (config: FailoverConfig, entry: LedgerEntry): boolean =>
  routesEvent(config, entry.group, isRecoverySkip(entry) ? 'PROMOTION_REQUESTED' : entry.event);

/** Channel names (`slack`, `webhook:teams`, …) this group notifies; every configured channel by default. */
export const channelsFor = (config: FailoverConfig, group: string, configured: string[]): string[] => {
  const chosen = config.groups[group]?.notify?.channels;
  return chosen ? configured.filter((c) => chosen.includes(c)) : configured;
};

/** Whole seconds from a state change to `now` (detection plus delivery latency). */
const secondsSince = (iso: string, now: Date): number =>
  Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));

const regionOf = (config: FailoverConfig, group: string, member: 'primary' | 'secondary' | 'none'): string | null =>
  member === 'none' ? null : (config.groups[group]?.[member]?.region ?? null);

/** Builds the channel-neutral notification for a ledger entry (a transition) or a notice derived from one. */
export const composeNotification = (
  entry: LedgerEntry,
  config: FailoverConfig,
  now: Date,
  kind: NotificationKind = 'transition',
  extra: {
    suffix?: string;
    title?: string;
    summary?: string;
    seq?: number;
    episode?: number | null;
    flap?: Notification['flap'];
    reminder?: Notification['reminder'];
    correlationId?: string;
  } = {},
): Notification => {
  const seq = extra.seq ?? entry.seq;
  // What DNS serves now: for an observation of the record, what it was seen to answer (none: no member's address).
  const serving = entry.kind === 'dns' ? (entry.state === 'unknown' ? 'none' : entry.state) : entry.serving;
  return {
    id: `${entry.group}#${seq}#${kind}${extra.suffix ? `#${extra.suffix}` : ''}`,
    kind,
    group: entry.group,
    seq,
    event: entry.event,
    severity: kind === 'flapping' ? 'warning' : severityOf(config, entry.group, entry.event),
    title: clip(extra.title ?? headline(entry, config), 100),
    summary: extra.summary ?? explanation(entry, config),
    recordName: config.groups[entry.group]?.recordName ?? null,
    serving,
    servingRegion: regionOf(config, entry.group, serving),
    role: entry.role,
    state: entry.state,
    previousState: entry.previousState,
    healthCheckId: entry.healthCheckId,
    alarmName: entry.alarmName,
    alarmArn: entry.alarmArn,
    reason: entry.reason,
    stateChangedAt: entry.stateChangedAt,
    notifiedAt: now.toISOString(),
    latencySeconds: secondsSince(entry.stateChangedAt, now),
    links: consoleLinks(entry, config.groups[entry.group]?.runbookUrl),
    episode: extra.episode !== undefined ? extra.episode : entry.episode,
    ...(extra.flap ? { flap: extra.flap } : {}),
    ...(extra.reminder ? { reminder: extra.reminder } : {}),
    ...(extra.correlationId ? { correlationId: extra.correlationId } : {}),
  };
};

/**
 * The notification for a state change of one of the stack's own alarms. Its id is `(stack)#<epoch s>#ops-alarm#<id>`
 * with `<id>` from the alarm ARN, the new state and the state timestamp: EventBridge redeliveries and retries claim
 * the same delivery records, so each channel gets it once.
 */
export const composeOpsNotification = (a: OpsAlarmChange, now: Date): Notification => {
  const seq = Math.floor(Date.parse(a.stateChangedAt) / 1000);
  const words = opsAlarmWords(a);
  return {
    id: `${OPS_GROUP}#${seq}#ops-alarm#${transitionIdOf(a).slice(0, 16)}`,
    kind: 'ops-alarm',
    group: OPS_GROUP,
    seq,
    event: a.state === 'ALARM' ? 'OPS_ALARM' : 'OPS_OK',
    severity: a.state === 'ALARM' ? 'error' : 'info',
    title: clip(words.title, 100),
    summary: words.summary,
    recordName: null,
    serving: 'none',
    servingRegion: null,
    role: 'unknown',
    state: a.state,
    previousState: a.previousState ?? null,
    healthCheckId: '',
    alarmName: a.alarmName,
    alarmArn: a.alarmArn,
    reason: a.reason,
    stateChangedAt: a.stateChangedAt,
    notifiedAt: now.toISOString(),
    latencySeconds: secondsSince(a.stateChangedAt, now),
    links: { alarm: alarmLink(a.region, a.alarmName) },
    episode: null,
    correlationId: a.deliveryId,
  };
};
