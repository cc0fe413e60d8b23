import type { FailoverConfig } from '../config/schema.js';
import { DEFAULT_NOTIFY_EVENTS, DEFAULT_SEVERITY, type GroupEvent, type Severity } from '../core/group-events.js';
import type { LedgerEntry } from '../ledger/store.js';
import type { Notification, NotificationKind } from './notification.js';
import { explanation, headline } from './wording.js';
import { clip } from '../support/text.js';

/** Route 53 and CloudWatch console links; Route 53 is global, its health-check alarms live in the alarm's region. */
export const consoleLinks = (
  entry: Pick<LedgerEntry, 'healthCheckId' | 'alarmName' | 'region'>,
  runbookUrl?: string,
): Notification['links'] => {
  const region = entry.region || 'us-east-1';
  return {
    healthCheck: `https://console.aws.amazon.com/route53/healthchecks/home#/details/${encodeURIComponent(entry.healthCheckId)}`,
    alarm: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(entry.alarmName)}`,
    ...(runbookUrl ? { runbook: runbookUrl } : {}),
  };
};

export const severityOf = (config: FailoverConfig, group: string, event: GroupEvent): Severity =>
  config.groups[group]?.notify?.severity?.[event] ?? config.notify?.severity?.[event] ?? DEFAULT_SEVERITY[event];

/** Whether this group's transitions with this event are notified at all. */
export const routesEvent = (config: FailoverConfig, group: string, event: GroupEvent): boolean =>
  (config.groups[group]?.notify?.events ?? config.notify?.events ?? DEFAULT_NOTIFY_EVENTS).includes(event);

/** Channel names (`slack`, `webhook:teams`, …) this group notifies; every configured channel by default. */
export const channelsFor = (config: FailoverConfig, group: string, configured: string[]): string[] => {
  const chosen = config.groups[group]?.notify?.channels;
  return chosen ? configured.filter((c) => chosen.includes(c)) : configured;
};

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
  const latency = Math.max(0, Math.round((now.getTime() - Date.parse(entry.stateChangedAt)) / 1000));
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
    serving: entry.serving,
    servingRegion: regionOf(config, entry.group, entry.serving),
    role: entry.role,
    state: entry.state,
    previousState: entry.previousState,
    healthCheckId: entry.healthCheckId,
    alarmName: entry.alarmName,
    alarmArn: entry.alarmArn,
    reason: entry.reason,
    stateChangedAt: entry.stateChangedAt,
    notifiedAt: now.toISOString(),
    latencySeconds: latency,
    links: consoleLinks(entry, config.groups[entry.group]?.runbookUrl),
    episode: extra.episode !== undefined ? extra.episode : entry.episode,
    ...(extra.flap ? { flap: extra.flap } : {}),
    ...(extra.reminder ? { reminder: extra.reminder } : {}),
    ...(extra.correlationId ? { correlationId: extra.correlationId } : {}),
  };
};
