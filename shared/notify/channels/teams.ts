// Microsoft Teams through a Workflows webhook: the flow "Post card in a chat or channel when a webhook request is
// received" (trigger "When a Teams webhook request is received", action "Post card in a chat or channel") posts the
// Adaptive Card it is sent. Sources (Microsoft Learn):
// - "Create Incoming Webhooks" (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/
//   add-incoming-webhook): Workflows replace Office 365 connectors and take Adaptive Cards only; messages over 28 KB
//   are refused; more than 4 requests a second are throttled (retry with backoff).
// - "Sending messages to connectors and webhooks", "Send adaptive cards using an incoming webhook"
//   (.../how-to/connectors-using): the body is `{type: "message", attachments: [{contentType:
//   "application/vnd.microsoft.card.adaptive", contentUrl: null, content: {type: "AdaptiveCard", …}}]}`, and
//   `type` must be `message`.
// - "Microsoft Teams" connector reference, known limitations (https://learn.microsoft.com/connectors/teams/): "Post
//   card in a chat or channel" fails with "Request Entity too large" above about 28 KB, HTML rendering included.
import type { Severity } from '../../core/group-events.js';
import { type PostResult, retryAfterMs } from '../../net/http.js';
import type { Notification, SendResult } from '../notification.js';
import { alarmWords, chatDetails, footnoteDetails, linkDetails, noticeWords } from '../wording.js';
import { type ChatChannelOptions, chatChannel, chatLink, peerSays, TRUNCATED, truncate } from './chat.js';

/**
 * Our caps for a Teams card. Teams refuses a posted message over about 28 KB, counting the HTML it renders (see the
 * sources above), so the JSON stays well under: 24,000 UTF-8 bytes. Adaptive Cards set no per-text limits; these keep
 * one long alarm reason from crowding out the rest.
 */
export const TEAMS_LIMITS = {
  /** The whole serialized message, UTF-8 bytes. */
  message: 24_000,
  title: 200,
  text: 3000,
  value: 500,
  footnote: 512,
} as const;

/** Adaptive Card 1.4: every element used here exists since 1.2, and Teams renders 1.4 on desktop, web and mobile. */
export const TEAMS_CARD_VERSION = '1.4';

export interface TextRun {
  type: 'TextRun';
  text: string;
  weight?: 'Bolder';
  size?: 'Small' | 'Large';
  isSubtle?: true;
  fontType?: 'Monospace';
}
export interface RichTextBlock {
  type: 'RichTextBlock';
  inlines: TextRun[];
}
export interface Container {
  type: 'Container';
  style: 'attention' | 'warning' | 'accent' | 'emphasis';
  bleed?: true;
  items: RichTextBlock[];
}
export interface OpenUrl {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}
export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: typeof TEAMS_CARD_VERSION;
  fallbackText: string;
  msteams: { width: 'Full' };
  body: (RichTextBlock | Container)[];
  actions?: OpenUrl[];
}
export interface TeamsMessage {
  type: 'message';
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }];
}

const SEVERITY_LOOK: Record<Severity, { emoji: string; style: Container['style'] }> = {
  critical: { emoji: '🚨', style: 'attention' },
  error: { emoji: '🔴', style: 'attention' },
  warning: { emoji: '⚠️', style: 'warning' },
  info: { emoji: 'ℹ️', style: 'accent' },
};

/**
 * Untrusted text made inert for a TextRun. A TextRun is never read as Markdown (Adaptive Cards schema, TextRun), so
 * `[click](https://evil)`, `**`, lists and `<at>` stay literal text; what remains are the `{{DATE(…)}}` and
 * `{{TIME(…)}}` functions, which a zero-width space after each `{` of a `{{` disarms (invisible to readers).
 */
