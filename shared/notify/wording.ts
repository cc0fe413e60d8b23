import type { FailoverConfig } from '../config/schema.js';
import type { GroupEvent } from '../core/group-events.js';
import { UNASSIGNED_GROUP } from '../core/members.js';
import { type OpsAlarmChange, opsAlarmShortName } from '../core/ops-alarm.js';
import { ledgerFlagFor } from '../ledger/schema.js';
import type { LedgerEntry } from '../ledger/store.js';
import { clip, formatDuration } from '../support/text.js';
import type { Notification } from './notification.js';

/**
 * Every word a notification says, for every channel: titles and summaries of entries, flapping, reminders and
 * "no data". Channels (channels/) only lay these out.
 */

interface Words {
  title: string;
  summary: string;
}

/** The one-line title of an entry's notification. */
export const headline = (e: LedgerEntry, config: FailoverConfig): string => {
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
      return `UNASSIGNED ${e.targetGroup ? `target group ${e.targetGroup}` : `health check ${e.healthCheckId}`} is ${e.state}`;
    case 'TARGET_GROUP_CHANGED':
      return `TARGET GROUP: ${e.group} ${e.role} target group ${e.targetGroup ?? '?'} is ${e.state}`;
    case 'PROBE_DOWN':
      return `PROBES DOWN: ${e.group} ${e.role} (${e.region}) failing from ${e.kind === 'probe' ? e.probe.down.length : '?'} probe region(s)`;
    case 'PROBE_UP':
      return `PROBES UP: ${e.group} ${e.role} (${e.region}) passing again`;
    case 'HEALTH_DISAGREEMENT':
      return e.kind === 'probe' && e.probe.disagreement?.kind === 'probes-up-health-down'
        ? `HEALTH DISAGREEMENT: ${e.group} ${e.role} fails its Route 53 check but passes probes`
        : `HEALTH DISAGREEMENT: ${e.group} ${e.role} passes Route 53 but fails probes`;
    case 'DNS_SERVING_CHANGED':
      return e.kind === 'dns' && e.state !== 'unknown'
        ? `DNS MOVED: ${e.group} now answers the ${e.state} (${e.region})`
        : `DNS CHANGED: ${e.group} answers no member's address`;
    case 'SERVING_MISMATCH': {
      const alarms = e.kind === 'dns' ? (e.dns.mismatch?.alarmServing ?? e.serving) : e.serving;
      const dns = e.kind === 'dns' && e.state !== 'unknown' ? `the ${e.state}` : 'no member';
      return `SERVING MISMATCH: ${e.group} DNS answers ${dns}, the alarms say the ${alarms}`;
    }
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

/** What an entry means and what to check, in a sentence or three. */
export const explanation = (e: LedgerEntry, config: FailoverConfig): string => {
  // Probe, DNS and promotion entries carry their own account (what the regions saw, what DNS answered, what the
  // guardrails decided).
  if (e.kind !== 'transition') return e.reason;
  const g = config.groups[e.group];
  const rec = g ? `${g.recordName}` : 'the record';
  // A target-health member's alarm watches one of its target groups (HealthyHostCount), not a Route 53 health check.
  const tg = e.targetGroup;
  const failing = tg ? `target group ${tg} has no healthy target` : 'health check is failing';
  switch (e.event) {
    case 'FAILED_OVER':
      return `The primary (${g?.primary.region ?? '?'}) ${failing}; Route 53 now answers ${rec} with the secondary (${g?.secondary.region ?? '?'}). Check that the secondary can take the load and that its database is writable.`;
    case 'BOTH_UNHEALTHY':
      return `${tg ? `Both members are unhealthy (the ${e.role}'s ${failing})` : 'Both health checks are failing'}. Route 53 answers ${rec} with the primary when both are unhealthy, so clients reach a failing region. This is an outage.`;
    case 'RECOVERED':
      return `The primary ${tg ? 'has healthy targets' : 'health check is healthy'} again; Route 53 answers ${rec} with the primary. Failover happens automatically, but data moved to the secondary may need reconciling.`;
    case 'STANDBY_UNHEALTHY':
      return `The secondary ${failing} while the primary is healthy. Nothing is down now, but a primary failure would have nowhere to go.`;
    case 'STANDBY_RECOVERED':
      return 'The secondary is healthy again: failover is possible again.';
    case 'UNKNOWN':
      return `The CloudWatch alarm has no data (INSUFFICIENT_DATA). No data is not healthy: check that the ${tg ? `target group ${tg} and its HealthyHostCount alarm still exist` : 'health check still exists'} and reports.`;
    case 'UNASSIGNED':
      return tg
        ? `A target-group alarm fired for target group ${tg}, which is in no group of failover.yml. It is recorded under "${UNASSIGNED_GROUP}".`
        : `A health check alarm fired for a health check that is in no group of failover.yml. It is recorded under "${UNASSIGNED_GROUP}".`;
    case 'TARGET_GROUP_CHANGED':
      return `Target group ${tg ?? '?'} of the ${e.role} went ${e.previousState ?? '?'} → ${e.state}, but the ${e.role}'s health did not change: Route 53 weighs every target group of the load balancer, and another one still decides it. DNS did not move.`;
    default:
      return `${e.role} went ${e.previousState ?? '?'} → ${e.state}.`;
  }
};

/** The Nth counting transition within the window: one message, then alerts are held back. */
export const flappingWords = (
  entry: LedgerEntry,
  transitions: number,
  since: string,
  rule: { windowMinutes: number; holdMinutes: number },
): Words => ({
  title: `FLAPPING: ${entry.group} changed state ${transitions} times in ${rule.windowMinutes} min`,
  summary: `${entry.group} is flapping: ${transitions} transitions since ${since}; latest ${entry.event} (${entry.role} ${entry.state}). Alerts for this group are held back until it is stable for ${rule.holdMinutes} min; then one summary follows. Every transition is recorded.`,
});

/** The one summary once a flapping group has been stable for the hold time (`promotions`: foldedPromotionWords). */
export const flapEndedWords = (
  last: LedgerEntry,
  servingRegion: string | undefined,
  holdMinutes: number,
  flap: { transitions: number; since: string; until: string; suppressed: number },
  promotions = '',
): Words => ({
  title: `FLAPPING ENDED: ${last.group} stable for ${holdMinutes} min; DNS serves the ${last.serving}${servingRegion ? ` (${servingRegion})` : ''}`,
  summary: `${last.group} changed state ${flap.transitions} times between ${flap.since} and ${flap.until}; ${flap.suppressed} alert(s) were held back. It has been stable since. Latest: ${last.event} (${last.role} ${last.state}).${promotions ? ` ${promotions}` : ''} Every transition is in the ledger: r53-failover history --group ${last.group}.`,
});

/**
 * The promotion steps recorded while a group flapped, folded into its summary: how many of each, and the latest one
 * in full (an approval still pending says how to approve). Empty when there were none.
 */
export const foldedPromotionWords = (steps: LedgerEntry[], config: FailoverConfig): string => {
  const latest = steps.at(-1);
  if (!latest) return '';
  const counts = new Map<string, number>();
  for (const e of steps) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
  const tally = [...counts].map(([event, n]) => `${n} ${event}`).join(', ');
  return `Database promotion while it flapped (not sent one by one): ${tally}. Latest: ${headline(latest, config)}; ${clip(latest.reason, 400)}`;
};

/** Reminder `k` while a group stays failed over or down in both regions. */
export const reminderWords = (
  group: string,
  event: GroupEvent,
  secondaryRegion: string | undefined,
  opts: { k: number; reminderMinutes: number; openedAt: string; elapsedMinutes: number },
): Words => {
  const where =
    event === 'FAILED_OVER'
      ? `still failed over to ${secondaryRegion ?? 'the secondary'}`
      : 'still failing in both regions';
  return {
    title: `REMINDER: ${group} ${where} (${formatDuration(opts.k * opts.reminderMinutes * 60, 'min')})`,
    summary: `${group} has been ${event === 'FAILED_OVER' ? 'failed over' : 'down in both regions'} since ${opts.openedAt} (${formatDuration(opts.elapsedMinutes * 60, 'min')}). Reminder ${opts.k}; the next one in ${opts.reminderMinutes} min.`,
  };
};

/** A member's alarm has had no data for longer than the threshold. */
export const noDataWords = (
  group: string,
  member: string,
  since: string,
  elapsedSeconds: number,
  /** A target-health member's target group, when that is what went without data. */
  targetGroup?: string,
): Words =>
  targetGroup
    ? {
        title: `NO DATA for ${formatDuration(elapsedSeconds, 'min')}: ${group} ${member} target health`,
        summary: `The ${member} target-group alarm of ${group} (${targetGroup}) has had no data since ${since}. No data is not healthy: check that the target group and its load balancer exist and that the alarm's metric (HealthyHostCount in the load balancer's region) is reported.`,
      }
    : {
        title: `NO DATA for ${formatDuration(elapsedSeconds, 'min')}: ${group} ${member} health check`,
        summary: `The ${member} health check alarm of ${group} has had no data since ${since}. No data is not healthy: check that the Route 53 health check exists and that the alarm's metric (AWS/Route53 HealthCheckStatus in us-east-1) is reported.`,
      };

/** One of the stack's own alarms changed state: its description says what it watches and where to look. */
export const opsAlarmWords = (a: OpsAlarmChange): Words => {
  const name = opsAlarmShortName(a.alarmName);
  const what = a.description || `CloudWatch alarm ${a.alarmName}.`;
  return a.state === 'ALARM'
    ? {
        title: `STACK ALARM: ${name} (r53-failover is not watching itself as it should)`,
        summary: `${what} State: ALARM since ${a.stateChangedAt}. ${a.reason}`.trim(),
      }
    : {
        title: `STACK OK: ${name} back to normal`,
        summary:
          `${what} State: ${a.state} since ${a.stateChangedAt} (was ${a.previousState ?? '?'}). ${a.reason}`.trim(),
      };
};

/** A labelled detail of a chat message (a Slack field, a Teams fact): plain text, which each channel escapes. */
export interface ChatDetail {
  label: string;
  value: string;
}

const servesWords = (n: Notification): string => {
  if (n.serving === 'none')
    return n.group === UNASSIGNED_GROUP ? 'none (not in a failover group)' : "no member's address (see below)";
  return n.servingRegion ? `${n.serving} (${n.servingRegion})` : n.serving;
};

/** What a chat message lists about a notification, in order. The stack's own alarms concern no group, record or member. */
export const chatDetails = (n: Notification): ChatDetail[] => {
  const ops = n.kind === 'ops-alarm';
  return [
    ...(ops
      ? []
      : [
          { label: 'Group', value: n.group },
          { label: 'Record name', value: n.recordName ?? '—' },
        ]),
    { label: 'Event', value: n.kind === 'transition' ? n.event : `${n.event} (${n.kind})` },
    ...(ops ? [] : [{ label: 'DNS now serves', value: servesWords(n) }]),
    { label: 'Severity', value: n.severity },
    { label: 'Alert latency', value: formatDuration(n.latencySeconds) },
  ];
};

/** The alarm behind a notification: its name, the state change and CloudWatch's reason (untrusted text). */
export const alarmWords = (n: Notification) => ({
  label: 'Alarm',
  name: n.alarmName,
  change: `${n.previousState ?? '?'} → ${n.state}`,
  reason: n.reason.trim() ? n.reason : '(no reason given)',
});

/** The extra line of a flapping notice, a flap summary or a reminder: a label and a sentence. */
export const noticeWords = (n: Notification): { label: string; text: string } | undefined => {
  if ((n.kind === 'flapping' || n.kind === 'flap-summary') && n.flap) {
    const { transitions, since, until, suppressed } = n.flap;
    return {
      label: n.kind === 'flapping' ? 'Flapping' : 'Flap summary',
      text: `${transitions} state changes between ${since} and ${until}; ${suppressed} notifications suppressed.`,
    };
  }
  if (n.kind === 'reminder' && n.reminder)
    return {
      label: `Reminder ${n.reminder.n}`,
      text: `${n.event} still open after ${formatDuration(n.reminder.minutes * 60)}.`,
    };
  return undefined;
};

/** The small print of a chat message: when the state changed, the correlation id, the health check, the notification. */
export const footnoteDetails = (n: Notification): ChatDetail[] => [
  { label: 'State changed', value: n.stateChangedAt },
  { label: 'Correlation id', value: n.correlationId || '—' },
  ...(n.healthCheckId ? [{ label: 'Health check', value: n.healthCheckId }] : []),
  { label: 'Notification', value: n.id },
];

/** The console and runbook links of a notification, labelled (value: the URL). */
export const linkDetails = (n: Notification): ChatDetail[] =>
  [
    { label: 'Health check', value: n.links.healthCheck },
    { label: 'Alarm', value: n.links.alarm },
    { label: 'Runbook', value: n.links.runbook },
  ].filter((l): l is ChatDetail => Boolean(l.value));

/** Shown instead of a link too long to be shown whole. */
export const linkNotShownWords = (max: number): string => `(link longer than ${max} characters, not shown)`;

/** The exact command that lists a group's history: on the deployed table when `ledgerTable` is known. */
export const historyCommand = (group: string, ledgerTable?: string): string =>
  `r53-failover history --group ${group}${ledgerTable ? ` ${ledgerFlagFor(ledgerTable)}` : ''}`;

/** Who answers DNS for the group now, in words. */
const servingWords = (n: Notification): string =>
  n.serving === 'none'
    ? servesWords(n)
    : `the ${n.serving}${n.servingRegion ? ` (${n.servingRegion})` : ''}${n.recordName ? ` answers ${n.recordName}` : ''}`;

/** What a reader needs besides the summary, as label and value: who serves, since when, how bad. */
export const factsWords = (n: Notification): [string, string][] => [
  ['Serving now', servingWords(n)],
  ['Since', `${n.stateChangedAt} (${n.role} ${n.previousState ?? '?'} -> ${n.state})`],
  ['Severity', n.severity],
];

/** The heading above the alarm's own words in an email or chat message. */
export const ALARM_REASON_HEADING = 'Alarm reason, as CloudWatch wrote it:';

/** Longest summary and alarm reason in a plain-text email: the JSON message carries them whole. */
const EMAIL_SUMMARY_MAX = 4_000;
const EMAIL_REASON_MAX = 1_000;

/**
 * The plain-text email: what happened, who serves and since when, the runbook, the command that shows the history,
 * the console links, then the alarm's own words. Bounded: a few kilobytes at most, whatever the alarm reason.
 */
export const emailText = (n: Notification, history: string): string => {
  const facts: [string, string][] = [
    ...factsWords(n),
    ['Runbook', n.links.runbook ?? `none configured (groups.${n.group}.runbookUrl in failover.yml)`],
    ['History', history],
    ...(n.links.alarm ? [['Alarm', n.links.alarm] as [string, string]] : []),
    ...(n.links.healthCheck ? [['Health check', n.links.healthCheck] as [string, string]] : []),
  ];
  return [
    n.title,
    '',
    clip(n.summary, EMAIL_SUMMARY_MAX),
    '',
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(15)}${value}`),
    ...(n.reason ? ['', ALARM_REASON_HEADING, clip(n.reason, EMAIL_REASON_MAX)] : []),
    '',
    `Event ${n.event}; notification ${n.id}${n.correlationId ? `; correlation id ${n.correlationId}` : ''}.`,
  ].join('\n');
};

/** What to do next, for a chat message: the runbook, the history (`history`: the command, as the channel shows code). */
export const nextStepsWords = (n: Notification, history: string): string[] => [
  ...(n.links.runbook ? [`Follow the runbook: ${n.links.runbook}`] : []),
  `See the history: ${history}`,
  ...(n.links.alarm ? [`Open the alarm: ${n.links.alarm}`] : []),
  ...(n.links.healthCheck ? [`Open the health check: ${n.links.healthCheck}`] : []),
];

/** One line for a text message: who sends it, the title and the time of the change (the channel bounds its length). */
export const smsText = (n: Notification): string => `r53-failover: ${n.title} (${n.stateChangedAt.slice(11, 16)} UTC)`;
