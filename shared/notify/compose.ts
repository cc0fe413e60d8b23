import { type FailoverConfig } from '../config/schema.js';
import { DEFAULT_NOTIFY_EVENTS, DEFAULT_SEVERITY, type GroupEvent, type Severity } from '../core/group-events.js';
import type { LedgerEntry } from '../ledger/store.js';
import type { Notification, NotificationKind } from './notification.js';
import { UNASSIGNED_GROUP } from '../core/members.js';
import { clip } from '../support/text.js';

/** Route 53 and CloudWatch console links; Route 53 is global, its health-check alarms live in the alarm's region. */
export const consoleLinks = (entry: Pick<LedgerEntry, 'healthCheckId' | 'alarmName' | 'region'>, runbookUrl?: string): Notification['links'] => {
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
  member === 'none' ? null : config.groups[group]?.[member]?.region ?? null;

const headline = (e: LedgerEntry, config: FailoverConfig): string => {
  const g = config.groups[e.group];
  const p = g?.primary.region ?? 'primary';
  const s = g?.secondary.region ?? 'secondary';
  switch (e.event) {
    case 'FAILED_OVER':
      return `FAILED OVER: ${e.group} now served from ${s} (secondary)`;
    case 'BOTH_UNHEALTHY':
      return `BOTH UNHEALTHY: ${e.group} failing in ${p} and ${s}`;
    case 'RECOVERED':
      return `RECOVERED: ${e.group} back on ${p} (primary)`;
    case 'STANDBY_UNHEALTHY':
      return `STANDBY DOWN: ${e.group} secondary ${s} unhealthy, no failover target`;
    case 'STANDBY_RECOVERED':
      return `STANDBY OK: ${e.group} secondary ${s} healthy again`;
    case 'UNKNOWN':
      return `NO DATA: ${e.group} ${e.role} health check alarm has no data`;
    case 'UNASSIGNED':
      return `UNASSIGNED health check ${e.healthCheckId} is ${e.state}`;
    case 'PROBE_DOWN':
      return `PROBES DOWN: ${e.group} ${e.role} (${e.region}) failing from ${e.kind === 'probe' ? e.probe.down.length : '?'} probe region(s)`;
    case 'PROBE_UP':
      return `PROBES UP: ${e.group} ${e.role} (${e.region}) passing again`;
    case 'HEALTH_DISAGREEMENT':
      return e.kind === 'probe' && e.probe.disagreement?.kind === 'probes-up-health-down'
        ? `HEALTH DISAGREEMENT: ${e.group} ${e.role} fails its Route 53 check but passes probes`
        : `HEALTH DISAGREEMENT: ${e.group} ${e.role} passes Route 53 but fails probes`;
    case 'PROMOTION_REQUESTED':
      return `PROMOTION REQUESTED: ${e.group} database, decided after the hold-down`;
    case 'PROMOTION_AWAITING_APPROVAL':
      return `APPROVE PROMOTION: ${e.group} (r53-failover promote approve ${e.kind === 'promotion' ? e.promotion.id : ''})`;
    case 'PROMOTION_IN_PROGRESS':
      return `PROMOTING: ${e.group} database writer to ${e.region}`;
    case 'PROMOTION_SUCCEEDED':
      return `PROMOTED: ${e.group} database writer is now in ${e.region}`;
    case 'PROMOTION_FAILED':
      return `PROMOTION FAILED: ${e.group}, act by hand`;
    case 'PROMOTION_EXPIRED':
      return `PROMOTION EXPIRED: ${e.group}, not approved in time`;
    case 'PROMOTION_SKIPPED':
      return `PROMOTION SKIPPED: ${e.group}`;
    case 'TOPOLOGY_CHANGED':
      return `TOPOLOGY CHANGED: ${e.group} writer moved to ${e.region}`;
    case 'FAILBACK_READY':
      return `FAILBACK READY: ${e.group} primary healthy; switch over when ready`;
    default:
      return `${e.event}: ${e.group} ${e.role} is ${e.state}`;
  }
};

const explanation = (e: LedgerEntry, config: FailoverConfig): string => {
  // Probe and promotion entries carry their own account (what the regions saw, what the guardrails decided).
  if (e.kind !== 'transition') return e.reason;
  const g = config.groups[e.group];
  const rec = g ? `${g.recordName}` : 'the record';
  switch (e.event) {
    case 'FAILED_OVER':
      return `The primary (${g?.primary.region ?? '?'}) health check is failing; Route 53 now answers ${rec} with the secondary (${g?.secondary.region ?? '?'}). Check that the secondary can take the load and that its database is writable.`;
    case 'BOTH_UNHEALTHY':
      return `Both health checks are failing. Route 53 answers ${rec} with the primary when both are unhealthy, so clients reach a failing region. This is an outage.`;
    case 'RECOVERED':
      return `The primary health check is healthy again; Route 53 answers ${rec} with the primary. Failover happens automatically, but data moved to the secondary may need reconciling.`;
    case 'STANDBY_UNHEALTHY':
      return `The secondary health check is failing while the primary is healthy. Nothing is down now, but a primary failure would have nowhere to go.`;
    case 'STANDBY_RECOVERED':
      return 'The secondary is healthy again: failover is possible again.';
    case 'UNKNOWN':
      return 'The CloudWatch alarm has no data (INSUFFICIENT_DATA). No data is not healthy: check that the health check still exists and reports.';
    case 'UNASSIGNED':
      return `A health check alarm fired for a health check that is in no group of failover.yml. It is recorded under "${UNASSIGNED_GROUP}".`;
    default:
      return `${e.role} went ${e.previousState ?? '?'} → ${e.state}.`;
  }
};

/** Builds the channel-neutral notification for a ledger entry (a transition) or a notice derived from one. */
export const composeNotification = (
  entry: LedgerEntry,
  config: FailoverConfig,
  now: Date,
  kind: NotificationKind = 'transition',
  extra: { suffix?: string; title?: string; summary?: string; seq?: number; episode?: number | null; flap?: Notification['flap']; reminder?: Notification['reminder']; correlationId?: string } = {},
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