export const inertText = (s: string): string => s.replace(/\{(?=\{)/g, '{\u200B');

const run = (text: string, style: Omit<TextRun, 'type' | 'text'> = {}): TextRun => ({
  type: 'TextRun',
  text,
  ...style,
});
const line = (...inlines: TextRun[]): RichTextBlock => ({ type: 'RichTextBlock', inlines });

/** Builds the card with every untrusted text capped at `scale` × its cap. Words come from wording.ts. */
const render = (n: Notification, scale: number): TeamsMessage => {
  const cap = (limit: number) => Math.max(TRUNCATED.length + 16, Math.floor(limit * scale));
  const safe = (s: string, limit: number) => truncate(inertText(s), cap(limit));
  const bold = (label: string) => run(`${label}: `, { weight: 'Bolder' });
  const look = SEVERITY_LOOK[n.severity];
  const alarm = alarmWords(n);
  const notice = noticeWords(n);
  const links = linkDetails(n).map((l) => chatLink(l.label, l.value));

  const body: AdaptiveCard['body'] = [
    {
      type: 'Container',
      style: look.style,
      bleed: true,
      items: [line(run(safe(`${look.emoji} ${n.title}`, TEAMS_LIMITS.title), { size: 'Large', weight: 'Bolder' }))],
    },
    ...(n.summary.trim() ? [line(run(safe(n.summary, TEAMS_LIMITS.text)))] : []),
    ...chatDetails(n).map((d) => line(bold(d.label), run(safe(d.value, TEAMS_LIMITS.value)))),
    {
      type: 'Container',
      style: 'emphasis',
      items: [
        line(bold(alarm.label), run(safe(`${alarm.name}: ${alarm.change}`, TEAMS_LIMITS.value))),
        line(run(safe(alarm.reason, TEAMS_LIMITS.text), { fontType: 'Monospace' })),
      ],
    },
    ...(notice ? [line(bold(notice.label), run(safe(notice.text, TEAMS_LIMITS.text)))] : []),
    ...footnoteDetails(n).map((d) =>
      line(run(`${d.label} ${safe(d.value, TEAMS_LIMITS.footnote)}`, { size: 'Small', isSubtle: true })),
    ),
    // A link that is not http(s), or too long to be shown whole, is shown as text instead of a button.
    ...links.flatMap((l) =>
      'text' in l
        ? [line(run(`${l.label}: ${safe(l.text, TEAMS_LIMITS.footnote)}`, { size: 'Small', isSubtle: true }))]
        : [],
    ),
  ];
  const actions = links.flatMap((l): OpenUrl[] =>
    'href' in l ? [{ type: 'Action.OpenUrl', title: l.label, url: l.href }] : [],
  );
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: TEAMS_CARD_VERSION,
          fallbackText: truncate(`${n.title}\n${n.summary}`, cap(TEAMS_LIMITS.text)),
          msteams: { width: 'Full' },
          body,
          ...(actions.length ? { actions } : {}),
        },
      },
    ],
  };
};

/** UTF-8 bytes of the message as posted. */
export const teamsMessageBytes = (m: TeamsMessage): number => Buffer.byteLength(JSON.stringify(m));

/**
 * The Workflows webhook payload for `n` (pure): an Adaptive Card where every alarm- and user-provided text is inert
 * (TextRuns only, `{{` disarmed), within TEAMS_LIMITS, and anything shortened ends in `… (truncated)`.
 */
export const buildTeamsMessage = (n: Notification): TeamsMessage => {
  // JSON escaping (a control character costs six bytes) and multi-byte UTF-8 can multiply the caps: halve until it fits.
  let message = render(n, 1);
  for (let scale = 0.5; teamsMessageBytes(message) > TEAMS_LIMITS.message && scale > 1 / 512; scale /= 2)
    message = render(n, scale);
  return message;
};

const classify = ({ status, headers, body }: PostResult, url: string): SendResult => {
  const says = peerSays(body, url);
  const answered = `teams answered ${status}${says ? ` ${says}` : ''}`;
  if (status >= 200 && status < 300) {
    // A retired Office 365 connector URL answers 200 and puts its throttling in the body ("Microsoft Teams endpoint
    // returned HTTP error 429"; Microsoft Learn, "Rate limiting for connectors").
    if (/HTTP error 429/.test(body)) return { status: 'retry', reason: answered };
    return { status: 'sent', info: answered };
  }
  // Workflows answers 429 with Retry-After when the flow is throttled; 408 and 5xx are the service's own trouble.
  if (status === 429 || status === 408 || status >= 500) {
    const wait = retryAfterMs(headers.get('retry-after'));
    return wait === undefined
      ? { status: 'retry', reason: answered }
      : { status: 'retry', reason: answered, retryAfterMs: wait };
  }
  // 400 (a payload the flow refuses), 401/403 (a wrong `sig`), 404 (the flow was deleted), 413 (too large), any 3xx
  // (redirects are never followed): the webhook as configured will not take this message.
  return {
    status: 'permanent',
    reason: status >= 300 && status < 400 ? `${answered} (redirects are not followed)` : answered,
  };
};

export type TeamsChannelOptions = ChatChannelOptions;

/**
 * The `teams` channel: posts every notification kind as an Adaptive Card to a Workflows webhook, whose URL is a secret
 * (its `sig` query parameter signs it). 10 s per attempt: a flow trigger answers slower than Slack. Reasons never
 * carry the URL.
 */
export const teamsChannel = chatChannel('teams', buildTeamsMessage, classify, 10_000);
