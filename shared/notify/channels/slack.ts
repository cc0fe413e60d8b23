import type { Severity } from '../../core/group-events.js';
import { UNASSIGNED_GROUP } from '../../core/members.js';
import { type OutboundGuard, postJson, retryAfterMs, type PostResult } from '../../net/http.js';
import type { Channel, Notification, SendResult } from '../notification.js';
import { networkFailure } from '../notification.js';
import { redact, urlSecrets } from '../../support/redact.js';
import { formatDuration } from '../../support/text.js';

/** Slack's Block Kit and incoming-webhook limits, in UTF-16 code units (JS string length). */
export const SLACK_LIMITS = {
  blocks: 50,
  header: 150,
  sectionText: 3000,
  field: 2000,
  contextText: 2000,
  /** The whole serialized payload. */
  message: 40_000,
} as const;

/** Ends every shortened text, so a cut is visible to the reader. */
export const TRUNCATED = '… (truncated)';

// Our own cap on the top-level fallback: it is what phones show in the push notification.
const FALLBACK_TEXT_MAX = 3000;
// A console or runbook URL longer than this is not cut (a cut link is a broken link): it is left out with a note.
const LINK_MAX = 900;

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':rotating_light:',
  error: ':red_circle:',
  warning: ':warning:',
  info: ':information_source:',
};

/** Escapes the three characters Slack mrkdwn treats as control: `<!channel>`, `<@U123>` and `<url|label>` become inert text. */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cuts `s` to at most `max` characters ending in `TRUNCATED`; never splits a surrogate pair or (in mrkdwn) an entity. */
export const truncate = (s: string, max: number, mrkdwn = false): string => {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - TRUNCATED.length));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  // After escaping every `&` starts an entity, so a trailing `&`, `&a`, `&am`, `&amp`, `&l`… is one the cut broke.
  if (mrkdwn) cut = cut.replace(/&[a-z]{0,3}$/, '');
  return cut + TRUNCATED;
};

interface PlainText {
  type: 'plain_text';
  text: string;
  emoji: true;
}
// verbatim: Slack must not auto-link or auto-mention anything in our text; manual `<url|label>` links still render.
interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
  verbatim: true;
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: Mrkdwn }
  | { type: 'section'; fields: Mrkdwn[] }
  | { type: 'context'; elements: Mrkdwn[] };

const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text, verbatim: true });

/** A trusted link from config (console URLs, runbook) in Slack link syntax; anything but http(s) stays inert text. */
const link = (label: string, url: string): string => {
  const href = URL.canParse(url) ? new URL(url) : undefined;
  if (!href || !/^https?:$/.test(href.protocol)) return `${label}: ${escapeMrkdwn(truncate(url, 200))}`;
  if (href.href.length > LINK_MAX) return `${label}: (link longer than ${LINK_MAX} characters, not shown)`;
  return `<${escapeMrkdwn(href.href).replace(/\|/g, '%7C')}|${label}>`;
};

const servesText = (n: Notification): string => {
  if (n.serving === 'none')
    return n.group === UNASSIGNED_GROUP ? 'none (not in a failover group)' : "no member's address (see below)";
  return n.servingRegion ? `${n.serving} (${truncate(escapeMrkdwn(n.servingRegion), 64, true)})` : n.serving;
};

const noticeText = (n: Notification): string | undefined => {
  if ((n.kind === 'flapping' || n.kind === 'flap-summary') && n.flap) {
    const { transitions, since, until, suppressed } = n.flap;
    const label = n.kind === 'flapping' ? 'Flapping' : 'Flap summary';
    const at = (iso: string) => truncate(escapeMrkdwn(iso), 64, true);
    return `*${label}:* ${transitions} state changes between ${at(since)} and ${at(until)}; ${suppressed} notifications suppressed.`;
  }
  if (n.kind === 'reminder' && n.reminder) {
    return `*Reminder ${n.reminder.n}:* ${n.event} still open after ${formatDuration(n.reminder.minutes * 60)}.`;
  }
  return undefined;
};

