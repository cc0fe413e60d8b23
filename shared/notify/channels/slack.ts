import type { Severity } from '../../core/group-events.js';
import { type PostResult, retryAfterMs } from '../../net/http.js';
import type { Notification, SendResult } from '../notification.js';
import { alarmWords, chatDetails, footnoteDetails, linkDetails, noticeWords } from '../wording.js';
import { type ChatChannelOptions, chatChannel, chatLink, peerSays, TRUNCATED, truncate } from './chat.js';

export { TRUNCATED, truncate } from './chat.js';

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

// Our own cap on the top-level fallback: it is what phones show in the push notification.
const FALLBACK_TEXT_MAX = 3000;

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':rotating_light:',
  error: ':red_circle:',
  warning: ':warning:',
  info: ':information_source:',
};

/** Escapes the three characters Slack mrkdwn treats as control: `<!channel>`, `<@U123>` and `<url|label>` become inert text. */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

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

/** A trusted link (config, console) in Slack link syntax; anything else is inert text. */
const link = (label: string, url: string): string => {
  const l = chatLink(label, url);
  return 'href' in l ? `<${escapeMrkdwn(l.href).replace(/\|/g, '%7C')}|${label}>` : `${label}: ${escapeMrkdwn(l.text)}`;
};

/** Builds the message with every untrusted text capped at `scale` × its Slack limit. */
const render = (n: Notification, scale: number): { text: string; blocks: SlackBlock[] } => {
  const cap = (limit: number) => Math.max(TRUNCATED.length + 16, Math.floor(limit * scale));
  const safe = (s: string, limit: number) => truncate(escapeMrkdwn(s), cap(limit), true);
  const field = (label: string, value: string) => mrkdwn(truncate(`*${label}*\n${value}`, SLACK_LIMITS.field, true));
  const alarm = alarmWords(n);
  const quoted = escapeMrkdwn(alarm.reason)
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
      fields: chatDetails(n).map((d) => field(d.label, safe(d.value, SLACK_LIMITS.field - 20))),
    },
    {
      type: 'section',
      text: mrkdwn(
        truncate(
          `*${alarm.label}* ${safe(alarm.name, 512)}: ${alarm.change}\n${quoted}`,
          cap(SLACK_LIMITS.sectionText),
          true,
        ),
      ),
    },
  ];
  const notice = noticeWords(n);
  if (notice)
    blocks.push({ type: 'section', text: mrkdwn(`*${notice.label}:* ${safe(notice.text, SLACK_LIMITS.sectionText)}`) });
  blocks.push({
    type: 'context',
    elements: footnoteDetails(n).map((d) =>
      mrkdwn(truncate(`${d.label} ${safe(d.value, 512)}`, SLACK_LIMITS.contextText, true)),
    ),
  });
  const links = linkDetails(n).map((l) => link(l.label, l.value));
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

const classify = ({ status, headers, body }: PostResult, url: string): SendResult => {
  const code = peerSays(body, url);
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

export type SlackChannelOptions = ChatChannelOptions;

/** The `slack` channel: every notification kind to an incoming webhook, 5 s per attempt. Reasons never carry the URL. */
export const slackChannel = chatChannel('slack', buildSlackMessage, classify, 5000);
