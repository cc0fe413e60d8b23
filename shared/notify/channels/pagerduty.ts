import type { Severity } from '../../core/group-events.js';
import { type OutboundGuard, postJson, retryAfterMs } from '../../net/http.js';
import type { Channel, Notification, SendResult } from '../notification.js';
import { networkFailure } from '../notification.js';
import { redact } from '../../support/redact.js';

export interface PagerDutyChannelOptions {
  /** Resolves the Events API v2 integration key at send time (SSM); never logged, never put in a reason. */
  routingKey: () => Promise<string>;
  /** `https://events.pagerduty.com/v2/enqueue` (or `events.eu.pagerduty.com`); a loopback URL in tests. */
  eventsUrl: string;
  timeoutMs?: number;
  /** What the SSRF guard lets through (`notify.pagerduty.allowPrivateTargets`); public addresses only by default. */
  guard?: OutboundGuard;
}

export type PagerDutyAction = 'trigger' | 'resolve';

/** An Events API v2 alert event as this project sends it. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: Severity;
    timestamp: string;
    component: string;
    group: 'r53-failover';
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client?: 'r53-failover';
}

const SUMMARY_MAX = 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/** Whether a notification pages at all, and if so whether it opens or closes the alert. */
export const pagerDutyAction = (n: Notification): PagerDutyAction | null => {
  switch (n.kind) {
    case 'transition':
      // A promotion waiting for an operator, or one that failed, is part of the failover's incident (same episode
      // key): it re-alerts the open incident rather than opening another.
      if (
        n.event === 'FAILED_OVER' ||
        n.event === 'BOTH_UNHEALTHY' ||
        n.event === 'PROMOTION_AWAITING_APPROVAL' ||
        n.event === 'PROMOTION_FAILED'
      )
        return 'trigger';
      return n.event === 'RECOVERED' ? 'resolve' : null;
    case 'flapping':
      return 'trigger';
    case 'flap-summary':
      // The summary closes the flapping alert only once DNS is settled back on a healthy primary.
      return n.serving === 'primary' && n.state === 'OK' ? 'resolve' : 'trigger';
    case 'ops-alarm':
      // One of the stack's own alarms: its OK resolves the incident its ALARM opened (same key, below).
      return n.state === 'ALARM' ? 'trigger' : 'resolve';
    default:
      return null;
  }
};

/**
 * One dedup key per failover episode, so the RECOVERED resolve closes the alert its FAILED_OVER opened; one per ops
 * alarm, so its OK closes what its ALARM opened.
 */
export const pagerDutyDedupKey = (n: Notification): string => {
  if (n.kind === 'ops-alarm') return `r53f:ops:${n.alarmName}`;
  return n.episode === null ? `r53f:${n.group}:seq-${n.seq}` : `r53f:${n.group}:${n.episode}`;
};

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

const summaryOf = (n: Notification): string => {
  const title = oneLine(n.title);
  const summary = oneLine(n.summary);
  const text = summary && summary !== title ? `${title}: ${summary}` : title || summary || `${n.event} in ${n.group}`;
  return text.length <= SUMMARY_MAX ? text : `${text.slice(0, SUMMARY_MAX - 1)}…`;
};

const LINK_TEXT = { healthCheck: 'Route 53 health check', alarm: 'CloudWatch alarm', runbook: 'Runbook' } as const;

const linksOf = (n: Notification) =>
  (Object.keys(LINK_TEXT) as (keyof typeof LINK_TEXT)[]).flatMap((k) => {
    const href = n.links[k];
    return href ? [{ href, text: LINK_TEXT[k] }] : [];
  });

/** Builds the Events API v2 body for a notification PagerDuty accepts (pure; the caller supplies the key). */
export const buildPagerDutyEvent = (n: Notification, routingKey: string): PagerDutyEvent => {
  const action = pagerDutyAction(n) ?? 'trigger';
  const dedupKey = pagerDutyDedupKey(n);
  // A resolve needs only the key: PagerDuty ignores payload fields on it.
  if (action === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: summaryOf(n),
      source: n.recordName ?? n.group,
      severity: n.kind === 'flapping' ? 'warning' : n.severity,
      timestamp: n.stateChangedAt,
      component: n.group,
      group: 'r53-failover',
      class: n.event,
      custom_details: {
        event: n.event,
        serving: n.serving,
        servingRegion: n.servingRegion,
        role: n.role,
        state: n.state,
        previousState: n.previousState,
        alarmName: n.alarmName,
        healthCheckId: n.healthCheckId,
        reason: n.reason,
        latencySeconds: n.latencySeconds,
        notificationId: n.id,
        ...(n.flap ? { flap: n.flap } : {}),
      },
    },
    links: linksOf(n),
    client: 'r53-failover',
  };
};

/** PagerDuty's error body is `{ status, message, errors: [...] }`; anything else is shown as a short excerpt. */
const errorDetail = (body: string): string => {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(parsed.errors) ? parsed.errors.filter((e): e is string => typeof e === 'string') : [];
    const message = typeof parsed.message === 'string' ? parsed.message : '';
    const detail = [message, errors.join('; ')].filter(Boolean).join(': ');
    if (detail) return detail.slice(0, 500);
  } catch {
    // Not JSON (a proxy's HTML page, say): fall through to the raw excerpt.
  }
  return oneLine(body).slice(0, 200);
};

const returnedDedupKey = (body: string): string | undefined => {
  try {
    const parsed = JSON.parse(body) as { dedup_key?: unknown };
    return typeof parsed.dedup_key === 'string' ? parsed.dedup_key : undefined;
  } catch {
    return undefined; // A 202 without a readable body still means PagerDuty queued the event.
  }
};

const classify = (status: number, headers: Headers, body: string, sentKey: string, routingKey: string): SendResult => {
  if (status >= 200 && status < 300) return { status: 'sent', info: returnedDedupKey(body) ?? sentKey };
  // PagerDuty (or a proxy) may echo the key in another case or URL-encoded: redact catches every spelling, before
  // the excerpt is cut (a cut could leave part of the key) and after JSON unescaping (which could spell it anew).
  const detail = redact(errorDetail(redact(body, [routingKey])), [routingKey]);
  const reason = `pagerduty answered ${status}${detail ? ` ${detail}` : ''}`;
  if (status === 429 || status >= 500) {
    const wait = retryAfterMs(headers.get('retry-after'));
    return wait === undefined ? { status: 'retry', reason } : { status: 'retry', reason, retryAfterMs: wait };
  }
  return { status: 'permanent', reason };
};

/** The PagerDuty channel: pages on failovers, double outages and flapping, resolves on recovery. */
export const pagerDutyChannel = ({
  routingKey,
  eventsUrl,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  guard,
}: PagerDutyChannelOptions): Channel => ({
  name: 'pagerduty',
  accepts: (n) => pagerDutyAction(n) !== null,
  async send(n, signal) {
    let key: string;
    try {
      key = await routingKey();
    } catch (err) {
      // The parameter store is a transient dependency; its error text may name the parameter, so only the class is kept.
      return { status: 'retry', reason: `pagerduty routing key unavailable (${(err as Error)?.name ?? 'Error'})` };
    }
    const event = buildPagerDutyEvent(n, key);
    try {
      const res = await postJson(
        eventsUrl,
        JSON.stringify(event),
        {},
        AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        guard,
      );
      return classify(res.status, res.headers, res.body, event.dedup_key, key);
    } catch (err) {
      return networkFailure(err);
    }
  },
});