/** Builds the message with every untrusted text capped at `scale` × its Slack limit. */
const render = (n: Notification, scale: number): { text: string; blocks: SlackBlock[] } => {
  const cap = (limit: number) => Math.max(TRUNCATED.length + 16, Math.floor(limit * scale));
  const safe = (s: string, limit: number) => truncate(escapeMrkdwn(s), cap(limit), true);
  const field = (label: string, value: string) => mrkdwn(truncate(`*${label}*\n${value}`, SLACK_LIMITS.field, true));
  const eventText = n.kind === 'transition' ? n.event : `${n.event} (${n.kind})`;
  const quoted = (n.reason.trim() ? escapeMrkdwn(n.reason) : '(no reason given)')
    .split('\n')
    .map((l) => `>${l}`)
    .join('\n');

  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`${SEVERITY_EMOJI[n.severity]} ${n.title}`, SLACK_LIMITS.header),
        emoji: true,
      },
    },
    { type: 'section', text: mrkdwn(safe(n.summary, SLACK_LIMITS.sectionText)) },
    {
      type: 'section',
      // The stack's own alarms are about no group, record or member: only what happened and how fast it arrived.
      fields: [
        ...(n.kind === 'ops-alarm'
          ? []
          : [
              field('Group', safe(n.group, SLACK_LIMITS.field - 20)),
              field('Record name', n.recordName === null ? '—' : safe(n.recordName, SLACK_LIMITS.field - 20)),
            ]),
        field('Event', eventText),
        ...(n.kind === 'ops-alarm' ? [] : [field('DNS now serves', servesText(n))]),
        field('Severity', n.severity),
        field('Alert latency', formatDuration(n.latencySeconds)),
      ],
    },
    {
      type: 'section',
      text: mrkdwn(
        truncate(
          `*Alarm* ${safe(n.alarmName, 512)}: ${n.previousState ?? '?'} → ${n.state}\n${quoted}`,
          cap(SLACK_LIMITS.sectionText),
          true,
        ),
      ),
    },
  ];
  const notice = noticeText(n);
  if (notice) blocks.push({ type: 'section', text: mrkdwn(notice) });
  blocks.push({
    type: 'context',
    elements: [
      `State changed ${truncate(escapeMrkdwn(n.stateChangedAt), 64, true)}`,
      `Correlation id ${n.correlationId ? safe(n.correlationId, 256) : '—'}`,
      ...(n.healthCheckId ? [`Health check ${safe(n.healthCheckId, 256)}`] : []),
      `Notification ${safe(n.id, 512)}`,
    ].map((t) => mrkdwn(truncate(t, SLACK_LIMITS.contextText, true))),
  });
  const links = [
    n.links.healthCheck && link('Health check', n.links.healthCheck),
    n.links.alarm && link('Alarm', n.links.alarm),
    n.links.runbook && link('Runbook', n.links.runbook),
  ].filter((l): l is string => Boolean(l));
  if (links.length) blocks.push({ type: 'section', text: mrkdwn(links.join('  ·  ')) });

  return {
    text: truncate(`${escapeMrkdwn(n.title)}\n${escapeMrkdwn(n.summary)}`, cap(FALLBACK_TEXT_MAX), true),
    blocks,
  };
};

/**
 * The incoming-webhook payload for `n` (pure). All alarm- and user-provided text is mrkdwn-escaped; every Block Kit
 * limit holds, and anything shortened ends in `… (truncated)`.
 */
export const buildSlackMessage = (n: Notification): { text: string; blocks: object[] } => {
  // Per-block caps alone allow ~30k characters, and JSON escaping can multiply that: halve the untrusted texts until it fits.
  let message = render(n, 1);
  for (let scale = 0.5; JSON.stringify(message).length > SLACK_LIMITS.message && scale > 1 / 512; scale /= 2)
    message = render(n, scale);
  return message;
};

/** Slack's answers that no retry will change (https://api.slack.com/messaging/webhooks#handling_errors). */
const PERMANENT_ERRORS = new Set([
  'invalid_token',
  'channel_not_found',
  'channel_is_archived',
  'no_service',
  'invalid_payload',
  'action_prohibited',
  'posting_to_general_channel_denied',
  'no_text',
]);

/** Slack's error body, short and single-line, with anything of the webhook URL (a secret) redacted in case a proxy echoes it. */
const describeBody = (body: string, url: string): string => {
  const line = (body.trim().split('\n')[0] ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ');
  return redact(line, urlSecrets(url)).slice(0, 200);
};

const classify = ({ status, headers, body }: PostResult, url: string): SendResult => {
  const code = describeBody(body, url);
  const answered = `slack answered ${status}${code ? ` ${code}` : ''}`;
  if (status >= 200 && status < 300) return code === 'ok' ? { status: 'sent' } : { status: 'sent', info: answered };
  if (status === 429) {
    const wait = retryAfterMs(headers.get('retry-after'));
    return wait === undefined
      ? { status: 'retry', reason: answered }
      : { status: 'retry', reason: answered, retryAfterMs: wait };
  }
  if (PERMANENT_ERRORS.has(code)) return { status: 'permanent', reason: answered };
  if (status >= 500) return { status: 'retry', reason: answered };
  // Other 4xx and any 3xx (redirects are never followed): the webhook as configured will not work.
  return { status: 'permanent', reason: answered };
};

export interface SlackChannelOptions {
  /** Resolves the incoming-webhook URL (a secret, from SSM in Lambda) when a message is sent. */
  webhookUrl: () => Promise<string>;
  /** Per-attempt HTTP timeout; default 5000 ms. */
  timeoutMs?: number;
  /** What the SSRF guard lets through (`notify.slack.allowPrivateTargets`); public addresses only by default. */
  guard?: OutboundGuard;
}

/** The `slack` channel: posts every notification kind to an incoming webhook. Reasons never carry the webhook URL. */
export const slackChannel = (options: SlackChannelOptions): Channel => {
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    name: 'slack',
    accepts: () => true,
    send: async (n, signal) => {
      let url: string;
      try {
        url = await options.webhookUrl();
      } catch (err) {
        // Usually SSM throttling or a cold-start network blip; the error's message may name the parameter, so only its class is kept.
        return { status: 'retry', reason: `webhook url unavailable (${err instanceof Error ? err.name : typeof err})` };
      }
      if (!URL.canParse(url)) return { status: 'permanent', reason: 'webhook url is not a valid URL' };
      let res: PostResult;
      try {
        res = await postJson(
          url,
          JSON.stringify(buildSlackMessage(n)),
          {},
          AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          options.guard,
        );
      } catch (err) {
        return networkFailure(err);
      }
      return classify(res, url);
    },
  };
};
