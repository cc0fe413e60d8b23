// What the chat channels (Slack, Microsoft Teams) share besides their words (wording.ts): visible truncation, the
// link rule, reading a peer's error body, and the one POST of a message to an incoming-webhook URL.
import { type OutboundGuard, type PostResult, postJson } from '../../net/http.js';
import { redact, urlSecrets } from '../../support/redact.js';
import type { Channel, Notification, SendResult } from '../notification.js';
import { networkFailure } from '../notification.js';
import { linkNotShownWords } from '../wording.js';

/** Ends every shortened text, so a cut is visible to the reader. */
export const TRUNCATED = '… (truncated)';

/**
 * Cuts `s` to at most `max` characters ending in `TRUNCATED`; never splits a surrogate pair or (with `entities`,
 * for `&amp;`-escaped text) an entity.
 */
export const truncate = (s: string, max: number, entities = false): string => {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - TRUNCATED.length));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  // After escaping every `&` starts an entity, so a trailing `&`, `&a`, `&am`, `&amp`, `&l`… is one the cut broke.
  if (entities) cut = cut.replace(/&[a-z]{0,3}$/, '');
  return cut + TRUNCATED;
};

// A console or runbook URL longer than this is not cut (a cut link is a broken link): it is left out with a note.
export const LINK_MAX = 900;

/** A trusted link from config or the console: a link to render, or (not http(s), or too long) text to show instead. */
export type ChatLink = { label: string; href: string } | { label: string; text: string };

/** The link rule of chat messages: only http(s) URLs of at most LINK_MAX characters become links. */
export const chatLink = (label: string, url: string): ChatLink => {
  const href = URL.canParse(url) ? new URL(url) : undefined;
  if (!href || !/^https?:$/.test(href.protocol)) return { label, text: truncate(url, 200) };
  if (href.href.length > LINK_MAX) return { label, text: linkNotShownWords(LINK_MAX) };
  return { label, href: href.href };
};

/**
 * What a peer's error body says, short and single-line: a JSON error's `error.code` (Power Automate, Azure), else its
 * first line; anything of the webhook URL (a secret) is redacted in case a proxy echoes it.
 */
export const peerSays = (body: string, url: string): string => {
  let said = body.trim().split('\n')[0] ?? '';
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } } | null)?.error?.code;
    if (typeof code === 'string') said = code;
  } catch {
    // Not JSON: Slack answers in plain words (`invalid_token`), so the first line is what it says.
  }
  return redact(said.replace(/[\u0000-\u001f\u007f]/g, ' '), urlSecrets(url)).slice(0, 200);
};

/**
 * POSTs one message to an incoming-webhook URL resolved at send time (a secret: from SSM in Lambda) and classifies the
 * answer. Reasons never carry the URL.
 */
export const postToWebhook = async (
  webhookUrl: () => Promise<string>,
  body: string,
  opts: { signal: AbortSignal; timeoutMs: number; guard?: OutboundGuard | undefined },
  classify: (res: PostResult, url: string) => SendResult,
): Promise<SendResult> => {
  let url: string;
  try {
    url = await webhookUrl();
  } catch (err) {
    // Usually SSM throttling or a cold-start network blip; the error's message may name the parameter, so only its class is kept.
    return { status: 'retry', reason: `webhook url unavailable (${err instanceof Error ? err.name : typeof err})` };
  }
  if (!URL.canParse(url)) return { status: 'permanent', reason: 'webhook url is not a valid URL' };
  let res: PostResult;
  try {
    res = await postJson(
      url,
      body,
      {},
      AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]),
      opts.guard,
    );
  } catch (err) {
    return networkFailure(err);
  }
  return classify(res, url);
};

export interface ChatChannelOptions {
  /** Resolves the incoming-webhook URL (a secret: from SSM in Lambda) when a message is sent. */
  webhookUrl: () => Promise<string>;
  /** Per-attempt HTTP timeout (default: the channel's). */
  timeoutMs?: number;
  /** What the SSRF guard lets through (the channel's `allowPrivateTargets`); public addresses only by default. */
  guard?: OutboundGuard;
}

/** A chat channel: every notification kind, laid out by `build`, POSTed to its webhook and classified by `classify`. */
export const chatChannel =
  (
    name: string,
    build: (n: Notification) => object,
    classify: (res: PostResult, url: string) => SendResult,
    defaultTimeoutMs: number,
  ) =>
  (options: ChatChannelOptions): Channel => ({
    name,
    accepts: () => true,
    send: (n, signal) =>
      postToWebhook(
        options.webhookUrl,
        JSON.stringify(build(n)),
        { signal, timeoutMs: options.timeoutMs ?? defaultTimeoutMs, guard: options.guard },
        classify,
      ),
  });
